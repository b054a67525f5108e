/**
 * node:crypto's key import and generation, without the hidden exceptions' stack traces.
 *
 * node:crypto asks of every key argument "is this a KeyObject? a CryptoKey?" by reading a private
 * class field and catching the TypeError it throws otherwise (Node 24 `isKeyObject`,
 * `isCryptoKey`). Importing a raw key from an options object throws and catches four of them, and
 * V8 records a stack trace for each: measured on Node 24 here, an X25519 public-key import costs
 * 19–31 µs with the default `Error.stackTraceLimit` and 7 µs with 0, an Ed25519 one 25 vs 6, an
 * ML-KEM-768 encapsulation key 39 vs 23, an ML-KEM-768 key generation 52 vs 39. Each DH ratchet
 * step imports the peer's new ratchet key, so this is ~8% of a ping-pong message.
 *
 * The limit is set to 0 only for the synchronous call and restored in `finally`: nothing else runs
 * in between. An error these calls throw to us (a key OpenSSL refuses) carries no stack; every
 * caller catches it and reports its own error.
 * @module
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  type PrivateKeyInput,
  type PublicKeyInput,
} from 'node:crypto';

function withoutStackTraces<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** `createPrivateKey`, without the hidden exceptions' stack traces. */
export function importPrivateKey(input: PrivateKeyInput | KeyObject): KeyObject {
  return withoutStackTraces(() => createPrivateKey(input as PrivateKeyInput));
}

/** `createPublicKey`, without the hidden exceptions' stack traces. */
export function importPublicKey(input: PublicKeyInput | KeyObject): KeyObject {
  return withoutStackTraces(() => createPublicKey(input as PublicKeyInput));
}

/** `generateKeyPairSync(type)` with KeyObject results, without the hidden exceptions' stack traces. */
export function generateKeyPair(type: 'x25519' | 'ml-kem-768'): {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
} {
  return withoutStackTraces(
    () => generateKeyPairSync(type as 'x25519') as { privateKey: KeyObject; publicKey: KeyObject },
  );
}
