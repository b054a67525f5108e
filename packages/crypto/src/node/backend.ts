/**
 * Native backend on node:crypto (OpenSSL): X25519 and Ed25519 through
 * KeyObjects imported from raw keys, ChaCha20-Poly1305 through
 * createCipheriv, SHA-2/HKDF/HMAC through node:crypto. noble's X25519 is ~35×
 * slower, and each change of direction in a conversation costs two X25519
 * operations, so this is the default on Node (see README "Backends").
 * XChaCha20-Poly1305, which OpenSSL lacks, is HChaCha20 + native
 * ChaCha20-Poly1305 (./xchacha.ts). ML-KEM-768 KeyGen and Decaps are native
 * (OpenSSL 3.5, ./mlkem.ts); Encaps with a given m is noble's, Encaps and key generation with
 * OpenSSL's own randomness are native (used when the protocol's RandomSource is the system CSPRNG).
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { concat, equalBytes } from '../bytes.ts';
import { HMAC_PAIR_MAX_KEY_BYTES, HMAC_PAIR_MAX_MESSAGE_BYTES, hmacSha256Pair } from '../hmac-pair.ts';
import { noblePrimitives } from '../noble.ts';
import { AEAD_TAG_BYTES, definePrimitives, type Primitives } from '../primitives.ts';
import { generateKeyPair, importPrivateKey, importPublicKey } from './keys.ts';
import { nodeMlKem768 } from './mlkem.ts';
import { loadWasmAead, type OpenParts, type SealParts, WASM_AEAD_MAX_BYTES, wasmAead } from './wasm-aead.ts';
import { extendNonce } from './xchacha.ts';

void loadWasmAead(); // compiles in the background; node:crypto serves until it is ready

type Curve = 'x25519' | 'ed25519';

/** Parsed-key cache entries hold a copy of the raw bytes, checked on every hit. */
interface Cached {
  readonly raw: Uint8Array;
  readonly key: KeyObject;
}

/**
 * Importing a raw key costs ~25–50 µs, as much as the operation itself; the
 * ratchet reuses the same key arrays (its own ratchet secret, the peer's
 * ratchet public), so cache KeyObjects weakly by array identity. A hit is used
 * only if the bytes are still equal (a wiped or mutated array misses).
 */
const caches: Record<`${Curve}-${'private' | 'public'}`, WeakMap<Uint8Array, Cached>> = {
  'x25519-private': new WeakMap(),
  'x25519-public': new WeakMap(),
  'ed25519-private': new WeakMap(),
  'ed25519-public': new WeakMap(),
};

function keyObject(raw: Uint8Array, curve: Curve, kind: 'private' | 'public'): KeyObject {
  const cache = caches[`${curve}-${kind}`]; // one cache per curve and kind: the same bytes may be both
  const hit = cache.get(raw);
  if (hit && equalBytes(hit.raw, raw)) return hit.key;
  const key =
    kind === 'private'
      ? importPrivateKey({ key: raw, format: 'raw-private', asymmetricKeyType: curve } as never)
      : importPublicKey({ key: raw, format: 'raw-public', asymmetricKeyType: curve } as never);
  cache.set(raw, { raw: raw.slice(), key });
  return key;
}

function rawPublic(secretKey: Uint8Array, curve: Curve): Uint8Array {
  const pub = importPublicKey(keyObject(secretKey, curve, 'private'));
  return new Uint8Array(pub.export({ format: 'raw-public' } as never) as unknown as Uint8Array);
}

/**
 * An X25519 key pair from OpenSSL's CSPRNG: generating (28 µs) costs less than importing a drawn
 * raw secret (49 µs: the import derives the public key on a slower path). The private KeyObject
 * is cached under the exported secret, so the agreement that follows needs no import.
 */
