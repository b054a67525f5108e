/**
 * Native ML-KEM-768 (FIPS 203) on node:crypto, where Node is built with OpenSSL ≥ 3.5 (measured:
 * Node 24.21, OpenSSL 3.5.8); without it every operation falls back to noble, so results never
 * differ. KeyGen from a seed and Decaps are native. Encaps with an explicit m stays on noble:
 * OpenSSL's encapsulation takes no m, so it could not reproduce the vectors, whose m comes from
 * the seeded test RNG (SPEC.md §1.2). When the protocol's RandomSource is the system CSPRNG it
 * calls {@link nodeMlKem768}'s `mlkem768Generate` and `mlkem768EncapsulateRandom` instead, which
 * take d ‖ z and m from OpenSSL's CSPRNG (src/fresh-keys.ts). All of it is checked against noble
 * (test/differential.test.ts, test/fast-paths.test.ts, Wycheproof).
 * @module
 */

import type { KeyObject } from 'node:crypto';
import * as nodeCrypto from 'node:crypto';
import { equalBytes, fromHex } from '../bytes.ts';
import {
  MLKEM768_DECAPSULATION_KEY_BYTES as DK_BYTES,
  type MlKemEncapsulation,
  type MlKemKeyPair,
  type MlKemSeededKeyPair,
  MLKEM768_SEED_BYTES as SEED_BYTES,
} from '../mlkem.ts';
import { nobleMlKem768 } from '../noble.ts';
import { generateKeyPair, importPrivateKey, importPublicKey } from './keys.ts';

/** ek sits inside the expanded dk = dk_PKE(1152) ‖ ek(1184) ‖ H(ek) ‖ z (FIPS 203 Alg. 16). */
const EK_START = 1152;
const EK_END = 2336;
/**
 * PKCS#8 (RFC 5958) of an ML-KEM-768 key as OpenSSL 3.5 exports it by default, the "both" choice:
 * SEQUENCE(2494) { INTEGER 0, AlgorithmIdentifier, OCTET STRING(2474) { SEQUENCE(2470) {
 * OCTET STRING(64) seed, OCTET STRING(2400) dk } } } = 30 + 64 + 4 + 2400 bytes.
 */
const BOTH_DER_BYTES = 2498;
const BOTH_DER_HEADER: Uint8Array = fromHex(
  '308209be' + '020100' + '300b0609608648016503040402' + '048209aa' + '308209a6' + '0440',
);
const BOTH_DER_DK_TAG: Uint8Array = Uint8Array.from([0x04, 0x82, 0x09, 0x60]);
/**
 * PKCS#8 header for the "expandedKey" choice (draft-ietf-lamps-kyber-certificates §6):
 * SEQUENCE(2424) { INTEGER 0, AlgorithmIdentifier { id-alg-ml-kem-768 2.16.840.1.101.3.4.4.2 },
 * OCTET STRING(2404) { OCTET STRING(2400) dk } }.
 */
const EXPANDED_DER_HEADER: Uint8Array = fromHex(
  '30820978' + '020100' + '300b0609608648016503040402' + '04820964' + '04820960',
);

interface Cached {
  readonly raw: Uint8Array;
  readonly key: KeyObject;
}

/** Importing a key costs ~110 µs, twice the decapsulation: cache by array identity, checked by content. */
const cache = new WeakMap<Uint8Array, Cached>();

function importExpanded(dk: Uint8Array): KeyObject {
  const der = new Uint8Array(EXPANDED_DER_HEADER.length + DK_BYTES);
  der.set(EXPANDED_DER_HEADER);
  der.set(dk, EXPANDED_DER_HEADER.length);
  try {
    return importPrivateKey({ key: der, format: 'der', type: 'pkcs8' } as never); // types say Buffer; any view works
  } finally {
    der.fill(0);
  }
}

/** node:crypto's Decaps, read off the namespace: a Node without it must still load this module. */
const nativeDecapsulate: typeof nodeCrypto.decapsulate | undefined = (
  nodeCrypto as { readonly decapsulate?: typeof nodeCrypto.decapsulate }
).decapsulate;

