/**
 * Fresh key pairs and encapsulations for the protocol, drawn from its RandomSource in the order
 * SPEC.md §1.2 fixes — or, when that source is the system CSPRNG ({@link isSystemRandom}) and the
 * backend offers it, taken from the backend's own CSPRNG in one native call (node:crypto: OpenSSL's
 * RAND_bytes, the same generator `getRandomValues` reads). Nobody can observe draws from the
 * system CSPRNG, so only the speed differs; a seeded source always takes the drawn path, so
 * every vector reproduces byte for byte.
 * @module
 */
import { wipe } from './bytes.ts';
import { kem } from './kem-prekeys.ts';
import {
  MLKEM_MESSAGE_BYTES,
  MLKEM768_SEED_BYTES,
  type MlKemEncapsulation,
  type MlKemSeededKeyPair,
} from './mlkem.ts';
import { KEY_BYTES, type Primitives } from './primitives.ts';
import { draw, isSystemRandom, type RandomSource } from './random.ts';

/** An X25519 key pair: the drawn 32 bytes stored unclamped, or the backend's own secret. */
export function freshX25519(
  random: RandomSource,
  p: Primitives,
): { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array } {
  if (p.x25519Generate && isSystemRandom(random)) return p.x25519Generate();
  const secretKey = draw(random, KEY_BYTES);
  return { secretKey, publicKey: p.x25519PublicKey(secretKey) };
}

/** An ML-KEM-768 key pair and its seed: draws d ‖ z (64), or the backend's own seed. */
export function freshMlKem(random: RandomSource, p: Primitives): MlKemSeededKeyPair {
  if (p.mlkem768Generate && isSystemRandom(random)) return p.mlkem768Generate();
  const seed = draw(random, MLKEM768_SEED_BYTES);
  const { encapsulationKey, decapsulationKey } = kem(p).mlkem768Keygen(seed);
  return { seed, encapsulationKey, decapsulationKey };
}

/** ML-KEM-768 Encaps to `ek`: draws m (32, wiped after use), or the backend's own m. */
export function freshEncapsulation(random: RandomSource, p: Primitives, ek: Uint8Array): MlKemEncapsulation {
  if (p.mlkem768EncapsulateRandom && isSystemRandom(random)) return p.mlkem768EncapsulateRandom(ek);
  const m = draw(random, MLKEM_MESSAGE_BYTES);
  try {
    return kem(p).mlkem768Encapsulate(ek, m);
  } finally {
    wipe(m);
  }
}