function x25519Generate(): { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPair('x25519');
  const exported = privateKey.export({ format: 'raw-private' } as never) as unknown as Uint8Array;
  const secretKey = new Uint8Array(exported);
  exported.fill(0);
  const pub = new Uint8Array(publicKey.export({ format: 'raw-public' } as never) as unknown as Uint8Array);
  caches['x25519-private'].set(secretKey, { raw: secretKey.slice(), key: privateKey });
  return { secretKey, publicKey: pub };
}

function toBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * ChaCha20-Poly1305 keys go in as KeyObjects: given raw bytes, createCipheriv
 * spends ~10 µs importing them on a slow path, while createSecretKey takes
 * ~1.5 µs (Node 24 here: a 1 KiB seal 17 µs with raw bytes, 7 µs this way).
 * The associated data may come in two parts (ad ‖ ad2): OpenSSL's Poly1305 pads
 * the AD only where the plaintext starts, so two setAAD calls authenticate the
 * concatenation. Ciphertext ‖ tag are written into `out` at `at`.
 */
const sealInto: SealParts<void> = (key, nonce, pt, ad, ad2, out, at) => {
  const c = createCipheriv('chacha20-poly1305', createSecretKey(key), nonce, {
    authTagLength: AEAD_TAG_BYTES,
  });
  c.setAAD(ad, { plaintextLength: pt.length });
  if (ad2) c.setAAD(ad2, { plaintextLength: pt.length });
  const body = c.update(pt);
  out.set(body, at);
  out.set(c.final(), at + body.length);
  out.set(c.getAuthTag(), at + pt.length);
};

const openParts: OpenParts<Uint8Array | undefined> = (key, nonce, sealed, ad, ad2) => {
  const ctLen = sealed.length - AEAD_TAG_BYTES;
  const d = createDecipheriv('chacha20-poly1305', createSecretKey(key), nonce, {
    authTagLength: AEAD_TAG_BYTES,
  });
  d.setAuthTag(sealed.subarray(ctLen));
  d.setAAD(ad, { plaintextLength: ctLen });
  if (ad2) d.setAAD(ad2, { plaintextLength: ctLen });
  const body = d.update(sealed.subarray(0, ctLen));
  try {
    d.final(); // verifies the tag; OpenSSL released unauthenticated bytes in update()
  } catch {
    body.fill(0); // discard them
    return undefined;
  }
  return toBytes(body);
};

type AeadMembers = Required<
  Pick<
    Primitives,
    'aeadSeal' | 'aeadOpen' | 'aeadSealMessage' | 'aeadOpenMessage' | 'xaeadSeal' | 'xaeadOpen'
  >
>;

/** Every (X)ChaCha20-Poly1305 member of a backend from one two-part seal and open (unchecked). */
function aeadMembers(seal: SealParts<void>, open: OpenParts<Uint8Array | undefined>): AeadMembers {
  const aeadSeal = (k: Uint8Array, n: Uint8Array, pt: Uint8Array, ad: Uint8Array) => {
    const out = new Uint8Array(pt.length + AEAD_TAG_BYTES);
    seal(k, n, pt, ad, undefined, out, 0);
    return out;
  };
  const aeadOpen = (k: Uint8Array, n: Uint8Array, sealed: Uint8Array, ad: Uint8Array) =>
    open(k, n, sealed, ad, undefined);
  return {
    aeadSeal,
    aeadOpen,
    aeadSealMessage: (k, n, pt, ad, message, at) => seal(k, n, pt, ad, message.subarray(0, at), message, at),
    aeadOpenMessage: (k, n, message, ad, at) => open(k, n, message.subarray(at), ad, message.subarray(0, at)),
    xaeadSeal: extendNonce(aeadSeal),
    xaeadOpen: extendNonce(aeadOpen),
  };
}

/** A signature that verified, with copies of the message and key it verified under. */
interface Verified {
  readonly sig: Uint8Array;
  readonly msg: Uint8Array;
  readonly pub: Uint8Array;
}

/**
 * Successful verifications by signature array: a card's prekey signatures are verified when the
 * card is decoded and again by every initiateSession on it (~55 µs each, two per suite-2 card).
 * Verification is a function of its three inputs, so a hit requires all three bytes-equal to the
 * verified ones; failures are never remembered.
 */