function keyFor(dk: Uint8Array): KeyObject | undefined {
  if (!nativeDecapsulate) return undefined;
  const hit = cache.get(dk);
  if (hit && equalBytes(hit.raw, dk)) return hit.key;
  try {
    const key = importExpanded(dk);
    cache.set(dk, { raw: dk.slice(), key });
    return key;
  } catch {
    return undefined; // OpenSSL refuses a key noble accepts: let noble decide (same checks ran before)
  }
}

/**
 * KeyGen from the 64-byte seed d ‖ z: OpenSSL derives the key; its PKCS#8 export ("both": seed and
 * expanded key) ends with the 2,400-byte dk, which holds ek.
 */
function keygen(seed: Uint8Array): MlKemKeyPair {
  let key: KeyObject;
  try {
    key = importPrivateKey({
      key: seed,
      format: 'raw-seed',
      asymmetricKeyType: 'ml-kem-768',
    } as never);
  } catch {
    return nobleMlKem768.mlkem768Keygen(seed); // a node:crypto without ML-KEM
  }
  const pair = exportBoth(key, seed);
  if (!pair) return nobleMlKem768.mlkem768Keygen(seed); // an encoding this code does not know (OpenSSL config): stay correct
  return Object.freeze({ encapsulationKey: pair.encapsulationKey, decapsulationKey: pair.decapsulationKey });
}

/**
 * The expanded dk of a native key from its PKCS#8 "both" export (seed and dk); undefined if the
 * export is not that encoding, or its seed is not `seed`.
 */
function exportBoth(key: KeyObject, seed: Uint8Array): MlKemKeyPair | undefined {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  try {
    const seedEnd = BOTH_DER_HEADER.length + SEED_BYTES;
    const known =
      der.length === BOTH_DER_BYTES &&
      equalBytes(der.subarray(0, BOTH_DER_HEADER.length), BOTH_DER_HEADER) &&
      equalBytes(der.subarray(BOTH_DER_HEADER.length, seedEnd), seed) &&
      equalBytes(der.subarray(seedEnd, seedEnd + BOTH_DER_DK_TAG.length), BOTH_DER_DK_TAG);
    if (!known) return undefined;
    const decapsulationKey = new Uint8Array(der.subarray(BOTH_DER_BYTES - DK_BYTES));
    cache.set(decapsulationKey, { raw: decapsulationKey.slice(), key });
    return Object.freeze({ encapsulationKey: decapsulationKey.slice(EK_START, EK_END), decapsulationKey });
  } finally {
    der.fill(0);
  }
}

/** Native keys by seed array (generated here, or imported by Decaps-by-seed), checked by content. */
const seedCache = new WeakMap<Uint8Array, Cached>();

/**
 * KeyGen with the seed from OpenSSL's CSPRNG: generating costs ~40 µs, importing a seed ~120 µs
 * (OpenSSL 3.5 runs a pairwise test on import). Only the seed (1 µs) and ek (5 µs) are exported,
 * not the 2,400-byte dk (a 28 µs PKCS#8 export): the key object stays cached under the seed, for
 * {@link decapsulateSeed}. A stored state keeps the seed, and KeyGen of it is this key.
 */
function generate(): MlKemSeededKeyPair {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  try {
    ({ privateKey, publicKey } = generateKeyPair('ml-kem-768'));
  } catch {
    const seed = new Uint8Array(SEED_BYTES); // a node:crypto without ML-KEM
    globalThis.crypto.getRandomValues(seed);
    return Object.freeze({ seed, ...nobleMlKem768.mlkem768Keygen(seed) });
  }
  const exported = privateKey.export({ format: 'raw-seed' } as never) as unknown as Uint8Array;
  const seed = new Uint8Array(exported);
  exported.fill(0);
  const ek = publicKey.export({ format: 'raw-public' } as never) as unknown as Uint8Array;
  seedCache.set(seed, { raw: seed.slice(), key: privateKey });
  return Object.freeze({ seed, encapsulationKey: new Uint8Array(ek), decapsulationKey: undefined });
}

