/**
 * Sender Key encodings (SPEC.md §12.1, §12.5): the distribution message a
 * member sends to each other member over the pairwise sessions, and the
 * versioned persistence of both states. Every length is checked before it is
 * read; malformed input raises {@link FormatError}.
 * @module
 */
import { failFormat, Reader, Writer } from './bytes.ts';
import { FormatError } from './errors.ts';
import { KEY_BYTES } from './primitives.ts';
import { MAX_SENDER_KEY_STORED, SenderKeyReceiver, SenderKeyState } from './sender-key.ts';
import { SENDER_KEY_VERSION } from './sender-key-message.ts';

/** version u8 ‖ key id u32 ‖ iteration u32 ‖ chain key 32 ‖ signing public key 32, bytes. */
export const SENDER_KEY_DISTRIBUTION_BYTES: number = 1 + 4 + 4 + 2 * KEY_BYTES;
/** Version byte of the stored sender-key states. */
export const SENDER_KEY_ENCODING_VERSION = 1;
/** Kind byte of a stored state: our own sending state. */
const KIND_OWN = 1;
/** Kind byte of a stored state: another member's (receiving) state. */
const KIND_RECEIVER = 2;

/**
 * The distribution message of our sender key (contains the chain key: send it
 * only inside a pairwise Double Ratchet session, to current members).
 * @example for (const m of members) send(m, senderKeyDistribution(mine));
 */
export function senderKeyDistribution(state: SenderKeyState): Uint8Array {
  const w = new Writer(SENDER_KEY_DISTRIBUTION_BYTES);
  w.u8(SENDER_KEY_VERSION);
  w.u32(state.keyId);
  w.u32(state.iteration);
  w.bytes(state.chainKey);
  w.bytes(state.signingPublic);
  return w.finish();
}

/**
 * Inverse of {@link senderKeyDistribution}: a receiving state with no skipped
 * keys, able to read messages from the distributed iteration on.
 * @example const receiver = decodeSenderKeyDistribution(plaintextFromPairwiseSession);
 */
export function decodeSenderKeyDistribution(bytes: Uint8Array): SenderKeyReceiver {
  const r = new Reader(bytes, failFormat);
  if (r.u8('distribution version') !== SENDER_KEY_VERSION)
    throw new FormatError('bad-version', 'sender key distribution version');
  const keyId = r.u32('key id');
  const iteration = r.u32('iteration');
  const chainKey = r.bytesN(KEY_BYTES, 'chain key');
  const signingPublic = r.bytesN(KEY_BYTES, 'signing public key');
  r.end('sender key distribution');
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
