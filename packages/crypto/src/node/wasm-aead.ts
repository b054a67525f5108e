/// <reference path="./libsodium.d.ts" />
/**
 * ChaCha20-Poly1305 (RFC 8439) for small inputs through libsodium compiled to WebAssembly
 * (`libsodium` 0.8.4, exact-pinned: libsodium's own C code, `crypto_aead_chacha20poly1305_ietf_*`).
 *
 * Why: a ratchet message (1 KiB) sealed through node:crypto spends most of its ~5 µs creating a
 * KeyObject and a cipher object (and the GC then finalises both); the same seal in WebAssembly
 * is a few copies and one call (~3 µs here), and it leaves nothing for the GC. Above
 * {@link WASM_AEAD_MAX_BYTES} node:crypto's vectorised code wins and is used.
 *
 * Memory: one scratch area is allocated in the module's linear memory once; each call copies key,
 * nonce, associated data and input into it, runs, copies the output out, and zeroes every byte it
 * used before returning (libsodium wipes its own ChaCha20 and Poly1305 states). JS is single-
 * threaded, so no call interleaves another.
 *
 * Loading is asynchronous (WebAssembly compilation): {@link loadWasmAead} starts it (the node
 * backend does so when imported) and resolves to whether it worked. Until then — or for good if it
 * failed — {@link wasmAead} is undefined and callers use node:crypto. The bytes are the same either
 * way (test/wasm-aead.test.ts, and every Wycheproof ChaCha20-Poly1305 vector on both paths).
 * @module
 */
import { getRandomValues } from 'node:crypto';
import { AEAD_TAG_BYTES } from '../primitives.ts';

/**
 * Largest associated data + input (bytes) sealed or opened in WebAssembly; larger goes native.
 * Measured here (Node 24, seal with 64 bytes of AD): 256 B 2.3 vs 10.8 µs, 1 KiB 4.7 vs 11.3,
 * 4 KiB 9.9 vs 10.1, 8 KiB 23 vs 16 (WebAssembly vs node:crypto). Every ratchet message of 1 KiB
 * fits, even one carrying a PQ step (a 2,315-byte header and the 128-byte session AD).
 */
export const WASM_AEAD_MAX_BYTES = 4096;
/** Key (32) and nonce (12, padded to 16) and tag (16) ahead of the AD and the input. */
const FIXED_BYTES = 64;
const SCRATCH_BYTES = FIXED_BYTES + WASM_AEAD_MAX_BYTES;

/** The part of libsodium's Emscripten module used here (64-bit lengths passed as lo, hi). */
interface Sodium {
  readonly HEAPU8: Uint8Array;
  _sodium_init(): number;
  _malloc(bytes: number): number;
  _crypto_aead_chacha20poly1305_ietf_encrypt_detached(
    c: number,
    mac: number,
    maclenP: number,
    m: number,
    mlenLo: number,
    mlenHi: number,
    ad: number,
    adlenLo: number,
    adlenHi: number,
    nsec: number,
    npub: number,
    k: number,
  ): number;
  _crypto_aead_chacha20poly1305_ietf_decrypt_detached(
    m: number,
    nsec: number,
    c: number,
    clenLo: number,
    clenHi: number,
    mac: number,
    ad: number,
    adlenLo: number,
    adlenHi: number,
    npub: number,
    k: number,
  ): number;
}

/** ChaCha20-Poly1305 seal with AD = ad ‖ ad2 (ad2 may be absent), ciphertext ‖ tag into `out` at `at`. */
export type SealParts<R> = (
  key: Uint8Array,
  nonce: Uint8Array,
  pt: Uint8Array,
  ad: Uint8Array,
  ad2: Uint8Array | undefined,
  out: Uint8Array,
  at: number,
) => R;
/** ChaCha20-Poly1305 open of ciphertext ‖ tag with AD = ad ‖ ad2. */
export type OpenParts<R> = (
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  ad: Uint8Array,
  ad2: Uint8Array | undefined,
) => R;

