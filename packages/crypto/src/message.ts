/**
 * Wire format of ratchet, prekey and PQ ratchet messages (SPEC.md §5: kinds 1,
 * 2 and 3; suite 1 and suite 2 prekey prefixes). Every message
 * starts with a version byte and a kind byte; every length is checked before
 * it is read. Malformed input raises the generic {@link DecryptError} (no
 * oracle); only an unknown version is reported as such (FormatError
 * 'bad-version'), so core can tell the user to update.
 * @module
 */
import { type Fail, Reader, Writer } from './bytes.ts';
import { DecryptError, FormatError } from './errors.ts';
import type { IdentityPublic } from './identity.ts';
import {
  MLKEM768_CIPHERTEXT_BYTES as CT_BYTES,
  MLKEM768_ENCAPSULATION_KEY_BYTES as EK_BYTES,
} from './mlkem.ts';
import { AEAD_TAG_BYTES, KEY_BYTES, SIGNATURE_BYTES } from './primitives.ts';

/** Protocol version byte carried by every message. */
export const PROTOCOL_VERSION = 1;
/** Kind byte of an ordinary Double Ratchet message. */
export const KIND_RATCHET = 1;
/** Kind byte of a first (prekey) message, carrying the X3DH header. */
export const KIND_PREKEY = 2;
/** Kind byte of a ratchet message whose chain carries a post-quantum KEM step (suite 2, SPEC.md §5.3). */
export const KIND_PQ_RATCHET = 3;
/** Handshake suite 1: X25519 X3DH. */
export const SUITE_X25519 = 1;
/** Handshake suite 2: X25519 + ML-KEM-768 (PQXDH-style, SPEC.md §6.1). */
export const SUITE_X25519_MLKEM768 = 2;
/** Largest plaintext a message may carry, bytes (16 MiB; net frames are far smaller). */
export const MAX_PLAINTEXT_BYTES: number = 16 * 1024 * 1024;
/** Room for the longest header (a kind-3 header is 2,315 bytes) above MAX_PLAINTEXT_BYTES + tag. */
const MESSAGE_OVERHEAD_MAX_BYTES = 4096;
/** PQ fields flag: an ML-KEM-768 encapsulation key follows (always set on a kind-3 message). */
export const PQ_FLAG_KEY = 1;
/** PQ fields flag: an ML-KEM-768 ciphertext follows the key. */
export const PQ_FLAG_CIPHERTEXT = 2;
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
  /** Suite 2 only: which ML-KEM-768 prekey the initiator encapsulated to, and the ciphertext. */
  readonly kem?: KemHeader;
}

/** The suite-2 fields of a prekey message (SPEC.md §5.2). */
export interface KemHeader {
  readonly kind: 'signed' | 'one-time';
  readonly id: number;
  /** ML-KEM-768 ciphertext, 1,088 bytes. */
  readonly ciphertext: Uint8Array;
}

/** The PQ ratchet fields of a kind-3 message (SPEC.md §5.3). */
export interface PqFields {
  /** The sender's new ML-KEM-768 ratchet encapsulation key, 1,184 bytes. */
  readonly encapsulationKey: Uint8Array;
  /** Encapsulation to the receiver's current ratchet key, 1,088 bytes (absent on the responder's first). */
  readonly ciphertext?: Uint8Array;
}

/**
 * A parsed message; `header` is every byte before the sealed payload (authenticated as AD). Its
 * byte fields are copies, except `header`, `sealed` and the ML-KEM ciphertexts, which are views
 * of `bytes` (the whole message): read while the message is handled, never stored.
 */
export interface ParsedMessage {
  readonly kind: 'ratchet' | 'prekey';
  readonly prekey?: PrekeyHeader;
  readonly ratchetKey: Uint8Array;
  readonly pn: number;
  readonly n: number;
  /** Kind 3 only. */
  readonly pq?: PqFields;
  readonly header: Uint8Array;
  readonly sealed: Uint8Array;
  /** The whole message: `header` ‖ `sealed`. */
  readonly bytes: Uint8Array;
}

const failDecrypt: Fail = () => new DecryptError();

/** Encode the prekey prefix (version, kind, suite and X3DH fields) sent until a reply arrives. */
export function encodePrekeyPrefix(h: PrekeyHeader): Uint8Array {
  const w = new Writer(h.kem ? 1280 : 180);
  w.u8(PROTOCOL_VERSION);
  w.u8(KIND_PREKEY);
  w.u8(h.kem ? SUITE_X25519_MLKEM768 : SUITE_X25519);
  w.bytes(h.identity.signingKey);
  w.bytes(h.identity.agreementKey);
  w.bytes(h.binding);
  w.bytes(h.baseKey);
  w.u32(h.signedPrekeyId);
  w.u8(h.oneTimePrekeyId === undefined ? 0 : 1);
  if (h.oneTimePrekeyId !== undefined) w.u32(h.oneTimePrekeyId);
  if (h.kem) {
    w.u8(h.kem.kind === 'signed' ? 1 : 2);
    w.u32(h.kem.id);
    w.bytes(h.kem.ciphertext);
  }
  return w.finish();
}

/** Encode a kind-3 message's PQ fields: u8 flags ‖ ek(1184) ‖ [ct(1088)]. */
export function encodePqFields(f: PqFields): Uint8Array {
  const out = new Uint8Array(1 + EK_BYTES + (f.ciphertext ? CT_BYTES : 0));
  out[0] = PQ_FLAG_KEY | (f.ciphertext ? PQ_FLAG_CIPHERTEXT : 0);
  out.set(f.encapsulationKey, 1);
  if (f.ciphertext) out.set(f.ciphertext, 1 + EK_BYTES);
  return out;
}

