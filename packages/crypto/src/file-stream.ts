/**
 * Streaming file encryption (SPEC.md §9): the STREAM construction
 * (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and
 * its Nonce-Reuse Misuse-Resistance", CRYPTO 2015, §7) over ChaCha20-Poly1305.
 * nonce = prefix(7, random per file) ‖ chunk index (u32 BE) ‖ final flag (1),
 * so truncation, reordering, chunk swapping and appending after the final
 * chunk all fail authentication. One chunk in memory at a time.
 * @module
 */
import { failFormat, Reader, Writer, wipe } from './bytes.ts';
import { FileError, FormatError } from './errors.ts';
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, KEY_BYTES, type Primitives } from './primitives.ts';
import { draw, type RandomSource } from './random.ts';
import { Redacted } from './redact.ts';

/** Default plaintext bytes per chunk: 64 KiB. */
export const FILE_CHUNK_BYTES = 65_536;
/** Largest allowed chunk size: 4 MiB (bounded memory). */
export const FILE_MAX_CHUNK_BYTES: number = 4 * 1024 * 1024;
/** Random nonce prefix per file, bytes. */
export const FILE_NONCE_PREFIX_BYTES = 7;
/** Chunk indexes are u32: at most 2^32 chunks (256 TiB at 64 KiB). */
export const FILE_MAX_CHUNKS: number = 2 ** 32;
/** Version byte of the encoded file key. */
export const FILE_KEY_VERSION = 1;
const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * A per-file key. Prints `[redacted]`.
 * @example const fk = createFileKey(systemRandom);
 */
export class FileKey extends Redacted {
  /** ChaCha20-Poly1305 key, 32 random bytes. */
  readonly key: Uint8Array;
  /** 7 random bytes, first part of every chunk nonce. */
  readonly noncePrefix: Uint8Array;
  /** Plaintext bytes in every chunk but the last. */
  readonly chunkSize: number;
  constructor(key: Uint8Array, noncePrefix: Uint8Array, chunkSize: number) {
    super();
    if (key.length !== KEY_BYTES || noncePrefix.length !== FILE_NONCE_PREFIX_BYTES) {
      throw new FormatError('bad-length', 'file key or nonce prefix length');
    }
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > FILE_MAX_CHUNK_BYTES) {
      throw new FormatError('bad-value', `chunk size ${chunkSize} outside 1..${FILE_MAX_CHUNK_BYTES}`);
    }
    this.key = key;
    this.noncePrefix = noncePrefix;
    this.chunkSize = chunkSize;
    Object.freeze(this);
  }
}

/**
 * A fresh random file key.
 * @example const fk = createFileKey(systemRandom); // 64 KiB chunks
 */
export function createFileKey(random: RandomSource, chunkSize: number = FILE_CHUNK_BYTES): FileKey {
  return new FileKey(draw(random, KEY_BYTES), draw(random, FILE_NONCE_PREFIX_BYTES), chunkSize);
}

/**
 * Number of chunks for a file of `plaintextBytes` (an empty file is one empty final chunk).
 * @example fileChunkCount(150_000) === 3
 */
export function fileChunkCount(plaintextBytes: number, chunkSize: number = FILE_CHUNK_BYTES): number {
  if (!Number.isSafeInteger(plaintextBytes) || plaintextBytes < 0) throw new RangeError('bad file size');
  return Math.max(1, Math.ceil(plaintextBytes / chunkSize));
}

/**
 * Total ciphertext bytes: plaintext + 16 per chunk.
 * @example fileCiphertextBytes(0) === 16
 */
export function fileCiphertextBytes(plaintextBytes: number, chunkSize: number = FILE_CHUNK_BYTES): number {
  return plaintextBytes + AEAD_TAG_BYTES * fileChunkCount(plaintextBytes, chunkSize);
}

function chunkNonce(fk: FileKey, index: number, isFinal: boolean): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= FILE_MAX_CHUNKS)
    throw new FileError('bad-index', `chunk index ${index}`);
  const nonce = new Uint8Array(AEAD_NONCE_BYTES);
  nonce.set(fk.noncePrefix);
  new DataView(nonce.buffer).setUint32(FILE_NONCE_PREFIX_BYTES, index);
  nonce[AEAD_NONCE_BYTES - 1] = isFinal ? 1 : 0;
  return nonce;
}

function checkSize(fk: FileKey, plaintextBytes: number, isFinal: boolean): void {
  const ok = isFinal ? plaintextBytes <= fk.chunkSize : plaintextBytes === fk.chunkSize;
  if (!ok)
    throw new FileError(
      'bad-chunk-size',
      `chunk of ${plaintextBytes} plaintext bytes (chunk size ${fk.chunkSize})`,
    );
}

/**
 * Seal chunk `index`. Every chunk but the last must hold exactly `chunkSize` bytes.
 * @example const c0 = sealChunk(fk, 0, first64KiB, false, p);
 */
export function sealChunk(
  fk: FileKey,
  index: number,
  plaintext: Uint8Array,
  isFinal: boolean,
  p: Primitives,
): Uint8Array {
  checkSize(fk, plaintext.length, isFinal);
  return p.aeadSeal(fk.key, chunkNonce(fk, index, isFinal), plaintext, EMPTY);
}

/**
 * Open chunk `index`; the reader decides `isFinal` from the expected count
 * ({@link fileChunkCount}). Throws FileError('chunk-auth-failed') on any tampering.
 * @example const pt = openChunk(fk, i, bytes, i === fileChunkCount(size) - 1, p);
 */
export function openChunk(
  fk: FileKey,
  index: number,
  sealed: Uint8Array,
  isFinal: boolean,
  p: Primitives,
): Uint8Array {
  if (sealed.length < AEAD_TAG_BYTES) throw new FileError('bad-chunk-size', 'chunk shorter than its tag');
  checkSize(fk, sealed.length - AEAD_TAG_BYTES, isFinal);
  const pt = p.aeadOpen(fk.key, chunkNonce(fk, index, isFinal), sealed, EMPTY);
  if (pt === undefined) throw new FileError('chunk-auth-failed', `chunk ${index} failed authentication`);
  return pt;
}

/**
 * File key encoding (sent inside a ratchet message): version(1)=1 ‖ chunkSize u32 ‖ key(32) ‖ prefix(7).
 * @example const bytes = encodeFileKey(fk); // 44 bytes
 */
export function encodeFileKey(fk: FileKey): Uint8Array {
  const w = new Writer(44);
  w.u8(FILE_KEY_VERSION);
  w.u32(fk.chunkSize);
  w.bytes(fk.key);
  w.bytes(fk.noncePrefix);
  return w.finish();
}

/**
 * Inverse of {@link encodeFileKey}; FormatError if malformed.
 * @example const fk = decodeFileKey(bytes);
 */
export function decodeFileKey(bytes: Uint8Array): FileKey {
  const r = new Reader(bytes, failFormat);
  if (r.u8('file key version') !== FILE_KEY_VERSION) throw new FormatError('bad-version', 'file key version');
  const chunkSize = r.u32('chunk size');
  const key = r.bytesN(KEY_BYTES, 'file key');
  const prefix = r.bytesN(FILE_NONCE_PREFIX_BYTES, 'nonce prefix');
  r.end('file key');
  return new FileKey(key, prefix, chunkSize);
}

/**
 * Best-effort wipe of a file key.
 * @example wipeFileKey(fk);
 */
export function wipeFileKey(fk: FileKey): void {
  wipe(fk.key);
}
