/**
 * An unbiased shuffle driven by the injected randomness (core never calls
 * Math.random: tests replay it, and `sort(() => Math.random() - 0.5)` is
 * biased — it depends on the sort algorithm which orders come out more often).
 */

/** Draws bytes: core's RandomSource (`ctx.random`). */
export type RandomBytes = (length: number) => Uint8Array;

/** A uniform integer in [0, bound) from 32-bit draws, rejecting the biased tail. */
export function uniformInt(random: RandomBytes, bound: number): number {
  if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) throw new RangeError(`bad bound ${bound}`);
  const limit = 2 ** 32 - (2 ** 32 % bound);
  for (;;) {
    const b = random(4);
    const x = (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
    if (x < limit) return x % bound;
  }
}

/** A shuffled copy (Fisher–Yates); the input is left as it is. */
export function shuffled<T>(items: readonly T[], random: RandomBytes): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = uniformInt(random, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
