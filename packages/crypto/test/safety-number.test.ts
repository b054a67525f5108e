import { describe, expect, it } from 'vitest';
import { FormatError, safetyNumber, verifySafetyNumberQr } from '../src/index.ts';
import { backends, makeParty, seededRandom } from './helpers.ts';

describe.each(backends)('safety numbers (%s)', (name, p) => {
  const rnd = seededRandom('safety');
  const alice = makeParty('alice', rnd, p, 0);
  const bob = makeParty('bob', rnd, p, 0);
  const A = { identity: alice.identity.publicIdentity, peerId: alice.peerId };
  const B = { identity: bob.identity.publicIdentity, peerId: bob.peerId };
  const onAlice = safetyNumber(A, B, p);
  const onBob = safetyNumber(B, A, p);

  it('reads the same on both sides: 60 digits in 12 groups of 5', () => {
    expect(onAlice.digits).toBe(onBob.digits);
    expect(onAlice.digits).toMatch(/^\d{60}$/);
    expect(onAlice.groups).toHaveLength(12);
  });

  it('QR payloads cross-verify and detect a different key', () => {
    expect(verifySafetyNumberQr(onAlice, onBob.qrPayload)).toBe(true);
    expect(verifySafetyNumberQr(onBob, onAlice.qrPayload)).toBe(true);
    expect(verifySafetyNumberQr(onAlice, onAlice.qrPayload)).toBe(false);
    const mallory = makeParty('mallory', rnd, p, 0);
    const M = { identity: mallory.identity.publicIdentity, peerId: bob.peerId };
    expect(verifySafetyNumberQr(onAlice, safetyNumber(M, A, p).qrPayload)).toBe(false);
    expect(safetyNumber(A, M, p).digits).not.toBe(onAlice.digits);
    expect(() => verifySafetyNumberQr(onAlice, onBob.qrPayload.subarray(1))).toThrow(FormatError);
  });

  it('is identical across backends (golden)', () => {
    expect(onAlice.digits).toMatchSnapshot(`digits-${name === 'node' ? 'noble' : name}`);
  });
});
