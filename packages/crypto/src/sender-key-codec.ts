/**
 * Sender Key encodings (SPEC.md §12.1, §12.5): the distribution message a
 * member sends to each other member over the pairwise sessions, and the
 * versioned persistence of both states. Every length is checked before it is
 * read; malformed input raises {@link FormatError}.
 *
 * A distribution carries a proof of possession: the sender key's own
 * signature over its key id and signing public key in the owner's context
 * (the caller's associated data; core: group id ‖ owner PeerId). A member who
 * forwards another member's distribution as their own cannot produce it, so
 * a signing key can only be registered to the member who holds it.
 * @module
 */
import { failFormat, Reader, utf8, Writer } from './bytes.ts';
import { FormatError, KeyError } from './errors.ts';
import { KEY_BYTES, type Primitives, SIGNATURE_BYTES } from './primitives.ts';
import { MAX_SENDER_KEY_STORED, SenderKeyReceiver, SenderKeyState } from './sender-key.ts';
import { SENDER_KEY_VERSION } from './sender-key-message.ts';

/**
 * version u8 ‖ key id u32 ‖ iteration u32 ‖ chain key 32 ‖ signing public key 32 ‖ proof of
 * possession 64, bytes.
 */
export const SENDER_KEY_DISTRIBUTION_BYTES: number = 1 + 4 + 4 + 2 * KEY_BYTES + SIGNATURE_BYTES;
/** Domain of the distribution's proof of possession (distinct from message signatures). */
const POSSESSION_LABEL: Uint8Array = utf8('Parley_SenderKey_v2_Distribution');
/** Version byte of the stored sender-key states. */
export const SENDER_KEY_ENCODING_VERSION = 1;
/** Kind byte of a stored state: our own sending state. */
const KIND_OWN = 1;
/** Kind byte of a stored state: another member's (receiving) state. */
const KIND_RECEIVER = 2;

/**
 * What the proof of possession signs (SPEC.md §12.1):
 * `"Parley_SenderKey_v2_Distribution" ‖ u32 len(ad) ‖ ad ‖ u32 keyId ‖ signingPublic`.
 */
function possessionBytes(associatedData: Uint8Array, keyId: number, signingPublic: Uint8Array): Uint8Array {
  const w = new Writer(POSSESSION_LABEL.length + 8 + associatedData.length + KEY_BYTES);
  w.bytes(POSSESSION_LABEL);
  w.u32(associatedData.length);
  w.bytes(associatedData);
  w.u32(keyId);
  w.bytes(signingPublic);
  return w.finish();
}

/**
 * The distribution message of our sender key (contains the chain key: send it
 * only inside a pairwise Double Ratchet session, to current members).
 * `associatedData` names the owner in its group (core: group id ‖ our PeerId),
 * the same bytes our messages are encrypted with.
 * @example for (const m of members) send(m, senderKeyDistribution(mine, groupAndMe, p));
 */
export function senderKeyDistribution(
  state: SenderKeyState,
  associatedData: Uint8Array,
  p: Primitives,
): Uint8Array {
  const w = new Writer(SENDER_KEY_DISTRIBUTION_BYTES);
  w.u8(SENDER_KEY_VERSION);
  w.u32(state.keyId);
  w.u32(state.iteration);
  w.bytes(state.chainKey);
  w.bytes(state.signingPublic);
  w.bytes(
    p.ed25519Sign(state.signingSecret, possessionBytes(associatedData, state.keyId, state.signingPublic)),
  );
  return w.finish();
}

/**
 * Inverse of {@link senderKeyDistribution}: a receiving state with no skipped
 * keys, able to read messages from the distributed iteration on. Pass the
 * context of the member it came from (core: group id ‖ the PeerId of the
 * pairwise session it arrived on). Malformed → FormatError; a proof of
 * possession that does not verify in that context (another member's key,
 * another group) → KeyError('bad-signature').
 * @example const receiver = decodeSenderKeyDistribution(plaintextFromPairwiseSession, groupAndSender, p);
 */
export function decodeSenderKeyDistribution(
  bytes: Uint8Array,
  associatedData: Uint8Array,
  p: Primitives,
): SenderKeyReceiver {
  const r = new Reader(bytes, failFormat);
  if (r.u8('distribution version') !== SENDER_KEY_VERSION)
    throw new FormatError('bad-version', 'sender key distribution version');
  const keyId = r.u32('key id');
  const iteration = r.u32('iteration');
  const chainKey = r.bytesN(KEY_BYTES, 'chain key');
  const signingPublic = r.bytesN(KEY_BYTES, 'signing public key');
  const proof = r.bytesN(SIGNATURE_BYTES, 'proof of possession');
  r.end('sender key distribution');
  if (!p.ed25519Verify(proof, possessionBytes(associatedData, keyId, signingPublic), signingPublic))
    throw new KeyError(
      'bad-signature',
      'the sender key distribution is not signed by its own key for this sender',
    );
  return new SenderKeyReceiver({ keyId, iteration, chainKey, signingPublic, skipped: new Map() });
}

