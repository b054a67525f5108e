/**
 * @parley/crypto — X3DH-style handshake, Double Ratchet, Sender Keys for groups,
 * contact cards, safety numbers and streaming file encryption. See README.md and SPEC.md.
 * On Node, pass `nodePrimitives` from `@parley/crypto/node`; elsewhere `noblePrimitives`.
 * @module
 */
export { concat, equalBytes, fromHex, fromUtf8, toHex, utf8, wipe } from './bytes.ts';
export {
  CARD_ADDRESS_MAX_BYTES,
  CARD_EXTENSION_MAX_BYTES,
  CARD_MAX_ADDRESSES,
  CARD_NAME_MAX_BYTES,
  CARD_PEER_ID_MAX_BYTES,
  CARD_SUITE_X25519,
  CARD_SUITE_X25519_MLKEM768,
  CARD_VERSION,
  type ContactCard,
  type ContactCardFields,
  createContactCard,
  decodeContactCard,
} from './contact-card.ts';
export {
  acceptDeviceList,
  createDeviceList,
  DEVICE_LIST_HASH_BYTES,
  DEVICE_LIST_MAX_DEVICES,
  DEVICE_LIST_NAME_MAX_BYTES,
  DEVICE_LIST_PEER_ID_MAX_BYTES,
  DEVICE_LIST_VERSION,
  type DeviceEntry,
  type DeviceList,
  type DeviceListFields,
  decodeDeviceList,
  deviceListHash,
  type HeldDeviceList,
} from './device-list.ts';
export {
  CardError,
  type CardErrorCode,
  CryptoError,
  DecryptError,
  DeviceListError,
  type DeviceListErrorCode,
  FileError,
  type FileErrorCode,
  FormatError,
  type FormatErrorCode,
  HandshakeError,
  type HandshakeErrorCode,
  KeyError,
  type KeyErrorCode,
  type LimitCode,
  LimitError,
} from './errors.ts';
export {
  createFileKey,
  decodeFileKey,
  encodeFileKey,
  FILE_CHUNK_BYTES,
  FILE_MAX_CHUNK_BYTES,
  FILE_MAX_CHUNKS,
  FILE_NONCE_PREFIX_BYTES,
  FileKey,
  fileChunkCount,
  fileCiphertextBytes,
  openChunk,
  sealChunk,
  wipeFileKey,
} from './file-stream.ts';
export {
  createIdentity,
  decodeIdentity,
  encodeIdentity,
  Identity,
  type IdentityPublic,
  sameIdentity,
  wipeIdentity,
} from './identity.ts';
export {
  createKemPrekey,
  createOneTimeKemPrekeys,
  decodeKemPrekey,
  encodeKemPrekey,
  KemPrekeyPair,
  type KemPrekeyPublic,
  verifyKemPrekey,
  wipeKemPrekey,
} from './kem-prekeys.ts';
export {
  MAX_PLAINTEXT_BYTES,
  type MessageInfo,
  PROTOCOL_VERSION,
  peekMessage,
} from './message.ts';
export {
  MLKEM_MESSAGE_BYTES,
  MLKEM_SHARED_SECRET_BYTES,
  MLKEM768_CIPHERTEXT_BYTES,
  MLKEM768_DECAPSULATION_KEY_BYTES,
  MLKEM768_ENCAPSULATION_KEY_BYTES,
  MLKEM768_SEED_BYTES,
  type MlKemEncapsulation,
  type MlKemKeyPair,
} from './mlkem.ts';
export { noblePrimitives } from './noble.ts';
export { PQ_RATCHET_INTERVAL, type PqRatchetState } from './pq-ratchet.ts';
export {
  createOneTimePrekeys,
  createSignedPrekey,
  decodePrekey,
  encodePrekey,
  type OneTimePrekeyPublic,
  PrekeyPair,
  planSignedPrekeyRotation,
  SIGNED_PREKEY_GRACE_MS,
  SIGNED_PREKEY_ROTATION_MS,
  type SignedPrekeyPublic,
  verifySignedPrekey,
  wipePrekey,
} from './prekeys.ts';
export { definePrimitives, type Primitives, type Sha256Hasher } from './primitives.ts';
export { bufferedRandom, RANDOM_POOL_BYTES, type RandomSource, systemRandom } from './random.ts';
export {
  MAX_MESSAGE_NUMBER,
  MAX_OLD_RECEIVING_CHAINS,
  MAX_SKIP,
  MAX_STORED_SKIPPED_KEYS,
  Session,
} from './ratchet.ts';
export { REDACTED } from './redact.ts';
export {
  SAFETY_NUMBER_ITERATIONS,
  type SafetyNumber,
  type SafetyNumberParty,
  safetyNumber,
  verifySafetyNumberQr,
} from './safety-number.ts';
export {
  createSenderKey,
  MAX_SENDER_KEY_ITERATION,
  MAX_SENDER_KEY_SKIP,
  MAX_SENDER_KEY_STORED,
  SenderKeyReceiver,
  type SenderKeyReceiverFields,
  SenderKeyState,
  type SenderKeyStateFields,
  senderKeyDecrypt,
  senderKeyEncrypt,
} from './sender-key.ts';
export {
  decodeSenderKeyDistribution,
  deserializeSenderKey,
  deserializeSenderKeyReceiver,
  SENDER_KEY_DISTRIBUTION_BYTES,
  senderKeyDistribution,
  serializeSenderKey,
  serializeSenderKeyReceiver,
} from './sender-key-codec.ts';
export { peekSenderKeyMessage, SENDER_KEY_VERSION } from './sender-key-message.ts';
export {
  type AcceptedSession,
  type AcceptOptions,
  acceptSession,
  decrypt,
  encrypt,
  initiateSession,
  type PrekeyLookup,
} from './session.ts';
export {
  deserializeSession,
  discardSession,
  PENDING_PREKEY_PQ_MAX_BYTES,
  serializeSession,
} from './session-codec.ts';
