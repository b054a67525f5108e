/**
 * ML-KEM-768 (FIPS 203) sizes and input checks (SPEC.md §1.1). The KEM is
 * reserved for the PQXDH-style suite 2 and not used on the wire by protocol
 * v1; it sits behind {@link Primitives} now so its Wycheproof files run on
 * every backend. {@link definePrimitives} applies these checks before any
 * backend sees the input, so every backend refuses the same inputs.
 * @module
 */
import { sha3_256 } from '@noble/hashes/sha3.js';
import { equalBytes } from './bytes.ts';
import { KeyError } from './errors.ts';

/** Module rank k of ML-KEM-768 (FIPS 203 §8, Table 2). */
const MLKEM768_K = 3;
/** Field modulus q (FIPS 203 §2.4). */
const MLKEM_Q = 3329;
/** ByteEncode12 of one polynomial: 256 coefficients × 12 bits, bytes. */
const POLY_BYTES = 384;
/** H = SHA3-256 output, bytes. */
const HASH_BYTES = 32;

/** Seed d ‖ z of ML-KEM.KeyGen_internal (FIPS 203 Alg. 16), bytes. */
export const MLKEM768_SEED_BYTES = 64;
/** Encapsulation key ek = ByteEncode12(t̂) ‖ ρ: 384k + 32, bytes. */
export const MLKEM768_ENCAPSULATION_KEY_BYTES: number = POLY_BYTES * MLKEM768_K + 32;
/** Decapsulation key dk = dk_PKE ‖ ek ‖ H(ek) ‖ z: 768k + 96, bytes. */
export const MLKEM768_DECAPSULATION_KEY_BYTES: number = 2 * POLY_BYTES * MLKEM768_K + 96;
/** Ciphertext: 32·(d_u·k + d_v) = 32·(10·3 + 4), bytes. */
export const MLKEM768_CIPHERTEXT_BYTES = 1088;
/** Encapsulation randomness m (FIPS 203 Alg. 17), bytes. */
export const MLKEM_MESSAGE_BYTES = 32;
/** Shared secret K, bytes. */
export const MLKEM_SHARED_SECRET_BYTES = 32;

/** An ML-KEM-768 key pair (decapsulation key in the 2,400-byte FIPS 203 expanded form). */
export interface MlKemKeyPair {
  readonly encapsulationKey: Uint8Array;
  readonly decapsulationKey: Uint8Array;
}

/**
 * A fresh key pair named by the seed d ‖ z it expands from (KeyGen_internal(d, z), FIPS 203 Alg. 16)
 * and its ek; the expanded dk where the maker has it at hand (a backend that generates natively
 * keeps the key itself and decapsulates by seed, `mlkem768DecapsulateSeed`).
 */
export interface MlKemSeededKeyPair {
  readonly seed: Uint8Array;
  readonly encapsulationKey: Uint8Array;
  readonly decapsulationKey: Uint8Array | undefined;
}

/** The output of ML-KEM.Encaps: the ciphertext to send and the 32-byte shared secret. */
export interface MlKemEncapsulation {
  readonly ciphertext: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

function length(b: Uint8Array, n: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) {
    throw new KeyError('bad-key-length', `${what} must be ${n} bytes, got ${b?.length}`);
  }
}

/** True if every 12-bit coefficient of ByteDecode12(b) is < q, i.e. ByteEncode12(ByteDecode12(b)) = b. */
function reduced(b: Uint8Array): boolean {
  for (let i = 0; i + 3 <= b.length; i += 3) {
    const lo = b[i]! | ((b[i + 1]! & 0x0f) << 8);
    const hi = (b[i + 1]! >> 4) | (b[i + 2]! << 4);
    if (lo >= MLKEM_Q || hi >= MLKEM_Q) return false;
  }
  return true;
}

/** KeyGen input: the 64-byte seed d ‖ z. @example checkMlKemSeed(seed) */
export function checkMlKemSeed(seed: Uint8Array): void {
  length(seed, MLKEM768_SEED_BYTES, 'ML-KEM-768 seed');
}