/**
 * Persist our own sender key (contains secrets: core encrypts it at rest).
 * @example db.put(groupId, serializeSenderKey(state));
 */
export function serializeSenderKey(s: SenderKeyState): Uint8Array {
  const w = new Writer(2 + 8 + 3 * KEY_BYTES);
  w.u8(SENDER_KEY_ENCODING_VERSION);
  w.u8(KIND_OWN);
  w.u32(s.keyId);
  w.u32(s.iteration);
  w.bytes(s.chainKey);
  w.bytes(s.signingSecret);
  w.bytes(s.signingPublic);
  return w.finish();
}

function readHeader(r: Reader, kind: number): void {
  if (r.u8('sender key version') !== SENDER_KEY_ENCODING_VERSION)
    throw new FormatError('bad-version', 'sender key encoding version');
  if (r.u8('sender key kind') !== kind) throw new FormatError('bad-value', 'sender key kind');
}

/**
 * Inverse of {@link serializeSenderKey}; FormatError if malformed.
 * @example const state = deserializeSenderKey(db.get(groupId));
 */
export function deserializeSenderKey(bytes: Uint8Array): SenderKeyState {
  const r = new Reader(bytes, failFormat);
  readHeader(r, KIND_OWN);
  const keyId = r.u32('key id');
  const iteration = r.u32('iteration');
  const chainKey = r.bytesN(KEY_BYTES, 'chain key');
  const signingSecret = r.bytesN(KEY_BYTES, 'signing secret');
  const signingPublic = r.bytesN(KEY_BYTES, 'signing public key');
  r.end('sender key');
  return new SenderKeyState({ keyId, iteration, chainKey, signingSecret, signingPublic });
}

/**
 * Persist another member's sender key with its skipped keys (ascending iteration).
 * @example db.put(`${groupId}/${member}`, serializeSenderKeyReceiver(receiver));
 */
export function serializeSenderKeyReceiver(s: SenderKeyReceiver): Uint8Array {
  const w = new Writer(2 + 8 + 2 * KEY_BYTES + 2 + s.skipped.size * (4 + KEY_BYTES));
  w.u8(SENDER_KEY_ENCODING_VERSION);
  w.u8(KIND_RECEIVER);
  w.u32(s.keyId);
  w.u32(s.iteration);
  w.bytes(s.chainKey);
  w.bytes(s.signingPublic);
  w.u16(s.skipped.size);
  for (const i of [...s.skipped.keys()].sort((a, b) => a - b)) {
    w.u32(i);
    w.bytes(s.skipped.get(i)!);
  }
  return w.finish();
}

/**
 * Inverse of {@link serializeSenderKeyReceiver}; FormatError if malformed (more
 * than MAX_SENDER_KEY_STORED skipped keys, iterations not strictly ascending or
 * not below the next iteration, trailing bytes).
 * @example const receiver = deserializeSenderKeyReceiver(db.get(key));
 */
export function deserializeSenderKeyReceiver(bytes: Uint8Array): SenderKeyReceiver {
  const r = new Reader(bytes, failFormat);
  readHeader(r, KIND_RECEIVER);
  const keyId = r.u32('key id');
  const iteration = r.u32('iteration');
  const chainKey = r.bytesN(KEY_BYTES, 'chain key');
  const signingPublic = r.bytesN(KEY_BYTES, 'signing public key');
  const count = r.u16('skipped count');
  if (count > MAX_SENDER_KEY_STORED) throw new FormatError('bad-length', 'too many skipped sender keys');
  const skipped = new Map<number, Uint8Array>();
  let previous = -1;
  for (let k = 0; k < count; k++) {
    const i = r.u32('skipped iteration');
    if (i <= previous || i >= iteration) throw new FormatError('bad-value', 'skipped iteration order');
    skipped.set(i, r.bytesN(KEY_BYTES, 'skipped seed'));
    previous = i;
  }
  r.end('sender key receiver');
  return new SenderKeyReceiver({ keyId, iteration, chainKey, signingPublic, skipped });
}
