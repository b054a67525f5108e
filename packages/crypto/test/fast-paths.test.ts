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

describe('in-place ratchet-message AEAD (aeadSealMessage / aeadOpenMessage)', () => {
  const backends = [nb, nd, nodeOnlyPrimitives] as const;

  it('gives the bytes aeadSeal gives with AD = ad ‖ header, on every backend, and opens across them', () => {
    assertProperty(
      'aead-message',
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 1500 }),
        (key, ad, header, pt) => {
          const nonce = new Uint8Array(12);
          const expected = nb.aeadSeal(key, nonce, pt, new Uint8Array([...ad, ...header]));
          for (const p of backends) {
            const message = new Uint8Array(header.length + pt.length + 16);
            message.set(header);
            p.aeadSealMessage!(key, nonce, pt, ad, message, header.length);
            same(message.subarray(header.length), expected);
            same(message.subarray(0, header.length), header); // the header is read, never written
            for (const q of backends) same(q.aeadOpenMessage!(key, nonce, message, ad, header.length)!, pt);
          }
        },
      ),
      60,
    );
  });

  it('refuses a flipped bit in the AD, the header, the ciphertext or the tag, and a wrong split', () => {
    const key = systemRandom(32);
    const nonce = new Uint8Array(12);
    const ad = systemRandom(64);
    const header = systemRandom(40);
    const pt = systemRandom(100);
    for (const p of backends) {
      const message = new Uint8Array(header.length + pt.length + 16);
      message.set(header);
      p.aeadSealMessage!(key, nonce, pt, ad, message, header.length);
      for (const at of [0, 39, 40, 41, 100, message.length - 1]) {
        const m = message.slice();
        m[at]! ^= 1;
        expect(p.aeadOpenMessage!(key, nonce, m, ad, header.length), `${p.name} byte ${at}`).toBeUndefined();
      }
      const badAd = ad.slice();
      badAd[0]! ^= 0x80;
      expect(p.aeadOpenMessage!(key, nonce, message, badAd, header.length)).toBeUndefined();
      // The split is authenticated as written: moving a byte between AD and header changes nothing,
      // but moving a byte between header and ciphertext does.
      expect(p.aeadOpenMessage!(key, nonce, message, ad, header.length + 1)).toBeUndefined();
      expect(p.aeadOpenMessage!(key, nonce, message, ad, message.length - 15)).toBeUndefined();
    }
  });

  it('checks its inputs on every backend: key and nonce lengths, the header inside, the room exact', () => {
    const key = systemRandom(32);
    const nonce = new Uint8Array(12);
    const pt = systemRandom(10);
    for (const p of backends) {
      const room = new Uint8Array(5 + 10 + 16);
      expect(() => p.aeadSealMessage!(key.subarray(1), nonce, pt, new Uint8Array(0), room, 5)).toThrow(
        expect.objectContaining({ code: 'bad-key-length' }),
      );
      expect(() => p.aeadSealMessage!(key, nonce.subarray(1), pt, new Uint8Array(0), room, 5)).toThrow(
        expect.objectContaining({ code: 'bad-key-length' }),
      );
      for (const at of [-1, 1.5, room.length + 1, 4, 6])
        expect(
          () => p.aeadSealMessage!(key, nonce, pt, new Uint8Array(0), room, at),
          `${p.name} ${at}`,
        ).toThrow(RangeError);
      expect(() => p.aeadOpenMessage!(key, nonce, room, new Uint8Array(0), room.length + 1)).toThrow(
        RangeError,
      );
      // Shorter than a tag after the header: not authentic, no exception
      expect(p.aeadOpenMessage!(key, nonce, room, new Uint8Array(0), room.length - 15)).toBeUndefined();
    }
  });

  it('a backend without it: the ratchet builds the same messages by concatenating', () => {
    const { aeadSealMessage: _s, aeadOpenMessage: _o, ...plain } = nd;
    const [ra, rb] = [seededRandom('alice'), seededRandom('alice')];
    const alice = makePqParty('alice', seededRandom('a'), nb);
    const bob = makePqParty('bob', seededRandom('b'), nb);
    const card = decodeContactCard(bob.card, nb);
    let [x, y] = [
      initiateSession(alice.identity, card, ra, nd),
      initiateSession(alice.identity, card, rb, plain),
    ];
    let b = undefined as Session | undefined;
    let c = undefined as Session | undefined;
    for (let i = 0; i < 6; i++) {
      const [mx, my] = [encrypt(x, text(`m${i}`), nd), encrypt(y, text(`m${i}`), plain)];
      same(mx.message, my.message);
      [x, y] = [mx.session, my.session];
      // Bob opens them with each path: the new one and the fallback
      if (!b || !c) {
        b = acceptSession(bob.identity, pqLookup(bob), mx.message, seededRandom('r'), nd).session;
        c = acceptSession(bob.identity, pqLookup(bob), my.message, seededRandom('r'), plain).session;
      } else {
        const [db, dc] = [
          decrypt(b, mx.message, systemRandom, nd),
          decrypt(c, my.message, systemRandom, plain),
        ];
        expect([str(db.plaintext), str(dc.plaintext)]).toEqual([`m${i}`, `m${i}`]);
        [b, c] = [db.session, dc.session];
      }
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
