import { describe, expect, it } from 'vitest';
import {
  acceptSession,
  DecryptError,
  decrypt,
  encrypt,
  HandshakeError,
  initiateSession,
  peekMessage,
  sameIdentity,
} from '../src/index.ts';
import { encodeHeader, RATCHET_PREFIX } from '../src/message.ts';
import { backends, lookup, makeParty, seededRandom, str, text, verifiedCard } from './helpers.ts';

describe.each(backends)('first (prekey) message (%s)', (_name, p) => {
  const rnd = seededRandom(`first-${_name}`);
  const alice = makeParty('alice', rnd, p);
  const bob = makeParty('bob', rnd, p);

  it('can be sent while the responder is offline and carries the identity', () => {
    const a = initiateSession(alice.identity, verifiedCard(bob, p), rnd, p);
    const { message } = encrypt(a, text('hi'), p);
    const info = peekMessage(message);
    expect(info.kind).toBe('prekey');
    if (info.kind !== 'prekey') return;
    expect(sameIdentity(info.remoteIdentity, alice.identity.publicIdentity)).toBe(true);
    expect(info.signedPrekeyId).toBe(bob.spk.id);
    expect(info.oneTimePrekeyId).toBe(100);
    const acc = acceptSession(bob.identity, lookup(bob), message, rnd, p);
    expect(acc.usedOneTimePrekeyId).toBe(100);
    expect(sameIdentity(acc.remoteIdentity, alice.identity.publicIdentity)).toBe(true);
  });

  it('tampering any single bit fails, consumes no one-time prekey, then the genuine message works', () => {
    const a = initiateSession(alice.identity, verifiedCard(bob, p), rnd, p);
    const { message } = encrypt(a, text('first'), p);
    const calls: number[] = [];
    const spy = {
      signedPrekey: (id: number) => lookup(bob).signedPrekey(id),
      oneTimePrekey: (id: number) => {
        calls.push(id);
        return lookup(bob).oneTimePrekey(id);
      },
    };
    for (let bit = 0; bit < message.length * 8; bit += _name === 'noble' ? 23 : 5) {
      const bad = message.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => acceptSession(bob.identity, spy, bad, rnd, p)).toThrow(
        expect.objectContaining({
          name: expect.stringMatching(/DecryptError|HandshakeError|FormatError|LimitError/),
        }),
      );
    }
    expect(bob.otpks.has(100)).toBe(true); // the store was never mutated
    const ok = acceptSession(bob.identity, lookup(bob), message, rnd, p);
    expect(str(ok.plaintext)).toBe('first');
    expect(ok.usedOneTimePrekeyId).toBe(100);
  });

  it("before any reply, a message on the responder's signed prekey (public) is a DecryptError, not a crash", () => {
    const a = initiateSession(alice.identity, verifiedCard(bob, p), rnd, p);
    for (const n of [0, 1, 5]) {
      const forged = new Uint8Array([
        ...encodeHeader(RATCHET_PREFIX, bob.spk.publicKey, 0, n),
        ...new Uint8Array(40),
      ]);
      expect(() => decrypt(a, forged, rnd, p)).toThrow(DecryptError);
    }
    // The session is unchanged: Alice's first message still opens at Bob's.
    const { message } = encrypt(a, text('still fine'), p);
    expect(str(acceptSession(bob.identity, lookup(bob), message, rnd, p).plaintext)).toBe('still fine');
  });

  it('a replay after the one-time prekey was deleted is refused', () => {
    const local = makeParty('carol', rnd, p);
    const a = initiateSession(alice.identity, verifiedCard(local, p), rnd, p);
    const { message } = encrypt(a, text('once'), p);
    const acc = acceptSession(local.identity, lookup(local), message, rnd, p);
    local.otpks.delete(acc.usedOneTimePrekeyId!); // core does this in the same transaction
    expect(() => acceptSession(local.identity, lookup(local), message, rnd, p)).toThrow(HandshakeError);
    expect(() => decrypt(acc.session, message, rnd, p)).toThrow(DecryptError);
  });

  it('refuses an unknown signed prekey with a typed error', () => {
    const a = initiateSession(alice.identity, verifiedCard(bob, p), rnd, p);
    const { message } = encrypt(a, text('x'), p);
    const none = { signedPrekey: () => undefined, oneTimePrekey: () => undefined };
    expect(() => acceptSession(bob.identity, none, message, rnd, p)).toThrow(
      expect.objectContaining({ code: 'unknown-signed-prekey' }),
    );
  });

  it('refuses a ratchet message in acceptSession', () => {
    const a = initiateSession(alice.identity, verifiedCard(bob, p), rnd, p);
    const first = encrypt(a, text('x'), p);
    const acc = acceptSession(bob.identity, lookup(bob), first.message, rnd, p);
    const reply = encrypt(acc.session, text('y'), p);
    expect(() => acceptSession(alice.identity, lookup(alice), reply.message, rnd, p)).toThrow(
      expect.objectContaining({ code: 'not-a-prekey-message' }),
    );
  });
});
