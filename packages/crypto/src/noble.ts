/**
 * Reference backend on @noble/curves, @noble/ciphers and @noble/hashes
 * (audited, pure JS, exact-pinned). Runs in browsers and on Node.
 * @module
 */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { definePrimitives, type Primitives } from './primitives.ts';

function open(cipher: { decrypt(ct: Uint8Array): Uint8Array }, sealed: Uint8Array): Uint8Array | undefined {
  try {
    return cipher.decrypt(sealed);
  } catch {
    return undefined; // noble throws on a bad tag; the interface reports undefined
  }
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
  xaeadSeal: (k, n, pt, ad) => xchacha20poly1305(k, n, ad).encrypt(pt),
  xaeadOpen: (k, n, ct, ad) => open(xchacha20poly1305(k, n, ad), ct),
  hmacSha256: (k, m) => hmac(sha256, k, m),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  sha256: (m) => sha256(m),
  sha512: (m) => sha512(m),
});
