/**
 * The one small interface every cryptographic primitive sits behind
 * (DESIGN.md §3). Two backends implement it: `noblePrimitives` (pure JS,
 * reference, runs everywhere) and `nodePrimitives` (`@parley/crypto/node`,
 * node:crypto, the fast default on Node). {@link definePrimitives} wraps a
 * backend with the input checks, so both refuse bad inputs identically.
 * @module
 */
import { isAllZero } from './bytes.ts';
import { KeyError } from './errors.ts';
import {
  checkCiphertext,
  checkDecapsulation,
  checkEncapsulation,
  checkEncapsulationKey,
  checkMlKemSeed,
  type MlKemEncapsulation,
  type MlKemKeyPair,
  type MlKemSeededKeyPair,
  markValidDecapsulationKey,
} from './mlkem.ts';

/** X25519 / Ed25519 key sizes (RFC 7748 §5, RFC 8032 §5.1.5), bytes. */
export const KEY_BYTES = 32;
/** Ed25519 signature size (RFC 8032 §5.1.6), bytes. */
export const SIGNATURE_BYTES = 64;
/** ChaCha20-Poly1305 nonce (RFC 8439 §2.8), bytes. */
export const AEAD_NONCE_BYTES = 12;
/** XChaCha20-Poly1305 nonce (draft-irtf-cfrg-xchacha §2), bytes. */
export const XAEAD_NONCE_BYTES = 24;
/** Poly1305 tag, bytes. */
export const AEAD_TAG_BYTES = 16;
/** HKDF-SHA256 output limit (RFC 5869 §2.3: 255·HashLen), bytes. */
export const HKDF_SHA256_MAX_BYTES: number = 255 * 32;

/**
 * An incremental SHA-256: `update` any number of times, then `digest` once.
 * @example const h = p.sha256Hasher(); h.update(part1); h.update(part2); h.digest();
 */
