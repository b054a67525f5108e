/**
 * Suite 2 (SPEC.md §6.1.1, §6.4): the hybrid X25519 + ML-KEM-768 handshake and
 * the PQ ratchet — round trips, suite-1 compatibility, downgrade refusals,
 * tampered ciphertexts, one-time KEM prekey consumption, the PQ step bound and
 * out-of-order delivery across a PQ step.
 */
import { describe, expect, it } from 'vitest';
import {
  acceptSession,
  CardError,
  DecryptError,
  decodeContactCard,
  decrypt,
  deserializeSession,
  discardSession,
  encrypt,
  HandshakeError,
  initiateSession,
  PQ_RATCHET_INTERVAL,
  type Primitives,
  peekMessage,
  type Session,
  serializeSession,
} from '../src/index.ts';
import { KIND_PQ_RATCHET, KIND_RATCHET } from '../src/message.ts';
import {
  backends,
  lookup,
  makeParty,
  makePqParty,
  type PqParty,
  pqLookup,
  seededRandom,
  str,
  text,
  verifiedCard,
} from './helpers.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Start a suite-2 session: Alice's first message accepted by Bob. */
function start(alice: PqParty, bob: PqParty, rnd: ReturnType<typeof seededRandom>, p: Primitives) {
  const a0 = initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p);
  const first = encrypt(a0, text('hello pq'), p);
  const acc = acceptSession(bob.identity, pqLookup(bob), first.message, rnd, p);
  return { a: first.session, b: acc.session, first, acc };
}

/** Send one message each way `turns` times; returns each message's kind byte in order (a, b, a, b, …). */
function pingPong(
  s: { a: Session; b: Session },
  turns: number,
  rnd: ReturnType<typeof seededRandom>,
  p: Primitives,
) {
  const kinds: number[] = [];
  for (let i = 0; i < turns; i++) {
    const fromA = i % 2 === 0;
    const r = encrypt(fromA ? s.a : s.b, text(`m${i}`), p);
    kinds.push(r.message[1]!);
    const d = decrypt(fromA ? s.b : s.a, r.message, rnd, p);
    expect(str(d.plaintext)).toBe(`m${i}`);
    if (fromA) [s.a, s.b] = [r.session, d.session];
    else [s.b, s.a] = [r.session, d.session];
  }
  return kinds;
}

