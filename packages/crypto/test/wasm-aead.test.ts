/**
 * The node backend's ChaCha20-Poly1305 in libsodium's WebAssembly (src/node/wasm-aead.ts): the same
 * bytes as node:crypto and noble on both sides of its size bound, the associated data in two parts,
 * forgeries refused without releasing plaintext, and its scratch memory zero after every call,
 * also after a call that throws. (Every Wycheproof ChaCha20-Poly1305 and XChaCha20-Poly1305 vector
 * runs through it too: wycheproof.test.ts, backend "node".)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noblePrimitives, toHex } from '../src/index.ts';
import { nodeOnlyPrimitives, nodePrimitives, WASM_AEAD_MAX_BYTES, wasmAeadReady } from '../src/node/index.ts';
import { wasmAead } from '../src/node/wasm-aead.ts';
import { assertProperty } from './corpus.ts';

const hex = (b: Uint8Array | undefined) => (b === undefined ? 'undefined' : toHex(b));

describe('ChaCha20-Poly1305 in WebAssembly (libsodium)', () => {
  it('loads, and the node backend uses it', async () => {
    expect(await wasmAeadReady()).toBe(true);
    expect(wasmAead).toBeDefined();
  });

  it('gives node:crypto and noble bytes on both sides of its bound, AD in one part or two', () => {
    const w = wasmAead!;
    const key = crypto.getRandomValues(new Uint8Array(32));
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    for (const [adBytes, ptBytes] of [
      [0, 0],
      [13, 0],
      [0, 1],
      [64, 1024],
      [128, WASM_AEAD_MAX_BYTES - 128], // exactly the bound: WebAssembly
      [128, WASM_AEAD_MAX_BYTES - 127], // one past: node:crypto
      [1305, 1024],
      [40, 20_000],
    ] as const) {
      const ad = crypto.getRandomValues(new Uint8Array(adBytes));
      const pt = crypto.getRandomValues(new Uint8Array(ptBytes));
      const expected = nodeOnlyPrimitives.aeadSeal(key, nonce, pt, ad);
      expect(hex(noblePrimitives.aeadSeal(key, nonce, pt, ad))).toBe(hex(expected));
      expect(hex(nodePrimitives.aeadSeal(key, nonce, pt, ad)), `${adBytes} + ${ptBytes}`).toBe(hex(expected));
      const out = new Uint8Array(ptBytes + 16);
      const inWasm = w.seal(key, nonce, pt, ad.subarray(0, adBytes >> 1), ad.subarray(adBytes >> 1), out, 0);
      expect(inWasm).toBe(adBytes + ptBytes <= WASM_AEAD_MAX_BYTES);
      if (inWasm) expect(hex(out)).toBe(hex(expected));
      const opened = w.open(key, nonce, expected, ad.subarray(0, 7), ad.subarray(7));
      expect(opened === null).toBe(!inWasm);
      if (inWasm) expect(hex(opened!)).toBe(hex(pt));
      expect(hex(nodePrimitives.aeadOpen(key, nonce, expected, ad))).toBe(hex(pt));
      expect(w.scratchIsClean()).toBe(true);
    }
  });

  it('agrees with node:crypto on random keys, nonces, AD splits and lengths (property)', () => {
    const w = wasmAead!;
    assertProperty(
      'wasm-aead',
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 1500 }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.nat(),
        (key, nonce, ad, pt, cut) => {
          const at = ad.length === 0 ? 0 : cut % ad.length;
          const [ad1, ad2] = [ad.subarray(0, at), ad.subarray(at)];
          const expected = nodeOnlyPrimitives.aeadSeal(key, nonce, pt, ad);
          const out = new Uint8Array(pt.length + 16);
          expect(w.seal(key, nonce, pt, ad1, ad2, out, 0)).toBe(true);
          expect(hex(out)).toBe(hex(expected));
          expect(hex(w.open(key, nonce, expected, ad1, ad2)!)).toBe(hex(pt));
          expect(w.scratchIsClean()).toBe(true);
        },
      ),
      40,
    );
  });

  it('refuses every flipped bit, a short input and a wrong AD, and releases no plaintext', () => {
    const w = wasmAead!;
    const key = crypto.getRandomValues(new Uint8Array(32));
    const nonce = new Uint8Array(12);
    const ad = crypto.getRandomValues(new Uint8Array(50));
    const pt = crypto.getRandomValues(new Uint8Array(70));
    const sealed = nodeOnlyPrimitives.aeadSeal(key, nonce, pt, ad);
    for (let bit = 0; bit < sealed.length * 8; bit += 7) {
      const bad = sealed.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(w.open(key, nonce, bad, ad, undefined), `bit ${bit}`).toBeUndefined();
    }
    expect(w.open(key, nonce, sealed.subarray(0, 15), ad, undefined)).toBeUndefined();
    expect(w.open(key, nonce, sealed, ad.subarray(1), undefined)).toBeUndefined();
    expect(w.open(crypto.getRandomValues(new Uint8Array(32)), nonce, sealed, ad, undefined)).toBeUndefined();
    expect(w.scratchIsClean()).toBe(true);
  });

  it('zeroes its scratch memory even when a call throws', () => {
    const w = wasmAead!;
    const key = crypto.getRandomValues(new Uint8Array(32));
    const pt = crypto.getRandomValues(new Uint8Array(100));
    // No room for the output: the copy out throws RangeError after libsodium ran on the secrets.
    expect(() =>
      w.seal(key, new Uint8Array(12), pt, new Uint8Array(3), undefined, new Uint8Array(10), 0),
    ).toThrow(RangeError);
    expect(w.scratchIsClean()).toBe(true);
  });
});
