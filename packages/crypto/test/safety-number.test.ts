import { readFileSync } from 'node:fs';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { FormatError, fromHex, safetyNumber, toHex, verifySafetyNumberQr } from '../src/index.ts';
import { backends, makeParty, seededRandom } from './helpers.ts';
import { runSafetyNumber, type SafetyNumberVectors } from './vectors/safety-number.ts';

/** Golden safety number with all its inputs (SPEC.md §8; test/vectors/README.md). */
const golden: SafetyNumberVectors = JSON.parse(
  readFileSync(new URL('./vectors/safety-number-v1.json', import.meta.url), 'utf8'),
);

describe.each(backends)('safety numbers (%s)', (_name, p) => {
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

  it('golden vector safety-number-v1.json: every input and output reproduced', () => {
    expect(JSON.parse(JSON.stringify(runSafetyNumber(p)))).toEqual(golden);
    expect(onAlice.digits).toBe('000847556345674151294634226364735131865262274280738118998065');
    expect([toHex(onAlice.qrPayload), toHex(onBob.qrPayload)]).toEqual([
      golden.qrPayload.alice,
      golden.qrPayload.bob,
    ]);
  });
});

describe('safety-number-v1: the published inputs give the published digits (SPEC.md §8)', () => {
  it('from the public keys and PeerIds alone, with bare SHA-512', () => {
    const half = (x: SafetyNumberVectors['parties']['alice']) => {
      const key = fromHex(x.signingKey + x.agreementKey);
      const first = new Uint8Array([0, 1, ...key, ...new TextEncoder().encode(x.peerId)]);
      expect(toHex(first)).toBe(x.firstInput);
      let h = sha512(first);
      for (let i = 0; i < golden.iterations; i++) h = sha512(new Uint8Array([...h, ...key]));
      expect(toHex(h)).toBe(x.fingerprint);
      let digits = '';
      for (let i = 0; i < 30; i += 5)
        digits += String(h.subarray(i, i + 5).reduce((v, b) => v * 256 + b, 0) % 100000).padStart(5, '0');
      expect(digits).toBe(x.digits);
      return digits;
    };
    const [a, b] = [half(golden.parties.alice), half(golden.parties.bob)];
    expect(golden.digits).toBe(a < b ? a + b : b + a);
    expect(golden.groups.join('')).toBe(golden.digits);
    const fa = golden.parties.alice.fingerprint.slice(0, 64);
    const fb = golden.parties.bob.fingerprint.slice(0, 64);
    expect(golden.qrPayload).toEqual({ alice: `01${fa}${fb}`, bob: `01${fb}${fa}` });
  });
});
