/**
 * base/shuffle.ts: the shuffle is a permutation, uses only the injected randomness (replayable),
 * and is unbiased — every order of 3 items comes out about equally often, where the old
 * `sort(() => Math.random() - 0.5)` favoured some.
 */
import { describe, expect, it } from 'vitest';
import { shuffled, uniformInt } from '../src/base/index.ts';

/** A deterministic byte source (xorshift32). */
function seeded(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

describe('shuffled', () => {
  it('returns a permutation and leaves the input alone; same randomness, same order', () => {
    const input = Array.from({ length: 50 }, (_, i) => i);
    const a = shuffled(input, seeded(7));
    expect([...a].sort((x, y) => x - y)).toEqual(input);
    expect(input).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffled(input, seeded(7))).toEqual(a);
    expect(shuffled([], seeded(1))).toEqual([]);
  });

  it('gives every order of three items about a sixth of the time', () => {
    const random = seeded(12345);
    const counts = new Map<string, number>();
    const runs = 60_000;
    for (let i = 0; i < runs; i++) {
      const key = shuffled(['a', 'b', 'c'], random).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const n of counts.values()) expect(Math.abs(n / runs - 1 / 6)).toBeLessThan(0.01);
  });

  it('uniformInt rejects bad bounds and stays in range', () => {
    expect(() => uniformInt(seeded(1), 0)).toThrow(RangeError);
    const random = seeded(3);
    for (let i = 0; i < 1000; i++) {
      const v = uniformInt(random, 7);
      expect(v >= 0 && v < 7).toBe(true);
    }
  });
});
