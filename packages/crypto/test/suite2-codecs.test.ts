/**
 * Suite-2 encodings: ML-KEM-768 prekeys (SPEC.md §3.1), suite-2 cards (§4) and
 * version-2 session states (§6.5) — round trips, every bound, every refusal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptSession,
  CardError,
  CryptoError,
  createContactCard,
  createKemPrekey,
  createOneTimeKemPrekeys,
  decodeContactCard,
  decodeKemPrekey,
  decrypt,
  deserializeSession,
  encodeKemPrekey,
  encrypt,
  FormatError,
  initiateSession,
  MLKEM768_ENCAPSULATION_KEY_BYTES,
  PENDING_PREKEY_PQ_MAX_BYTES,
  PQ_RATCHET_INTERVAL,
  REDACTED,
  serializeSession,
  toHex,
  verifyKemPrekey,
} from '../src/index.ts';
import { assertProperty } from './corpus.ts';
import { backends, makeParty, makePqParty, pqLookup, seededRandom, text } from './helpers.ts';

/** Offset of the pending prefix's u16 length in an initiator state (SPEC.md §6.5; flags 0x0b). */
const PENDING_LENGTH_AT = 3 + 128 + 4 * 32 + 32 + 32 + 12;

function withPrefix(state: Uint8Array, prefixLength: number): Uint8Array {
  const oldLength = (state[PENDING_LENGTH_AT]! << 8) | state[PENDING_LENGTH_AT + 1]!;
  const rest = state.subarray(PENDING_LENGTH_AT + 2 + oldLength);
  const out = new Uint8Array(PENDING_LENGTH_AT + 2 + prefixLength + rest.length);
  out.set(state.subarray(0, PENDING_LENGTH_AT));
  out[PENDING_LENGTH_AT] = prefixLength >> 8;
  out[PENDING_LENGTH_AT + 1] = prefixLength & 0xff;
  out.set(
    state.subarray(PENDING_LENGTH_AT + 2, PENDING_LENGTH_AT + 2 + Math.min(oldLength, prefixLength)),
    PENDING_LENGTH_AT + 2,
  );
  out.set(rest, PENDING_LENGTH_AT + 2 + prefixLength);
  return out;
}

describe.each(backends)('suite-2 codecs (%s)', (name, p) => {
  const rnd = seededRandom(`codecs-${name}`);
  const bob = makePqParty('bob', rnd, p, 1, 1);
  const alice = makeParty('alice', rnd, p, 1);

  it('KEM prekeys round-trip (142 bytes), verify for their own kind only, and print [redacted]', () => {
    const signed = createKemPrekey(bob.identity, 7, 1_700_000_000_000, rnd, p);
    const [once] = createOneTimeKemPrekeys(bob.identity, 300, 1, rnd, p);
    for (const k of [signed, once!]) {
      const bytes = encodeKemPrekey(k);
      expect(bytes.length).toBe(142);
      const back = decodeKemPrekey(bytes, p);
      expect(toHex(back.encapsulationKey)).toBe(toHex(k.encapsulationKey));
      expect(toHex(back.decapsulationKey)).toBe(toHex(k.decapsulationKey));
      expect(String(k)).toBe(REDACTED);
      expect(JSON.stringify(k)).not.toContain(toHex(k.seed).slice(0, 16));
    }
    const pub = bob.identity.publicIdentity;
    expect(verifyKemPrekey(pub, 'signed', signed.publicKey, p)).toBe(true);
    expect(verifyKemPrekey(pub, 'one-time', once!.publicKey, p)).toBe(true);
    expect(verifyKemPrekey(pub, 'one-time', signed.publicKey, p)).toBe(false); // kind is signed
    expect(verifyKemPrekey(pub, 'signed', once!.publicKey, p)).toBe(false);
    expect(verifyKemPrekey(alice.identity.publicIdentity, 'signed', signed.publicKey, p)).toBe(false);
    const bytes = encodeKemPrekey(signed);
    for (const [at, value, code] of [
      [0, 2, 'bad-version'],
      [1, 1, 'bad-value'],
    ] as const) {
      const bad = bytes.slice();
      bad[at] = value;
      expect(() => decodeKemPrekey(bad, p)).toThrow(expect.objectContaining({ name: 'FormatError', code }));
    }
    expect(() => decodeKemPrekey(bytes.subarray(0, 141), p)).toThrow(FormatError);
    expect(() => decodeKemPrekey(Uint8Array.from([...bytes, 0]), p)).toThrow(
      expect.objectContaining({ code: 'trailing-bytes' }),
    );
  });

  it('a suite-2 card decodes with its KEM prekeys; bad KEM keys and signatures are CardErrors', () => {
    const card = decodeContactCard(bob.card, p);
    expect(toHex(card.kemPrekey!.encapsulationKey)).toBe(toHex(bob.kemPrekey.encapsulationKey));
    expect(card.oneTimeKemPrekey?.id).toBe(200);
    // signed 4 + 8 + 1184 + 64, flag 1, one-time 4 + 1184 + 64
    expect(bob.card.length - decodeContactCardLength(alice.card)).toBeGreaterThan(2500);
    const fields = {
      peerId: 'x',
      displayName: 'x',
      addresses: [],
      signedPrekey: bob.spk,
      issuedAt: 0,
    };
    expect(() =>
      createContactCard(bob.identity, { ...fields, oneTimeKemPrekey: bob.kemPrekey.publicKey }, p),
    ).toThrow(expect.objectContaining({ name: 'CardError', code: 'bad-field' }));
    const unreduced = {
      ...bob.kemPrekey.publicKey,
      encapsulationKey: new Uint8Array(MLKEM768_ENCAPSULATION_KEY_BYTES).fill(0xff),
    };
    expect(() => createContactCard(bob.identity, { ...fields, kemPrekey: unreduced }, p)).toThrow(
      expect.objectContaining({ name: 'CardError', code: 'bad-key' }),
    );
    // a KEM prekey signed by someone else, in a card signed by bob
    const foreign = createKemPrekey(alice.identity, 1, 0, rnd, p).publicKey;
    const forged = createContactCard(bob.identity, { ...fields, kemPrekey: foreign }, p);
    expect(() => decodeContactCard(forged, p)).toThrow(
      expect.objectContaining({ name: 'CardError', code: 'bad-signature' }),
    );
    // a one-time KEM prekey presented as the signed one
    const kind = createContactCard(
      bob.identity,
      { ...fields, kemPrekey: bob.kemOtpks.get(200)!.publicKey },
      p,
    );
    expect(() => decodeContactCard(kind, p)).toThrow(CardError);
    const twoFlag = bob.card.slice();
    expect(() => decodeContactCard(twoFlag.subarray(0, twoFlag.length - 1), p)).toThrow(CardError);
  });

  it('version-2 state: pending prefix bound is exactly 1,265 bytes; PQ fields checked', () => {
    const s = initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p);
    const state = serializeSession(s);
    expect(state[0]).toBe(2);
    expect(PENDING_PREKEY_PQ_MAX_BYTES).toBe(1265);
    expect(s.pendingPrekey!.length).toBe(1265);
    expect(() => deserializeSession(withPrefix(state, 1265))).not.toThrow();
    expect(() => deserializeSession(withPrefix(state, 1266))).toThrow(
      expect.objectContaining({ name: 'FormatError', code: 'bad-length' }),
    );
    const pqAt = PENDING_LENGTH_AT + 2 + 1265;
    expect([state[pqAt], state[pqAt + 1]]).toEqual([0, 0]); // countdown 0, no KEM key yet
    for (const [at, value] of [
      [pqAt, PQ_RATCHET_INTERVAL],
      [pqAt + 1, 8],
      [pqAt + 1, 4], // send fields flag with nothing behind it: truncated or bad value
    ] as const) {
      const bad = state.slice();
      bad[at] = value;
      expect(() => deserializeSession(bad)).toThrow(FormatError);
    }
    // a version-1 state keeps its 512-byte bound
    const v1 = state.slice();
    v1[0] = 1;
    expect(() => deserializeSession(v1)).toThrow(expect.objectContaining({ code: 'bad-length' }));
  });
});

