/** Sender Keys (SPEC.md §12): round trip, order, replay, forgery, tampering, limits, codecs, golden vector. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CryptoError,
  createSenderKey,
  DecryptError,
  decodeSenderKeyDistribution,
  deserializeSenderKey,
  deserializeSenderKeyReceiver,
  FormatError,
  LimitError,
  MAX_SENDER_KEY_ITERATION,
  MAX_SENDER_KEY_SKIP,
  MAX_SENDER_KEY_STORED,
  noblePrimitives,
  type Primitives,
  peekSenderKeyMessage,
  SENDER_KEY_DISTRIBUTION_BYTES,
  type SenderKeyReceiver,
  SenderKeyState,
  senderKeyDecrypt,
  senderKeyDistribution,
  senderKeyEncrypt,
  serializeSenderKey,
  serializeSenderKeyReceiver,
  toHex,
} from '../src/index.ts';
import { nodePrimitives } from '../src/node/index.ts';
import { assertProperty, decoderInputs } from './corpus.ts';
import { backends, counting, seededRandom, str, text } from './helpers.ts';
import { runSenderKeyGroup, type SenderKeyVectors } from './vectors/sender-key-group.ts';

const golden: SenderKeyVectors = JSON.parse(
  readFileSync(new URL('./vectors/sender-key-v1.json', import.meta.url), 'utf8'),
);
const GROUP = text('group-1');
/** Primitives that derive keys or decrypt: none may run before the signature and limits pass. */
const DERIVING = ['hmacSha256', 'hkdfSha256', 'aeadOpen', 'aeadSeal'];

/** The chain key `steps` iterations ahead (SPEC.md §12.2: ck' = HMAC(ck, 0x02)). */
function advance(p: Primitives, state: SenderKeyState, steps: number): SenderKeyState {
  let ck = state.chainKey;
  for (let i = 0; i < steps; i++) ck = p.hmacSha256(ck, Uint8Array.of(2));
  return new SenderKeyState({ ...state, iteration: state.iteration + steps, chainKey: ck });
}

