/**
 * Session state persistence (SPEC.md §6.4): versioned, every length checked,
 * limits re-checked on load; and best-effort wiping of superseded state.
 * @module
 */
import { failFormat, Reader, Writer, wipe } from './bytes.ts';
import { FormatError } from './errors.ts';
import { MLKEM768_CIPHERTEXT_BYTES, MLKEM768_ENCAPSULATION_KEY_BYTES, MLKEM768_SEED_BYTES } from './mlkem.ts';
import { PQ_RATCHET_INTERVAL, type PqRatchetState } from './pq-ratchet.ts';
import { KEY_BYTES } from './primitives.ts';
import { MAX_OLD_RECEIVING_CHAINS, MAX_STORED_SKIPPED_KEYS, Session, type SessionFields } from './ratchet.ts';
import { type SkippedChain, type SkippedStore, sameKey } from './skipped-keys.ts';

/** Version byte of a serialized suite-1 session. */
export const SESSION_ENCODING_VERSION = 1;
/** Version byte of a serialized suite-2 session (SPEC.md §6.5): version 1 plus the PQ ratchet state. */
export const SESSION_ENCODING_VERSION_PQ = 2;
const AD_BYTES = 4 * KEY_BYTES;
/** Longest suite-1 pending prefix (172 bytes, SPEC.md §5.2) with room to spare; the version-1 bound. */
const PENDING_PREKEY_MAX_BYTES = 512;
/**
 * Longest suite-2 pending prefix, exactly (SPEC.md §5.2): 172 (suite-1 fields with a one-time
 * prekey) + u8 KEM kind + u32 KEM prekey id + 1,088-byte ciphertext = 1,265 bytes.
 */
export const PENDING_PREKEY_PQ_MAX_BYTES: number = 172 + 1 + 4 + MLKEM768_CIPHERTEXT_BYTES;
/** Longest PQ fields (SPEC.md §5.3): u8 flags ‖ ek ‖ ct = 2,273 bytes. */
const PQ_FIELDS_MAX_BYTES: number = 1 + MLKEM768_ENCAPSULATION_KEY_BYTES + MLKEM768_CIPHERTEXT_BYTES;
const PQ_FLAG_SEED = 1;
const PQ_FLAG_REMOTE_KEY = 2;
const PQ_FLAG_SEND_FIELDS = 4;
const FLAG_REMOTE_RATCHET = 1;
const FLAG_SEND_CHAIN = 2;
const FLAG_RECV_CHAIN = 4;
const FLAG_PENDING = 8;
const FLAGS_KNOWN = 15;

function flagsOf(s: SessionFields): number {
  return (
    (s.remoteRatchetKey ? FLAG_REMOTE_RATCHET : 0) |
    (s.sendChainKey ? FLAG_SEND_CHAIN : 0) |
    (s.recvChainKey ? FLAG_RECV_CHAIN : 0) |
    (s.pendingPrekey ? FLAG_PENDING : 0)
  );
}

function writeSkipped(w: Writer, store: SkippedStore): void {
  w.u8(store.chains.length);
  for (const chain of store.chains) {
    w.bytes(chain.ratchetKey);
    w.u16(chain.keys.size);
    for (const [n, mk] of chain.keys) {
      w.u32(n);
      w.bytes(mk);
    }
  }
}

/**
 * Serialize a session (contains secrets: core encrypts it at rest).
 * @example db.put(contactId, serializeSession(session));
 */
export function serializeSession(s: Session): Uint8Array {
  const w = new Writer((s.pq ? 4096 : 512) + s.skipped.size * 36);
  w.u8(s.pq ? SESSION_ENCODING_VERSION_PQ : SESSION_ENCODING_VERSION);
  w.u8(s.role === 'initiator' ? 1 : 2);
  w.u8(flagsOf(s));
  for (const b of [s.ad, s.baseKey, s.rootKey, s.sendSecret, s.sendPublic]) w.bytes(b);
  if (s.remoteRatchetKey) w.bytes(s.remoteRatchetKey);
  if (s.sendChainKey) w.bytes(s.sendChainKey);
  if (s.recvChainKey) w.bytes(s.recvChainKey);
  w.u32(s.sendN);
  w.u32(s.recvN);
  w.u32(s.prevSendN);
  if (s.pendingPrekey)
    w.var16(s.pendingPrekey, s.pq ? PENDING_PREKEY_PQ_MAX_BYTES : PENDING_PREKEY_MAX_BYTES);
  if (s.pq) writePq(w, s.pq);
  writeSkipped(w, s.skipped);
  return w.finish();
}

