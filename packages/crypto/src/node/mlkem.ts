/**
 * Native ML-KEM-768 KeyGen and Decaps (FIPS 203 Alg. 16 and 18) on node:crypto,
 * where Node is built with OpenSSL ≥ 3.5 (measured: Node 24.21, OpenSSL 3.5.8);
 * without it both fall back to noble, so results never differ. Encaps stays on noble: the
 * protocol draws the encapsulation randomness m from the injected RandomSource
 * (SPEC.md §1.2) and OpenSSL's encapsulation takes none, so a native Encaps
 * could not reproduce the vectors. Both native operations are deterministic
 * and checked against noble (test/differential.test.ts, Wycheproof).
 * @module
 */
import * as nodeCrypto from 'node:crypto';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { equalBytes, fromHex } from '../bytes.ts';
import { MLKEM768_DECAPSULATION_KEY_BYTES as DK_BYTES, type MlKemKeyPair } from '../mlkem.ts';
import { nobleMlKem768 } from '../noble.ts';

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
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' } as never); // types say Buffer; any view works
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
    key = createPrivateKey({
      key: seed,
      format: 'raw-seed',
      asymmetricKeyType: 'ml-kem-768',
    } as never);
  } catch {
    return nobleMlKem768.mlkem768Keygen(seed); // a node:crypto without ML-KEM
  }
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const seedEnd = BOTH_DER_HEADER.length + seed.length;
  const known =
    der.length === BOTH_DER_BYTES &&
    equalBytes(der.subarray(0, BOTH_DER_HEADER.length), BOTH_DER_HEADER) &&
    equalBytes(der.subarray(BOTH_DER_HEADER.length, seedEnd), seed) &&
    equalBytes(der.subarray(seedEnd, seedEnd + BOTH_DER_DK_TAG.length), BOTH_DER_DK_TAG);
  if (!known) {
    der.fill(0);
    return nobleMlKem768.mlkem768Keygen(seed); // an encoding this code does not know (OpenSSL config): stay correct
  }
  const decapsulationKey = new Uint8Array(der.subarray(BOTH_DER_BYTES - DK_BYTES));
  der.fill(0);
  cache.set(decapsulationKey, { raw: decapsulationKey.slice(), key });
  return Object.freeze({ encapsulationKey: decapsulationKey.slice(EK_START, EK_END), decapsulationKey });
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
export const nodeMlKem768: typeof nobleMlKem768 = Object.freeze({
  mlkem768Keygen: keygen,
  mlkem768Encapsulate: nobleMlKem768.mlkem768Encapsulate,
  mlkem768Decapsulate: decaps,
});
