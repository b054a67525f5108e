/**
 * Project Wycheproof (C2SP/wycheproof, testvectors_v1; see
 * shared/vectors/wycheproof/PROVENANCE.md) through OUR Primitives, for each
 * backend: EVERY file of the folder runs on every backend, nothing is skipped
 * (a final test checks that the folder holds no file this suite does not run;
 * a missing folder fails, it is never skipped).
 * Vectors are read from ../../../../shared/vectors/wycheproof relative to this
 * folder, or from $PARLEY_VECTORS_DIR.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, KeyError, type KeyErrorCode, type Primitives, toHex } from '../src/index.ts';
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

/**
 * The same vector through the in-place ratchet-message API (aeadSealMessage / aeadOpenMessage): the
 * vector's AD split in two, the first part as the session AD, the rest as the message's header.
 */
function runAeadMessage(p: Primitives, t: Test): boolean {
  const [key, iv, aad, msg, ct, tag] = [h(t.key), h(t.iv), h(t.aad), h(t.msg), h(t.ct), h(t.tag)];
  const cut = aad.length >> 1;
  const [ad, header] = [aad.subarray(0, cut), aad.subarray(cut)];
  const message = new Uint8Array([...header, ...ct, ...tag]);
  try {
    const pt = p.aeadOpenMessage!(key, iv, message, ad, header.length);
    if (pt === undefined) return false;
    const built = new Uint8Array(message.length);
    built.set(header);
    p.aeadSealMessage!(key, iv, msg, ad, built, header.length);
    return toHex(pt) === toHex(msg) && toHex(built) === toHex(message);
  } catch (e) {
    if (e instanceof KeyError) return false; // wrong key / nonce length
    throw e;
  }
}

/** The ML-KEM-768 members of a backend; every built-in backend has them. */
function kem(p: Primitives) {
  const { mlkem768Keygen: keygen, mlkem768Encapsulate: encaps, mlkem768Decapsulate: decaps } = p;
  if (!keygen || !encaps || !decaps) throw new Error(`${p.name} lacks ML-KEM-768`);
  return { keygen, encaps, decaps };
}

/**
 * ML-KEM policy: a valid vector gives exactly the expected bytes; an invalid one
 * (wrong length, ek failing the modulus check, dk failing the hash check) is
 * refused with a KeyError, never answered with some other value.
 */
function expectKem(t: Test, run: () => boolean): void {
  let outcome: 'match' | 'mismatch' | KeyErrorCode;
  try {
    outcome = run() ? 'match' : 'mismatch';
  } catch (e) {
    if (!(e instanceof KeyError)) throw e;
    outcome = e.code;
  }
  expect(outcome, `tcId ${t.tcId} ${t.comment ?? ''}`).toBe(t.result === 'valid' ? 'match' : kemRefusal(t));
}

/** The KeyError code an invalid ML-KEM vector must raise, from its flags and comment. */
function kemRefusal(t: Test): KeyErrorCode {
  const why = `${(t.flags ?? []).join(' ')} ${String(t.comment ?? '')}`;
  if (/ModulusOverflow|not reduced|InvalidDecapsulationKey/.test(why)) return 'invalid-key';
  if (/IncorrectCiphertextLength|Ciphertext too/.test(why)) return 'bad-ciphertext-length';
  if (/IncorrectDecapsulationKeyLength|Private key too|Public key is too/.test(why)) return 'bad-key-length';
  throw new Error(`tcId ${t.tcId}: no refusal policy for "${why}"`);
}

function expectResult(t: Test, ok: boolean): void {
  if (t.result === 'valid') expect(ok, `tcId ${t.tcId}`).toBe(true);
  if (t.result === 'invalid') expect(ok, `tcId ${t.tcId}`).toBe(false);
}

