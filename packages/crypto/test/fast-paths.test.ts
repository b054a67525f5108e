/**
 * The node backend's fast paths (SPEC.md §1.2 "own CSPRNG", §6.1 KDF_CK): paired HMAC-SHA256 against
 * noble and node:crypto, native Encaps/KeyGen from OpenSSL's CSPRNG against noble's Decaps/KeyGen and
 * back, the system-RNG gate, and suite-2 sessions run on those paths against a noble peer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha256Pair } from '../src/hmac-pair.ts';
import {
  acceptSession,
  bufferedRandom,
  decodeContactCard,
  decrypt,
  deserializeSession,
  encrypt,
  initiateSession,
  noblePrimitives,
  PQ_RATCHET_INTERVAL,
  type Primitives,
  type Session,
  serializeSession,
  systemRandom,
  toHex,
} from '../src/index.ts';
import { KIND_PQ_RATCHET } from '../src/message.ts';
import { checkDecapsulation } from '../src/mlkem.ts';
import { nobleMlKem768 } from '../src/noble.ts';
import { nodeOnlyPrimitives, nodePrimitives } from '../src/node/index.ts';
import { isSystemRandom } from '../src/random.ts';
import { assertProperty } from './corpus.ts';
import { makePqParty, pqLookup, seededRandom, str, text } from './helpers.ts';

const same = (x: Uint8Array, y: Uint8Array) => expect(toHex(x)).toBe(toHex(y));
const nb = noblePrimitives;
const nd = nodePrimitives;

describe('hmacSha256Pair (KDF_CK fast path)', () => {
  it('equals two HMAC-SHA256 (noble and node:crypto) for keys ≤ 64 and messages ≤ 55 bytes', () => {
    assertProperty(
      'hmac-pair',
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 55 }),
        fc.uint8Array({ maxLength: 55 }),
        (k, a, b) => {
          const [x, y] = hmacSha256Pair(k, a, b);
          same(x, nb.hmacSha256(k, a));
          same(y, nb.hmacSha256(k, b));
          const [u, v] = nd.hmacSha256Pair!(k, a, b);
          same(u, x);
          same(v, y);
        },
      ),
      300,
    );
  });

  it('covers every boundary length exactly, and refuses (node: falls back on) longer inputs', () => {
    for (const kl of [0, 1, 31, 32, 33, 55, 56, 63, 64]) {
      for (const ml of [0, 1, 3, 4, 5, 51, 52, 55]) {
        const k = new Uint8Array(kl).map((_, i) => i * 7 + kl);
        const m = new Uint8Array(ml).map((_, i) => 255 - i);
        same(hmacSha256Pair(k, m, m)[0], nb.hmacSha256(k, m));
      }
    }
    const long = new Uint8Array(56).fill(9);
    const k65 = new Uint8Array(65).fill(3);
    expect(() => hmacSha256Pair(new Uint8Array(32), long, long)).toThrow(RangeError);
    expect(() => hmacSha256Pair(k65, long.subarray(0, 1), long.subarray(0, 1))).toThrow(RangeError);
    const [x, y] = nd.hmacSha256Pair!(k65, long, Uint8Array.of(1));
    same(x, nb.hmacSha256(k65, long));
    same(y, nb.hmacSha256(k65, Uint8Array.of(1)));
  });
});

describe('own-CSPRNG fast paths (node backend)', () => {
  it('only the system CSPRNG (and pools over it) counts as system randomness', () => {
    expect(isSystemRandom(systemRandom)).toBe(true);
    expect(isSystemRandom(bufferedRandom(systemRandom))).toBe(true);
    expect(isSystemRandom(seededRandom('x'))).toBe(false);
    expect(isSystemRandom(bufferedRandom(seededRandom('x')))).toBe(false);
    expect(isSystemRandom((n) => systemRandom(n))).toBe(false);
  });

  it('native Encaps (m from OpenSSL) decapsulates with noble, noble Encaps with native Decaps, many keys', () => {
    for (let i = 0; i < 40; i++) {
      // alternate who made the key: noble KeyGen of a drawn seed, or OpenSSL's own generation
      const g = i % 2 === 0 ? undefined : nd.mlkem768Generate!();
      const seed = g?.seed ?? systemRandom(64);
      const kp = nobleMlKem768.mlkem768Keygen(seed);
      const native = nd.mlkem768EncapsulateRandom!(kp.encapsulationKey);
      expect(native.ciphertext.length).toBe(1088);
      same(nobleMlKem768.mlkem768Decapsulate(kp.decapsulationKey, native.ciphertext), native.sharedSecret);
      same(nd.mlkem768Decapsulate!(kp.decapsulationKey.slice(), native.ciphertext), native.sharedSecret);
      same(nd.mlkem768DecapsulateSeed!(seed, native.ciphertext), native.sharedSecret);
      same(nd.mlkem768DecapsulateSeed!(seed.slice(), native.ciphertext), native.sharedSecret); // imported
      const m = systemRandom(32);
      const viaNoble = nb.mlkem768Encapsulate!(kp.encapsulationKey, m);
      same(nd.mlkem768Decapsulate!(kp.decapsulationKey, viaNoble.ciphertext), viaNoble.sharedSecret);
      same(nd.mlkem768DecapsulateSeed!(seed, viaNoble.ciphertext), viaNoble.sharedSecret);
      // implicit rejection agrees too
      const bad = viaNoble.ciphertext.slice();
      bad[i * 27]! ^= 1;
      same(
        nd.mlkem768DecapsulateSeed!(seed, bad),
        nobleMlKem768.mlkem768Decapsulate(kp.decapsulationKey, bad),
      );
      // two encapsulations to one key never repeat m: different ciphertexts and secrets
      const again = nd.mlkem768EncapsulateRandom!(kp.encapsulationKey);
      expect(toHex(again.ciphertext)).not.toBe(toHex(native.ciphertext));
      expect(toHex(again.sharedSecret)).not.toBe(toHex(native.sharedSecret));
    }
  });

  it('a natively generated ML-KEM key is KeyGen of its exported seed (so a stored state re-expands to it)', () => {
    for (let i = 0; i < 10; i++) {
      const g = nd.mlkem768Generate!();
      expect(g.seed.length).toBe(64);
      same(g.encapsulationKey, nobleMlKem768.mlkem768Keygen(g.seed).encapsulationKey);
    }
  });

  it('Decaps by seed checks its inputs like Decaps', () => {
    expect(() => nd.mlkem768DecapsulateSeed!(new Uint8Array(63), new Uint8Array(1088))).toThrow(/seed/);
    expect(() => nd.mlkem768DecapsulateSeed!(new Uint8Array(64), new Uint8Array(1087))).toThrow(/ciphertext/);
  });

  it('a natively generated X25519 pair agrees with noble', () => {
    for (let i = 0; i < 20; i++) {
      const a = nd.x25519Generate!();
      const b = nd.x25519Generate!();
      same(nb.x25519PublicKey(a.secretKey), a.publicKey);
      same(nb.x25519(a.secretKey, b.publicKey), nd.x25519(b.secretKey, a.publicKey));
      expect(toHex(a.secretKey)).not.toBe(toHex(b.secretKey));
    }
  });

  it('the remembered Decaps hash check never outlives a change to the bytes it read', () => {
    const kp = nd.mlkem768Keygen!(systemRandom(64));
    const ct = nd.mlkem768EncapsulateRandom!(kp.encapsulationKey).ciphertext;
    checkDecapsulation(kp.decapsulationKey, ct); // remembered as valid
    kp.decapsulationKey[1152 + 5]! ^= 1; // inside ek: H(ek) no longer matches
    expect(() => checkDecapsulation(kp.decapsulationKey, ct)).toThrow(/hash check/);
    kp.decapsulationKey[1152 + 5]! ^= 1;
    checkDecapsulation(kp.decapsulationKey, ct);
    kp.decapsulationKey[2336 + 1]! ^= 1; // inside H(ek)
    expect(() => checkDecapsulation(kp.decapsulationKey, ct)).toThrow(/hash check/);
  });
});

describe('remembered Ed25519 verifications (node backend)', () => {
  it('a remembered signature verifies only the exact message and key it verified, before and after', () => {
    for (const p of [nd, nodeOnlyPrimitives]) {
      const sk = systemRandom(32);
      const pub = p.ed25519PublicKey(sk);
      const msg = systemRandom(1200);
      const sig = p.ed25519Sign(sk, msg);
      expect(p.ed25519Verify(sig, msg, pub)).toBe(true);
      expect(p.ed25519Verify(sig, msg.slice(), pub.slice())).toBe(true); // hit: equal bytes, other arrays
      const otherMsg = msg.slice();
      otherMsg[600]! ^= 1;
      expect(p.ed25519Verify(sig, otherMsg, pub)).toBe(false);
      const otherPub = p.ed25519PublicKey(systemRandom(32));
      expect(p.ed25519Verify(sig, msg, otherPub)).toBe(false);
      sig[0]! ^= 1; // the remembered array itself changed
      expect(p.ed25519Verify(sig, msg, pub)).toBe(false);
      sig[0]! ^= 1;
      expect(p.ed25519Verify(sig, msg, pub)).toBe(true);
    }
  });
});

describe('suite-2 sessions on the fast paths', () => {
  /** Alice on node + system CSPRNG (fast paths), Bob on noble + a seeded source (drawn paths). */
  function run(pa: Primitives, pb: Primitives) {
    const alice = makePqParty('alice', systemRandom, pa);
    const bob = makePqParty('bob', seededRandom('bob'), pb);
    const rb = seededRandom('bob-session');
    let a: Session = initiateSession(alice.identity, decodeContactCard(bob.card, pa), systemRandom, pa);
    const first = encrypt(a, text('hi'), pa);
    a = first.session;
    let b = acceptSession(bob.identity, pqLookup(bob), first.message, rb, pb).session;
    let pq = 0;
    for (let i = 0; i < 4 * PQ_RATCHET_INTERVAL + 3; i++) {
      const fromA = i % 2 === 0;
      const r = encrypt(fromA ? a : b, text(`m${i}`), fromA ? pa : pb);
      if (r.message[1] === KIND_PQ_RATCHET) pq++;
      const d = decrypt(fromA ? b : a, r.message, fromA ? rb : systemRandom, fromA ? pb : pa);
      expect(str(d.plaintext)).toBe(`m${i}`);
      if (fromA) [a, b] = [r.session, d.session];
      else [b, a] = [r.session, d.session];
      // Alice's state goes through storage every few turns: her natively generated KEM seed re-expands
      if (i % 3 === 2) a = deserializeSession(serializeSession(a));
    }
    expect(pq).toBeGreaterThanOrEqual(4);
  }

  it('node (system CSPRNG) talks to noble (seeded), PQ chains and reloads included', () => run(nd, nb));
  it('noble (seeded) talks to node (system CSPRNG)', () => run(nb, nd));
});