/** SPEC.md §6.5: u8 countdown ‖ u8 flags ‖ [seed(64)] ‖ [remote ek(1184)] ‖ [var16 PQ fields]. */
function writePq(w: Writer, pq: PqRatchetState): void {
  w.u8(pq.countdown);
  w.u8(
    (pq.seed ? PQ_FLAG_SEED : 0) |
      (pq.remoteKey ? PQ_FLAG_REMOTE_KEY : 0) |
      (pq.sendFields ? PQ_FLAG_SEND_FIELDS : 0),
  );
  if (pq.seed) w.bytes(pq.seed);
  if (pq.remoteKey) w.bytes(pq.remoteKey);
  if (pq.sendFields) w.var16(pq.sendFields, PQ_FIELDS_MAX_BYTES);
}

/** The PQ fields as sent (SPEC.md §5.3): flags 1 with ek (1,185 bytes) or flags 3 with ek ‖ ct (2,273). */
function readSendFields(r: Reader): Uint8Array {
  const f = r.var16(PQ_FIELDS_MAX_BYTES, 'pq send fields');
  const ok =
    (f[0] === 1 && f.length === 1 + MLKEM768_ENCAPSULATION_KEY_BYTES) ||
    (f[0] === 3 && f.length === PQ_FIELDS_MAX_BYTES);
  if (!ok) throw new FormatError('bad-value', 'pq send fields');
  return f;
}

function readPq(r: Reader): PqRatchetState {
  const countdown = r.u8('pq countdown');
  const flags = r.u8('pq flags');
  if (countdown >= PQ_RATCHET_INTERVAL || (flags & ~7) !== 0) throw new FormatError('bad-value', 'pq state');
  const seed = flags & PQ_FLAG_SEED ? r.bytesN(MLKEM768_SEED_BYTES, 'pq seed') : undefined;
  const remoteKey =
    flags & PQ_FLAG_REMOTE_KEY ? r.bytesN(MLKEM768_ENCAPSULATION_KEY_BYTES, 'pq remote key') : undefined;
  const sendFields = flags & PQ_FLAG_SEND_FIELDS ? readSendFields(r) : undefined;
  if (sendFields && !seed) throw new FormatError('bad-value', 'pq send fields without a seed');
  return Object.freeze({ countdown, seed, decapsulationKey: undefined, remoteKey, sendFields });
}

function readChain(r: Reader): SkippedChain {
  const ratchetKey = r.bytesN(KEY_BYTES, 'skipped chain key');
  const count = r.u16('skipped count');
  if (count === 0 || count > MAX_STORED_SKIPPED_KEYS)
    throw new FormatError('bad-length', 'skipped chain size');
  const keys = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) keys.set(r.u32('skipped n'), r.bytesN(KEY_BYTES, 'skipped key'));
  if (keys.size !== count) throw new FormatError('bad-value', 'duplicate skipped message number');
  return Object.freeze({ ratchetKey, keys });
}

function readSkipped(r: Reader): SkippedStore {
  const count = r.u8('chain count');
  if (count > MAX_OLD_RECEIVING_CHAINS + 1) throw new FormatError('bad-length', 'too many skipped chains');
  const chains: SkippedChain[] = [];
  let size = 0;
  for (let i = 0; i < count; i++) {
    const chain = readChain(r);
    size += chain.keys.size;
    chains.push(chain);
  }
  if (size > MAX_STORED_SKIPPED_KEYS) throw new FormatError('bad-length', 'too many skipped keys');
  return Object.freeze({ chains: Object.freeze(chains), size });
}

function optional(r: Reader, present: boolean, what: string): Uint8Array | undefined {
  return present ? r.bytesN(KEY_BYTES, what) : undefined;
}

/**
 * Inverse of {@link serializeSession}; throws FormatError on any inconsistency.
 * @example const session = deserializeSession(db.get(contactId));
 */
