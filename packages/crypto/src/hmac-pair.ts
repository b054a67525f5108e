/**
 * Two HMAC-SHA256 (RFC 2104, FIPS 180-4) of short messages under one key, in plain JS: the
 * ratchet's KDF_CK (SPEC.md §6.1: HMAC(ck, 0x02) and HMAC(ck, 0x01)) on every message. The key
 * schedule (the ipad and opad blocks) is compressed once for both, so the pair costs six SHA-256
 * compressions, ~2 µs, where two node:crypto HMACs cost ~8 µs in object set-up alone. Only 32-bit
 * integer operations, no secret-indexed tables or branches; scratch state is zeroed after each
 * call. Checked against node:crypto and noble (test/differential.test.ts).
 * @module
 */

/** Longest key taken here (one block); longer keys are hashed first by HMAC, not handled here. */
export const HMAC_PAIR_MAX_KEY_BYTES = 64;
/** Longest message taken here: it and SHA-256's padding (9 bytes) fit in one block. */
export const HMAC_PAIR_MAX_MESSAGE_BYTES = 55;

// FIPS 180-4 §4.2.2 round constants and §5.3.3 initial hash value.
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const IPAD = 0x36363636;
const OPAD = 0x5c5c5c5c;

// Scratch (single-threaded JS: no call interleaves another), zeroed after each use.
const w = new Int32Array(64);
const block = new Int32Array(16);
const inner = new Int32Array(8);
const outer = new Int32Array(8);
const mid = new Int32Array(8);
const res = new Int32Array(8);

/** SHA-256 compression of `block` into `out` from chaining value `st` (FIPS 180-4 §6.2.2). */
function compress(st: Int32Array, out: Int32Array): void {
  for (let i = 0; i < 16; i++) w[i] = block[i]!;
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = st[0]!;
  let b = st[1]!;
  let c = st[2]!;
  let d = st[3]!;
  let e = st[4]!;
  let f = st[5]!;
  let g = st[6]!;
  let h = st[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  out[0] = (st[0]! + a) | 0;
  out[1] = (st[1]! + b) | 0;
  out[2] = (st[2]! + c) | 0;
  out[3] = (st[3]! + d) | 0;
  out[4] = (st[4]! + e) | 0;
  out[5] = (st[5]! + f) | 0;
  out[6] = (st[6]! + g) | 0;
  out[7] = (st[7]! + h) | 0;
}

/** Big-endian bytes into `block` from word 0, then 0x80, zeros, and the bit length of a 64-byte prefix plus them. */
function padded(bytes: Uint8Array | Int32Array, byteLength: number): void {
  block.fill(0);
  if (bytes instanceof Int32Array) block.set(bytes);
  else for (let i = 0; i < byteLength; i++) block[i >> 2]! |= bytes[i]! << (24 - 8 * (i & 3));
  block[byteLength >> 2]! |= 0x80 << (24 - 8 * (byteLength & 3));
  block[15] = (64 + byteLength) * 8;
}

function hmacWith(message: Uint8Array): Uint8Array {
  padded(message, message.length);
  compress(inner, mid);
  padded(mid, 32);
  compress(outer, res);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = res[i]!;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = v >>> 16;
    out[4 * i + 2] = v >>> 8;
    out[4 * i + 3] = v;
  }
  return out;
}

/**
 * [HMAC-SHA256(key, a), HMAC-SHA256(key, b)] for a key of at most 64 bytes and messages of at
 * most 55 bytes (RangeError otherwise: callers check the bounds and fall back).
 * @example const [nextChainKey, messageKey] = hmacSha256Pair(ck, Uint8Array.of(2), Uint8Array.of(1));
 */
export function hmacSha256Pair(
  key: Uint8Array,
  a: Uint8Array,
  b: Uint8Array,
): readonly [Uint8Array, Uint8Array] {
  if (
    key.length > HMAC_PAIR_MAX_KEY_BYTES ||
    a.length > HMAC_PAIR_MAX_MESSAGE_BYTES ||
    b.length > HMAC_PAIR_MAX_MESSAGE_BYTES
  ) {
    throw new RangeError('hmacSha256Pair: key or message too long for the one-block path');
  }
  try {
    block.fill(0);
    for (let i = 0; i < key.length; i++) block[i >> 2]! |= key[i]! << (24 - 8 * (i & 3));
    for (let i = 0; i < 16; i++) block[i] = block[i]! ^ IPAD;
    compress(IV, inner);
    for (let i = 0; i < 16; i++) block[i] = block[i]! ^ IPAD ^ OPAD;
    compress(IV, outer);
    return [hmacWith(a), hmacWith(b)];
  } finally {
    w.fill(0);
    block.fill(0);
    inner.fill(0);
    outer.fill(0);
    mid.fill(0);
    res.fill(0);
  }
}