/** A truncation, a flipped byte or an inserted byte at a random place. */
const mutation = fc.tuple(
  fc.constantFrom('truncate', 'flip', 'insert'),
  fc.nat(),
  fc.integer({ min: 1, max: 255 }),
);
function mutate(bytes: Uint8Array, [how, at, v]: [string, number, number]): Uint8Array {
  const i = at % bytes.length;
  if (how === 'truncate') return bytes.subarray(0, i);
  if (how === 'insert') return Uint8Array.from([...bytes.subarray(0, i), v, ...bytes.subarray(i)]);
  const out = bytes.slice();
  out[i]! ^= v;
  return out;
}

describe('suite-2 decoders under mutation (noble)', () => {
  const p = backends[0]![1];
  const rnd = seededRandom('suite2-fuzz');
  const alice = makePqParty('alice', rnd, p, 1, 1);
  const bob = makePqParty('bob', rnd, p, 1, 1);
  const a0 = initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p);
  const first = encrypt(a0, text('first'), p);
  const acc = acceptSession(bob.identity, pqLookup(bob), first.message, rnd, p);
  const b0 = encrypt(acc.session, text('b0'), p); // kind 3, key only
  const a1session = decrypt(first.session, b0.message, rnd, p).session;
  const a1 = encrypt(a1session, text('a1'), p); // kind 3, key and ciphertext
  const inputs = {
    card: bob.card,
    kemPrekey: encodeKemPrekey(bob.kemPrekey),
    state: serializeSession(a1.session),
    pendingState: serializeSession(a0),
    prekeyMessage: first.message,
    pqMessage: a1.message,
  };

  it('only typed errors, never a crash, and no mutated message decrypts', () => {
    const typed = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(CryptoError);
        return false;
      }
      return true;
    };
    const property = fc.property(fc.constantFrom(...Object.keys(inputs)), mutation, (name, m) => {
      const bytes = mutate(inputs[name as keyof typeof inputs], m);
      typed(() => decodeContactCard(bytes, p));
      typed(() => decodeKemPrekey(bytes, p));
      typed(() => deserializeSession(bytes));
      expect(typed(() => acceptSession(bob.identity, pqLookup(bob), bytes, rnd, p))).toBe(false);
      expect(typed(() => decrypt(acc.session, bytes, rnd, p))).toBe(false);
    });
    assertProperty('suite2-decoders', property, 150);
  });
});

/** Length of a suite-1 card, for comparison. */
function decodeContactCardLength(card: Uint8Array): number {
  return card.length;
}
