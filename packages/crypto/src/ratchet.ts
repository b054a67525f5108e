/**
 * Double Ratchet state and its pure transitions (Signal, "The Double Ratchet
 * Algorithm", rev. 1, §3). A {@link Session} is an immutable value; every
 * transition works on a shallow draft and builds a new frozen Session only
 * after the AEAD has authenticated (decrypt on a copy, commit on success).
 * @module
 */
import { concat, utf8, wipe } from './bytes.ts';
import { DecryptError, LimitError } from './errors.ts';
import { freshX25519 } from './fresh-keys.ts';
import type { IdentityPublic } from './identity.ts';
import type { ParsedMessage } from './message.ts';
import { type PqRatchetState, pqReceive, pqSend } from './pq-ratchet.ts';
import { AEAD_NONCE_BYTES, KEY_BYTES, type Primitives } from './primitives.ts';
import type { RandomSource } from './random.ts';
import { Redacted } from './redact.ts';
import {
  addSkipped,
  chainIndex,
  EMPTY_SKIPPED,
  findSkipped,
  removeSkipped,
  type SkippedStore,
  sameKey,
} from './skipped-keys.ts';

/** Most message keys skipped in one chain gap (Signal §3.5 MAX_SKIP). */
export const MAX_SKIP = 1000;
/** Most skipped message keys stored per session. */
export const MAX_STORED_SKIPPED_KEYS = 2000;
/** Most receiving chains, other than the current one, that may hold skipped keys. */
export const MAX_OLD_RECEIVING_CHAINS = 5;
/** Largest message number (u32 on the wire). */
export const MAX_MESSAGE_NUMBER = 0xffff_ffff;

/** KDF_RK info string (SPEC.md §6.1). */
const ROOT_INFO: Uint8Array = utf8('Parley_Ratchet_v1');
/** KDF_RK info string of a step that mixes an ML-KEM-768 secret in (suite 2, SPEC.md §6.4). */
const ROOT_PQ_INFO: Uint8Array = utf8('Parley_Ratchet_v2_MLKEM768');
/** KDF_CK constants (Signal §5.2 recommendation). */
const CK_MESSAGE: Uint8Array = Uint8Array.of(0x01);
const CK_CHAIN: Uint8Array = Uint8Array.of(0x02);
/** Each message key seals exactly one message, so a fixed nonce is safe (RFC 8439 §4: unique (key, nonce)). */
const ZERO_NONCE: Uint8Array = new Uint8Array(AEAD_NONCE_BYTES);

/** Every field of a session value (SPEC.md §6.3). */
export interface SessionFields {
  readonly role: 'initiator' | 'responder';
  readonly remoteIdentity: IdentityPublic;
  /** X3DH associated data: IK_A(sig ‖ dh) ‖ IK_B(sig ‖ dh), 128 bytes. */
  readonly ad: Uint8Array;
  /** The initiator's X3DH ephemeral public key; identifies the session. */
  readonly baseKey: Uint8Array;
  readonly rootKey: Uint8Array;
  readonly sendSecret: Uint8Array;
  readonly sendPublic: Uint8Array;
  readonly remoteRatchetKey: Uint8Array | undefined;
  readonly sendChainKey: Uint8Array | undefined;
  readonly sendN: number;
  readonly recvChainKey: Uint8Array | undefined;
  readonly recvN: number;
  readonly prevSendN: number;
  readonly skipped: SkippedStore;
  /** Prekey prefix sent with every message until the first reply decrypts (initiator only). */
  readonly pendingPrekey: Uint8Array | undefined;
  /** Suite 2 only: the post-quantum ratchet (SPEC.md §6.4); absent on suite-1 sessions. */
  readonly pq?: PqRatchetState;
}

type Draft = { -readonly [K in keyof SessionFields]: SessionFields[K] };

/**
 * A Double Ratchet session: an immutable value. Prints `[redacted]`.
 * @example const { session: next, message } = encrypt(session, plaintext, p);
 */
export class Session extends Redacted implements SessionFields {
  readonly role!: 'initiator' | 'responder';
  readonly remoteIdentity!: IdentityPublic;
  readonly ad!: Uint8Array;
  readonly baseKey!: Uint8Array;
  readonly rootKey!: Uint8Array;
  readonly sendSecret!: Uint8Array;
  readonly sendPublic!: Uint8Array;
  readonly remoteRatchetKey!: Uint8Array | undefined;
  readonly sendChainKey!: Uint8Array | undefined;
  readonly sendN!: number;
  readonly recvChainKey!: Uint8Array | undefined;
  readonly recvN!: number;
  readonly prevSendN!: number;
  readonly skipped!: SkippedStore;
  readonly pendingPrekey!: Uint8Array | undefined;
  readonly pq?: PqRatchetState;
  constructor(fields: SessionFields) {
    super();
    Object.assign(this, fields);
    Object.freeze(this);
  }
}

