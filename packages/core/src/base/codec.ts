/**
 * Big-endian writer and bounds-checked reader for core's own binary formats (channels, mailboxes).
 * Every overrun, over-long field or trailing byte throws CoreError('bad-input') naming `what`.
 */
import { concat } from './bytes.ts';
import { CoreError } from './errors.ts';

export class Writer {
  readonly parts: Uint8Array[] = [];
  u8(v: number): this {
    this.parts.push(Uint8Array.of(v));
    return this;
  }
  u16(v: number): this {
    this.parts.push(Uint8Array.of(v >>> 8, v & 0xff));
    return this;
  }
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, false);
    this.parts.push(b);
    return this;
  }
  u64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(Math.max(0, Math.floor(v))), false);
    this.parts.push(b);
    return this;
  }
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  /** u16 length ‖ bytes. */
  short(b: Uint8Array): this {
    return this.u16(b.length).bytes(b);
  }
  done(): Uint8Array {
    return concat(...this.parts);
  }
}

export class Reader {
  at = 0;
  readonly buf: Uint8Array;
  readonly #what: string;
  /** `what` names the format in errors: "truncated <what>". */
  constructor(buf: Uint8Array, what = 'data') {
    this.buf = buf;
    this.#what = what;
  }
  take(n: number): Uint8Array {
    if (n < 0 || this.at + n > this.buf.length) throw new CoreError('bad-input', `truncated ${this.#what}`);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0] as number;
  }
  u16(): number {
    const b = this.take(2);
    return ((b[0] as number) << 8) | (b[1] as number);
  }
  u32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false);
  }
  u64(): number {
    const b = this.take(8);
    const v = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, false);
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new CoreError('bad-input', `number out of range in ${this.#what}`);
    return Number(v);
  }
  /** u16 length ‖ bytes, at most `max` bytes. */
  short(max: number): Uint8Array {
    const n = this.u16();
    if (n > max) throw new CoreError('bad-input', `field too long in ${this.#what}`);
    return this.take(n);
  }
  rest(): Uint8Array {
    return this.take(this.buf.length - this.at);
  }
  remaining(): number {
    return this.buf.length - this.at;
  }
  end(): void {
    if (this.at !== this.buf.length) throw new CoreError('bad-input', `trailing bytes after ${this.#what}`);
  }
}

/** Strict UTF-8 decoding: invalid sequences throw. */
export const utf8Text = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(b);
