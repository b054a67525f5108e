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

/**
 * Sources whose output nobody needs to reproduce: the platform CSPRNG and pools over it. With one
 * of these a backend may take key and encapsulation randomness from its own CSPRNG (OpenSSL's,
 * the same one `getRandomValues` reads on Node) instead of drawing it (SPEC.md §1.2); a seeded
 * test source never is, so the vectors' draw order stays exactly as specified.
 */
const unreproducible = new WeakSet<RandomSource>([systemRandom]);

/**
 * True if `random` is the platform CSPRNG (or a {@link bufferedRandom} over it): its draws need not
 * be reproduced, so a backend's own CSPRNG may stand in for them.
 * @example isSystemRandom(systemRandom) === true
 */
export function isSystemRandom(random: RandomSource): boolean {
  return unreproducible.has(random);
}

/** Draw exactly `length` bytes and check the source kept its contract. */
export function draw(random: RandomSource, length: number): Uint8Array {
  const b = random(length);
  if (!(b instanceof Uint8Array) || b.length !== length) {
    throw new TypeError(`RandomSource returned ${b?.length} bytes, expected ${length}`);
  }
  return b;
}

/** Bytes drawn from the underlying source at once by {@link bufferedRandom}. */
export const RANDOM_POOL_BYTES = 4096;

/**
 * A RandomSource that draws from `source` in blocks of `poolBytes` and hands
 * each byte out exactly once (zeroing it as it goes), so that many small
 * requests (ids, nonces) cost one call to the platform CSPRNG instead of one
 * each. Requests larger than the pool go straight to `source`.
 * @example const random = bufferedRandom(systemRandom); random(24);
 */
export function bufferedRandom(source: RandomSource, poolBytes: number = RANDOM_POOL_BYTES): RandomSource {
  let pool: Uint8Array = new Uint8Array(0);
  let used = 0;
  const buffered = (length: number): Uint8Array => {
    if (length > poolBytes) return draw(source, length);
    if (pool.length - used < length) {
      pool.fill(0);
      pool = draw(source, poolBytes);
      used = 0;
    }
    const out = pool.slice(used, used + length);
    pool.fill(0, used, used + length);
    used += length;
    return out;
  };
  if (unreproducible.has(source)) unreproducible.add(buffered);
  return buffered;
}