const verifiedSignatures = new WeakMap<Uint8Array, Verified>();
/** Longest message remembered (a KEM prekey's signed bytes are 1,216): bounds the copies kept. */
const VERIFIED_MESSAGE_MAX_BYTES = 4096;

function verifyStrict(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  const hit = verifiedSignatures.get(sig);
  if (hit && equalBytes(hit.sig, sig) && equalBytes(hit.pub, pub) && equalBytes(hit.msg, msg)) return true;
  let ok: boolean;
  try {
    ok = verify(null, msg, keyObject(pub, 'ed25519', 'public'), sig);
  } catch {
    return false; // a public key OpenSSL cannot decode
  }
  if (ok && msg.length <= VERIFIED_MESSAGE_MAX_BYTES)
    verifiedSignatures.set(sig, { sig: sig.slice(), msg: msg.slice(), pub: pub.slice() });
  return ok;
}

/**
 * Every primitive through node:crypto. Used by the differential tests; the
 * default {@link nodePrimitives} takes the small-input operations from noble.
 * @example nodeOnlyPrimitives.aeadSeal(key, nonce, plaintext, aad);
 */
export const nodeOnlyPrimitives: Primitives = definePrimitives({
  name: 'node-only',
  x25519PublicKey: (sk) => rawPublic(sk, 'x25519'),
  x25519Generate,
  x25519: (sk, pk) => {
    try {
      const privateKey = keyObject(sk, 'x25519', 'private');
      return toBytes(diffieHellman({ privateKey, publicKey: keyObject(pk, 'x25519', 'public') }));
    } catch {
      return new Uint8Array(32); // OpenSSL refuses the all-zero result; report it as such
    }
  },
  ed25519PublicKey: (sk) => rawPublic(sk, 'ed25519'),
  ed25519Sign: (sk, m) => toBytes(sign(null, m, keyObject(sk, 'ed25519', 'private'))),
  ed25519Verify: verifyStrict,
  ...aeadMembers(sealInto, openParts),
  // Native KeyGen/Decaps (OpenSSL 3.5); Encaps on noble, which takes the drawn m (./mlkem.ts).
  ...nodeMlKem768,
  // Keys as KeyObjects here too (raw bytes: HMAC 13.8 µs; KeyObject 3.8 µs vs noble 4.6).
  hmacSha256: (k, m) => toBytes(createHmac('sha256', createSecretKey(k)).update(m).digest()),
  hkdfSha256: (ikm, salt, info, length) =>
    new Uint8Array(hkdfSync('sha256', createSecretKey(ikm), salt, info, length)),
  sha256: (m) => toBytes(createHash('sha256').update(m).digest()),
  sha512: (m) => toBytes(createHash('sha512').update(m).digest()),
  sha256Hasher: () => {
    const h = createHash('sha256');
    return { update: (d) => void h.update(d), digest: () => toBytes(h.digest()) };
  },
});

/**
 * Below this many bytes of input (plaintext or ciphertext, plus associated data: Poly1305 reads both)
 * noble's ChaCha20-Poly1305 is as fast as a node:crypto cipher object (~6 µs fixed cost per call
 * with the key imported by createSecretKey). Measured on the reference machine, seal / open:
 * 32 B noble 9.0 / 8.7 µs vs node 7.2 / 5.9; 1 KiB 19.3 / 19.8 vs 8.4 / 6.2;
 * 4 KiB 35 / 34 vs 11.7 / 8.1. (Before the KeyObject import, a raw-key
 * cipher cost ~17 µs at 1 KiB and this threshold was 4096.) The associated data counts since
 * suite 2: a prekey message's is ~1.5 KiB, which noble took ~30 µs to authenticate under an
 * 8-byte plaintext, node 7 µs.
 */
export const NATIVE_AEAD_MIN_BYTES = 32;

