import { describe, expect, it } from 'vitest';
import { byteLength, fitsBytes } from '../src/wire/app-message.ts';

describe('byteLength', () => {
  it('is the UTF-8 length TextEncoder produces, for every kind of code unit (lone surrogates too)', () => {
    const encoder = new TextEncoder();
    const samples = [
      '',
      'a',
      'é',
      '€',
      '😀',
      'a😀b',
      '\ud800',
      '\udc00',
      '\ud800x',
      'x\udfff',
      '\ud83d\ude00\ud83d',
    ];
    // plus pseudo-random strings over all 16-bit code units (deterministic)
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const len = next() % 12;
      const picks = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xffff];
      samples.push(
        String.fromCharCode(
          ...Array.from({ length: len }, () =>
            next() % 3 === 0 ? next() % 0x10000 : (picks[next() % picks.length] as number),
          ),
        ),
      );
    }
    for (const s of samples) expect(byteLength(s), JSON.stringify(s)).toBe(encoder.encode(s).length);
    for (const s of samples)
      for (const max of [0, 1, 3, 4, 5, 8, 16, 24, 36])
        expect(fitsBytes(s, max), `${JSON.stringify(s)} ≤ ${max}`).toBe(encoder.encode(s).length <= max);
  });
});
