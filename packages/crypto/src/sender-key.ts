/**
 * Sender Keys for groups (SPEC.md §12; Signal's "sender keys" as in
 * libsignal's group cipher). Each member owns one sending chain and one
 * Ed25519 signing key, distributed to the other members over the pairwise
 * Double Ratchet sessions; a group message is encrypted once, with the next
 * key of the chain, and signed. States are immutable values: every transition
 * works on a copy and returns a new value only after the message
 * authenticated (decrypt on a copy, commit on success).
 * @module
 */
import { utf8, wipe } from './bytes.ts';
import { DecryptError, LimitError } from './errors.ts';
import { MAX_PLAINTEXT_BYTES } from './message.ts';
import { AEAD_NONCE_BYTES, KEY_BYTES, type Primitives, SIGNATURE_BYTES } from './primitives.ts';
import { draw, type RandomSource } from './random.ts';
import { Redacted } from './redact.ts';
import {
  parseSenderKeyMessage,
  SENDER_KEY_HEADER_BYTES,
  senderKeyHeader,
  senderKeySignedBytes,
} from './sender-key-message.ts';

/** Most message keys derived and kept for one gap in a sender chain (as MAX_SKIP). */
export const MAX_SENDER_KEY_SKIP = 1000;
/** Most skipped message keys kept per receiver state. */
export const MAX_SENDER_KEY_STORED = 2000;
/** Iterations are u32; 2^32 − 1 is never sent, so a state's next iteration always fits a u32. */
export const MAX_SENDER_KEY_ITERATION = 0xffff_ffff;
/** Key id size (random u32), bytes. */
const KEY_ID_BYTES = 4;

/** HKDF info expanding a message-key seed into the AEAD key and nonce (SPEC.md §12.2). */
const MESSAGE_KEY_INFO: Uint8Array = utf8('Parley_SenderKey_v1_ChaCha20Poly1305');
/** HKDF salt: 32 zero bytes (RFC 5869 §2.2 default, spelled out). */
const ZERO_SALT: Uint8Array = new Uint8Array(32);
/** HMAC inputs of the chain step (Signal sender keys: seed 0x01, next chain key 0x02). */
const CK_MESSAGE: Uint8Array = Uint8Array.of(0x01);
const CK_CHAIN: Uint8Array = Uint8Array.of(0x02);

/** Fields of our own sending state. */
export interface SenderKeyStateFields {
  /** Random u32 naming this sender key; a new one on every rotation. */
  readonly keyId: number;
  /** Iteration of the next message to send. */
  readonly iteration: number;
  /** Chain key at `iteration`, 32 bytes. */
  readonly chainKey: Uint8Array;
  /** Ed25519 secret seed, 32 bytes. */
  readonly signingSecret: Uint8Array;
  /** Ed25519 public key, 32 bytes. */
  readonly signingPublic: Uint8Array;
}

/**
 * Our own sender key (one per group, rotated on membership change): an
 * immutable value that prints `[redacted]`.
 * @example const { state: next, message } = senderKeyEncrypt(state, plaintext, groupId, p);
 */
export class SenderKeyState extends Redacted implements SenderKeyStateFields {
  readonly keyId!: number;
  readonly iteration!: number;
  readonly chainKey!: Uint8Array;
  readonly signingSecret!: Uint8Array;
  readonly signingPublic!: Uint8Array;
  constructor(fields: SenderKeyStateFields) {
    super();
    Object.assign(this, fields);
    Object.freeze(this);
  }
}

/** Fields of the state kept for another member's sender key. */
export interface SenderKeyReceiverFields {
  readonly keyId: number;
  /** Iteration of the next message expected in order. */
  readonly iteration: number;
  /** Chain key at `iteration`, 32 bytes. */
  readonly chainKey: Uint8Array;
  /** The sender's Ed25519 public key, 32 bytes. */
  readonly signingPublic: Uint8Array;
  /** Message-key seeds of skipped iterations (< `iteration`), each used at most once. */
  readonly skipped: ReadonlyMap<number, Uint8Array>;
}

/**
 * Another member's sender key, as received in a distribution message: an
 * immutable value that prints `[redacted]`.
 * @example const { receiver: next, plaintext } = senderKeyDecrypt(receiver, message, groupId, p);
 */
