import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromHex, toBase64Url, toHex } from '../src/base/bytes.ts';

describe('byte codecs', () => {
  it('base64url and hex match the platform encoders and round-trip, for every length up to 200 and a large array', () => {
    const lengths = [...Array.from({ length: 201 }, (_, i) => i), 100_000];
    for (const n of lengths) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 167 + n * 13) & 0xff);
      const b64 = toBase64Url(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(b64)).toEqual(bytes);
      expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
      expect(fromHex(toHex(bytes))).toEqual(bytes);
    }
  });

  it('refuses padding, other alphabets, non-canonical tails and bad lengths', () => {
    for (const bad of ['AA==', 'A', 'AB+C', 'AB/C', 'AB C', 'AÉ', 'AB', 'AAB'])
      expect(() => fromBase64Url(bad), bad).toThrow(TypeError); // 'AB', 'AAB': unused low bits not zero
    expect(fromBase64Url('AA')).toEqual(Uint8Array.of(0));
    for (const bad of ['0', 'zz', 'AB', '0x00']) expect(() => fromHex(bad), bad).toThrow(TypeError);
  });
});
