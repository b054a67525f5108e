/**
 * Project Wycheproof (C2SP/wycheproof, testvectors_v1; see
 * shared/vectors/wycheproof/PROVENANCE.md) through OUR Primitives, for each
 * backend. Vectors are read from ../../../../shared/vectors/wycheproof
 * relative to this folder, or from $PARLEY_VECTORS_DIR.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, KeyError, type Primitives, toHex } from '../src/index.ts';
import { allBackends } from './helpers.ts';

const dir =
  process.env.PARLEY_VECTORS_DIR ??
  fileURLToPath(new URL('../../../../shared/vectors/wycheproof/', import.meta.url));

interface Test {
  readonly tcId: number;
  readonly result: 'valid' | 'invalid' | 'acceptable';
  readonly flags: readonly string[];
  readonly [k: string]: unknown;
}
interface Group {
  readonly tests: readonly Test[];
  readonly [k: string]: unknown;
}

function load(file: string): { groups: readonly Group[]; count: number } {
  const json = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
  return { groups: json.testGroups, count: json.numberOfTests };
}

const h = (v: unknown): Uint8Array => fromHex(String(v));

function runAead(p: Primitives, t: Test, x: boolean): boolean {
  const seal = x ? p.xaeadSeal! : p.aeadSeal;
  const open = x ? p.xaeadOpen! : p.aeadOpen;
  const [key, iv, aad, msg] = [h(t.key), h(t.iv), h(t.aad), h(t.msg)];
  const sealed = new Uint8Array([...h(t.ct), ...h(t.tag)]);
  try {
    const pt = open(key, iv, sealed, aad);
    if (pt === undefined) return false;
    return toHex(pt) === toHex(msg) && toHex(seal(key, iv, msg, aad)) === toHex(sealed);
  } catch (e) {
    if (e instanceof KeyError) return false; // wrong key / nonce length
    throw e;
  }
}

function expectResult(t: Test, ok: boolean): void {
  if (t.result === 'valid') expect(ok, `tcId ${t.tcId}`).toBe(true);
  if (t.result === 'invalid') expect(ok, `tcId ${t.tcId}`).toBe(false);
}

describe.runIf(existsSync(dir)).each(allBackends)('wycheproof (%s)', (_name, p) => {
  it('chacha20_poly1305_test.json', () => {
    const { groups, count } = load('chacha20_poly1305_test.json');
    let n = 0;
    for (const g of groups)
      for (const t of g.tests) {
        expectResult(t, runAead(p, t, false));
        n++;
      }
    expect(n).toBe(count);
  });

  it.runIf(p.xaeadSeal !== undefined)('xchacha20_poly1305_test.json', () => {
    const { groups, count } = load('xchacha20_poly1305_test.json');
    let n = 0;
    for (const g of groups)
      for (const t of g.tests) {
        expectResult(t, runAead(p, t, true));
        n++;
      }
    expect(n).toBe(count);
  });

  it.runIf(p.xaeadSeal === undefined)(
    'xchacha20_poly1305: node:crypto has no XChaCha20 (explicitly skipped)',
    () => {
      expect(p.xaeadSeal).toBeUndefined();
    },
  );

  it('x25519_test.json: valid vectors agree; low-order (all-zero) results are rejected', () => {
    const { groups, count } = load('x25519_test.json');
    let n = 0;
    let zero = 0;
    for (const g of groups) {
      for (const t of g.tests) {
        n++;
        const zeroShared = /^0+$/.test(String(t.shared));
        if (zeroShared) {
          zero++;
          expect(() => p.x25519(h(t.private), h(t.public)), `tcId ${t.tcId}`).toThrow(
            expect.objectContaining({ code: 'low-order' }),
          );
          continue;
        }
        // Policy for 'acceptable' (non-canonical / twist points, non-zero result): RFC 7748 §5 behaviour.
        expect(toHex(p.x25519(h(t.private), h(t.public))), `tcId ${t.tcId}`).toBe(t.shared);
      }
    }
    expect(n).toBe(count);
    expect(zero).toBeGreaterThan(0);
  });

  it('hkdf_sha256_test.json', () => {
    const { groups, count } = load('hkdf_sha256_test.json');
    let n = 0;
    for (const g of groups) {
      for (const t of g.tests) {
        n++;
        let ok: boolean;
        try {
          ok = toHex(p.hkdfSha256(h(t.ikm), h(t.salt), h(t.info), Number(t.size))) === t.okm;
        } catch {
          ok = false;
        }
        expectResult(t, ok);
      }
    }
    expect(n).toBe(count);
  });

  it('hmac_sha256_test.json (tags compared on their truncated length)', () => {
    const { groups, count } = load('hmac_sha256_test.json');
    let n = 0;
    for (const g of groups) {
      for (const t of g.tests) {
        n++;
        const tag = String(t.tag);
        expectResult(
          t,
          toHex(p.hmacSha256(h(t.key), h(t.msg))).slice(0, tag.length) === tag &&
            tag.length === Number(g.tagSize) / 4,
        );
      }
    }
    expect(n).toBe(count);
  });

  it('ed25519_test.json with strict verification (no ZIP-215)', () => {
    const { groups, count } = load('ed25519_test.json');
    let n = 0;
    for (const g of groups) {
      const pk = h((g.publicKey as { pk: string }).pk);
      for (const t of g.tests) {
        n++;
        expectResult(t, p.ed25519Verify(h(t.sig), h(t.msg), pk));
      }
    }
    expect(n).toBe(count);
  });
});

describe.runIf(existsSync(dir))('wycheproof: ML-KEM-768', () => {
  it.skip('mlkem_768_*.json wait for the post-quantum (PQXDH) step: @noble/post-quantum is not a dependency yet', () => {});
});
