/**
 * Wire format of ratchet and prekey messages (SPEC.md §5). Every message
 * starts with a version byte and a kind byte; every length is checked before
 * it is read. Malformed input raises the generic {@link DecryptError} (no
 * oracle); only an unknown version is reported as such (FormatError
 * 'bad-version'), so core can tell the user to update.
 * @module
 */
import { type Fail, Reader, Writer } from './bytes.ts';
import { DecryptError, FormatError } from './errors.ts';
import type { IdentityPublic } from './identity.ts';
import { AEAD_TAG_BYTES, KEY_BYTES, SIGNATURE_BYTES } from './primitives.ts';

/** Protocol version byte carried by every message. */
export const PROTOCOL_VERSION = 1;
/** Kind byte of an ordinary Double Ratchet message. */
export const KIND_RATCHET = 1;
/** Kind byte of a first (prekey) message, carrying the X3DH header. */
export const KIND_PREKEY = 2;
/** Handshake suite 1: X25519 X3DH. Suite 2 is reserved for X25519 + ML-KEM-768 (PQXDH). */
export const SUITE_X25519 = 1;
/** Largest plaintext a message may carry, bytes (16 MiB; net frames are far smaller). */
export const MAX_PLAINTEXT_BYTES: number = 16 * 1024 * 1024;
/** Ratchet header after the prefix: ratchet key(32) ‖ pn u32 ‖ n u32. */
export const RATCHET_HEADER_BYTES: number = KEY_BYTES + 8;

/** The X3DH fields of a prekey message (SPEC.md §5.2). */
export interface PrekeyHeader {
  readonly identity: IdentityPublic;
  /** Initiator's Ed25519 signature binding its two identity keys. */
  readonly binding: Uint8Array;
  /** Initiator's X3DH ephemeral public key (the session's "base key"). */
  readonly baseKey: Uint8Array;
  readonly signedPrekeyId: number;
  readonly oneTimePrekeyId?: number;
}

/** A parsed message; `header` is every byte before the sealed payload (authenticated as AD). */
export interface ParsedMessage {
  readonly kind: 'ratchet' | 'prekey';
  readonly prekey?: PrekeyHeader;
  readonly ratchetKey: Uint8Array;
  readonly pn: number;
  readonly n: number;
  readonly header: Uint8Array;
  readonly sealed: Uint8Array;
}

const failDecrypt: Fail = () => new DecryptError();

/** Encode the prekey prefix (version, kind, suite and X3DH fields) sent until a reply arrives. */
export function encodePrekeyPrefix(h: PrekeyHeader): Uint8Array {
  const w = new Writer(180);
  w.u8(PROTOCOL_VERSION);
  w.u8(KIND_PREKEY);
  w.u8(SUITE_X25519);
  w.bytes(h.identity.signingKey);
  w.bytes(h.identity.agreementKey);
  w.bytes(h.binding);
  w.bytes(h.baseKey);
  w.u32(h.signedPrekeyId);
  w.u8(h.oneTimePrekeyId === undefined ? 0 : 1);
  if (h.oneTimePrekeyId !== undefined) w.u32(h.oneTimePrekeyId);
  return w.finish();
}

/** The 2-byte prefix of an ordinary ratchet message. */
export const RATCHET_PREFIX: Uint8Array = Uint8Array.of(PROTOCOL_VERSION, KIND_RATCHET);

/** Build prefix ‖ ratchet key ‖ pn ‖ n: the bytes authenticated as associated data. */
export function encodeHeader(prefix: Uint8Array, ratchetKey: Uint8Array, pn: number, n: number): Uint8Array {
  const out = new Uint8Array(prefix.length + RATCHET_HEADER_BYTES);
  out.set(prefix, 0);
  out.set(ratchetKey, prefix.length);
  const view = new DataView(out.buffer);
  view.setUint32(prefix.length + KEY_BYTES, pn);
  view.setUint32(prefix.length + KEY_BYTES + 4, n);
  return out;
}

