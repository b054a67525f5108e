/** noble vs node:crypto: identical outputs on random inputs (the Wycheproof files run on both in wycheproof.test.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noblePrimitives as a, toHex } from '../src/index.ts';
import { nodeOnlyPrimitives as b } from '../src/node/index.ts';
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
        bytes(12),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 40 }),
        (k1, k2, nonce, msg, ad) => {
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
          same(a.hmacSha256(k1, msg), b.hmacSha256(k1, msg));
          same(a.hkdfSha256(msg, k1, ad, 77), b.hkdfSha256(msg, k1, ad, 77));
          same(a.sha256(msg), b.sha256(msg));
          same(a.sha512(msg), b.sha512(msg));
        },
      ),
      30,
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
