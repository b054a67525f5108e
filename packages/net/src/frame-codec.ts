/**
 * The frame format of `/parley/msg/1.0.0` and `/parley/intro/1.0.0`:
 *
 *   frame = length:uvarint  payload:byte[length]      1 <= length <= max
 *
 * `uvarint` is the unsigned LEB128 varint of the multiformats spec
 * (https://github.com/multiformats/unsigned-varint), the same prefix libp2p's
 * own length-prefixed protocols use. The decoder here is written for hostile
 * input: it never throws, never allocates before the length was checked
 * against the maximum, rejects a prefix longer than the maximum needs (so
 * 2^53 is rejected after 3 bytes), and keeps at most one partial frame.
 */
import type { Uint8ArrayList } from 'uint8arraylist';

/** Encodes `value` (0 <= value < 2^31) as an unsigned varint into `out` at `offset`; returns the new offset. */
export function writeUvarint(value: number, out: Uint8Array, offset: number): number {
  let v = value;
  let at = offset;
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[at++] = v;
  return at;
}

/** Bytes the unsigned varint of `value` takes. */
export function uvarintLength(value: number): number {
  let bytes = 1;
  for (let v = value; v >= 0x80; v >>>= 7) bytes++;
  return bytes;
}

/** Encodes frames back to back into one buffer (one write on the wire). */
export function encodeFrames(frames: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const f of frames) total += uvarintLength(f.length) + f.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of frames) {
    at = writeUvarint(f.length, out, at);
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** Why the decoder gave up on a stream; the caller resets the stream. */
export type FrameDecodeError = 'frame-too-large' | 'empty-frame';

export interface FrameDecoder {
  /**
   * Feeds received bytes; calls `onFrame` for each complete frame (a fresh
   * copy, never a view of the input). Returns an error instead of throwing;
   * after an error the decoder must not be used again.
   */
  push(chunk: Uint8Array | Uint8ArrayList, onFrame: (frame: Uint8Array) => void): FrameDecodeError | null;
  /** Whether a frame has started but is not complete (used by the slow-frame timeout). */
  readonly partial: boolean;
  /** Bytes currently held for the partial frame. */
  readonly bufferedBytes: number;
}

/** Where a frame's bytes go: `length` fresh bytes (or a region nobody else will write). */
export type FrameAllocator = (length: number) => Uint8Array;

const fresh: FrameAllocator = (length) => new Uint8Array(length);

/**
 * A decoder that refuses any frame longer than `maxFrameBytes`. Each frame's
 * bytes are copied into `allocate(length)`, called only once the length was
 * checked (default: a fresh array per frame).
 */
export function createFrameDecoder(maxFrameBytes: number, allocate: FrameAllocator = fresh): FrameDecoder {
  const maxPrefixBytes = uvarintLength(maxFrameBytes);
  let prefixValue = 0;
  let prefixBytes = 0;
  let body: Uint8Array | null = null;
  let filled = 0;
  let failed: FrameDecodeError | null = null;

  const pushBytes = (buf: Uint8Array, onFrame: (frame: Uint8Array) => void): FrameDecodeError | null => {
    let at = 0;
    while (at < buf.length) {
      if (body === null) {
        const byte = buf[at++] as number;
        // 7 bits per byte; multiplication instead of << keeps it exact past 2^31
        prefixValue += (byte & 0x7f) * 2 ** (7 * prefixBytes);
        prefixBytes++;
        if (byte & 0x80) {
          if (prefixBytes >= maxPrefixBytes) return 'frame-too-large';
          continue;
        }
        const length = prefixValue;
        prefixValue = 0;
        prefixBytes = 0;
        if (length > maxFrameBytes) return 'frame-too-large';
        if (length === 0) return 'empty-frame';
        body = allocate(length);
        filled = 0;
      }
      const take = Math.min(body.length - filled, buf.length - at);
      body.set(buf.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === body.length) {
        const frame = body;
        body = null;
        onFrame(frame);
      }
    }
    return null;
  };

  return {
    push(chunk, onFrame) {
      if (failed) return failed;
      if (chunk instanceof Uint8Array) {
        failed = pushBytes(chunk, onFrame);
        return failed;
      }
      for (const buf of chunk) {
        failed = pushBytes(buf, onFrame);
        if (failed) return failed;
      }
      return null;
    },
    get partial() {
      return body !== null || prefixBytes > 0;
    },
    get bufferedBytes() {
      return body === null ? prefixBytes : filled;
    },
  };
}