describe('key imports without stack traces (src/node/keys.ts)', () => {
  it('imports the same keys node:crypto does, and restores Error.stackTraceLimit, also on a throw', async () => {
    const { importPublicKey, importPrivateKey, generateKeyPair } = await import('../src/node/keys.ts');
    const before = Error.stackTraceLimit;
    const { privateKey, publicKey } = generateKeyPair('x25519');
    expect(Error.stackTraceLimit).toBe(before);
    const raw = publicKey.export({ format: 'raw-public' } as never) as unknown as Uint8Array;
    const again = importPublicKey({ key: raw, format: 'raw-public', asymmetricKeyType: 'x25519' } as never);
    expect(again.equals(publicKey)).toBe(true);
    expect(importPublicKey(privateKey).equals(publicKey)).toBe(true);
    // a key OpenSSL refuses still throws (the caller reports it), and the limit comes back
    expect(() =>
      importPrivateKey({
        key: new Uint8Array(5),
        format: 'raw-private',
        asymmetricKeyType: 'x25519',
      } as never),
    ).toThrow();
    expect(Error.stackTraceLimit).toBe(before);
    // the backend's X25519 through these imports agrees with noble
    const sk = systemRandom(32);
    const pk = nb.x25519PublicKey(systemRandom(32));
    same(nd.x25519(sk, pk), nb.x25519(sk, pk));
    same(nd.x25519PublicKey(sk), nb.x25519PublicKey(sk));
  });
});