/** Seal and open on the WebAssembly path. */
export interface WasmAead {
  /** False (nothing written) if the input is above the bound. */
  readonly seal: SealParts<boolean>;
  /** The plaintext; undefined if the tag does not verify; null if the input is above the bound. */
  readonly open: OpenParts<Uint8Array | undefined | null>;
  /** Test hook: whether every byte of the scratch area is zero (it is between calls). */
  scratchIsClean(): boolean;
}

/** Defined once libsodium has loaded; undefined before (and for good if loading failed). */
export let wasmAead: WasmAead | undefined;
let loading: Promise<boolean> | undefined;

/**
 * Start loading libsodium's WebAssembly (once); resolves true when {@link wasmAead} is ready,
 * false if it cannot load (node:crypto then serves every call).
 * @example await loadWasmAead(); // from here on small AEAD calls run in WebAssembly
 */
export function loadWasmAead(): Promise<boolean> {
  loading ??= import('libsodium').then(
    async ({ default: factory }) => {
      // libsodium asks for a random source at init (used by none of the calls here)
      const sodium = (await factory({
        getRandomValue: () => getRandomValues(new Uint32Array(1))[0]!,
      })) as Sodium;
      if (sodium._sodium_init() < 0) return false;
      wasmAead = bind(sodium, sodium._malloc(SCRATCH_BYTES));
      return true;
    },
    () => false,
  );
  return loading;
}

function bind(s: Sodium, base: number): WasmAead {
  const keyAt = base;
  const nonceAt = base + 32;
  const tagAt = base + 48;
  const adAt = base + FIXED_BYTES;
  const fits = (adBytes: number, inputBytes: number) => adBytes + inputBytes <= WASM_AEAD_MAX_BYTES;
  /** Copy key, nonce and AD in (inside the caller's try: the wipe covers a copy that throws). */
  const load = (heap: Uint8Array, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ad2?: Uint8Array) => {
    heap.set(key, keyAt);
    heap.set(nonce, nonceAt);
    heap.set(ad, adAt);
    if (ad2) heap.set(ad2, adAt + ad.length);
  };
  return {
    seal(key, nonce, pt, ad, ad2, out, at) {
      const adBytes = ad.length + (ad2?.length ?? 0);
      if (!fits(adBytes, pt.length)) return false;
      const heap = s.HEAPU8;
      const m = adAt + adBytes;
      try {
        load(heap, key, nonce, ad, ad2);
        heap.set(pt, m);
        // in place: libsodium allows c = m
        s._crypto_aead_chacha20poly1305_ietf_encrypt_detached(
          m,
          tagAt,
          0,
          m,
          pt.length,
          0,
          adAt,
          adBytes,
          0,
          0,
          nonceAt,
          keyAt,
        );
        out.set(heap.subarray(m, m + pt.length), at);
        out.set(heap.subarray(tagAt, tagAt + AEAD_TAG_BYTES), at + pt.length);
      } finally {
        heap.fill(0, base, m + pt.length);
      }
      return true;
    },
    open(key, nonce, sealed, ad, ad2) {
      const adBytes = ad.length + (ad2?.length ?? 0);
      const ctBytes = sealed.length - AEAD_TAG_BYTES;
      if (ctBytes < 0) return undefined; // shorter than a tag: not authentic
      if (!fits(adBytes, ctBytes)) return null;
      const heap = s.HEAPU8;
      const c = adAt + adBytes;
      try {
        load(heap, key, nonce, ad, ad2);
        heap.set(sealed.subarray(ctBytes), tagAt);
        heap.set(sealed.subarray(0, ctBytes), c);
        const r = s._crypto_aead_chacha20poly1305_ietf_decrypt_detached(
          c,
          0,
          c,
          ctBytes,
          0,
          tagAt,
          adAt,
          adBytes,
          0,
          nonceAt,
          keyAt,
        );
        // libsodium verifies the tag before decrypting: on failure nothing was released
        return r === 0 ? heap.slice(c, c + ctBytes) : undefined;
      } finally {
        heap.fill(0, base, c + ctBytes);
      }
    },
    scratchIsClean() {
      const scratch = s.HEAPU8.subarray(base, base + SCRATCH_BYTES);
      return scratch.every((b) => b === 0);
    },
  };
}