export function deserializeSession(bytes: Uint8Array): Session {
  const r = new Reader(bytes, failFormat);
  const version = r.u8('session version');
  if (version !== SESSION_ENCODING_VERSION && version !== SESSION_ENCODING_VERSION_PQ)
    throw new FormatError('bad-version', 'session version');
  const suite2 = version === SESSION_ENCODING_VERSION_PQ;
  const roleByte = r.u8('role');
  if (roleByte !== 1 && roleByte !== 2) throw new FormatError('bad-value', 'session role');
  const flags = r.u8('flags');
  if ((flags & ~FLAGS_KNOWN) !== 0 || !(flags & FLAG_SEND_CHAIN || roleByte === 2)) {
    throw new FormatError('bad-value', 'session flags');
  }
  const ad = r.bytesN(AD_BYTES, 'ad');
  const [baseKey, rootKey, sendSecret, sendPublic] = [0, 1, 2, 3].map(() => r.bytesN(KEY_BYTES, 'key')) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const remoteRatchetKey = optional(r, (flags & FLAG_REMOTE_RATCHET) !== 0, 'remote ratchet key');
  const sendChainKey = optional(r, (flags & FLAG_SEND_CHAIN) !== 0, 'send chain key');
  const recvChainKey = optional(r, (flags & FLAG_RECV_CHAIN) !== 0, 'recv chain key');
  const sendN = r.u32('sendN');
  const recvN = r.u32('recvN');
  const prevSendN = r.u32('prevSendN');
  const prefixMax = suite2 ? PENDING_PREKEY_PQ_MAX_BYTES : PENDING_PREKEY_MAX_BYTES;
  const pendingPrekey = flags & FLAG_PENDING ? r.var16(prefixMax, 'pending prekey') : undefined;
  const pq = suite2 ? readPq(r) : undefined;
  if (pq?.sendFields && pendingPrekey)
    throw new FormatError('bad-value', 'pq send fields with a pending prefix');
  const skipped = readSkipped(r);
  r.end('session');
  const role = roleByte === 1 ? 'initiator' : 'responder';
  const half = roleByte === 1 ? KEY_BYTES * 2 : 0; // AD = initiator identity ‖ responder identity
  const remoteIdentity = Object.freeze({
    signingKey: ad.slice(half, half + KEY_BYTES),
    agreementKey: ad.slice(half + KEY_BYTES, half + 2 * KEY_BYTES),
  });
  return new Session({
    role,
    remoteIdentity,
    ad,
    baseKey,
    rootKey,
    sendSecret,
    sendPublic,
    remoteRatchetKey,
    sendChainKey,
    sendN,
    recvChainKey,
    recvN,
    prevSendN,
    skipped,
    pendingPrekey,
    ...(pq ? { pq } : {}),
  });
}

function wipeChains(old: SkippedStore, next: SkippedStore): void {
  for (const chain of old.chains) {
    if (next.chains.includes(chain)) continue; // shared, still live
    const successor = next.chains.find((c) => sameKey(c.ratchetKey, chain.ratchetKey));
    for (const [n, mk] of chain.keys) if (successor?.keys.get(n) !== mk) wipe(mk);
  }
}

/**
 * Wipe the secrets of `old` that `next` no longer references (used or replaced
 * keys). Call only after `next` is committed: `old` is unusable afterwards.
 * Best effort (see README "Memory").
 * @example const r = decrypt(s, m, random, p); db.commit(r.session); discardSession(s, r.session); s = r.session;
 */
export function discardSession(old: Session, next: Session): void {
  const live = new Set<Uint8Array>();
  for (const b of [next.rootKey, next.sendSecret, next.sendChainKey, next.recvChainKey]) if (b) live.add(b);
  for (const b of [next.pq?.seed, next.pq?.decapsulationKey]) if (b) live.add(b);
  for (const b of [old.rootKey, old.sendSecret, old.sendChainKey, old.recvChainKey])
    if (b && !live.has(b)) wipe(b);
  for (const b of [old.pq?.seed, old.pq?.decapsulationKey]) if (b && !live.has(b)) wipe(b);
  if (old.skipped !== next.skipped) wipeChains(old.skipped, next.skipped);
}
