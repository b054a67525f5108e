/**
 * Reference backend on @noble/curves, @noble/ciphers, @noble/hashes and
 * @noble/post-quantum (audited, pure JS, exact-pinned). Runs in browsers and on Node.
 * @module
 */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { concat } from './bytes.ts';
import { definePrimitives, type Primitives } from './primitives.ts';

function open(cipher: { decrypt(ct: Uint8Array): Uint8Array }, sealed: Uint8Array): Uint8Array | undefined {
  try {
    return cipher.decrypt(sealed);
  } catch {
    return undefined; // noble throws on a bad tag; the interface reports undefined
  }
}

/**
 * ML-KEM-768 on @noble/post-quantum, unchecked (definePrimitives adds the FIPS 203
 * input checks). Outputs are copied: noble returns a view into a buffer it partly wipes.
 * Shared with the node backend, since node:crypto has no ML-KEM.
 * @example const { encapsulationKey } = nobleMlKem768.mlkem768Keygen(seed64);
 */
export const nobleMlKem768: Required<
  Pick<Primitives, 'mlkem768Keygen' | 'mlkem768Encapsulate' | 'mlkem768Decapsulate'>
> = Object.freeze({
  mlkem768Keygen: (seed: Uint8Array) => {
    const { publicKey, secretKey } = ml_kem768.keygen(seed);
    return Object.freeze({ encapsulationKey: publicKey, decapsulationKey: secretKey });
  },
  mlkem768Encapsulate: (ek: Uint8Array, m: Uint8Array) => {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(ek, m);
    return Object.freeze({ ciphertext: cipherText, sharedSecret: copyAndWipe(sharedSecret) });
  },
  mlkem768Decapsulate: (dk: Uint8Array, ct: Uint8Array) => copyAndWipe(ml_kem768.decapsulate(ct, dk)),
});

/** A right-sized copy; the original view (into a larger noble buffer) is zeroed. */
function copyAndWipe(view: Uint8Array): Uint8Array {
  const out = view.slice();
  view.fill(0);
  return out;
}

/**
 * The pure-JS reference {@link Primitives}. Ed25519 verification is strict
 * (`zip215: false`, RFC 8032 §5.1.7).
 * @example import { noblePrimitives } from '@parley/crypto'; noblePrimitives.sha256(bytes);
 */
export const noblePrimitives: Primitives = definePrimitives({
  name: 'noble',
  x25519PublicKey: (sk) => x25519.getPublicKey(sk),
  x25519: (sk, pk) => {
    try {
      return x25519.getSharedSecret(sk, pk);
    } catch {
      return new Uint8Array(32); // noble refuses low-order points; report them as the all-zero result
    }
  },
  ed25519PublicKey: (sk) => ed25519.getPublicKey(sk),
  ed25519Sign: (sk, m) => ed25519.sign(m, sk),
  ed25519Verify: (sig, m, pk) => {
    try {
      return ed25519.verify(sig, m, pk, { zip215: false });
    } catch {
      return false;
    }
  },
  aeadSeal: (k, n, pt, ad) => chacha20poly1305(k, n, ad).encrypt(pt),
  aeadOpen: (k, n, ct, ad) => open(chacha20poly1305(k, n, ad), ct),
  aeadSealMessage: (k, n, pt, ad, message, at) =>
    void chacha20poly1305(k, n, concat(ad, message.subarray(0, at))).encrypt(pt, message.subarray(at)),
  aeadOpenMessage: (k, n, message, ad, at) =>
    open(chacha20poly1305(k, n, concat(ad, message.subarray(0, at))), message.subarray(at)),
  xaeadSeal: (k, n, pt, ad) => xchacha20poly1305(k, n, ad).encrypt(pt),
  xaeadOpen: (k, n, ct, ad) => open(xchacha20poly1305(k, n, ad), ct),
  ...nobleMlKem768,
  hmacSha256: (k, m) => hmac(sha256, k, m),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  sha256: (m) => sha256(m),
  sha512: (m) => sha512(m),
  sha256Hasher: () => {
    const h = sha256.create();
    return { update: (d) => void h.update(d), digest: () => h.digest() };
  },
});
