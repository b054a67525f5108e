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
  readFileSync(new URL('./vectors/sender-key-v2.json', import.meta.url), 'utf8'),
);
/** Version 1 (superseded): its stored states must still be what version 2 reaches. */
const goldenV1: {
  distributionToBob: string;
  messages: { bytes: string }[];
  final: SenderKeyVectors['final'];
} = JSON.parse(readFileSync(new URL('./vectors/sender-key-v1.json', import.meta.url), 'utf8'));
/** The caller's associated data, as core passes it: group id ‖ sender id. */
const GROUP = text('group-1/alice');
/** Another member's context (same group): what Alice's key must never verify under. */
const AS_MALLORY = text('group-1/mallory');
const fromHexString = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
/** Primitives that derive keys or decrypt: none may run before the signature and limits pass. */
const DERIVING = ['hmacSha256', 'hkdfSha256', 'aeadOpen', 'aeadSeal'];

/** What a message signature covers (SPEC.md §12.3), spelled out independently of the code. */
function signedBytes(ad: Uint8Array, body: Uint8Array): Uint8Array {
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, ad.length);
  return new Uint8Array([...text('Parley_SenderKey_v2_Message'), ...length, ...ad, ...body]);
}

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
    return { rnd, alice, bob: decodeSenderKeyDistribution(senderKeyDistribution(alice, GROUP, p), GROUP, p) };
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

  it('round trip; encrypt is pure; the distribution is 137 bytes', () => {
    const { alice, bob } = setup('round-trip');
    const dist = senderKeyDistribution(alice, GROUP, p);
    expect(dist.length).toBe(SENDER_KEY_DISTRIBUTION_BYTES);
    expect(dist.length).toBe(137);
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
    expect(() => senderKeyDecrypt(bob, genuine, text('group-2/alice'), p)).toThrow(DecryptError);
    expectUnchanged(bob, snapshot);
    expect(str(senderKeyDecrypt(bob, genuine, GROUP, p).plaintext)).toBe('genuine');
  });

  it("binds the sender: a member who holds Alice's whole key (chain and signing public key) as hers cannot have Alice's messages attributed to her", () => {
    const { alice, bob } = setup('binding');
    const genuine = senderKeyEncrypt(alice, text('from alice'), GROUP, p).message;
    // Mallory registered Alice's key as her own: the receiver state is identical, only the context differs.
    const c = counting(p);
    expect(() => senderKeyDecrypt(bob, genuine, AS_MALLORY, c.p)).toThrow(DecryptError);
    expect(c.names()).toEqual(['ed25519Verify']); // refused by the signature, before any key is derived
    // Nor can she re-sign it (she has no signing secret), nor replay it with Alice's context under her key id.
    expect(str(senderKeyDecrypt(bob, genuine, GROUP, p).plaintext)).toBe('from alice');
    // The length prefix: moving bytes between the associated data and the message does not verify.
    const shifted = text('group-1/alic');
    const moved = new Uint8Array([
      ...genuine.subarray(0, genuine.length - 64),
      0x65,
      ...genuine.subarray(-64),
    ]);
    expect(() => senderKeyDecrypt(bob, moved, shifted, p)).toThrow(DecryptError);
  });

  it("distribution: a proof of possession binds the key to its owner's context; another member cannot pass it off as hers", () => {
    const { rnd, alice } = setup('possession');
    const dist = senderKeyDistribution(alice, GROUP, p);
    const r = decodeSenderKeyDistribution(dist, GROUP, p);
    expect([r.keyId, r.iteration, toHex(r.signingPublic)]).toEqual([
      alice.keyId,
      0,
      toHex(alice.signingPublic),
    ]);
    // Mallory forwards Alice's distribution as her own (her context), or changes the key id or key.
    const badProof = expect.objectContaining({ name: 'KeyError', code: 'bad-signature' });
    expect(() => decodeSenderKeyDistribution(dist, AS_MALLORY, p)).toThrow(badProof);
    expect(() => decodeSenderKeyDistribution(dist, text('group-2/alice'), p)).toThrow(badProof);
    for (const at of [1, 4, 9 + 32, 9 + 63, dist.length - 1]) {
      const t = dist.slice();
      t[at]! ^= 1;
      expect(() => decodeSenderKeyDistribution(t, GROUP, p)).toThrow(badProof);
    }
    // Mallory's own key with Alice's key id: valid for Mallory, useless against Alice's messages.
    const mallory = new SenderKeyState({ ...createSenderKey(rnd, p), keyId: alice.keyId });
    const asHers = decodeSenderKeyDistribution(senderKeyDistribution(mallory, AS_MALLORY, p), AS_MALLORY, p);
    const genuine = senderKeyEncrypt(alice, text('x'), GROUP, p).message;
    for (const ad of [GROUP, AS_MALLORY])
      expect(() => senderKeyDecrypt(asHers, genuine, ad, p)).toThrow(DecryptError);
    // The chain key and iteration are not covered (the pairwise session authenticates them).
    const later = senderKeyDistribution(new SenderKeyState({ ...alice, iteration: 5 }), GROUP, p);
    expect(decodeSenderKeyDistribution(later, GROUP, p).iteration).toBe(5);
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
    m.set(
      p.ed25519Sign(alice.signingSecret, signedBytes(GROUP, m.subarray(0, m.length - 64))),
      m.length - 64,
    );
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
        (b: Uint8Array) => decodeSenderKeyDistribution(b, GROUP, p),
        deserializeSenderKey,
        deserializeSenderKeyReceiver,
      ]) {
        expect(() => decode(input)).toThrow(FormatError);
      }
      expect(() => senderKeyDecrypt(bob, input, GROUP, p)).toThrow(DecryptError);
    }
  });

  it('golden vector sender-key-v2.json: the seeded scenario reproduces every byte', () => {
    expect(JSON.parse(JSON.stringify(runSenderKeyGroup(p)))).toEqual(golden);
    const replay = runSenderKeyGroup(
      p,
      golden.messages.map((m) => m.bytes),
    );
    expect(replay.final).toEqual(golden.final);
  });

  it('golden vector sender-key-v1.json (superseded): the same chain and stored states; its wire bytes are refused', () => {
    // Same seed and draws: version 2 changed the signatures and distributions, not the chain or storage.
    expect(golden.final).toEqual(goldenV1.final);
    for (const hex of Object.values(goldenV1.final)) {
      const bytes = fromHexString(hex);
      const again =
        hex === goldenV1.final.alice
          ? serializeSenderKey(deserializeSenderKey(bytes))
          : serializeSenderKeyReceiver(deserializeSenderKeyReceiver(bytes));
      expect(toHex(again)).toBe(hex);
    }
    const ad = fromHexString(golden.associatedData);
    expect(() => decodeSenderKeyDistribution(fromHexString(goldenV1.distributionToBob), ad, p)).toThrow(
      expect.objectContaining({ name: 'FormatError', code: 'bad-version' }),
    );
    const bob = decodeSenderKeyDistribution(fromHexString(golden.distributionToBob), ad, p);
    for (const m of goldenV1.messages)
      expect(() => senderKeyDecrypt(bob, fromHexString(m.bytes), ad, p)).toThrow(DecryptError);
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
    const dist = senderKeyDistribution(a.alice, GROUP, noblePrimitives);
    expect(toHex(senderKeyDistribution(b.alice, GROUP, nodePrimitives))).toBe(toHex(dist));
    const onNode = decodeSenderKeyDistribution(dist, GROUP, nodePrimitives);
    const onNoble = decodeSenderKeyDistribution(dist, GROUP, noblePrimitives);
    expect(str(senderKeyDecrypt(onNode, a.message, GROUP, nodePrimitives).plaintext)).toBe('same bytes');
    expect(str(senderKeyDecrypt(onNoble, b.message, GROUP, noblePrimitives).plaintext)).toBe('same bytes');
  });
});