describe.each(backends)('sender keys (%s)', (name, p) => {
  const setup = (seed: string) => {
    const rnd = seededRandom(`sender-key-${name}-${seed}`);
    const alice = createSenderKey(rnd, p);
    return { rnd, alice, bob: decodeSenderKeyDistribution(senderKeyDistribution(alice)) };
  };
  const send = (state: SenderKeyState, count: number): [SenderKeyState, Uint8Array[]] => {
    const out: Uint8Array[] = [];
    let s = state;
    for (let i = 0; i < count; i++) {
      const r = senderKeyEncrypt(s, text(`m${i}`), GROUP, p);
      s = r.state;
      out.push(r.message);
    }
    return [s, out];
  };
  const expectUnchanged = (before: SenderKeyReceiver, snapshot: string) =>
    expect(toHex(serializeSenderKeyReceiver(before))).toBe(snapshot);

  it('round trip; encrypt is pure; the distribution is 73 bytes', () => {
    const { alice, bob } = setup('round-trip');
    const dist = senderKeyDistribution(alice);
    expect(dist.length).toBe(SENDER_KEY_DISTRIBUTION_BYTES);
    const aliceBefore = serializeSenderKey(alice);
    const r = senderKeyEncrypt(alice, text('hello group'), GROUP, p);
    expect(toHex(serializeSenderKey(alice))).toBe(toHex(aliceBefore));
    expect(r.state.iteration).toBe(1);
    expect(peekSenderKeyMessage(r.message)).toEqual({ keyId: alice.keyId, iteration: 0 });
    const d = senderKeyDecrypt(bob, r.message, GROUP, p);
    expect(str(d.plaintext)).toBe('hello group');
    expect(d.receiver.iteration).toBe(1);
    expect(bob.iteration).toBe(0);
    const r2 = senderKeyEncrypt(r.state, new Uint8Array(0), GROUP, p);
    expect(senderKeyDecrypt(d.receiver, r2.message, GROUP, p).plaintext.length).toBe(0);
  });

  it('out of order within the limits: skipped keys kept, each used once', () => {
    const { alice, bob } = setup('order');
    const [, msgs] = send(alice, 8);
    let r = bob;
    for (const i of [5, 0, 7, 1, 6, 2, 4, 3]) {
      const d = senderKeyDecrypt(r, msgs[i]!, GROUP, p);
      expect(str(d.plaintext)).toBe(`m${i}`);
      r = d.receiver;
      expect(() => senderKeyDecrypt(r, msgs[i]!, GROUP, p)).toThrow(DecryptError);
    }
    expect(r.skipped.size).toBe(0);
    expect(r.iteration).toBe(8);
  });

  it('replays and duplicates are refused with the generic error, state unchanged', () => {
    const { alice, bob } = setup('replay');
    const [, msgs] = send(alice, 3);
    const r1 = senderKeyDecrypt(bob, msgs[2]!, GROUP, p).receiver; // 0, 1 skipped
    const r2 = senderKeyDecrypt(r1, msgs[0]!, GROUP, p).receiver;
    const snapshot = toHex(serializeSenderKeyReceiver(r2));
    for (const m of [msgs[0]!, msgs[2]!])
      expect(() => senderKeyDecrypt(r2, m, GROUP, p)).toThrow(DecryptError);
    expectUnchanged(r2, snapshot);
    expect(str(senderKeyDecrypt(r2, msgs[1]!, GROUP, p).plaintext)).toBe('m1');
  });

  it('forged signature, another member signing with the known chain key, wrong group, wrong key id: generic error', () => {
    const { rnd, alice, bob } = setup('forgery');
    const genuine = senderKeyEncrypt(alice, text('genuine'), GROUP, p).message;
    const badSig = genuine.slice();
    badSig[badSig.length - 1]! ^= 0x40;
    // Mallory is a member: she knows Alice's chain key from the distribution, not her signing key.
    const mallory = createSenderKey(rnd, p);
    const forger = new SenderKeyState({
      ...alice,
      signingSecret: mallory.signingSecret,
      signingPublic: mallory.signingPublic,
    });
    const forged = senderKeyEncrypt(forger, text('fake'), GROUP, p).message;
    const otherKey = senderKeyEncrypt(
      new SenderKeyState({ ...alice, keyId: alice.keyId ^ 1 }),
      text('x'),
      GROUP,
      p,
    );
    const snapshot = toHex(serializeSenderKeyReceiver(bob));
    for (const m of [badSig, forged, otherKey.message]) {
      expect(() => senderKeyDecrypt(bob, m, GROUP, p)).toThrow(DecryptError);
    }
    expect(() => senderKeyDecrypt(bob, genuine, text('group-2'), p)).toThrow(DecryptError);
    expectUnchanged(bob, snapshot);
    expect(str(senderKeyDecrypt(bob, genuine, GROUP, p).plaintext)).toBe('genuine');
  });

  it('tampering any byte, truncating or extending: the same generic error, state and input unchanged', () => {
    const { alice, bob } = setup('tamper');
    const [, msgs] = send(alice, 2);
    const r1 = senderKeyDecrypt(bob, msgs[0]!, GROUP, p).receiver;
    const snapshot = toHex(serializeSenderKeyReceiver(r1));
    const m = msgs[1]!;
    const original = toHex(m);
    const variants: Uint8Array[] = [];
    for (let i = 0; i < m.length; i++) {
      const t = m.slice();
      t[i]! ^= 1 << (i % 8);
      variants.push(t);
    }
    for (const n of [0, 1, 9, m.length - 65, m.length - 1]) variants.push(m.slice(0, n));
    variants.push(new Uint8Array([...m, 0]));
    for (const v of variants) {
      let error: unknown;
      try {
        senderKeyDecrypt(r1, v, GROUP, p);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DecryptError);
      expect((error as CryptoError).code).toBe('decrypt-failed');
    }
    expectUnchanged(r1, snapshot);
    expect(toHex(m)).toBe(original);
    expect(str(senderKeyDecrypt(r1, m, GROUP, p).plaintext)).toBe('m1');
  });

  it('counter 2^32-1: refused on send; on receive refused after the signature, before any key derivation', () => {
    const { alice, bob } = setup('counter');
    const exhausted = new SenderKeyState({ ...alice, iteration: MAX_SENDER_KEY_ITERATION });
    const c0 = counting(p);
    expect(() => senderKeyEncrypt(exhausted, text('x'), GROUP, c0.p)).toThrow(
      expect.objectContaining({ code: 'counter-overflow' }),
    );
    expect(c0.calls()).toBe(0);
    // A genuinely signed message claiming iteration 2^32-1.
    const m = senderKeyEncrypt(alice, text('x'), GROUP, p).message;
    new DataView(m.buffer).setUint32(5, MAX_SENDER_KEY_ITERATION);
    m.set(p.ed25519Sign(alice.signingSecret, m.subarray(0, m.length - 64)), m.length - 64);
    const c = counting(p);
    expect(() => senderKeyDecrypt(bob, m, GROUP, c.p)).toThrow(LimitError);
    expect(c.names()).toEqual(['ed25519Verify']);
    // The same counter without a valid signature: the generic error, also nothing derived.
    const forged = m.slice();
    forged[forged.length - 1]! ^= 1;
    const c2 = counting(p);
    expect(() => senderKeyDecrypt(bob, forged, GROUP, c2.p)).toThrow(DecryptError);
    expect(c2.names()).toEqual(['ed25519Verify']);
  });

  it('MAX_SENDER_KEY_SKIP and MAX_SENDER_KEY_STORED: LimitError before deriving, state unchanged', () => {
    const { alice, bob } = setup('limits');
    const at = (n: number) => senderKeyEncrypt(advance(p, alice, n), text(`m${n}`), GROUP, p).message;
    const c = counting(p);
    expect(() => senderKeyDecrypt(bob, at(MAX_SENDER_KEY_SKIP + 1), GROUP, c.p)).toThrow(
      expect.objectContaining({ code: 'max-skip' }),
    );
    expect(c.names().filter((n) => DERIVING.includes(n))).toEqual([]);
    expect(bob.iteration).toBe(0);
    let r = senderKeyDecrypt(bob, at(MAX_SENDER_KEY_SKIP), GROUP, p).receiver;
    expect(r.skipped.size).toBe(MAX_SENDER_KEY_SKIP);
    r = senderKeyDecrypt(r, at(2 * MAX_SENDER_KEY_SKIP + 1), GROUP, p).receiver;
    expect(r.skipped.size).toBe(MAX_SENDER_KEY_STORED);
    const snapshot = toHex(serializeSenderKeyReceiver(r));
    const c2 = counting(p);
    expect(() => senderKeyDecrypt(r, at(2 * MAX_SENDER_KEY_SKIP + 3), GROUP, c2.p)).toThrow(
      expect.objectContaining({ code: 'max-stored-keys' }),
    );
    expect(c2.names().filter((n) => DERIVING.includes(n))).toEqual([]);
    expectUnchanged(r, snapshot);
    expect(str(senderKeyDecrypt(r, at(2 * MAX_SENDER_KEY_SKIP + 2), GROUP, p).plaintext)).toBe(
      `m${2 * MAX_SENDER_KEY_SKIP + 2}`,
    );
    // A skipped key from the first gap still opens, once.
    const old = senderKeyDecrypt(r, at(7), GROUP, p);
    expect(str(old.plaintext)).toBe('m7');
    expect(old.receiver.skipped.size).toBe(MAX_SENDER_KEY_STORED - 1);
  });

  it('serialization round trip of both states, with skipped keys; decoders refuse garbage with FormatError', () => {
    const { alice, bob } = setup('codec');
    const [a2, msgs] = send(alice, 5);
    const r = senderKeyDecrypt(bob, msgs[4]!, GROUP, p).receiver;
    const a3 = deserializeSenderKey(serializeSenderKey(a2));
    expect(toHex(serializeSenderKey(a3))).toBe(toHex(serializeSenderKey(a2)));
    const r2 = deserializeSenderKeyReceiver(serializeSenderKeyReceiver(r));
    expect(r2.skipped.size).toBe(4);
    expect(toHex(serializeSenderKeyReceiver(r2))).toBe(toHex(serializeSenderKeyReceiver(r)));
    expect(str(senderKeyDecrypt(r2, msgs[2]!, GROUP, p).plaintext)).toBe('m2');
    const next = senderKeyEncrypt(a3, text('after reload'), GROUP, p).message;
    expect(str(senderKeyDecrypt(r2, next, GROUP, p).plaintext)).toBe('after reload');
    expect(() => deserializeSenderKey(serializeSenderKeyReceiver(r))).toThrow(FormatError);
    expect(() => deserializeSenderKeyReceiver(serializeSenderKey(a2))).toThrow(FormatError);
    const bad = serializeSenderKeyReceiver(r);
    bad[0] = 2;
    expect(() => deserializeSenderKeyReceiver(bad)).toThrow(expect.objectContaining({ code: 'bad-version' }));
    for (const input of decoderInputs()) {
      for (const decode of [
        decodeSenderKeyDistribution,
        deserializeSenderKey,
        deserializeSenderKeyReceiver,
      ]) {
        expect(() => decode(input)).toThrow(FormatError);
      }
      expect(() => senderKeyDecrypt(bob, input, GROUP, p)).toThrow(DecryptError);
    }
  });

  it('golden vector sender-key-v1.json: the seeded scenario reproduces every byte', () => {
    expect(JSON.parse(JSON.stringify(runSenderKeyGroup(p)))).toEqual(golden);
    const replay = runSenderKeyGroup(
      p,
      golden.messages.map((m) => m.bytes),
    );
    expect(replay.final).toEqual(golden.final);
  });

  it('property: any delivery order with duplicates decrypts each message exactly once', () => {
    const { alice, bob } = setup('property');
    const [, msgs] = send(alice, 10);
    assertProperty(
      'sender-key-any-order',
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 20 }), (order) => {
        let r = bob;
        const seen = new Set<number>();
        for (const i of order) {
          if (seen.has(i)) {
            const snapshot = toHex(serializeSenderKeyReceiver(r));
            expect(() => senderKeyDecrypt(r, msgs[i]!, GROUP, p)).toThrow(DecryptError);
            expectUnchanged(r, snapshot);
            continue;
          }
          const d = senderKeyDecrypt(r, msgs[i]!, GROUP, p);
          expect(str(d.plaintext)).toBe(`m${i}`);
          r = d.receiver;
          seen.add(i);
        }
        expect(r.iteration).toBe(Math.max(...seen) + 1);
        expect(r.skipped.size).toBe(r.iteration - seen.size);
      }),
      name === 'noble' ? 10 : 30,
    );
  });
});

describe('sender keys: differential noble vs node', () => {
  it('identical bytes from the same randomness, and each backend reads the other', () => {
    const make = (p: Primitives) => {
      const alice = createSenderKey(seededRandom('sender-key-differential'), p);
      return { alice, message: senderKeyEncrypt(alice, text('same bytes'), GROUP, p).message };
    };
    const a = make(noblePrimitives);
    const b = make(nodePrimitives);
    expect(toHex(serializeSenderKey(a.alice))).toBe(toHex(serializeSenderKey(b.alice)));
    expect(toHex(a.message)).toBe(toHex(b.message));
    const dist = senderKeyDistribution(a.alice);
    expect(
      str(senderKeyDecrypt(decodeSenderKeyDistribution(dist), a.message, GROUP, nodePrimitives).plaintext),
    ).toBe('same bytes');
    expect(
      str(senderKeyDecrypt(decodeSenderKeyDistribution(dist), b.message, GROUP, noblePrimitives).plaintext),
    ).toBe('same bytes');
  });
});