function readPrekey(r: Reader): PrekeyHeader {
  if (r.u8('suite') !== SUITE_X25519) throw new DecryptError();
  const identity = { signingKey: r.bytesN(KEY_BYTES, 'ik'), agreementKey: r.bytesN(KEY_BYTES, 'ik') };
  const binding = r.bytesN(SIGNATURE_BYTES, 'binding');
  const baseKey = r.bytesN(KEY_BYTES, 'base key');
  const signedPrekeyId = r.u32('spk id');
  const flag = r.u8('otpk flag');
  if (flag > 1) throw new DecryptError();
  if (flag === 0) return { identity, binding, baseKey, signedPrekeyId };
  return { identity, binding, baseKey, signedPrekeyId, oneTimePrekeyId: r.u32('otpk id') };
}

/** Throw FormatError('bad-version') for a version we do not speak. */
function checkVersion(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new DecryptError();
  if (bytes[0] !== PROTOCOL_VERSION)
    throw new FormatError('bad-version', `unsupported message version ${bytes[0]}`);
}

/** Parse a message; DecryptError if malformed, FormatError('bad-version') if unknown version. */
export function parseMessage(bytes: Uint8Array): ParsedMessage {
  checkVersion(bytes);
  if (bytes.length > MAX_PLAINTEXT_BYTES + 1024) throw new DecryptError();
  const r = new Reader(bytes, failDecrypt);
  r.u8('version');
  const kindByte = r.u8('kind');
  if (kindByte !== KIND_RATCHET && kindByte !== KIND_PREKEY) throw new DecryptError();
  const prekey = kindByte === KIND_PREKEY ? readPrekey(r) : undefined;
  const ratchetKey = r.bytesN(KEY_BYTES, 'ratchet key');
  const pn = r.u32('pn');
  const n = r.u32('n');
  const headerEnd = r.offset;
  if (r.remaining < AEAD_TAG_BYTES) throw new DecryptError();
  const header = bytes.subarray(0, headerEnd);
  const sealed = bytes.subarray(headerEnd);
  const kind = prekey ? 'prekey' : 'ratchet';
  return prekey
    ? { kind, prekey, ratchetKey, pn, n, header, sealed }
    : { kind, ratchetKey, pn, n, header, sealed };
}

/**
 * What an incoming message is, read WITHOUT authentication (a routing hint:
 * which session or contact to try). The identity of a prekey message is only
 * trustworthy once `acceptSession` or `decrypt` succeeds.
 * @example const info = peekMessage(bytes); if (info.kind === 'prekey') lookup(info.remoteIdentity);
 */
export type MessageInfo =
  | {
      readonly kind: 'ratchet';
      readonly version: number;
      /** The sender's ratchet public key: which sending chain the message is in. */
      readonly ratchetKey: Uint8Array;
      /** The message's number in that chain. */
      readonly n: number;
    }
  | {
      readonly kind: 'prekey';
      readonly version: number;
      readonly ratchetKey: Uint8Array;
      readonly n: number;
      readonly remoteIdentity: IdentityPublic;
      readonly baseKey: Uint8Array;
      readonly signedPrekeyId: number;
      readonly oneTimePrekeyId?: number;
    };

/**
 * Classify an incoming message. Throws DecryptError if malformed, FormatError('bad-version') if unknown version.
 * @example if (peekMessage(bytes).kind === 'prekey') acceptSession(...); else decrypt(...);
 */
export function peekMessage(bytes: Uint8Array): MessageInfo {
  const m = parseMessage(bytes);
  const { ratchetKey, n } = m;
  if (!m.prekey) return { kind: 'ratchet', version: PROTOCOL_VERSION, ratchetKey, n };
  const { identity, baseKey, signedPrekeyId, oneTimePrekeyId } = m.prekey;
  const base = {
    kind: 'prekey',
    version: PROTOCOL_VERSION,
    ratchetKey,
    n,
    remoteIdentity: identity,
    baseKey,
    signedPrekeyId,
  } as const;
  return oneTimePrekeyId === undefined ? base : { ...base, oneTimePrekeyId };
}