describe.each(backends)('suite 2: hybrid handshake (%s)', (name, p) => {
  const rnd = seededRandom(`pq-${name}`);
  const alice = makePqParty('alice', rnd, p);

  it('a suite-2 card carries the KEM prekeys; the first message is suite 2 with the ciphertext', () => {
    const bob = makePqParty('bob', rnd, p);
    const card = decodeContactCard(bob.card, p);
    expect(bob.card[1]).toBe(2);
    expect(card.kemPrekey?.id).toBe(1);
    expect(card.oneTimeKemPrekey?.id).toBe(200);
    const { first, acc, a, b } = start(alice, bob, rnd, p);
    const info = peekMessage(first.message);
    expect(info.kind === 'prekey' && info.suite).toBe(2);
    expect(info.kind === 'prekey' && info.kemPrekey).toEqual({ kind: 'one-time', id: 200 });
    // header = 172-byte suite-1 prefix (with OPK) + u8 kind + u32 id + 1,088 ct + 40
    expect(first.message.length).toBe(1265 + 40 + 'hello pq'.length + 16);
    expect(str(acc.plaintext)).toBe('hello pq');
    expect(acc.suite).toBe(2);
    expect(acc.usedOneTimePrekeyId).toBe(100);
    expect(acc.usedOneTimeKemPrekeyId).toBe(200);
    const kinds = pingPong({ a, b }, 12, rnd, p);
    expect(kinds[0]).toBe(2); // Alice has no reply yet: still prekey messages
    expect(kinds.slice(1).every((k) => k === KIND_RATCHET || k === KIND_PQ_RATCHET)).toBe(true);
  });

  it('without a one-time KEM prekey the initiator encapsulates to the signed one', () => {
    const bob = makePqParty('bob', rnd, p, 0, 0);
    const { first, acc } = start(alice, bob, rnd, p);
    const info = peekMessage(first.message);
    expect(info.kind === 'prekey' && info.kemPrekey).toEqual({ kind: 'signed', id: 1 });
    expect(first.message.length).toBe(1261 + 40 + 8 + 16);
    expect(acc.usedOneTimeKemPrekeyId).toBeUndefined();
    expect(acc.suite).toBe(2);
  });

  it('a one-time KEM prekey is consumed once: after deletion the replayed message is refused', () => {
    const bob = makePqParty('bob', rnd, p);
    const { first, acc } = start(alice, bob, rnd, p);
    bob.kemOtpks.delete(acc.usedOneTimeKemPrekeyId!);
    bob.otpks.delete(acc.usedOneTimePrekeyId!);
    bob.otpks.set(100, bob.otpks.get(101)!); // even with the X25519 one-time prekey back, the KEM one is gone
    expect(() => acceptSession(bob.identity, pqLookup(bob), first.message, rnd, p)).toThrow(
      expect.objectContaining({ name: 'HandshakeError', code: 'unknown-one-time-kem-prekey' }),
    );
  });

  it('a tampered KEM ciphertext is a DecryptError and consumes nothing; the genuine message then works', () => {
    const bob = makePqParty('bob', rnd, p);
    const a0 = initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p);
    const { message } = encrypt(a0, text('first'), p);
    const kemCtStart = 172 + 1 + 4;
    const taken: number[] = [];
    const spy = {
      ...pqLookup(bob),
      oneTimeKemPrekey: (id: number) => {
        taken.push(id);
        return bob.kemOtpks.get(id);
      },
    };
    for (const offset of [0, 1, 500, 1087]) {
      const bad = message.slice();
      bad[kemCtStart + offset]! ^= 0x10;
      expect(() => acceptSession(bob.identity, spy, bad, rnd, p)).toThrow(DecryptError);
    }
    expect(bob.kemOtpks.has(200)).toBe(true);
    const ok = acceptSession(bob.identity, pqLookup(bob), message, rnd, p);
    expect(str(ok.plaintext)).toBe('first');
    expect(ok.usedOneTimeKemPrekeyId).toBe(200);
  });

  it('suite-1 cards still give suite-1 sessions (state version 1), also with a suite-2 responder', () => {
    const bob = makePqParty('bob', rnd, p);
    const classic = makeParty('carol', rnd, p);
    const s = initiateSession(alice.identity, verifiedCard(classic, p), rnd, p);
    expect(s.pq).toBeUndefined();
    const r = encrypt(s, text('classic'), p);
    expect(r.message[2]).toBe(1);
    const acc = acceptSession(classic.identity, lookup(classic), r.message, rnd, p);
    expect(acc.suite).toBe(1);
    expect(serializeSession(acc.session)[0]).toBe(1);
    // A suite-2 responder still answers an old suite-1 card (same SPK), unless it requires suite 2.
    const oldCard = makeParty('bob-old', seededRandom('old'), p);
    const fromOld = encrypt(initiateSession(alice.identity, verifiedCard(oldCard, p), rnd, p), text('x'), p);
    expect(() =>
      acceptSession(oldCard.identity, pqLookup({ ...bob, ...oldCard }), fromOld.message, rnd, p, {
        requirePostQuantum: true,
      }),
    ).toThrow(expect.objectContaining({ name: 'HandshakeError', code: 'downgrade' }));
    const ok = acceptSession(oldCard.identity, pqLookup({ ...bob, ...oldCard }), fromOld.message, rnd, p);
    expect(str(ok.plaintext)).toBe('x');
    expect(ok.session.pq).toBeUndefined();
  });

  it('downgrade: a suite-2 first message rewritten as suite 1 is refused, and consumes nothing', () => {
    const bob = makePqParty('bob', rnd, p);
    const a0 = initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p);
    expect(a0.pq).toBeDefined(); // a card with a KEM prekey always gives suite 2
    const { message } = encrypt(a0, text('secret'), p);
    const stripped = new Uint8Array(message.length - 1093);
    stripped.set(message.subarray(0, 172));
    stripped[2] = 1;
    stripped.set(message.subarray(172 + 1093), 172);
    expect(peekMessage(stripped).kind).toBe('prekey');
    expect(() => acceptSession(bob.identity, pqLookup(bob), stripped, rnd, p)).toThrow(DecryptError);
    expect(() =>
      acceptSession(bob.identity, pqLookup(bob), stripped, rnd, p, { requirePostQuantum: true }),
    ).toThrow(HandshakeError);
    // the suite byte alone flipped to 1: the KEM fields are then read as ratchet fields → refused
    const flipped = message.slice();
    flipped[2] = 1;
    expect(() => acceptSession(bob.identity, pqLookup(bob), flipped, rnd, p)).toThrow(
      expect.objectContaining({ name: expect.stringMatching(/DecryptError|LimitError/) }),
    );
    expect(bob.kemOtpks.has(200) && bob.otpks.has(100)).toBe(true);
  });

  it('downgrade: a card cannot lose its KEM prekey without breaking its signature', () => {
    const bob = makePqParty('bob', rnd, p, 1, 0);
    const card = bob.card;
    // suite byte 2 → 1: the KEM fields become trailing garbage or a bad signature, never a suite-1 card
    const relabelled = card.slice();
    relabelled[1] = 1;
    expect(() => decodeContactCard(relabelled, p)).toThrow(CardError);
    const bad = card.slice();
    bad[card.length - 100]! ^= 1;
    expect(() => decodeContactCard(bad, p)).toThrow(CardError);
  });

  it('a responder without KEM prekeys refuses a suite-2 message with a HandshakeError', () => {
    const bob = makePqParty('bob', rnd, p);
    const { message } = encrypt(
      initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p),
      text('x'),
      p,
    );
    expect(() => acceptSession(bob.identity, lookup(bob), message, rnd, p)).toThrow(
      expect.objectContaining({ name: 'HandshakeError', code: 'unknown-one-time-kem-prekey' }),
    );
  });
});