export class SenderKeyReceiver extends Redacted implements SenderKeyReceiverFields {
  readonly keyId!: number;
  readonly iteration!: number;
  readonly chainKey!: Uint8Array;
  readonly signingPublic!: Uint8Array;
  readonly skipped!: ReadonlyMap<number, Uint8Array>;
  constructor(fields: SenderKeyReceiverFields) {
    super();
    Object.assign(this, fields);
    Object.freeze(this);
  }
}

/**
 * A fresh sender key: random chain key (32), random key id (u32), random
 * Ed25519 seed (32), drawn in that order; iteration 0.
 * @example const mine = createSenderKey(systemRandom, p); // distribute senderKeyDistribution(mine)
 */
export function createSenderKey(random: RandomSource, p: Primitives): SenderKeyState {
  const chainKey = draw(random, KEY_BYTES);
  const id = draw(random, KEY_ID_BYTES);
  const keyId = new DataView(id.buffer, id.byteOffset, KEY_ID_BYTES).getUint32(0);
  const signingSecret = draw(random, KEY_BYTES);
  return new SenderKeyState({
    keyId,
    iteration: 0,
    chainKey,
    signingSecret,
    signingPublic: p.ed25519PublicKey(signingSecret),
  });
}

/** Chain step (SPEC.md §12.2): seed = HMAC(ck, 0x01), ck' = HMAC(ck, 0x02). */
function chainStep(p: Primitives, ck: Uint8Array): [next: Uint8Array, seed: Uint8Array] {
  return [p.hmacSha256(ck, CK_CHAIN), p.hmacSha256(ck, CK_MESSAGE)];
}

/** AEAD key (32) ‖ nonce (12) = HKDF(seed, 0x00×32, info, 44). */
function messageKey(p: Primitives, seed: Uint8Array): [key: Uint8Array, nonce: Uint8Array] {
  const okm = p.hkdfSha256(seed, ZERO_SALT, MESSAGE_KEY_INFO, KEY_BYTES + AEAD_NONCE_BYTES);
  const pair: [Uint8Array, Uint8Array] = [okm.slice(0, KEY_BYTES), okm.slice(KEY_BYTES)];
  wipe(okm);
  return pair;
}

/** AEAD associated data: the 9-byte header ‖ the caller's associated data (core: group id ‖ sender). */
function aeadAd(header: Uint8Array, associatedData: Uint8Array): Uint8Array {
  const ad = new Uint8Array(SENDER_KEY_HEADER_BYTES + associatedData.length);
  ad.set(header);
  ad.set(associatedData, SENDER_KEY_HEADER_BYTES);
  return ad;
}

/**
 * Encrypt one group message (SPEC.md §12.3). Pure: returns the next state
 * (iteration + 1, next chain key) and the message; `state` is unchanged.
 * `associatedData` is bound by the AEAD and the signature, never sent: pass
 * what identifies the sender in its group (core: group id ‖ sender PeerId),
 * the same bytes the receiver will pass to {@link senderKeyDecrypt}.
 * Throws LimitError('counter-overflow') once iteration 2^32 − 2 was sent.
 * @example const { state: next, message } = senderKeyEncrypt(state, utf8('hi all'), groupAndSender, p);
 */
export function senderKeyEncrypt(
  state: SenderKeyState,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
  p: Primitives,
): { readonly state: SenderKeyState; readonly message: Uint8Array } {
  if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new RangeError('plaintext exceeds MAX_PLAINTEXT_BYTES');
  if (state.iteration >= MAX_SENDER_KEY_ITERATION)
    throw new LimitError('counter-overflow', 'sender chain exhausted: rotate the sender key');
  const [chainKey, seed] = chainStep(p, state.chainKey);
  const [key, nonce] = messageKey(p, seed);
  const header = senderKeyHeader(state.keyId, state.iteration);
  const sealed = p.aeadSeal(key, nonce, plaintext, aeadAd(header, associatedData));
  wipe(seed, key);
  const bodyLength = SENDER_KEY_HEADER_BYTES + sealed.length;
  const message = new Uint8Array(bodyLength + SIGNATURE_BYTES);
  message.set(header);
  message.set(sealed, SENDER_KEY_HEADER_BYTES);
  const signed = senderKeySignedBytes(associatedData, message.subarray(0, bodyLength));
  message.set(p.ed25519Sign(state.signingSecret, signed), bodyLength);
  return { state: new SenderKeyState({ ...state, iteration: state.iteration + 1, chainKey }), message };
}

