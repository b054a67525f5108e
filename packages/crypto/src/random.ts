/**
 * Injected randomness (DESIGN.md §3: "randomness and time are injected"), so a
 * seeded source reproduces a whole transcript byte for byte (test/vectors).
 * @module
 */
import { platform } from './platform.ts';

/** Returns `length` fresh random bytes. @example const r: RandomSource = systemRandom; r(32) */
export type RandomSource = (length: number) => Uint8Array;

/** Web Crypto's CSPRNG limit per call (bytes). */
const GET_RANDOM_VALUES_MAX_BYTES = 65_536;

/**
 * The platform CSPRNG (`platform.crypto.getRandomValues`, present in browsers
 * and Node ≥ 19 without imports).
 * @example const key = systemRandom(32);
 */
export const systemRandom: RandomSource = (length: number): Uint8Array => {
  const out = new Uint8Array(length);
  for (let o = 0; o < length; o += GET_RANDOM_VALUES_MAX_BYTES) {
    platform.crypto.getRandomValues(out.subarray(o, Math.min(length, o + GET_RANDOM_VALUES_MAX_BYTES)));
  }
  return out;
};

/** Draw exactly `length` bytes and check the source kept its contract. */
export function draw(random: RandomSource, length: number): Uint8Array {
  const b = random(length);
  if (!(b instanceof Uint8Array) || b.length !== length) {
    throw new TypeError(`RandomSource returned ${b?.length} bytes, expected ${length}`);
  }
  return b;
}
