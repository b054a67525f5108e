import { describe, expect, it } from 'vitest';
import {
  acceptSession,
  DecryptError,
  decrypt,
  deserializeSession,
  encrypt,
  initiateSession,
  LimitError,
  MAX_OLD_RECEIVING_CHAINS,
  MAX_SKIP,
  MAX_STORED_SKIPPED_KEYS,
  peekMessage,
  type Session,
  serializeSession,
} from '../src/index.ts';
import { backends, counting, lookup, makeParty, seededRandom, str, text, verifiedCard } from './helpers.ts';

describe.each(backends)('double ratchet (%s)', (_name, p) => {
  function start(seed: string): { a: Session; b: Session; rnd: ReturnType<typeof seededRandom> } {
    const rnd = seededRandom(seed);
    const alice = makeParty('alice', rnd, p);
    const bob = makeParty('bob', rnd, p);
    const a0 = initiateSession(alice.identity, verifiedCard(bob, p), rnd, p);
    const first = encrypt(a0, text('hello bob'), p);
    const acc = acceptSession(bob.identity, lookup(bob), first.message, rnd, p);
    expect(str(acc.plaintext)).toBe('hello bob');
    return { a: first.session, b: acc.session, rnd };
  }

  it('exchanges messages in both directions', () => {
    let { a, b, rnd } = start('both-directions');
    for (let i = 0; i < 5; i++) {
      const m1 = encrypt(b, text(`b${i}`), p);
      b = m1.session;
      const d1 = decrypt(a, m1.message, rnd, p);
      a = d1.session;
      expect(str(d1.plaintext)).toBe(`b${i}`);
      const m2 = encrypt(a, text(`a${i}`), p);
      a = m2.session;
      expect(peekMessage(m2.message).kind).toBe('ratchet');
      const d2 = decrypt(b, m2.message, rnd, p);
      b = d2.session;
      expect(str(d2.plaintext)).toBe(`a${i}`);
    }
  });

  it('initiator sends prekey messages until the first reply', () => {
    let { a, b, rnd } = start('prekey-phase');
    const m2 = encrypt(a, text('second'), p);
    expect(peekMessage(m2.message).kind).toBe('prekey');
    b = decrypt(b, m2.message, rnd, p).session;
    const reply = encrypt(b, text('reply'), p);
    a = decrypt(a, reply.message, rnd, p).session;
    expect(peekMessage(encrypt(a, text('x'), p).message).kind).toBe('ratchet');
  });

  it('peekMessage tells the sending chain (ratchet key) and the number in it', () => {
    let { a, b, rnd } = start('peek-position');
    const first = [0, 1, 2].map(() => {
      const m = encrypt(a, text('x'), p);
      a = m.session;
      return peekMessage(m.message);
    });
    expect(first.map((i) => i.kind)).toEqual(['prekey', 'prekey', 'prekey']);
    const n0 = first[0]?.n ?? -1;
    expect(first.map((i) => i.n)).toEqual([n0, n0 + 1, n0 + 2]); // consecutive in one chain
    expect(first[1]?.ratchetKey).toEqual(first[0]?.ratchetKey);
    // a reply, then a's next chain starts again at 0 under another ratchet key
    const again = encrypt(a, text('y'), p);
    a = again.session;
    b = decrypt(b, again.message, rnd, p).session;
    const reply = encrypt(b, text('reply'), p);
    a = decrypt(a, reply.message, rnd, p).session;
    const next = peekMessage(encrypt(a, text('z'), p).message);
    expect(next.kind).toBe('ratchet');
    expect(next.n).toBe(0);
    expect(next.ratchetKey).not.toEqual(first[0]?.ratchetKey);
  });

  it('decrypts out of order with skipped keys, each once', () => {
    let { a, b, rnd } = start('out-of-order');
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const r = encrypt(b, text(`m${i}`), p);
      b = r.session;
      msgs.push(r.message);
    }
    for (const i of [9, 0, 5, 1, 8, 2, 3, 7, 4, 6]) {
      const r = decrypt(a, msgs[i]!, rnd, p);
      expect(str(r.plaintext)).toBe(`m${i}`);
      a = r.session;
      expect(() => decrypt(a, msgs[i]!, rnd, p)).toThrow(DecryptError);
    }
    expect(a.skipped.size).toBe(0);
  });

  it('rejects a forged counter of 2^32-1 before deriving any key', () => {
    const { a, b, rnd } = start('counter');
    const r = encrypt(b, text('x'), p);
    const forged = r.message.slice();
    new DataView(forged.buffer).setUint32(2 + 32 + 4, 0xffff_ffff);
    const a1 = decrypt(a, r.message, rnd, p).session; // now on that chain
    const c = counting(p);
    expect(() => decrypt(a1, forged, rnd, c.p)).toThrow(LimitError);
    expect(c.calls()).toBe(0);
    // and on a new chain (a fresh ratchet key)
    const forged2 = forged.slice();
    forged2.set(new Uint8Array(32).fill(9), 2);
    new DataView(forged2.buffer).setUint32(2 + 32, a1.recvN); // a plausible pn
    const c2 = counting(p);
    expect(() => decrypt(a1, forged2, rnd, c2.p)).toThrow(LimitError);
    expect(c2.calls()).toBe(0);
  });

  it('enforces MAX_SKIP with state unchanged', () => {
    let { a, b, rnd } = start('max-skip');
    let last: Uint8Array = new Uint8Array();
    for (let i = 0; i <= MAX_SKIP + 1; i++) {
      const r = encrypt(b, text('x'), p);
      b = r.session;
      last = r.message;
    }
    const before = serializeSession(a);
    expect(() => decrypt(a, last, rnd, p)).toThrow(expect.objectContaining({ code: 'max-skip' }));
    expect(serializeSession(a)).toEqual(before);
  });

  it('enforces MAX_STORED_SKIPPED_KEYS and MAX_OLD_RECEIVING_CHAINS', () => {
    let { a, b, rnd } = start('max-stored');
    // Each round: b sends 400 messages, a receives only the last → 399 skipped; then a replies.
    let error: unknown;
    for (let round = 0; round < 8 && !error; round++) {
      let last: Uint8Array = new Uint8Array();
      for (let i = 0; i < 400; i++) {
        const r = encrypt(b, text('x'), p);
        b = r.session;
        last = r.message;
      }
      try {
        a = decrypt(a, last, rnd, p).session;
      } catch (e) {
        error = e;
        break;
      }
      const r = encrypt(a, text('reply'), p);
      a = r.session;
      b = decrypt(b, r.message, rnd, p).session;
    }
    expect(error).toBeInstanceOf(LimitError);
    expect((error as LimitError).code).toBe('max-stored-keys');
    expect(a.skipped.size).toBeLessThanOrEqual(MAX_STORED_SKIPPED_KEYS);
    expect(MAX_OLD_RECEIVING_CHAINS).toBe(5);
  });

  it('limits old receiving chains to MAX_OLD_RECEIVING_CHAINS', () => {
    let { a, b, rnd } = start('old-chains');
    let error: unknown;
    for (let round = 0; round < 10 && !error; round++) {
      const lost = encrypt(b, text('lost'), p); // never delivered: leaves one skipped key per chain
      b = lost.session;
      const r = encrypt(b, text('x'), p);
      b = r.session;
      try {
        a = decrypt(a, r.message, rnd, p).session;
      } catch (e) {
        error = e;
        break;
      }
      const back = encrypt(a, text('reply'), p);
      a = back.session;
      b = decrypt(b, back.message, rnd, p).session;
    }
    expect((error as LimitError).code).toBe('max-old-chains');
    expect(a.skipped.chains.length).toBe(MAX_OLD_RECEIVING_CHAINS + 1);
  });

  it('survives serialize/deserialize mid-conversation', () => {
    let { a, b, rnd } = start('serialize');
    const held = encrypt(b, text('held'), p);
    b = held.session;
    const next = encrypt(b, text('next'), p);
    b = next.session;
    a = decrypt(a, next.message, rnd, p).session;
    a = deserializeSession(serializeSession(a));
    b = deserializeSession(serializeSession(b));
    expect(str(decrypt(a, held.message, rnd, p).plaintext)).toBe('held');
    const r = encrypt(a, text('after'), p);
    expect(str(decrypt(b, r.message, rnd, p).plaintext)).toBe('after');
  });
});
