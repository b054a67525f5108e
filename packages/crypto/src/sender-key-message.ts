/**
 * Wire format of group (Sender Key) messages, version 2 (SPEC.md §12.3):
 * `u8 version ‖ u32 keyId ‖ u32 iteration ‖ AEAD output ‖ Ed25519 signature(64)`.
 * The header (version, key id, iteration) is authenticated twice: as AEAD
 * associated data and by the signature. The signature also covers the
 * caller's associated data (core: the group id and the sender's PeerId), so
 * a message verifies only in the context of the member who signed it: whoever
 * registers another member's signing key as their own still cannot have that
 * member's messages attributed to them (SPEC.md §12.6). Malformed input raises
 * the generic {@link DecryptError} (no oracle).
 * @module
 */
import { utf8 } from './bytes.ts';
import { DecryptError } from './errors.ts';
import { AEAD_TAG_BYTES, SIGNATURE_BYTES } from './primitives.ts';

/**
 * Version byte of sender-key messages and distributions. Version 1 (signature over the header
 * and ciphertext only, distributions without proof of possession) is no longer produced or read.
 */
export const SENDER_KEY_VERSION = 2;
/** version u8 ‖ key id u32 ‖ iteration u32, bytes. */
export const SENDER_KEY_HEADER_BYTES = 9;
/** Shortest valid message: header ‖ tag (empty plaintext) ‖ signature, bytes. */
export const SENDER_KEY_MESSAGE_MIN_BYTES: number =
  SENDER_KEY_HEADER_BYTES + AEAD_TAG_BYTES + SIGNATURE_BYTES;
/** Domain of message signatures (distinct from the distribution's proof of possession). */
const MESSAGE_SIGNATURE_LABEL: Uint8Array = utf8('Parley_SenderKey_v2_Message');

/** A structurally valid sender-key message; nothing in it is authenticated yet. */
export interface ParsedSenderKeyMessage {
  readonly keyId: number;
  readonly iteration: number;
  /** version ‖ key id ‖ iteration: the AEAD associated data prefix. */
  readonly header: Uint8Array;
  /** AEAD output (ciphertext ‖ tag). */
  readonly sealed: Uint8Array;
  /** header ‖ sealed: every byte of the message before the signature. */
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

/** The 9-byte header. @example senderKeyHeader(keyId, 0) */
export function senderKeyHeader(keyId: number, iteration: number): Uint8Array {
  const out = new Uint8Array(SENDER_KEY_HEADER_BYTES);
  out[0] = SENDER_KEY_VERSION;
  const view = new DataView(out.buffer);
  view.setUint32(1, keyId);
  view.setUint32(5, iteration);
  return out;
}

/**
 * What a message signature covers (SPEC.md §12.3):
 * `"Parley_SenderKey_v2_Message" ‖ u32 len(ad) ‖ ad ‖ header ‖ sealed`. The length prefix
 * makes the split between the associated data and the message unambiguous.
 */
export function senderKeySignedBytes(associatedData: Uint8Array, body: Uint8Array): Uint8Array {
  const n = MESSAGE_SIGNATURE_LABEL.length;
  const out = new Uint8Array(n + 4 + associatedData.length + body.length);
  out.set(MESSAGE_SIGNATURE_LABEL);
  new DataView(out.buffer).setUint32(n, associatedData.length);
  out.set(associatedData, n + 4);
  out.set(body, n + 4 + associatedData.length);
  return out;
}

/**
 * Split a message, checking the length and version before reading any field;
 * throws DecryptError if malformed or of another version. Views, not copies:
 * the caller only reads them.
 */
export function parseSenderKeyMessage(bytes: Uint8Array): ParsedSenderKeyMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length < SENDER_KEY_MESSAGE_MIN_BYTES) throw new DecryptError();
  if (bytes[0] !== SENDER_KEY_VERSION) throw new DecryptError();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signedEnd = bytes.length - SIGNATURE_BYTES;
  return {
    keyId: view.getUint32(1),
    iteration: view.getUint32(5),
    header: bytes.subarray(0, SENDER_KEY_HEADER_BYTES),
    sealed: bytes.subarray(SENDER_KEY_HEADER_BYTES, signedEnd),
    body: bytes.subarray(0, signedEnd),
    signature: bytes.subarray(signedEnd),
  };
}

/**
 * Unauthenticated routing hint: which sender key (key id) and iteration a group
 * message claims, so core can pick the receiver state. Throws DecryptError if malformed.
 * @example const { keyId } = peekSenderKeyMessage(bytes); const r = receivers.get(sender, keyId);
 */
export function peekSenderKeyMessage(bytes: Uint8Array): {
  readonly keyId: number;
  readonly iteration: number;
} {
  const { keyId, iteration } = parseSenderKeyMessage(bytes);
  return { keyId, iteration };
}