export interface Sha256Hasher {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

/**
 * Primitive operations used by the protocol. All inputs and outputs are bytes;
 * implementations never retain or mutate their arguments (except caching a
 * parsed key, keyed by content).
 * @example
 * const shared = p.x25519(mySecret, theirPublic); // throws KeyError('low-order') if all-zero
 */
export interface Primitives {
  /** Backend name, e.g. 'noble' or 'node'. */
  readonly name: string;
  /** RFC 7748 §6.1 public key of a 32-byte secret (clamped internally). */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** RFC 7748 §5 X25519; throws KeyError('low-order') on the all-zero result (§6.1 check). */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** RFC 8032 §5.1.5 public key of a 32-byte seed. */
  ed25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** RFC 8032 §5.1.6 signature. */
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** RFC 8032 §5.1.7 strict verification (canonical S and A, cofactorless; no ZIP-215). */
  ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** RFC 8439 §2.8 ChaCha20-Poly1305; returns ciphertext ‖ 16-byte tag. */
  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Inverse of aeadSeal; `undefined` if authentication fails. */
  aeadOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
  /**
   * Optional: {@link aeadSeal} of a ratchet message built in place (SPEC.md §6.2). The associated
   * data is `ad ‖ message[0, headerBytes)` (the session AD, then the header already written at the
   * start of `message`); ciphertext ‖ tag fill the rest, `message[headerBytes, …)`, which must be
   * exactly `plaintext.length + 16` bytes. Same bytes as aeadSeal with the parts concatenated,
   * without building the AD or copying the sealed bytes into the message.
   */
  readonly aeadSealMessage?: (
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    ad: Uint8Array,
    message: Uint8Array,
    headerBytes: number,
  ) => void;
  /** Optional: {@link aeadOpen} of `message[headerBytes, …)` with associated data `ad ‖ message[0, headerBytes)`. */
  readonly aeadOpenMessage?: (
    key: Uint8Array,
    nonce: Uint8Array,
    message: Uint8Array,
    ad: Uint8Array,
    headerBytes: number,
  ) => Uint8Array | undefined;
  /**
   * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha §2, 24-byte nonce), where the backend has it
   * (both built-in backends do). Unused by protocol v1; core seals values at rest with it.
   */
  readonly xaeadSeal?: (
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ) => Uint8Array;
  /** Inverse of xaeadSeal. */
  readonly xaeadOpen?: (
    key: Uint8Array,
    nonce: Uint8Array,
    sealed: Uint8Array,
    aad: Uint8Array,
  ) => Uint8Array | undefined;
  /**
   * ML-KEM-768 KeyGen from the 64-byte seed d ‖ z (FIPS 203 Alg. 16), where the backend has it
   * (both built-in backends do). Reserved for suite 2 (PQXDH); unused by protocol v1.
   */
  readonly mlkem768Keygen?: (seed: Uint8Array) => MlKemKeyPair;
  /** ML-KEM-768 Encaps with explicit 32-byte randomness m (FIPS 203 Alg. 17); ek checked per §7.2. */
  readonly mlkem768Encapsulate?: (encapsulationKey: Uint8Array, m: Uint8Array) => MlKemEncapsulation;
  /**
   * ML-KEM-768 Decaps (FIPS 203 Alg. 18, implicit rejection: a wrong ciphertext of the right
   * length yields a pseudo-random key, no error); inputs checked per §7.3.
   */
  readonly mlkem768Decapsulate?: (decapsulationKey: Uint8Array, ciphertext: Uint8Array) => Uint8Array;
  /**
   * Optional fast paths whose randomness comes from the backend's own CSPRNG, not a RandomSource.
   * The protocol uses them only when its RandomSource is the system CSPRNG (`isSystemRandom`), where
   * no one can tell the difference; a seeded source always takes the drawn path (SPEC.md §1.2).
   * An X25519 key pair: the 32-byte secret (as the backend stores it) and its public key.
   */
  readonly x25519Generate?: () => { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array };
  /**
   * An ML-KEM-768 key pair with the 64-byte seed d ‖ z it expands from (KeyGen of that seed). A
   * backend that leaves `decapsulationKey` undefined must have {@link mlkem768DecapsulateSeed}.
   */
  readonly mlkem768Generate?: () => MlKemSeededKeyPair;
  /** Decaps with the key KeyGen(seed) (FIPS 203 Alg. 16 then 18), without the caller expanding it. */
  readonly mlkem768DecapsulateSeed?: (seed: Uint8Array, ciphertext: Uint8Array) => Uint8Array;
  /** ML-KEM-768 Encaps with m from the backend's CSPRNG (FIPS 203 Alg. 20); ek checked per §7.2. */
  readonly mlkem768EncapsulateRandom?: (encapsulationKey: Uint8Array) => MlKemEncapsulation;
  /** RFC 2104 HMAC-SHA256. */
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * Optional: [HMAC-SHA256(key, a), HMAC-SHA256(key, b)], sharing the key schedule (KDF_CK on every
   * message). Without it callers make two {@link hmacSha256} calls; results are identical.
   */
  readonly hmacSha256Pair?: (
    key: Uint8Array,
    a: Uint8Array,
    b: Uint8Array,
  ) => readonly [Uint8Array, Uint8Array];
  /** RFC 5869 HKDF-SHA256 (extract then expand); length ≤ 8160. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** FIPS 180-4 SHA-256. */
  sha256(message: Uint8Array): Uint8Array;
  /** FIPS 180-4 SHA-512. */
  sha512(message: Uint8Array): Uint8Array;
  /** Incremental FIPS 180-4 SHA-256, for data that arrives in pieces (files). */
  sha256Hasher(): Sha256Hasher;
}

function keyLength(b: Uint8Array, n: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) {
    throw new KeyError('bad-key-length', `${what} must be ${n} bytes, got ${b?.length}`);
  }
}

function checkAead(key: Uint8Array, nonce: Uint8Array, nonceBytes: number): void {
  keyLength(key, KEY_BYTES, 'AEAD key');
  keyLength(nonce, nonceBytes, 'AEAD nonce');
}