/** A mutable shallow copy; buffers are replaced, never written. */
export function draft(s: SessionFields): Draft {
  return { ...s };
}

/**
 * KDF_RK (Signal §5.2): HKDF-SHA256(salt = rk, ikm = DH output, info) → (rk', ck). With an ML-KEM
 * secret (suite 2, SPEC.md §6.4): ikm = DH output ‖ KEM secret, info = "Parley_Ratchet_v2_MLKEM768".
 * Wipes the DH output and the KEM secret.
 */
export function kdfRk(
  p: Primitives,
  rk: Uint8Array,
  dhOut: Uint8Array,
  kemSecret?: Uint8Array,
): [Uint8Array, Uint8Array] {
  let ikm = dhOut;
  if (kemSecret) {
    ikm = new Uint8Array(dhOut.length + kemSecret.length);
    ikm.set(dhOut);
    ikm.set(kemSecret, dhOut.length);
  }
  const out = p.hkdfSha256(ikm, rk, kemSecret ? ROOT_PQ_INFO : ROOT_INFO, 2 * KEY_BYTES);
  const pair: [Uint8Array, Uint8Array] = [out.slice(0, KEY_BYTES), out.slice(KEY_BYTES)];
  wipe(out, ikm, dhOut, kemSecret);
  return pair;
}

/** KDF_CK (Signal §5.2): ck' = HMAC(ck, 0x02), mk = HMAC(ck, 0x01). */
export function kdfCk(p: Primitives, ck: Uint8Array): [Uint8Array, Uint8Array] {
  if (p.hmacSha256Pair) {
    const [next, mk] = p.hmacSha256Pair(ck, CK_CHAIN, CK_MESSAGE);
    return [next, mk];
  }
  return [p.hmacSha256(ck, CK_CHAIN), p.hmacSha256(ck, CK_MESSAGE)];
}

/**
 * ENCRYPT (Signal §5.2 with ChaCha20-Poly1305): AD = session AD ‖ header, where the header is
 * `message[0, headerBytes)`, already written; ciphertext ‖ tag fill the rest of `message`.
 */
export function sealMessage(
  p: Primitives,
  mk: Uint8Array,
  ad: Uint8Array,
  message: Uint8Array,
  headerBytes: number,
  pt: Uint8Array,
): void {
  if (p.aeadSealMessage) p.aeadSealMessage(mk, ZERO_NONCE, pt, ad, message, headerBytes);
  else message.set(p.aeadSeal(mk, ZERO_NONCE, pt, concat(ad, message.subarray(0, headerBytes))), headerBytes);
}

function open(p: Primitives, mk: Uint8Array, ad: Uint8Array, m: ParsedMessage): Uint8Array {
  const pt = p.aeadOpenMessage
    ? p.aeadOpenMessage(mk, ZERO_NONCE, m.bytes, ad, m.header.length)
    : p.aeadOpen(mk, ZERO_NONCE, m.sealed, concat(ad, m.header));
  if (pt === undefined) throw new DecryptError();
  return pt;
}

/** How many skipped keys a message would add, checked BEFORE any key is derived. */
function checkLimits(d: Draft, m: ParsedMessage): void {
  const sameChain = d.remoteRatchetKey !== undefined && sameKey(m.ratchetKey, d.remoteRatchetKey);
  if (sameChain) {
    // An initiator before any reply holds DHr = SPK_B (public) and no receiving chain: a message
    // claiming that ratchet key has nothing to open it with.
    if (d.recvChainKey === undefined) throw new DecryptError();
    if (m.n < d.recvN) throw new DecryptError(); // replay or duplicate: its key is gone
    if (m.n - d.recvN > MAX_SKIP)
      throw new LimitError('max-skip', `gap of ${m.n - d.recvN} exceeds MAX_SKIP`);
    if (d.skipped.size + m.n - d.recvN > MAX_STORED_SKIPPED_KEYS)
      throw new LimitError('max-stored-keys', 'too many skipped keys');
    return;
  }
  if (chainIndex(d.skipped, m.ratchetKey) >= 0) throw new DecryptError(); // old chain, key already used
  const gapOld = d.recvChainKey === undefined ? 0 : m.pn - d.recvN;
  if (gapOld < 0) throw new DecryptError();
  if (gapOld > MAX_SKIP || m.n > MAX_SKIP) throw new LimitError('max-skip', 'gap exceeds MAX_SKIP');
  if (d.skipped.size + gapOld + m.n > MAX_STORED_SKIPPED_KEYS)
    throw new LimitError('max-stored-keys', 'too many skipped keys');
  const currentHasKeys = d.remoteRatchetKey !== undefined && chainIndex(d.skipped, d.remoteRatchetKey) >= 0;
  const oldChains = d.skipped.chains.length + (gapOld > 0 && !currentHasKeys ? 1 : 0);
  if (oldChains > MAX_OLD_RECEIVING_CHAINS)
    throw new LimitError('max-old-chains', 'too many old receiving chains');
}