/**
 * FIPS 203 §7.2 encapsulation input check: type (length) checks of ek and of the
 * randomness m, then the modulus check. ek is public, so this need not be constant time.
 * @example checkEncapsulation(ek, m); // KeyError('invalid-key') if a coefficient is ≥ q
 */
export function checkEncapsulation(ek: Uint8Array, m: Uint8Array): void {
  length(m, MLKEM_MESSAGE_BYTES, 'ML-KEM-768 encapsulation randomness');
  checkEncapsulationKey(ek);
}

/**
 * FIPS 203 §7.2 check of ek alone (type, then modulus), for an Encaps whose m the backend draws.
 * @example checkEncapsulationKey(ek); // KeyError('invalid-key') if a coefficient is ≥ q
 */
export function checkEncapsulationKey(ek: Uint8Array): void {
  length(ek, MLKEM768_ENCAPSULATION_KEY_BYTES, 'ML-KEM-768 encapsulation key');
  if (!reduced(ek.subarray(0, POLY_BYTES * MLKEM768_K))) {
    throw new KeyError('invalid-key', 'ML-KEM-768 encapsulation key fails the modulus check');
  }
}

/** Start and end of ek ‖ H(ek) inside the expanded dk: the bytes §7.3's hash check reads. */
const CHECKED_START = POLY_BYTES * MLKEM768_K;
const CHECKED_END = CHECKED_START + MLKEM768_ENCAPSULATION_KEY_BYTES + HASH_BYTES;

/**
 * dk arrays known to pass the hash check, with a copy of the (public) bytes it reads: a hit whose
 * bytes are unchanged skips re-hashing the 1,184-byte ek (SHA3-256 in JS, ~15 µs) on every Decaps.
 */
const validDecapsulationKeys = new WeakMap<Uint8Array, Uint8Array>();

/** Record that `dk` passes §7.3's hash check (KeyGen output, or after checking it). */
export function markValidDecapsulationKey(dk: Uint8Array): void {
  if (dk.length === MLKEM768_DECAPSULATION_KEY_BYTES)
    validDecapsulationKeys.set(dk, dk.slice(CHECKED_START, CHECKED_END));
}

function knownValid(dk: Uint8Array): boolean {
  const seen = validDecapsulationKeys.get(dk);
  return seen !== undefined && equalBytes(seen, dk.subarray(CHECKED_START, CHECKED_END));
}

/** The ciphertext type (length) check of FIPS 203 §7.3. */
export function checkCiphertext(ct: Uint8Array): void {
  if (!(ct instanceof Uint8Array) || ct.length !== MLKEM768_CIPHERTEXT_BYTES) {
    throw new KeyError(
      'bad-ciphertext-length',
      `ML-KEM-768 ciphertext must be ${MLKEM768_CIPHERTEXT_BYTES} bytes, got ${ct?.length}`,
    );
  }
}

/**
 * FIPS 203 §7.3 decapsulation input check: ciphertext and key type (length)
 * checks, then the hash check H(dk[384k : 768k+32]) = dk[768k+32 : 768k+64].
 * @example checkDecapsulation(dk, ct); // KeyError('invalid-key') on a corrupted dk
 */
export function checkDecapsulation(dk: Uint8Array, ct: Uint8Array): void {
  length(dk, MLKEM768_DECAPSULATION_KEY_BYTES, 'ML-KEM-768 decapsulation key');
  if (!(ct instanceof Uint8Array) || ct.length !== MLKEM768_CIPHERTEXT_BYTES) {
    throw new KeyError(
      'bad-ciphertext-length',
      `ML-KEM-768 ciphertext must be ${MLKEM768_CIPHERTEXT_BYTES} bytes, got ${ct?.length}`,
    );
  }
  if (knownValid(dk)) return;
  const ekStart = POLY_BYTES * MLKEM768_K;
  const hashStart = ekStart + MLKEM768_ENCAPSULATION_KEY_BYTES;
  const expected = dk.subarray(hashStart, hashStart + HASH_BYTES);
  if (!equalBytes(sha3_256(dk.subarray(ekStart, hashStart)), expected)) {
    throw new KeyError('invalid-key', 'ML-KEM-768 decapsulation key fails the hash check');
  }
  markValidDecapsulationKey(dk);
}
