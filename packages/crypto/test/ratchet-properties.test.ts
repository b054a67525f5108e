/** fast-check properties of the ratchet: any delivery order, tamper, truncation, replay, wrong keys. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptSession,
  DecryptError,
  decrypt,
  encrypt,
  FormatError,
  initiateSession,
  KeyError,
  LimitError,
  type Session,
  serializeSession,
} from '../src/index.ts';
import { assertProperty, decoderInputs } from './corpus.ts';
import { backends, lookup, makeParty, seededRandom, str, text, verifiedCard } from './helpers.ts';

describe.each(backends)('ratchet properties (%s)', (name, p) => {
  const rnd = seededRandom(`props-${name}`);
  const alice = makeParty('alice', rnd, p, 50);
  const bob = makeParty('bob', rnd, p, 50);
  const pair = (): [Session, Session] => {
    const first = encrypt(initiateSession(alice.identity, verifiedCard(bob, p), rnd, p), text('hi'), p);
    return [first.session, acceptSession(bob.identity, lookup(bob), first.message, rnd, p).session];
  };
  const runs = name === 'noble' ? 8 : 40;

  it('round-trips under any delivery order (within the limits)', () => {
    assertProperty(
      'ratchet-any-order',
      fc.property(
        fc
          .array(fc.boolean(), { minLength: 1, maxLength: 12 })
          .chain((dirs) =>
            fc.tuple(fc.constant(dirs), fc.shuffledSubarray([...dirs.keys()], { minLength: dirs.length })),
          ),
        ([dirs, order]) => {
          let [a, b] = pair();
          const sent = dirs.map((fromAlice, i) => {
            const r = encrypt(fromAlice ? a : b, text(`m${i}`), p);
            if (fromAlice) a = r.session;
            else b = r.session;
            return { fromAlice, bytes: r.message };
          });
          for (const i of order) {
            const m = sent[i]!;
            const r = decrypt(m.fromAlice ? b : a, m.bytes, rnd, p);
            expect(str(r.plaintext)).toBe(`m${i}`);
            if (m.fromAlice) b = r.session;
            else a = r.session;
          }
        },
      ),
      runs,
    );
  });

  it('any single-byte change or truncation: the generic error, state unchanged, next genuine message decrypts', () => {
    let [a, b] = pair();
    const r0 = encrypt(b, text('warm-up'), p);
    a = decrypt(a, r0.message, rnd, p).session;
    b = r0.session;
    assertProperty(
      'ratchet-tamper',
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (pos, xor, truncate) => {
        const r = encrypt(b, text('genuine'), p);
        const m = r.message;
        const bad = truncate ? m.subarray(0, pos % m.length) : m.slice();
        if (!truncate) bad[pos % m.length]! ^= xor;
        const before = serializeSession(a);
        try {
          decrypt(a, bad, rnd, p);
          expect.unreachable('tampered message decrypted');
        } catch (e) {
          // the version byte is public; a gap beyond MAX_SKIP is refused before any work
          expect(e instanceof DecryptError || e instanceof FormatError || e instanceof LimitError).toBe(true);
        }
        expect(serializeSession(a)).toEqual(before);
        const ok = decrypt(a, m, rnd, p);
        expect(str(ok.plaintext)).toBe('genuine');
        a = ok.session;
        b = r.session;
      }),
      runs,
    );
  });

  it('a replayed message is rejected', () => {
    let [a, b] = pair();
    const r = encrypt(b, text('once'), p);
    a = decrypt(a, r.message, rnd, p).session;
    expect(() => decrypt(a, r.message, rnd, p)).toThrow(DecryptError);
    const r2 = encrypt(r.session, text('twice'), p);
    b = r2.session;
    a = decrypt(a, r2.message, rnd, p).session;
    expect(() => decrypt(a, r.message, rnd, p)).toThrow(DecryptError);
  });

  it('garbage and corpus inputs never crash: only DecryptError / FormatError', () => {
    const [a] = pair();
    const check = (bytes: Uint8Array) => {
      try {
        decrypt(a, bytes, rnd, p);
        expect.unreachable();
      } catch (e) {
        expect(e instanceof DecryptError || e instanceof FormatError || e instanceof LimitError).toBe(true);
      }
    };
    for (const input of decoderInputs()) check(input);
    assertProperty('codec-garbage', fc.property(fc.uint8Array({ maxLength: 200 }), check), 200);
  });

  it('keys of the wrong length are refused with KeyError', () => {
    expect(() => p.x25519(new Uint8Array(31), new Uint8Array(32))).toThrow(KeyError);
    expect(() =>
      p.aeadSeal(new Uint8Array(33), new Uint8Array(12), new Uint8Array(0), new Uint8Array(0)),
    ).toThrow(KeyError);
    const card = verifiedCard(bob, p);
    const bad = { ...card, identity: { ...card.identity, agreementKey: new Uint8Array(31) } };
    expect(() => initiateSession(alice.identity, bad, rnd, p)).toThrow(KeyError);
  });
});