/** SkipMessageKeys (Signal §3.5): derive and store keys of the current receiving chain up to `until`. */
function skipMessageKeys(d: Draft, until: number, p: Primitives): void {
  if (d.recvChainKey === undefined || d.remoteRatchetKey === undefined || d.recvN >= until) return;
  const entries: [number, Uint8Array][] = [];
  const first = d.recvChainKey;
  let ck = first;
  for (; d.recvN < until; d.recvN++) {
    const [next, mk] = kdfCk(p, ck);
    if (ck !== first) wipe(ck); // intermediate chain keys belong to no session value
    entries.push([d.recvN, mk]);
    ck = next;
  }
  d.recvChainKey = ck;
  d.skipped = addSkipped(d.skipped, d.remoteRatchetKey, entries);
}

/**
 * DHRatchet (Signal §3.5): new receiving chain, fresh ratchet key pair, new sending chain. In a
 * suite-2 session the PQ ratchet (SPEC.md §6.4) adds the incoming chain's KEM secret to the first
 * KDF_RK and, on a PQ chain, a new KEM secret to the second.
 */
function dhRatchet(d: Draft, m: ParsedMessage, random: RandomSource, p: Primitives): void {
  const theirKey = m.ratchetKey;
  d.prevSendN = d.sendN;
  d.sendN = 0;
  d.recvN = 0;
  d.remoteRatchetKey = theirKey;
  const incoming = d.pq ? pqReceive(d.pq, m.pq, p) : undefined;
  const [rk1, recvCk] = kdfRk(p, d.rootKey, p.x25519(d.sendSecret, theirKey), incoming?.secret);
  const { secretKey: secret, publicKey } = freshX25519(random, p);
  const outgoing = incoming ? pqSend(incoming.state, random, p) : undefined;
  if (outgoing) d.pq = outgoing.state;
  const [rk2, sendCk] = kdfRk(p, rk1, p.x25519(secret, theirKey), outgoing?.secret);
  wipe(rk1);
  Object.assign(d, { rootKey: rk2, recvChainKey: recvCk, sendChainKey: sendCk, sendSecret: secret });
  d.sendPublic = publicKey;
}

/**
 * RatchetDecrypt (Signal §3.5) on a draft; throws DecryptError / LimitError and
 * leaves `s` untouched. Low-order keys from the wire surface as DecryptError.
 */
export function ratchetDecrypt(
  s: SessionFields,
  m: ParsedMessage,
  random: RandomSource,
  p: Primitives,
): { readonly session: Session; readonly plaintext: Uint8Array } {
  const d = draft(s);
  if (m.pq && !d.pq) throw new DecryptError(); // PQ fields on a suite-1 session
  const stored = findSkipped(d.skipped, m.ratchetKey, m.n);
  if (stored) {
    const plaintext = open(p, stored, d.ad, m);
    d.skipped = removeSkipped(d.skipped, m.ratchetKey, m.n);
    return { session: commit(d), plaintext };
  }
  checkLimits(d, m);
  try {
    if (d.remoteRatchetKey === undefined || !sameKey(m.ratchetKey, d.remoteRatchetKey)) {
      skipMessageKeys(d, m.pn, p);
      dhRatchet(d, m, random, p);
    }
    skipMessageKeys(d, m.n, p);
  } catch (e) {
    if (e instanceof LimitError) throw e;
    throw new DecryptError(); // e.g. KeyError('low-order') from a forged ratchet key
  }
  const [ck, mk] = kdfCk(p, d.recvChainKey!);
  const plaintext = open(p, mk, d.ad, m);
  wipe(mk);
  d.recvChainKey = ck;
  d.recvN += 1;
  return { session: commit(d), plaintext };
}

/** Freeze a draft into the next session value; a decrypted reply ends the prekey phase. */
function commit(d: Draft): Session {
  d.pendingPrekey = undefined;
  return new Session(d);
}

/** The empty skipped-key store, for new sessions. */
export const NO_SKIPPED: SkippedStore = EMPTY_SKIPPED;