/**
 * Wrap a raw backend with the shared input checks: exact key lengths, the
 * all-zero X25519 result refused (RFC 7748 §6.1), signature length checked
 * before verifying, HKDF length bounded, ML-KEM-768 inputs checked per FIPS 203
 * §7.2/§7.3 (src/mlkem.ts). Both backends go through this.
 * @example export const noblePrimitives = definePrimitives(rawNoble);
 */
export function definePrimitives(raw: Primitives): Primitives {
  const x: Primitives = {
    name: raw.name,
    x25519PublicKey: (sk) => {
      keyLength(sk, KEY_BYTES, 'X25519 secret key');
      return raw.x25519PublicKey(sk);
    },
    x25519: (sk, pk) => {
      keyLength(sk, KEY_BYTES, 'X25519 secret key');
      keyLength(pk, KEY_BYTES, 'X25519 public key');
      const shared = raw.x25519(sk, pk);
      if (isAllZero(shared))
        throw new KeyError('low-order', 'X25519 result is all-zero (low-order public key)');
      return shared;
    },
    ed25519PublicKey: (sk) => {
      keyLength(sk, KEY_BYTES, 'Ed25519 secret key');
      return raw.ed25519PublicKey(sk);
    },
    ed25519Sign: (sk, m) => {
      keyLength(sk, KEY_BYTES, 'Ed25519 secret key');
      return raw.ed25519Sign(sk, m);
    },
    ed25519Verify: (sig, m, pk) =>
      sig.length === SIGNATURE_BYTES && pk.length === KEY_BYTES && raw.ed25519Verify(sig, m, pk),
    aeadSeal: (k, n, pt, ad) => {
      checkAead(k, n, AEAD_NONCE_BYTES);
      return raw.aeadSeal(k, n, pt, ad);
    },
    aeadOpen: (k, n, ct, ad) => {
      checkAead(k, n, AEAD_NONCE_BYTES);
      return ct.length < AEAD_TAG_BYTES ? undefined : raw.aeadOpen(k, n, ct, ad);
    },
    hmacSha256: (k, m) => raw.hmacSha256(k, m),
    hkdfSha256: (ikm, salt, info, length) => {
      if (!Number.isSafeInteger(length) || length < 0 || length > HKDF_SHA256_MAX_BYTES) {
        throw new RangeError(`HKDF-SHA256 output length ${length} out of range`);
      }
      return raw.hkdfSha256(ikm, salt, info, length);
    },
    sha256: (m) => raw.sha256(m),
    sha512: (m) => raw.sha512(m),
    sha256Hasher: () => raw.sha256Hasher(),
  };
  return Object.freeze({ ...x, ...xaead(raw), ...aeadMessage(raw), ...mlkem(raw), ...fresh(raw) });
}

type FreshMembers = Pick<
  Primitives,
  | 'x25519Generate'
  | 'mlkem768Generate'
  | 'mlkem768EncapsulateRandom'
  | 'mlkem768DecapsulateSeed'
  | 'hmacSha256Pair'
>;

/** The optional fast paths (own-CSPRNG key generation, paired HMAC), checked like their counterparts. */
function fresh(raw: Primitives): FreshMembers {
  const {
    x25519Generate,
    mlkem768Generate,
    mlkem768EncapsulateRandom,
    mlkem768DecapsulateSeed,
    hmacSha256Pair,
  } = raw;
  const out: { -readonly [K in keyof FreshMembers]: FreshMembers[K] } = {};
  if (hmacSha256Pair) out.hmacSha256Pair = (k, a, b) => hmacSha256Pair(k, a, b);
  if (x25519Generate) out.x25519Generate = () => x25519Generate();
  if (mlkem768Generate) {
    out.mlkem768Generate = () => {
      const kp = mlkem768Generate();
      if (kp.decapsulationKey) markValidDecapsulationKey(kp.decapsulationKey); // KeyGen's output passes §7.3's hash check
      return kp;
    };
  }
  if (mlkem768DecapsulateSeed) {
    out.mlkem768DecapsulateSeed = (seed, ct) => {
      checkMlKemSeed(seed);
      checkCiphertext(ct);
      return mlkem768DecapsulateSeed(seed, ct);
    };
  }
  if (mlkem768EncapsulateRandom) {
    out.mlkem768EncapsulateRandom = (ek) => {
      checkEncapsulationKey(ek);
      return mlkem768EncapsulateRandom(ek);
    };
  }
  return out;
}