describe.each(backends)('suite 2: PQ ratchet (%s)', (name, p) => {
  const rnd = seededRandom(`pq-ratchet-${name}`);
  const alice = makePqParty('alice', rnd, p);

  it(`every party's chains carry a KEM step at least once every ${PQ_RATCHET_INTERVAL} of its chains`, () => {
    const bob = makePqParty('bob', rnd, p);
    const s = start(alice, bob, rnd, p);
    const kinds = pingPong(s, 8 * PQ_RATCHET_INTERVAL + 2, rnd, p);
    // turn 0 is still Alice's A0 (a prekey message: she has no reply yet). Bob's first chain B0 is
    // classical (the responder's, SPEC.md §6.4), Alice's next, A1, a PQ chain (key only), and Bob's
    // next, B2, one with key and ciphertext.
    expect(kinds[0]).toBe(2);
    expect(kinds[1]).toBe(KIND_RATCHET);
    expect(kinds[2]).toBe(KIND_PQ_RATCHET);
    expect(kinds[3]).toBe(KIND_PQ_RATCHET);
    for (const who of [0, 1]) {
      const own = kinds.filter((_, i) => i % 2 === who).slice(1); // chains created by DH steps
      let sinceLast = 0;
      for (const k of own) {
        sinceLast = k === KIND_PQ_RATCHET ? 0 : sinceLast + 1;
        expect(sinceLast).toBeLessThan(PQ_RATCHET_INTERVAL);
      }
      expect(own.filter((k) => k === KIND_PQ_RATCHET).length).toBeGreaterThanOrEqual(
        Math.floor(own.length / PQ_RATCHET_INTERVAL),
      );
    }
  });

  it('the KEM secret enters the root key: a wrong decapsulation result breaks the chain', () => {
    const bob = makePqParty('bob', rnd, p);
    const s = start(alice, bob, rnd, p);
    pingPong(s, 3, rnd, p); // A0, B0, then A1 (Alice's KEM key reaches Bob)
    const b2 = encrypt(s.b, text('pq step'), p); // B2: ciphertext to Alice's key
    expect(b2.message[1]).toBe(KIND_PQ_RATCHET);
    expect(b2.message[2 + 40]).toBe(3); // flags: key and ciphertext
    const lying: Primitives = {
      ...p,
      mlkem768Decapsulate: () => new Uint8Array(32),
      mlkem768DecapsulateSeed: () => new Uint8Array(32),
    };
    const before = hex(serializeSession(s.a));
    expect(() => decrypt(s.a, b2.message, rnd, lying)).toThrow(DecryptError);
    expect(hex(serializeSession(s.a))).toBe(before); // decrypt on a copy
    expect(str(decrypt(s.a, b2.message, rnd, p).plaintext)).toBe('pq step');
  });

  it('PQ fields stripped from a kind-3 message (kind 1) or tampered: DecryptError, state unchanged', () => {
    const bob = makePqParty('bob', rnd, p);
    const s = start(alice, bob, rnd, p);
    pingPong(s, 3, rnd, p);
    const { message } = encrypt(s.b, text('pq'), p); // B2: key and ciphertext
    const stripped = new Uint8Array(message.length - 2273);
    stripped.set(message.subarray(0, 42));
    stripped[1] = KIND_RATCHET;
    stripped.set(message.subarray(42 + 2273), 42);
    const before = hex(serializeSession(s.a));
    expect(() => decrypt(s.a, stripped, rnd, p)).toThrow(DecryptError);
    for (const at of [43, 42 + 1185, message.length - 20]) {
      const bad = message.slice();
      bad[at]! ^= 4;
      expect(() => decrypt(s.a, bad, rnd, p)).toThrow(DecryptError);
    }
    expect(hex(serializeSession(s.a))).toBe(before);
    expect(str(decrypt(s.a, message, rnd, p).plaintext)).toBe('pq');
  });

  it('a suite-1 session refuses a kind-3 message with DecryptError', () => {
    const bob = makeParty('bob1', rnd, p);
    const a = initiateSession(alice.identity, verifiedCard(bob, p), rnd, p);
    const acc = acceptSession(bob.identity, lookup(bob), encrypt(a, text('x'), p).message, rnd, p);
    const pqBob = makePqParty('bob2', rnd, p);
    const s = start(alice, pqBob, rnd, p);
    pingPong(s, 2, rnd, p);
    const a1 = encrypt(s.a, text('pq'), p);
    expect(a1.message[1]).toBe(KIND_PQ_RATCHET);
    expect(() => decrypt(acc.session, a1.message, rnd, p)).toThrow(DecryptError);
  });

  it('out-of-order and skipped keys across PQ steps, with state reloads', () => {
    const bob = makePqParty('bob', rnd, p);
    const s = start(alice, bob, rnd, p);
    pingPong(s, 2, rnd, p);
    // A1 (a PQ chain): three messages, delivered 3rd, 1st, 2nd; B's old chain message arrives late.
    const bLate = encrypt(s.b, text('b late'), p);
    s.b = bLate.session;
    const a1: Uint8Array[] = [];
    for (const t of ['a1', 'a2', 'a3']) {
      const r = encrypt(s.a, text(t), p);
      s.a = r.session;
      a1.push(r.message);
    }
    expect(a1.every((m) => m[1] === KIND_PQ_RATCHET)).toBe(true);
    let b = deserializeSession(serializeSession(s.b));
    for (const i of [2, 0]) {
      const d = decrypt(b, a1[i]!, rnd, p);
      expect(str(d.plaintext)).toBe(`a${i + 1}`);
      b = deserializeSession(serializeSession(d.session)); // the lazily expanded KEM key is not needed
    }
    // Bob's reply chain, then Alice reads the late message from Bob's old chain after the step
    const bReply = encrypt(b, text('reply'), p);
    b = bReply.session;
    const d2 = decrypt(b, a1[1]!, rnd, p);
    expect(str(d2.plaintext)).toBe('a2');
    b = d2.session;
    let a = deserializeSession(serializeSession(s.a));
    a = decrypt(a, bReply.message, rnd, p).session;
    const late = decrypt(a, bLate.message, rnd, p);
    expect(str(late.plaintext)).toBe('b late');
    const again = { a: late.session, b };
    pingPong(again, 4 * PQ_RATCHET_INTERVAL, rnd, p);
  });

  it('discardSession wipes a replaced KEM ratchet seed and keeps the live one', () => {
    const bob = makePqParty('bob', rnd, p);
    const s = start(alice, bob, rnd, p);
    expect(s.b.pq?.seed).toBeUndefined(); // B0 is classical
    pingPong(s, 4, rnd, p); // … B2 is Bob's first PQ chain
    const firstSeed = s.b.pq?.seed;
    expect(firstSeed?.length).toBe(64);
    for (let i = 0; i < 4 * PQ_RATCHET_INTERVAL && s.b.pq?.seed === firstSeed; i++) {
      const before = s.b;
      pingPong(s, 2, rnd, p);
      if (s.b.pq?.seed !== firstSeed) {
        discardSession(before, s.b);
        expect(firstSeed!.every((x) => x === 0)).toBe(true);
        expect(s.b.pq!.seed!.some((x) => x !== 0)).toBe(true);
      }
    }
    expect(s.b.pq?.seed).not.toBe(firstSeed);
    pingPong(s, 4, rnd, p); // the live state still works
  });

  it('suite-2 state round-trips (version 2) at every step, and the pending prefix bound is exact', () => {
    const bob = makePqParty('bob', rnd, p);
    const a0 = initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p);
    const enc = serializeSession(a0);
    expect(enc[0]).toBe(2);
    expect(hex(serializeSession(deserializeSession(enc)))).toBe(hex(enc));
    expect(a0.pendingPrekey?.length).toBe(1265);
    const s = start(alice, bob, rnd, p);
    for (let i = 0; i < 2 * PQ_RATCHET_INTERVAL + 1; i++) {
      for (const who of ['a', 'b'] as const) {
        const bytes = serializeSession(s[who]);
        expect(bytes[0]).toBe(2);
        const back = deserializeSession(bytes);
        expect(hex(serializeSession(back))).toBe(hex(bytes));
        s[who] = back;
      }
      pingPong(s, 2, rnd, p);
    }
  });
});

