/**
 * The golden safety number behind safety-number-v1.json (SPEC.md §8), with
 * every input published: the same seeded parties as safety-number.test.ts
 * (seed "safety": alice then bob, each an identity and a signed prekey, no
 * one-time prekeys), their public identity keys and PeerIds, each side's
 * first SHA-512 input, its final fingerprint and 30 digits, the 60 digits and
 * both QR payloads.
 */
import {
  concat,
  encodeIdentity,
  type Primitives,
  type SafetyNumberParty,
  safetyNumber,
  toHex,
  utf8,
} from '../../src/index.ts';
import { makeParty, seededRandom } from '../helpers.ts';

export const SAFETY_NUMBER_SEED = 'safety';

export interface SafetyNumberVectors {
  readonly version: 1;
  readonly seed: string;
  readonly rng: string;
  readonly iterations: number;
  readonly parties: Record<
    'alice' | 'bob',
    {
      readonly identitySecret: string;
      readonly signingKey: string;
      readonly agreementKey: string;
      readonly peerId: string;
      /** u16(1) ‖ IKs_pub ‖ IKd_pub ‖ utf8(peerId): the first SHA-512 input. */
      readonly firstInput: string;
      readonly fingerprint: string;
      readonly digits: string;
    }
  >;
  readonly digits: string;
  readonly groups: readonly string[];
  readonly qrPayload: { readonly alice: string; readonly bob: string };
}

/** SPEC.md §8 for one party, spelled out: 1 + 5,200 SHA-512 computations. */
function fingerprint(party: SafetyNumberParty, p: Primitives, iterations: number): Uint8Array {
  const key = concat(party.identity.signingKey, party.identity.agreementKey);
  let h = p.sha512(concat(Uint8Array.of(0, 1), key, utf8(party.peerId)));
  for (let i = 0; i < iterations; i++) h = p.sha512(concat(h, key));
  return h;
}

function digitsOf(h: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 6; i++) {
    const v = h.subarray(5 * i, 5 * i + 5).reduce((acc, b) => acc * 256 + b, 0);
    out += String(v % 100_000).padStart(5, '0');
  }
  return out;
}

export function runSafetyNumber(p: Primitives): SafetyNumberVectors {
  const rnd = seededRandom(SAFETY_NUMBER_SEED);
  const alice = makeParty('alice', rnd, p, 0);
  const bob = makeParty('bob', rnd, p, 0);
  const A = { identity: alice.identity.publicIdentity, peerId: alice.peerId };
  const B = { identity: bob.identity.publicIdentity, peerId: bob.peerId };
  const party = (x: typeof alice, s: SafetyNumberParty) => {
    const h = fingerprint(s, p, 5200);
    return {
      identitySecret: toHex(encodeIdentity(x.identity)),
      signingKey: toHex(s.identity.signingKey),
      agreementKey: toHex(s.identity.agreementKey),
      peerId: s.peerId,
      firstInput: toHex(
        concat(Uint8Array.of(0, 1), s.identity.signingKey, s.identity.agreementKey, utf8(s.peerId)),
      ),
      fingerprint: toHex(h),
      digits: digitsOf(h),
    };
  };
  const onAlice = safetyNumber(A, B, p);
  return {
    version: 1,
    seed: SAFETY_NUMBER_SEED,
    rng: 'block i = SHA-256(utf8(seed) || u32be(i)); output = block0 || block1 || ... consumed in order',
    iterations: 5200,
    parties: { alice: party(alice, A), bob: party(bob, B) },
    digits: onAlice.digits,
    groups: [...onAlice.groups],
    qrPayload: { alice: toHex(onAlice.qrPayload), bob: toHex(safetyNumber(B, A, p).qrPayload) },
  };
}
