import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createFileKey,
  decodeFileKey,
  encodeFileKey,
  FileError,
  type FileKey,
  fileChunkCount,
  fileCiphertextBytes,
  openChunk,
  type Primitives,
  sealChunk,
} from '../src/index.ts';
import { assertProperty } from './corpus.ts';
import { backends, seededRandom } from './helpers.ts';

function sealAll(fk: FileKey, data: Uint8Array, p: Primitives): Uint8Array[] {
  const count = fileChunkCount(data.length, fk.chunkSize);
  return Array.from({ length: count }, (_, i) =>
    sealChunk(fk, i, data.subarray(i * fk.chunkSize, (i + 1) * fk.chunkSize), i === count - 1, p),
  );
}

/** A streaming reader that knows the expected number of chunks. */
function openAll(fk: FileKey, chunks: readonly Uint8Array[], count: number, p: Primitives): Uint8Array {
  if (chunks.length !== count) throw new FileError('chunk-auth-failed', 'wrong chunk count');
  const parts = chunks.map((c, i) => openChunk(fk, i, c, i === count - 1, p));
  return Uint8Array.from(parts.flatMap((x) => [...x]));
}

describe.each(backends)('file stream (%s)', (name, p) => {
  const rnd = seededRandom(`file-${name}`);

  it('computes chunk counts and sizes', () => {
    expect(fileChunkCount(0)).toBe(1);
    expect(fileChunkCount(65_536)).toBe(1);
    expect(fileChunkCount(65_537)).toBe(2);
    expect(fileCiphertextBytes(0)).toBe(16);
    expect(fileCiphertextBytes(5 * 2 ** 30)).toBe(5 * 2 ** 30 + 16 * 81_920);
  });

  it('detects truncation, reordering, swapping, appending and flag flips', () => {
    const fk = createFileKey(rnd, 100);
    const data = rnd(350);
    const chunks = sealAll(fk, data, p);
    expect(openAll(fk, chunks, 4, p)).toEqual(data);
    const fail = (cs: Uint8Array[], count: number) =>
      expect(() => openAll(fk, cs, count, p)).toThrow(FileError);
    fail(chunks.slice(0, 3), 3); // truncated at a chunk boundary: chunk 2 is not final
    fail([chunks[1]!, chunks[0]!, chunks[2]!, chunks[3]!], 4); // reordered
    fail([...chunks, sealChunk(fk, 4, rnd(10), true, p)], 5); // appended after the final chunk
    const other = sealAll(createFileKey(rnd, 100), data, p);
    fail([chunks[0]!, other[1]!, chunks[2]!, chunks[3]!], 4); // swapped in from another file
    expect(() => openChunk(fk, 3, chunks[3]!, false, p)).toThrow(FileError); // final flag flipped
    const bad = chunks[2]!.slice();
    bad[5]! ^= 1;
    expect(() => openChunk(fk, 2, bad, false, p)).toThrow(
      expect.objectContaining({ code: 'chunk-auth-failed' }),
    );
    expect(() => sealChunk(fk, 0, rnd(99), false, p)).toThrow(
      expect.objectContaining({ code: 'bad-chunk-size' }),
    );
  });

  it('file key round-trips', () => {
    const fk = createFileKey(rnd);
    const back = decodeFileKey(encodeFileKey(fk));
    expect(back.key).toEqual(fk.key);
    expect(back.chunkSize).toBe(fk.chunkSize);
    expect(() => decodeFileKey(encodeFileKey(fk).subarray(0, 10))).toThrow(
      expect.objectContaining({ code: 'truncated' }),
    );
  });

  it('property: any data and chunk size round-trips', () => {
    assertProperty(
      'file-stream',
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 1, max: 700 }), (data, size) => {
        const fk = createFileKey(rnd, size);
        const chunks = sealAll(fk, data, p);
        expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(fileCiphertextBytes(data.length, size));
        expect(openAll(fk, chunks, fileChunkCount(data.length, size), p)).toEqual(data);
      }),
      name === 'noble' ? 30 : 60,
    );
  });
});
