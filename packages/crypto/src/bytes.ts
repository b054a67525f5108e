/**
 * Byte helpers: bounded reader/writer for the wire formats (SPEC.md §2: every
 * integer is big-endian, every read is length-checked first), constant-time
 * comparison and best-effort wiping.
 * @module
 */

import { FormatError } from './errors.ts';
import { platform } from './platform.ts';

const encoder = new platform.TextEncoder();
const decoder = new platform.TextDecoder('utf-8', { fatal: true });

/** UTF-8 encode. @example utf8('hi') // Uint8Array [104, 105] */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Strict UTF-8 decode (throws TypeError on invalid UTF-8). @example fromUtf8(utf8('hi')) === 'hi' */
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Concatenate byte arrays. @example concat(a, b).length === a.length + b.length */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Constant-time equality: the running time depends only on the lengths, never on
 * where the first difference is. @example equalBytes(tagA, tagB)
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** True if every byte is zero, in constant time. @example isAllZero(new Uint8Array(32)) === true */
export function isAllZero(a: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= a[i]!;
  return acc === 0;
}

/**
 * Overwrite buffers with zeros. Best effort only: the JS engine may have copied
 * the bytes (GC moves, strings, native copies); see README "Memory".
 * @example wipe(messageKey)
 */
export function wipe(...buffers: readonly (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/** Lowercase hex. @example toHex(new Uint8Array([255])) === 'ff' */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/** Parse even-length hex. @example fromHex('ff')[0] === 255 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('invalid hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Error factory used by {@link Reader}: the caller decides which typed error a bad input raises. */
export type Fail = (code: 'truncated' | 'bad-length' | 'trailing-bytes', what: string) => Error;

/** Reader failures for stored values raise {@link FormatError}. */
export const failFormat: Fail = (code, what) => new FormatError(code, what);

/**
 * Sequential reader that checks the remaining length before every read.
 * @example const r = new Reader(bytes, fail); const v = r.u8('version'); r.end();
 */
export class Reader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly fail: Fail;
  private pos = 0;
  constructor(bytes: Uint8Array, fail: Fail) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.fail = fail;
  }
  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }
  /** Current offset from the start. */
  get offset(): number {
    return this.pos;
  }
  private need(n: number, what: string): void {
    if (this.remaining < n) throw this.fail('truncated', `${what}: need ${n} bytes, have ${this.remaining}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  /** Unsigned 64-bit, refused above 2^53 − 1 so it stays an exact JS number. */
  u64(what: string): number {
    const hi = this.u32(what);
    const lo = this.u32(what);
    if (hi > 0x1fffff) throw this.fail('bad-length', `${what}: above 2^53-1`);
    return hi * 0x1_0000_0000 + lo;
  }
  /** A copy of the next n bytes (copy, so wiping the input does not alias state). */
  bytesN(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A view of the next n bytes (no copy): for bytes read while the input is handled, never stored. */
  viewN(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** u16 length prefix, then that many bytes, refused above `max`. */
  var16(max: number, what: string): Uint8Array {
    const n = this.u16(what);
    if (n > max) throw this.fail('bad-length', `${what}: ${n} bytes exceeds ${max}`);
    return this.bytesN(n, what);
  }
  /** The rest of the input (a copy). */
  rest(): Uint8Array {
    return this.bytesN(this.remaining, 'rest');
  }
  /** Assert the input is fully consumed. */
  end(what: string): void {
    if (this.remaining !== 0) throw this.fail('trailing-bytes', `${what}: ${this.remaining} trailing bytes`);
  }
}

/**
 * Growable writer for the wire formats (big-endian).
 * @example const w = new Writer(); w.u8(1); w.bytes(key); const out = w.finish();
 */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf.fill(0); // the old buffer may hold secrets
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }
  u64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError('u64 out of range');
    this.u32(Math.floor(v / 0x1_0000_0000));
    this.u32(v >>> 0);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** u16 length prefix then the bytes; throws RangeError above `max`. */
  var16(b: Uint8Array, max: number): void {
    if (b.length > max) throw new RangeError(`field of ${b.length} bytes exceeds ${max}`);
    this.u16(b.length);
    this.bytes(b);
  }
  /** The written bytes (a right-sized copy; the working buffer is wiped). */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.buf.fill(0);
    return out;
  }
}