/**
 * The healing bound of SPEC.md §6.4, simulated. A "quantum" adversary is modelled by an X25519 that
 * anyone can compute: the public key IS the secret (x25519PublicKey(sk) = sk) and the agreement is a
 * hash of the two keys. ML-KEM stays real. The adversary snapshots Bob's state, then follows the
 * conversation with a replica of Bob whose DH secrets it reads off Bob's later headers; it cannot know
 * Bob's new KEM seeds or encapsulation randomness.
 */
describe('suite 2: healing against a quantum adversary after a state compromise (SPEC.md §6.4)', () => {
  const real = backends[1]![1];
  const quantum: Primitives = {
    ...real,
    x25519PublicKey: (sk) => sk.slice(),
    x25519: (sk, pk) => {
      const [lo, hi] = hex(sk) < hex(pk) ? [sk, pk] : [pk, sk];
      return real.sha256(Uint8Array.from([...lo, ...hi]));
    },
  };

  /** Alice messages the replica of Bob (compromised after `warmup` turns) reads before it fails. */
  function readableAfterCompromise(suite: 1 | 2, warmup: number, turns: number): number {
    const rnd = seededRandom(`heal-${suite}-${warmup}`);
    const alice = makePqParty('alice', rnd, quantum, 1, 0);
    const bob = suite === 2 ? makePqParty('bob', rnd, quantum, 1, 0) : makeParty('bob', rnd, quantum, 1);
    const first = encrypt(
      initiateSession(alice.identity, decodeContactCard(bob.card, quantum), rnd, quantum),
      text('hi'),
      quantum,
    );
    const s = {
      a: first.session,
      b: acceptSession(
        bob.identity,
        suite === 2 ? pqLookup(bob as PqParty) : lookup(bob),
        first.message,
        rnd,
        quantum,
      ).session,
    };
    pingPong(s, 2 * warmup, rnd, quantum);
    let replica = deserializeSession(serializeSession(s.b)); // the compromise
    let read = 0;
    for (let i = 0; i < turns; i++) {
      const fromAlice = encrypt(s.a, text(`a${i}`), quantum);
      s.a = fromAlice.session;
      s.b = decrypt(s.b, fromAlice.message, rnd, quantum).session;
      const fromBob = encrypt(s.b, text(`b${i}`), quantum);
      s.b = fromBob.session;
      s.a = decrypt(s.a, fromBob.message, rnd, quantum).session;
      // Bob's new DH secret is public (its "public key" in his reply's header); his KEM draws are not.
      const dhSecret = fromBob.message.slice(2, 34);
      const guess = seededRandom(`adversary-${i}`);
      let draws = 0;
      const adversaryRandom = (n: number) => (draws++ === 0 ? dhSecret : guess(n));
      try {
        const r = decrypt(replica, fromAlice.message, adversaryRandom, quantum);
        expect(str(r.plaintext)).toBe(`a${i}`);
        replica = r.session;
        read++;
      } catch (e) {
        expect(e).toBeInstanceOf(DecryptError);
        return read;
      }
    }
    return read;
  }

  it('suite 1 never heals against it: the replica reads every later message', () => {
    expect(readableAfterCompromise(1, 3, 4 * PQ_RATCHET_INTERVAL)).toBe(4 * PQ_RATCHET_INTERVAL);
  });

  it(`suite 2 heals at Bob's next PQ chain: at most ${PQ_RATCHET_INTERVAL} Alice chains (${2 * PQ_RATCHET_INTERVAL - 1} DH steps) readable, whatever the phase`, () => {
    const seen = new Set<number>();
    for (let warmup = 1; warmup <= PQ_RATCHET_INTERVAL + 1; warmup++) {
      const read = readableAfterCompromise(2, warmup, 4 * PQ_RATCHET_INTERVAL);
      expect(read).toBeGreaterThanOrEqual(1); // the adversary model works: classical keys alone are read
      expect(read).toBeLessThanOrEqual(PQ_RATCHET_INTERVAL);
      seen.add(read);
    }
    expect(seen.size).toBeGreaterThan(1); // the phase of the countdown matters, the bound holds for each
  });
});