type XaeadMembers = Pick<Primitives, 'xaeadSeal' | 'xaeadOpen'>;
type AeadMessageMembers = Pick<Primitives, 'aeadSealMessage' | 'aeadOpenMessage'>;

function checkHeaderBytes(message: Uint8Array, headerBytes: number): void {
  if (!Number.isSafeInteger(headerBytes) || headerBytes < 0 || headerBytes > message.length)
    throw new RangeError(`header of ${headerBytes} bytes does not fit a ${message.length}-byte message`);
}

/** The checked in-place ratchet-message AEAD pair, if the backend has both halves. */
function aeadMessage(raw: Primitives): AeadMessageMembers {
  const { aeadSealMessage: sealMessage, aeadOpenMessage: openMessage } = raw;
  if (!sealMessage || !openMessage) return {};
  return {
    aeadSealMessage: (k, n, pt, ad, message, headerBytes) => {
      checkAead(k, n, AEAD_NONCE_BYTES);
      checkHeaderBytes(message, headerBytes);
      if (message.length - headerBytes !== pt.length + AEAD_TAG_BYTES)
        throw new RangeError('the message has no room for exactly the sealed plaintext and tag');
      sealMessage(k, n, pt, ad, message, headerBytes);
    },
    aeadOpenMessage: (k, n, message, ad, headerBytes) => {
      checkAead(k, n, AEAD_NONCE_BYTES);
      checkHeaderBytes(message, headerBytes);
      return message.length - headerBytes < AEAD_TAG_BYTES
        ? undefined
        : openMessage(k, n, message, ad, headerBytes);
    },
  };
}
type MlKemMembers = Pick<Primitives, 'mlkem768Keygen' | 'mlkem768Encapsulate' | 'mlkem768Decapsulate'>;

/** The checked XChaCha20-Poly1305 pair, if the backend has both halves. */
function xaead(raw: Primitives): XaeadMembers {
  const { xaeadSeal, xaeadOpen } = raw;
  if (!xaeadSeal || !xaeadOpen) return {};
  return {
    xaeadSeal: (k, n, pt, ad) => {
      checkAead(k, n, XAEAD_NONCE_BYTES);
      return xaeadSeal(k, n, pt, ad);
    },
    xaeadOpen: (k, n, ct, ad) => {
      checkAead(k, n, XAEAD_NONCE_BYTES);
      return ct.length < AEAD_TAG_BYTES ? undefined : xaeadOpen(k, n, ct, ad);
    },
  };
}

/** The checked ML-KEM-768 triple (FIPS 203 §7.2/§7.3 input checks), if the backend has all three. */
function mlkem(raw: Primitives): MlKemMembers {
  const { mlkem768Keygen: keygen, mlkem768Encapsulate: encaps, mlkem768Decapsulate: decaps } = raw;
  if (!keygen || !encaps || !decaps) return {};
  return {
    mlkem768Keygen: (seed) => {
      checkMlKemSeed(seed);
      const kp = keygen(seed);
      markValidDecapsulationKey(kp.decapsulationKey); // KeyGen's own output passes §7.3's hash check
      return kp;
    },
    mlkem768Encapsulate: (ek, m) => {
      checkEncapsulation(ek, m);
      return encaps(ek, m);
    },
    mlkem768Decapsulate: (dk, ct) => {
      checkDecapsulation(dk, ct);
      return decaps(dk, ct);
    },
  };
}
