import fc from 'fast-check';
import { Uint8ArrayList } from 'uint8arraylist';
import { describe, expect, it } from 'vitest';
import { createFrameDecoder, encodeFrames, uvarintLength, writeUvarint } from '../src/index.ts';

const MAX = 64 * 1024;

function decodeAll(chunks: Uint8Array[], max = MAX) {
  const decoder = createFrameDecoder(max);
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) {
    const error = decoder.push(chunk, (f) => frames.push(f));
    if (error) return { frames, error };
  }
  return { frames, error: null, partial: decoder.partial };
}

describe('frame codec', () => {
  it('round-trips frames split at arbitrary points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (frames, cuts) => {
          const wire = encodeFrames(frames);
          const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let last = 0;
          for (const p of [...points, wire.length]) {
            chunks.push(wire.subarray(last, p));
            last = p;
          }
          const out = decodeAll(chunks);
          expect(out.error).toBeNull();
          expect(out.frames).toEqual(frames);
          expect(out.partial).toBe(false);
        },
      ),
    );
  });

  it('accepts Uint8ArrayList input and exactly the maximum size', () => {
    const big = new Uint8Array(MAX).fill(9);
    const wire = encodeFrames([big, Uint8Array.of(1)]);
    const list = new Uint8ArrayList(wire.subarray(0, 5), wire.subarray(5));
    const frames: Uint8Array[] = [];
    expect(createFrameDecoder(MAX).push(list, (f) => frames.push(f))).toBeNull();
    expect(frames.map((f) => f.length)).toEqual([MAX, 1]);
  });

  it('rejects oversized prefixes after at most 3 bytes, without allocating', () => {
    const prefix = (n: number) => {
      const out = new Uint8Array(uvarintLength(n));
      writeUvarint(n, out, 0);
      return out;
    };
    expect(decodeAll([prefix(MAX + 1)]).error).toBe('frame-too-large');
    expect(decodeAll([prefix(4 * 1024 * 1024)]).error).toBe('frame-too-large');
    // 2^53 as a varint: the decoder gives up at the third continuation byte
    expect(decodeAll([Uint8Array.of(0x80, 0x80, 0x80)]).error).toBe('frame-too-large');
    expect(decodeAll([new Uint8Array(10).fill(0xff)]).error).toBe('frame-too-large');
    expect(decodeAll([Uint8Array.of(0)]).error).toBe('empty-frame');
  });

  it('never throws on random input and holds at most one frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2048 }), { maxLength: 8 }), (chunks) => {
        const decoder = createFrameDecoder(MAX);
        for (const chunk of chunks) {
          const error = decoder.push(chunk, () => undefined);
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(MAX);
          if (error) break;
        }
      }),
    );
  });
});