describe.each(allBackends)('wycheproof (%s)', (_name, p) => {
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

  it('chacha20_poly1305_test.json through the in-place ratchet-message API', () => {
    expect(p.aeadSealMessage).toBeDefined();
    const { groups, count } = load('chacha20_poly1305_test.json');
    let n = 0;
    for (const g of groups)
      for (const t of g.tests) {
        expectResult(t, runAeadMessage(p, t));
        n++;
      }
    expect(n).toBe(count);
  });

  it('xchacha20_poly1305_test.json', () => {
    expect(p.xaeadSeal).toBeDefined();
    const { groups, count } = load('xchacha20_poly1305_test.json');
    let n = 0;
    for (const g of groups)
      for (const t of g.tests) {
        expectResult(t, runAead(p, t, true));
        n++;
      }
    expect(n).toBe(count);
  });

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

  it('mlkem_768_test.json: KeyGen(seed) then Decaps (incl. implicit rejection); bad lengths refused', () => {
    const { groups, count } = load('mlkem_768_test.json');
    let n = 0;
    for (const g of groups) {
      expect(g.parameterSet).toBe('ML-KEM-768');
      for (const t of g.tests) {
        n++;
        expectKem(t, () => {
          const keys = kem(p).keygen(h(t.seed));
          const ek = t.ek === undefined || toHex(keys.encapsulationKey) === t.ek;
          return ek && toHex(kem(p).decaps(keys.decapsulationKey, h(t.c))) === t.K;
        });
      }
    }
    expect(n).toBe(count);
  });

  it('mlkem_768_encaps_test.json: Encaps(ek, m); ek failing the FIPS 203 §7.2 checks refused', () => {
    const { groups, count } = load('mlkem_768_encaps_test.json');
    let n = 0;
    for (const g of groups) {
      expect(g.parameterSet).toBe('ML-KEM-768');
      for (const t of g.tests) {
        n++;
        expectKem(t, () => {
          const out = kem(p).encaps(h(t.ek), h(t.m));
          return toHex(out.ciphertext) === t.c && toHex(out.sharedSecret) === t.K;
        });
      }
    }
    expect(n).toBe(count);
  });

  it('mlkem_768_keygen_seed_test.json: KeyGen(seed) gives ek and the expanded dk', () => {
    const { groups, count } = load('mlkem_768_keygen_seed_test.json');
    let n = 0;
    for (const g of groups) {
      expect(g.parameterSet).toBe('ML-KEM-768');
      for (const t of g.tests) {
        n++;
        expectKem(t, () => {
          const keys = kem(p).keygen(h(t.seed));
          return toHex(keys.encapsulationKey) === t.ek && toHex(keys.decapsulationKey) === t.dk;
        });
      }
    }
    expect(n).toBe(count);
  });

  it('mlkem_768_semi_expanded_decaps_test.json: Decaps(dk, c); dk/c failing FIPS 203 §7.3 refused', () => {
    const { groups, count } = load('mlkem_768_semi_expanded_decaps_test.json');
    let n = 0;
    for (const g of groups) {
      expect(g.parameterSet).toBe('ML-KEM-768');
      for (const t of g.tests) {
        n++;
        expectKem(t, () => toHex(kem(p).decaps(h(t.dk), h(t.c))) === t.K);
      }
    }
    expect(n).toBe(count);
  });
});

/** Every file in the folder must be one this suite runs (none skipped, none forgotten). */
const RUN_FILES = [
  'chacha20_poly1305_test.json',
  'ed25519_test.json',
  'hkdf_sha256_test.json',
  'hmac_sha256_test.json',
  'mlkem_768_encaps_test.json',
  'mlkem_768_keygen_seed_test.json',
  'mlkem_768_semi_expanded_decaps_test.json',
  'mlkem_768_test.json',
  'x25519_test.json',
  'xchacha20_poly1305_test.json',
];

describe('wycheproof: coverage', () => {
  it('every JSON file of the vectors folder is run above, on every backend', () => {
    expect(existsSync(dir), `Wycheproof vectors missing at ${dir} (set PARLEY_VECTORS_DIR)`).toBe(true);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toEqual(RUN_FILES);
  });
});
