/**
 * XChaCha20-Poly1305 on node:crypto (draft-irtf-cfrg-xchacha-03 §2.3), since
 * OpenSSL has no XChaCha20: HChaCha20 (§2.2) of the key and the first 16 nonce
 * bytes gives a subkey, then RFC 8439 ChaCha20-Poly1305 runs natively with that
 * subkey and the 12-byte nonce 0x00000000 ‖ nonce[16..24). HChaCha20 is noble's
 * exported `hchacha` (the function noble's own xchacha20poly1305 uses).
 * @module
 */
import { hchacha } from '@noble/ciphers/chacha.js';
import { utf8, wipe } from '../bytes.ts';
import { AEAD_NONCE_BYTES, KEY_BYTES } from '../primitives.ts';

/** HChaCha20 input nonce, bytes (draft-irtf-cfrg-xchacha §2.2). */
export const HCHACHA_NONCE_BYTES = 16;
/** Zero bytes that prefix the remaining 8 nonce bytes in the inner ChaCha20 nonce (§2.3). */
const INNER_NONCE_ZERO_BYTES = 4;

/** Copy bytes into an aligned native-endian word array (noble's hchacha takes the raw bytes' words). */
function words(bytes: Uint8Array): Uint32Array {
  const w = new Uint32Array(bytes.length / 4);
  new Uint8Array(w.buffer).set(bytes);
  return w;
}

/** "expand 32-byte k" (RFC 8439 §2.3 constants) as raw-byte words. */
const SIGMA: Uint32Array = words(utf8('expand 32-byte k'));

/**
 * HChaCha20 (draft-irtf-cfrg-xchacha §2.2): 32-byte key, 16-byte nonce → 32-byte subkey.
 * @example hchacha20(key, nonce24.subarray(0, 16)) // the XChaCha20 subkey
 */
export function hchacha20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  if (key.length !== KEY_BYTES || nonce16.length !== HCHACHA_NONCE_BYTES) {
    throw new RangeError('HChaCha20 needs a 32-byte key and a 16-byte nonce');
  }
  const k = words(key);
  const out = new Uint32Array(KEY_BYTES / 4);
  hchacha(SIGMA, k, words(nonce16), out);
  k.fill(0);
  const subkey = new Uint8Array(out.buffer).slice();
  out.fill(0);
  return subkey;
}

/** An RFC 8439 ChaCha20-Poly1305 seal or open with a 12-byte nonce. */
type Aead<R> = (key: Uint8Array, nonce: Uint8Array, input: Uint8Array, aad: Uint8Array) => R;

/**
 * Lift a 12-byte-nonce ChaCha20-Poly1305 operation to XChaCha20-Poly1305 (§2.3);
 * the subkey is wiped after use.
 * @example const xseal = extendNonce(seal); xseal(key, nonce24, plaintext, aad);
 */
export function extendNonce<R>(aead: Aead<R>): Aead<R> {
  return (key, nonce24, input, aad) => {
    const subkey = hchacha20(key, nonce24.subarray(0, HCHACHA_NONCE_BYTES));
    const nonce = new Uint8Array(AEAD_NONCE_BYTES);
    nonce.set(nonce24.subarray(HCHACHA_NONCE_BYTES), INNER_NONCE_ZERO_BYTES);
    try {
      return aead(subkey, nonce, input, aad);
    } finally {
      wipe(subkey);
    }
  };
}