/** Decaps with KeyGen(seed): the cached native key, else the seed imported (and cached); noble without ML-KEM. */
function decapsulateSeed(seed: Uint8Array, ct: Uint8Array): Uint8Array {
  let key: KeyObject | undefined;
  const hit = seedCache.get(seed);
  if (hit && equalBytes(hit.raw, seed)) key = hit.key;
  else if (nativeDecapsulate) {
    try {
      key = importPrivateKey({ key: seed, format: 'raw-seed', asymmetricKeyType: 'ml-kem-768' } as never);
      seedCache.set(seed, { raw: seed.slice(), key });
    } catch {
      key = undefined;
    }
  }
  if (!key || !nativeDecapsulate) {
    const { decapsulationKey } = nobleMlKem768.mlkem768Keygen(seed);
    try {
      return nobleMlKem768.mlkem768Decapsulate(decapsulationKey, ct);
    } finally {
      decapsulationKey.fill(0);
    }
  }
  const out = nativeDecapsulate(key, ct);
  const secret = new Uint8Array(out);
  out.fill(0);
  return secret;
}

/** Imported encapsulation keys (~38 µs per import, more than the Encaps), by array identity, checked by content. */
const publicCache = new WeakMap<Uint8Array, Cached>();

/** node:crypto's Encaps (m from OpenSSL's CSPRNG), read off the namespace like Decaps. */
const nativeEncapsulate = (
  nodeCrypto as {
    readonly encapsulate?: (key: KeyObject) => { sharedKey: Uint8Array; ciphertext: Uint8Array };
  }
).encapsulate;

function publicKeyFor(ek: Uint8Array): KeyObject | undefined {
  const hit = publicCache.get(ek);
  if (hit && equalBytes(hit.raw, ek)) return hit.key;
  try {
    const key = importPublicKey({ key: ek, format: 'raw-public', asymmetricKeyType: 'ml-kem-768' } as never);
    publicCache.set(ek, { raw: ek.slice(), key });
    return key;
  } catch {
    return undefined; // OpenSSL refuses a key the §7.2 check accepted: let noble encapsulate
  }
}

/** Encaps with m from OpenSSL's CSPRNG; noble with m from getRandomValues where Node lacks it. */
function encapsulateRandom(ek: Uint8Array): MlKemEncapsulation {
  const key = nativeEncapsulate ? publicKeyFor(ek) : undefined;
  if (!key || !nativeEncapsulate) {
    const m = new Uint8Array(32);
    globalThis.crypto.getRandomValues(m);
    try {
      return nobleMlKem768.mlkem768Encapsulate(ek, m);
    } finally {
      m.fill(0);
    }
  }
  const { sharedKey, ciphertext } = nativeEncapsulate(key);
  const out = { ciphertext: new Uint8Array(ciphertext), sharedSecret: new Uint8Array(sharedKey) };
  sharedKey.fill(0);
  return out;
}

function decaps(dk: Uint8Array, ct: Uint8Array): Uint8Array {
  const key = keyFor(dk);
  if (!key || !nativeDecapsulate) return nobleMlKem768.mlkem768Decapsulate(dk, ct);
  const out = nativeDecapsulate(key, ct);
  const secret = new Uint8Array(out);
  out.fill(0);
  return secret;
}

/**
 * ML-KEM-768 for the node backends, unchecked (definePrimitives adds the FIPS 203 input checks):
 * native KeyGen and Decaps, noble Encaps (explicit m).
 * @example const { encapsulationKey } = nodeMlKem768.mlkem768Keygen(seed64);
 */
export const nodeMlKem768: typeof nobleMlKem768 & {
  readonly mlkem768Generate: () => MlKemSeededKeyPair;
  readonly mlkem768EncapsulateRandom: (ek: Uint8Array) => MlKemEncapsulation;
  readonly mlkem768DecapsulateSeed: (seed: Uint8Array, ct: Uint8Array) => Uint8Array;
} = Object.freeze({
  mlkem768Keygen: keygen,
  mlkem768Encapsulate: nobleMlKem768.mlkem768Encapsulate,
  mlkem768Decapsulate: decaps,
  mlkem768Generate: generate,
  mlkem768EncapsulateRandom: encapsulateRandom,
  mlkem768DecapsulateSeed: decapsulateSeed,
});