/** The 2-byte prefix of a kind-3 (PQ ratchet) message. */
export const PQ_RATCHET_PREFIX: Uint8Array = Uint8Array.of(PROTOCOL_VERSION, KIND_PQ_RATCHET);

/** The 2-byte prefix of an ordinary ratchet message. */
export const RATCHET_PREFIX: Uint8Array = Uint8Array.of(PROTOCOL_VERSION, KIND_RATCHET);

/** The length of prefix ‖ ratchet key ‖ pn ‖ n [‖ PQ fields]. */
export function headerLength(prefix: Uint8Array, pqFields?: Uint8Array): number {
  return prefix.length + RATCHET_HEADER_BYTES + (pqFields?.length ?? 0);
}

/**
 * Write prefix ‖ ratchet key ‖ pn ‖ n [‖ PQ fields] (the bytes authenticated as associated data)
 * at the start of `out`, the message being built in place; returns the header's length.
 */
export function writeHeader(
  out: Uint8Array,
  prefix: Uint8Array,
  ratchetKey: Uint8Array,
  pn: number,
  n: number,
  pqFields?: Uint8Array,
): number {
  let at = prefix.length;
  out.set(prefix, 0);
  out.set(ratchetKey, at);
  at += KEY_BYTES;
  writeU32(out, at, pn);
  writeU32(out, at + 4, n);
  at += 8;
  if (pqFields) out.set(pqFields, at);
  return at + (pqFields?.length ?? 0);
}

/** Big-endian u32 at `at` (no DataView per message). */
function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/** The header alone (prefix ‖ ratchet key ‖ pn ‖ n [‖ PQ fields]). */
export function encodeHeader(
  prefix: Uint8Array,
  ratchetKey: Uint8Array,
  pn: number,
  n: number,
  pqFields?: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(headerLength(prefix, pqFields));
  writeHeader(out, prefix, ratchetKey, pn, n, pqFields);
  return out;
}

function readKem(r: Reader): KemHeader {
  const kindByte = r.u8('kem kind');
  if (kindByte !== 1 && kindByte !== 2) throw new DecryptError();
  const kind = kindByte === 1 ? 'signed' : 'one-time';
  return { kind, id: r.u32('kem id'), ciphertext: r.viewN(CT_BYTES, 'kem ciphertext') };
}

function readPrekey(r: Reader): PrekeyHeader {
  const suite = r.u8('suite');
  if (suite !== SUITE_X25519 && suite !== SUITE_X25519_MLKEM768) throw new DecryptError();
  const h = readX3dh(r);
  return suite === SUITE_X25519 ? h : { ...h, kem: readKem(r) };
}

function readPq(r: Reader): PqFields {
  const flags = r.u8('pq flags');
  if (flags !== PQ_FLAG_KEY && flags !== (PQ_FLAG_KEY | PQ_FLAG_CIPHERTEXT)) throw new DecryptError();
  const encapsulationKey = r.bytesN(EK_BYTES, 'pq key');
  if (flags === PQ_FLAG_KEY) return { encapsulationKey };
  return { encapsulationKey, ciphertext: r.viewN(CT_BYTES, 'pq ciphertext') };
}

function readX3dh(r: Reader): PrekeyHeader {
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
  if (bytes.length > MAX_PLAINTEXT_BYTES + AEAD_TAG_BYTES + MESSAGE_OVERHEAD_MAX_BYTES)
    throw new DecryptError();
  const r = new Reader(bytes, failDecrypt);
  r.u8('version');
  const kindByte = r.u8('kind');
  if (kindByte !== KIND_RATCHET && kindByte !== KIND_PREKEY && kindByte !== KIND_PQ_RATCHET)
    throw new DecryptError();
  const prekey = kindByte === KIND_PREKEY ? readPrekey(r) : undefined;
  const ratchetKey = r.bytesN(KEY_BYTES, 'ratchet key');
  const pn = r.u32('pn');
  const n = r.u32('n');
  const pq = kindByte === KIND_PQ_RATCHET ? readPq(r) : undefined;
  const headerEnd = r.offset;
  if (r.remaining < AEAD_TAG_BYTES) throw new DecryptError();
  const header = bytes.subarray(0, headerEnd);
  const sealed = bytes.subarray(headerEnd);
  if (prekey) return { kind: 'prekey', prekey, ratchetKey, pn, n, header, sealed, bytes };
  return pq
    ? { kind: 'ratchet', ratchetKey, pn, n, pq, header, sealed, bytes }
    : { kind: 'ratchet', ratchetKey, pn, n, header, sealed, bytes };
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
      /** 1 (X3DH) or 2 (X25519 + ML-KEM-768); absent means 1 (older callers). */
      readonly suite?: 1 | 2;
      /** Suite 2: the ML-KEM-768 prekey the initiator encapsulated to. */
      readonly kemPrekey?: { readonly kind: 'signed' | 'one-time'; readonly id: number };
    };

/**
 * Classify an incoming message. Throws DecryptError if malformed, FormatError('bad-version') if unknown version.
 * @example if (peekMessage(bytes).kind === 'prekey') acceptSession(...); else decrypt(...);
 */
export function peekMessage(bytes: Uint8Array): MessageInfo {
  const m = parseMessage(bytes);
  const { ratchetKey, n } = m;
  if (!m.prekey) return { kind: 'ratchet', version: PROTOCOL_VERSION, ratchetKey, n };
  const { identity, baseKey, signedPrekeyId, oneTimePrekeyId, kem } = m.prekey;
  const base = {
    suite: kem ? 2 : 1,
    ...(kem ? { kemPrekey: { kind: kem.kind, id: kem.id } } : {}),
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