/**
 * From this many bytes node:crypto's SHA-256 is faster than noble's (measured
 * here on Node 24: 128 B 1.5 vs 1.7 µs, 1 KiB 1.8 vs 5.6 µs; 32 B 1.6 vs 1.3 µs).
 * Message frames (~1 KiB) are hashed once on each side to name them.
 */
export const NATIVE_SHA256_MIN_BYTES = 128;

/** Seal into `out` at `at`, AD = ad ‖ ad2: WebAssembly when loaded and small, else noble below 32 bytes, else node:crypto. */
const sealAny: SealParts<void> = (k, n, pt, ad, ad2, out, at) => {
  if (wasmAead?.seal(k, n, pt, ad, ad2, out, at)) return;
  if (pt.length + ad.length + (ad2?.length ?? 0) >= NATIVE_AEAD_MIN_BYTES)
    sealInto(k, n, pt, ad, ad2, out, at);
  else out.set(noblePrimitives.aeadSeal(k, n, pt, ad2 ? concat(ad, ad2) : ad), at);
};

/** Open with AD = ad ‖ ad2, on the same paths as {@link sealAny}. */
const openAny: OpenParts<Uint8Array | undefined> = (k, n, sealed, ad, ad2) => {
  const wasm = wasmAead ? wasmAead.open(k, n, sealed, ad, ad2) : null;
  if (wasm !== null) return wasm;
  if (sealed.length + ad.length + (ad2?.length ?? 0) >= NATIVE_AEAD_MIN_BYTES)
    return openParts(k, n, sealed, ad, ad2);
  return noblePrimitives.aeadOpen(k, n, sealed, ad2 ? concat(ad, ad2) : ad);
};

/**
 * The native backend core uses on Node: node:crypto for X25519, Ed25519,
 * HMAC/HKDF (keys imported as KeyObjects: HMAC 3.8 vs noble 4.6 µs, HKDF 7.0
 * vs 9.7 µs), SHA-256 on inputs ≥ {@link NATIVE_SHA256_MIN_BYTES}, ML-KEM-768 KeyGen and
 * Decaps; (X)ChaCha20-Poly1305 in libsodium's WebAssembly up to {@link WASM_AEAD_MAX_BYTES}
 * (./wasm-aead.ts: a 1 KiB ratchet message seals ~1.5× faster than through a node:crypto cipher
 * object) and through node:crypto above, or until the WebAssembly has loaded (a few ms after
 * import; noble below {@link NATIVE_AEAD_MIN_BYTES} then); noble for SHA-512, ML-KEM-768 Encaps
 * and small inputs, where a native call costs more than the work. Every path passes the same
 * Wycheproof and differential tests.
 * @example
 * import { nodePrimitives } from '@parley/crypto/node';
 * const { session, message } = encrypt(s, plaintext, nodePrimitives);
 */
export const nodePrimitives: Primitives = definePrimitives({
  ...nodeOnlyPrimitives,
  name: 'node',
  ...aeadMembers(sealAny, openAny),
  ...nodeMlKem768, // unchecked: definePrimitives below adds the checks once
  sha256: (m) =>
    m.length >= NATIVE_SHA256_MIN_BYTES ? nodeOnlyPrimitives.sha256(m) : noblePrimitives.sha256(m),
  sha512: noblePrimitives.sha512,
  // KDF_CK on every message: one key schedule, six JS compressions (~2 µs) vs two native HMACs (~8 µs).
  hmacSha256Pair: (k, a, b) =>
    k.length <= HMAC_PAIR_MAX_KEY_BYTES &&
    a.length <= HMAC_PAIR_MAX_MESSAGE_BYTES &&
    b.length <= HMAC_PAIR_MAX_MESSAGE_BYTES
      ? hmacSha256Pair(k, a, b)
      : [nodeOnlyPrimitives.hmacSha256(k, a), nodeOnlyPrimitives.hmacSha256(k, b)],
  // Files are hashed in 64 KiB pieces: there native wins by far (noble ~300 MB/s).
  sha256Hasher: nodeOnlyPrimitives.sha256Hasher,
});
