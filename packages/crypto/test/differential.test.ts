/** noble vs node:crypto: identical outputs on random inputs (the Wycheproof files run on both in wycheproof.test.ts). */
import { createPrivateKey, decapsulate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noblePrimitives as a, fromHex, toHex } from '../src/index.ts';
import { nobleMlKem768 } from '../src/noble.ts';
import {
  nodeOnlyPrimitives as b,
  NATIVE_AEAD_MIN_BYTES,
  NATIVE_SHA256_MIN_BYTES,
  nodePrimitives,
} from '../src/node/index.ts';
import { nodeMlKem768 } from '../src/node/mlkem.ts';
import { hchacha20 } from '../src/node/xchacha.ts';
import { assertProperty } from './corpus.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const same = (x: Uint8Array, y: Uint8Array) => expect(toHex(x)).toBe(toHex(y));

describe('differential noble vs node', () => {
  it('all primitives agree on random inputs', () => {
    assertProperty(
      'differential',
      fc.property(
        bytes(32),
        bytes(32),
        bytes(24),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 40 }),
        (k1, k2, xnonce, msg, ad) => {
          const nonce = xnonce.subarray(0, 12);
          same(a.x25519PublicKey(k1), b.x25519PublicKey(k1));
          const pub = a.x25519PublicKey(k2);
          same(a.x25519(k1, pub), b.x25519(k1, pub));
          same(a.ed25519PublicKey(k1), b.ed25519PublicKey(k1));
          const sig = a.ed25519Sign(k1, msg);
          same(sig, b.ed25519Sign(k1, msg));
          const epk = a.ed25519PublicKey(k1);
          expect(b.ed25519Verify(sig, msg, epk)).toBe(true);
          const sealed = a.aeadSeal(k2, nonce, msg, ad);
          same(sealed, b.aeadSeal(k2, nonce, msg, ad));
          same(b.aeadOpen(k2, nonce, sealed, ad)!, msg);
          const bad = sealed.slice();
          bad[0]! ^= 1;
          expect(a.aeadOpen(k2, nonce, bad, ad)).toBeUndefined();
          expect(b.aeadOpen(k2, nonce, bad, ad)).toBeUndefined();
          const xsealed = a.xaeadSeal!(k2, xnonce, msg, ad);
          same(xsealed, b.xaeadSeal!(k2, xnonce, msg, ad));
          same(b.xaeadOpen!(k2, xnonce, xsealed, ad)!, msg);
          xsealed[xsealed.length - 1]! ^= 1;
          expect(a.xaeadOpen!(k2, xnonce, xsealed, ad)).toBeUndefined();
          expect(b.xaeadOpen!(k2, xnonce, xsealed, ad)).toBeUndefined();
          same(a.hmacSha256(k1, msg), b.hmacSha256(k1, msg));
          same(a.hkdfSha256(msg, k1, ad, 77), b.hkdfSha256(msg, k1, ad, 77));
          same(a.sha256(msg), b.sha256(msg));
          same(a.sha512(msg), b.sha512(msg));
        },
      ),
      30,
    );
  });

  it('HChaCha20 matches draft-irtf-cfrg-xchacha-03 §2.2.1', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const nonce = fromHex('000000090000004a0000000031415927');
    expect(toHex(hchacha20(key, nonce))).toBe(
      '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
    );
  });

  it('the default node backend agrees on both sides of NATIVE_AEAD_MIN_BYTES (ChaCha20 and XChaCha20)', () => {
    const key = new Uint8Array(32).fill(9);
    const ad = new Uint8Array([1, 2, 3]); // the threshold counts plaintext + associated data
    for (const size of [0, 1, NATIVE_AEAD_MIN_BYTES - 4, NATIVE_AEAD_MIN_BYTES - 3, 70_000]) {
      const msg = new Uint8Array(size).map((_, i) => i * 31);
      const n12 = new Uint8Array(12).fill(size & 0xff);
      const n24 = new Uint8Array(24).map((_, i) => i + size);
      const sealed = a.aeadSeal(key, n12, msg, ad);
      same(nodePrimitives.aeadSeal(key, n12, msg, ad), sealed);
      same(nodePrimitives.aeadOpen(key, n12, sealed, ad)!, msg);
      const xsealed = a.xaeadSeal!(key, n24, msg, ad);
      same(nodePrimitives.xaeadSeal!(key, n24, msg, ad), xsealed);
      same(b.xaeadSeal!(key, n24, msg, ad), xsealed);
      same(nodePrimitives.xaeadOpen!(key, n24, xsealed, ad)!, msg);
      xsealed[0] = (xsealed[0] ?? 0) ^ 1;
      expect(nodePrimitives.xaeadOpen!(key, n24, xsealed, ad)).toBeUndefined();
    }
  });

  it('the default node backend hashes the same on both sides of NATIVE_SHA256_MIN_BYTES', () => {
    for (const size of [0, 1, NATIVE_SHA256_MIN_BYTES - 1, NATIVE_SHA256_MIN_BYTES, 1100, 70_000]) {
      const msg = new Uint8Array(size).map((_, i) => i * 7 + size);
      same(nodePrimitives.sha256(msg), a.sha256(msg));
      same(nodePrimitives.sha256(msg), b.sha256(msg));
    }
  });

  it('native ML-KEM-768 KeyGen/Decaps (OpenSSL 3.5) agree with noble, incl. implicit rejection, on fresh and cached keys', () => {
    assertProperty(
      'differential-mlkem-native',
      fc.property(bytes(64), bytes(32), fc.integer({ min: 0, max: 1087 }), (seed, m, flip) => {
        const kn = nodeMlKem768.mlkem768Keygen(seed); // native: the expanded dk out of OpenSSL's PKCS#8
        const kb = nobleMlKem768.mlkem768Keygen(seed);
        same(kn.encapsulationKey, kb.encapsulationKey);
        same(kn.decapsulationKey, kb.decapsulationKey);
        const e = nobleMlKem768.mlkem768Encapsulate(kb.encapsulationKey, m);
        const bad = e.ciphertext.slice();
        bad[flip]! ^= 1;
        for (const dk of [kn.decapsulationKey, kb.decapsulationKey.slice()]) {
          // kn's dk hits the KeyObject cache; a copy is imported from the expanded key
          same(nodeMlKem768.mlkem768Decapsulate(dk, e.ciphertext), e.sharedSecret);
          same(nodeMlKem768.mlkem768Decapsulate(dk, bad), nobleMlKem768.mlkem768Decapsulate(dk, bad));
        }
      }),
      5,
    );
  });

  it('the native ML-KEM path is really native: OpenSSL decapsulates a key imported from the expanded dk', () => {
    const seed = new Uint8Array(64).fill(7);
    const kb = nobleMlKem768.mlkem768Keygen(seed);
    const e = nobleMlKem768.mlkem768Encapsulate(kb.encapsulationKey, new Uint8Array(32).fill(1));
    const key = createPrivateKey({
      key: Buffer.from(seed),
      format: 'raw-seed',
      asymmetricKeyType: 'ml-kem-768',
    } as never);
    same(new Uint8Array(decapsulate(key, e.ciphertext)), e.sharedSecret);
    // the layout src/node/mlkem.ts reads dk from (else it falls back to noble's KeyGen, slower)
    const der = key.export({ format: 'der', type: 'pkcs8' });
    expect(der.length).toBe(2498);
    expect(toHex(der.subarray(0, 30))).toBe('308209be020100300b0609608648016503040402048209aa308209a60440');
    same(der.subarray(30 + 64 + 4), kb.decapsulationKey);
    expect(nodePrimitives.mlkem768Keygen).toBeDefined();
    same(nodePrimitives.mlkem768Keygen!(seed).decapsulationKey, kb.decapsulationKey);
  });

  it('ML-KEM-768 agrees across backends and round-trips', () => {
    assertProperty(
      'differential-mlkem',
      fc.property(bytes(64), bytes(32), (seed, m) => {
        const ka = a.mlkem768Keygen!(seed);
        const kb = b.mlkem768Keygen!(seed);
        same(ka.encapsulationKey, kb.encapsulationKey);
        same(ka.decapsulationKey, kb.decapsulationKey);
        const ea = a.mlkem768Encapsulate!(ka.encapsulationKey, m);
        same(ea.ciphertext, nodePrimitives.mlkem768Encapsulate!(kb.encapsulationKey, m).ciphertext);
        same(b.mlkem768Decapsulate!(kb.decapsulationKey, ea.ciphertext), ea.sharedSecret);
        same(nodePrimitives.mlkem768Decapsulate!(kb.decapsulationKey, ea.ciphertext), ea.sharedSecret);
      }),
      5,
    );
  });

  it('both refuse wrong key lengths with KeyError', () => {
    for (const p of [a, b]) {
      expect(() => p.x25519(new Uint8Array(31), new Uint8Array(32))).toThrow(
        expect.objectContaining({ code: 'bad-key-length' }),
      );
      expect(() => p.x25519(new Uint8Array(32), new Uint8Array(33))).toThrow(
        expect.objectContaining({ code: 'bad-key-length' }),
      );
      expect(() =>
        p.aeadSeal(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1), new Uint8Array(0)),
      ).toThrow(expect.objectContaining({ code: 'bad-key-length' }));
      expect(() => p.ed25519Sign(new Uint8Array(64), new Uint8Array(1))).toThrow(
        expect.objectContaining({ code: 'bad-key-length' }),
      );
      expect(p.ed25519Verify(new Uint8Array(63), new Uint8Array(1), new Uint8Array(32))).toBe(false);
      expect(() => p.x25519(new Uint8Array(32).fill(1), new Uint8Array(32))).toThrow(
        expect.objectContaining({ code: 'low-order' }),
      );
    }
  });

  it('the node KeyObject cache separates curves (same bytes used as X25519 and Ed25519 secret)', () => {
    const k = new Uint8Array(32).fill(7);
    same(b.x25519PublicKey(k), a.x25519PublicKey(k));
    same(b.ed25519PublicKey(k), a.ed25519PublicKey(k));
  });

  it('a node KeyObject cache hit is never used after the bytes change', () => {
    const k = new Uint8Array(32).fill(3);
    const pub1 = b.x25519PublicKey(k);
    k.fill(4);
    same(b.x25519PublicKey(k), a.x25519PublicKey(k));
    expect(toHex(pub1)).not.toBe(toHex(b.x25519PublicKey(k)));
  });
});

describe('incremental SHA-256 (sha256Hasher)', () => {
  it('equals the one-shot hash on every backend, however the input is split', () => {
    const data = new Uint8Array(200_003).map((_, i) => (i * 31 + 7) & 0xff);
    const expected = a.sha256(data);
    for (const p of [a, b, nodePrimitives]) {
      for (const step of [1, 64, 65_536, 200_003]) {
        const h = p.sha256Hasher();
        for (let o = 0; o < data.length; o += step) h.update(data.subarray(o, o + step));
        expect(h.digest()).toEqual(expected);
      }
    }
  });
});