/** Open with a message-key seed; DecryptError if the AEAD does not authenticate. */
function openWith(
  p: Primitives,
  seed: Uint8Array,
  header: Uint8Array,
  sealed: Uint8Array,
  associatedData: Uint8Array,
): Uint8Array {
  const [key, nonce] = messageKey(p, seed);
  const plaintext = p.aeadOpen(key, nonce, sealed, aeadAd(header, associatedData));
  wipe(key);
  if (plaintext === undefined) throw new DecryptError();
  return plaintext;
}

/** Limits for a message `gap` iterations ahead, checked BEFORE any key is derived. */
function checkLimits(r: SenderKeyReceiver, iteration: number): void {
  if (iteration >= MAX_SENDER_KEY_ITERATION)
    throw new LimitError('counter-overflow', 'iteration 2^32-1 is never sent');
  const gap = iteration - r.iteration;
  if (gap > MAX_SENDER_KEY_SKIP)
    throw new LimitError('max-skip', `gap of ${gap} exceeds MAX_SENDER_KEY_SKIP`);
  if (r.skipped.size + gap > MAX_SENDER_KEY_STORED)
    throw new LimitError('max-stored-keys', 'too many skipped sender-key messages');
}

/**
 * Decrypt one group message from the member whose sender key `receiver` holds
 * (SPEC.md §12.4). Order: length, version and key id checked before anything
 * is read; the Ed25519 signature over the caller's associated data and the
 * message verified (strict) before any key is derived: with the wrong
 * associated data (another group, another sender) it never verifies;
 * replay/duplicate refused; limits checked; keys derived forward on a copy,
 * skipped seeds kept. Any forged, tampered, truncated, replayed or foreign
 * message throws the one generic DecryptError; a genuine message beyond a
 * limit throws LimitError. On any error `receiver` is unchanged; keep using it.
 * @example
 * try { ({ receiver, plaintext } = senderKeyDecrypt(receiver, bytes, groupId, p)); }
 * catch (e) { if (e instanceof DecryptError) drop(); else throw e; }
 */
export function senderKeyDecrypt(
  receiver: SenderKeyReceiver,
  message: Uint8Array,
  associatedData: Uint8Array,
  p: Primitives,
): { readonly receiver: SenderKeyReceiver; readonly plaintext: Uint8Array } {
  const m = parseSenderKeyMessage(message);
  if (m.keyId !== receiver.keyId) throw new DecryptError();
  const signed = senderKeySignedBytes(associatedData, m.body);
  if (!p.ed25519Verify(m.signature, signed, receiver.signingPublic)) throw new DecryptError();
  if (m.iteration < receiver.iteration) {
    const seed = receiver.skipped.get(m.iteration);
    if (seed === undefined) throw new DecryptError(); // replay, duplicate, or older than the distribution
    const plaintext = openWith(p, seed, m.header, m.sealed, associatedData);
    const skipped = new Map(receiver.skipped);
    skipped.delete(m.iteration);
    return { receiver: new SenderKeyReceiver({ ...receiver, skipped }), plaintext };
  }
  checkLimits(receiver, m.iteration);
  const entries: [number, Uint8Array][] = [];
  let ck = receiver.chainKey;
  for (let i = receiver.iteration; i < m.iteration; i++) {
    const [next, seed] = chainStep(p, ck);
    if (ck !== receiver.chainKey) wipe(ck); // intermediate chain keys belong to no state value
    entries.push([i, seed]);
    ck = next;
  }
  const [chainKey, seed] = chainStep(p, ck);
  if (ck !== receiver.chainKey) wipe(ck);
  let plaintext: Uint8Array;
  try {
    plaintext = openWith(p, seed, m.header, m.sealed, associatedData);
  } catch (e) {
    wipe(chainKey, ...entries.map(([, s]) => s)); // nothing committed
    throw e;
  } finally {
    wipe(seed);
  }
  const skipped = entries.length === 0 ? receiver.skipped : new Map([...receiver.skipped, ...entries]);
  return {
    receiver: new SenderKeyReceiver({ ...receiver, iteration: m.iteration + 1, chainKey, skipped }),
    plaintext,
  };
}
