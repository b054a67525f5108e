/**
 * Whole states by reference (docs/GROUPS.md "Whole states by reference", docs/PROTOCOL.md "Group
 * state fetch"). A state too large for one control payload (~80 members and more) is not queued
 * to a peer in parts any more: the admin queues a small `state-ref` {id, epoch, digest, secret?}
 * through the pairwise session, and the peer fetches the state's bytes from the admin over
 * /parley/query, checks that they hash to the digest the ref carried (so they are the admin's,
 * authenticated by the ratchet like the ref), and applies the state, with the ref's secret, when
 * the ref comes again: the ref is not ACKed while the bytes are on their way, so the admin's outbox
 * keeps it (as it kept parts), and once fetched we send a HELLO so it comes at once.
 *
 * The bytes fetched are the state WITHOUT its secret: the epoch's secret travels only in the ref,
 * through the Double Ratchet (post-quantum once sessions are suite 2), never over the transport's
 * own encryption alone. So every peer the state is for gets the same bytes.
 *
 *   request = version u8 (1) ‖ kind u8 (0x04) ‖ group id (16) ‖ digest (32) ‖ offset u32
 *   answer  = version u8 (1) ‖ kind u8 (0x04) ‖ total u32 ‖ the `state` payload's bytes from offset
 *             (1..GROUP_STATE_CHUNK_BYTES of them)
 *
 * The admin answers only about its current state, only a member of it or of the epoch before (one
 * it removed) or our own other device (which an `own-state-ref` sent the digest: our other devices
 * hold the group as we do, docs/MULTI-DEVICE.md "Groups"), and only when the digest asked for is
 * the state's: anyone else learns nothing. It
 * keeps the bytes in memory while the state is current, so a thousand new members cost one
 * encoding.
 *
 * Fetched states wait in memory (bounded; a restart loses them and the ref, still un-ACKed, makes
 * us fetch again), never in the store: nothing is ACKed before the state is applied.
 */
import { decodeContactCard } from '@parley/crypto';
import type { Account } from '../account/index.ts';
import { concat, fromHex, InboundError, toHex } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { ownerOf } from '../devices/index.ts';
import type { ContactsTx, DevicesTx, GroupsTx } from '../ports/index.ts';
import {
  decodeGroupControl,
  encodeGroupControl,
  GROUP_STATE_DIGEST_BYTES,
  GROUP_STATE_PAYLOAD_MAX_BYTES,
  type GroupState,
  withoutSecret,
} from './codec.ts';
import { loadGroup, memberOf, selfId } from './store.ts';

export const GROUP_STATE_FETCH_VERSION = 1;
/** Query kind on /parley/query (channels 0x01 and 0x03, group catch-up 0x02, group keys 0x05). */
export const QUERY_KIND_GROUP_STATE = 0x04;
/** Bytes of a state in one answer at most (a 1,000-member state is ~0.5 MB: one or two answers). */
export const GROUP_STATE_CHUNK_BYTES: number = 512 * 1024;
/** Largest whole state we fetch (1,000 members with the largest ids, names and cards: ~1.8 MB). */
export const GROUP_STATE_FETCH_MAX_BYTES: number = 4 * 1024 * 1024;
/** Fetched states kept until their ref comes again, in all, and their bytes. */
export const GROUP_FETCHED_MAX = 4;
export const GROUP_FETCHED_MAX_BYTES: number = 8 * 1024 * 1024;
/** A fetched state whose ref has not come again by then is dropped (the ref makes us fetch again). */
export const GROUP_FETCHED_MAX_AGE_MS: number = 10 * 60 * 1000;
/** Fetches running at once (one per peer). */
export const GROUP_FETCHES_MAX = 4;

type Sha256 = (data: Uint8Array) => Uint8Array;

/** The `state` payload of `s` as one copy (the bytes whose SHA-256 is its digest). */
export const statePayload = (s: GroupState): Uint8Array => encodeGroupControl({ type: 'state', group: s });

/**
 * The control that stands for a whole state too large for one payload: the digest of its bytes
 * without the secret (`bare` = statePayload(withoutSecret(s))), and the secret if this copy has one.
 */
export function stateRef(sha256: Sha256, s: GroupState, bare: Uint8Array): Uint8Array {
  const ref = { type: 'state-ref' as const, id: s.id, epoch: s.epoch, digest: sha256(bare) };
  return encodeGroupControl(s.secret ? { ...ref, secret: s.secret } : ref);
}

/** Whether a whole state goes as it is (one payload) or by reference. */
export const fitsOnePayload = (payload: Uint8Array): boolean =>
  payload.length <= GROUP_STATE_PAYLOAD_MAX_BYTES;

export interface StateFetchRequest {
  readonly groupId: string;
  readonly digest: Uint8Array;
  readonly offset: number;
}

export function encodeStateFetchRequest(r: StateFetchRequest): Uint8Array {
  const out = new Uint8Array(2 + 16 + GROUP_STATE_DIGEST_BYTES + 4);
  out.set([GROUP_STATE_FETCH_VERSION, QUERY_KIND_GROUP_STATE]);
  out.set(fromHex(r.groupId), 2);
  out.set(r.digest, 18);
  new DataView(out.buffer).setUint32(18 + GROUP_STATE_DIGEST_BYTES, r.offset);
  return out;
}

/** null when the bytes are not a state fetch (another query kind, or malformed). */
export function decodeStateFetchRequest(bytes: Uint8Array): StateFetchRequest | null {
  if (bytes.length !== 2 + 16 + GROUP_STATE_DIGEST_BYTES + 4) return null;
  if (bytes[0] !== GROUP_STATE_FETCH_VERSION || bytes[1] !== QUERY_KIND_GROUP_STATE) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    groupId: toHex(bytes.subarray(2, 18)),
    digest: bytes.slice(18, 18 + GROUP_STATE_DIGEST_BYTES),
    offset: view.getUint32(18 + GROUP_STATE_DIGEST_BYTES),
  };
}

export function encodeStateFetchAnswer(total: number, chunk: Uint8Array): Uint8Array {
  const head = new Uint8Array(6);
  head.set([GROUP_STATE_FETCH_VERSION, QUERY_KIND_GROUP_STATE]);
  new DataView(head.buffer).setUint32(2, total);
  return concat(head, chunk);
}

/** Throws InboundError on anything malformed. */
export function decodeStateFetchAnswer(bytes: Uint8Array): { total: number; chunk: Uint8Array } {
  const bad = (why: string): InboundError => new InboundError('bad-message', `group state answer: ${why}`);
  if (bytes.length < 7 || bytes.length > 6 + GROUP_STATE_CHUNK_BYTES) throw bad('bad size');
  if (bytes[0] !== GROUP_STATE_FETCH_VERSION || bytes[1] !== QUERY_KIND_GROUP_STATE)
    throw bad('not an answer');
  const total = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2);
  if (total === 0 || total > GROUP_STATE_FETCH_MAX_BYTES) throw bad('bad total');
  return { total, chunk: bytes.slice(6) };
}

/** Per account: the copies of current states we serve (group id → epoch and bytes by digest). */
const served = new WeakMap<Account, Map<string, Served>>();
/** States served at once at most (the newest; a miss only costs an encoding). */
const SERVED_GROUPS_MAX = 8;

/** Answers a peer's fetch of one of our current state's copies; undefined = refuse (say nothing). */
export function answerStateFetch(
  ctx: Ctx,
  tx: GroupsTx & ContactsTx & DevicesTx,
  peer: string,
  req: StateFetchRequest,
): Uint8Array | undefined {
  const g = loadGroup(ctx, tx, req.groupId);
  if (!g || (g.status !== 'active' && g.status !== 'left') || peer === ctx.account.info.peerId)
    return undefined;
  const ours = ownerOf(ctx, tx, peer)?.kind === 'self';
  if (!ours && (peer === selfId(ctx) || (!memberOf(g, peer) && !g.prev.some((p) => p.peerId === peer))))
    return undefined;
  const bytes = servedState(ctx, g.state).bare;
  if (toHex(ctx.primitives.sha256(bytes)) !== toHex(req.digest) || req.offset >= bytes.length)
    return undefined;
  return encodeStateFetchAnswer(
    bytes.length,
    bytes.subarray(req.offset, req.offset + GROUP_STATE_CHUNK_BYTES),
  );
}

/**
 * What carries the whole state `s` to a peer: its `state` payload when it fits one, else a
 * `state-ref` to fetch it from us (`member`: with the secret; a peer it removes gets none).
 * Kept while `s` is current, so a thousand peers cost one encoding.
 */
export function wholeStatePayload(ctx: Ctx, s: GroupState, member: boolean): Uint8Array {
  const entry = servedState(ctx, s);
  const key = member ? 'member' : 'removed';
  let payload = entry.payloads.get(key);
  if (!payload) {
    const copy = member ? s : withoutSecret(s);
    const whole = statePayload(copy);
    payload = fitsOnePayload(whole) ? whole : stateRef(ctx.primitives.sha256, copy, entry.bare);
    entry.payloads.set(key, payload);
  }
  return payload;
}

/**
 * What tells our other devices the state `s` we hold (issued by `author`): an `own-state` when it
 * fits one payload, else an `own-state-ref` (with the secret) to fetch it from this device.
 */
export function ownStatePayload(ctx: Ctx, s: GroupState, author: string): Uint8Array {
  const whole = encodeGroupControl({ type: 'own-state', group: s, author });
  if (fitsOnePayload(whole)) return whole;
  const digest = ctx.primitives.sha256(servedState(ctx, s).bare);
  const ref = { type: 'own-state-ref' as const, id: s.id, epoch: s.epoch, digest, author };
  return encodeGroupControl(s.secret ? { ...ref, secret: s.secret } : ref);
}

interface Served {
  readonly epoch: number;
  readonly state: GroupState;
  /** The state's bytes without its secret: what a fetch answers with. */
  readonly bare: Uint8Array;
  /** What we queue for a member (`member`) and for a peer the state removes (`removed`). */
  readonly payloads: Map<'member' | 'removed', Uint8Array>;
}

function servedState(ctx: Ctx, s: GroupState): Served {
  let groups = served.get(ctx.account);
  if (!groups) {
    groups = new Map();
    served.set(ctx.account, groups);
  }
  let entry = groups.get(s.id);
  // Same epoch, same state object: a competing state of that epoch is another state.
  if (entry?.epoch !== s.epoch || entry.state !== s) {
    entry = { epoch: s.epoch, state: s, bare: statePayload(withoutSecret(s)), payloads: new Map() };
    groups.delete(s.id);
    groups.set(s.id, entry);
    for (const id of groups.keys()) {
      if (groups.size <= SERVED_GROUPS_MAX) break;
      groups.delete(id);
    }
  }
  return entry;
}

/** What a ref asks us to fetch. */
export interface WantedState {
  readonly peer: string;
  readonly id: string;
  readonly digest: Uint8Array;
}

interface Fetched {
  readonly state: GroupState;
  readonly bytes: number;
  readonly at: number;
}

/** Per account: states fetched and waiting for their ref, by digest (hex), oldest first. */
const fetched = new WeakMap<Account, Map<string, Fetched>>();
/** Per account: who fetches (the messenger registers it at start). */
const fetchers = new WeakMap<Account, (w: WantedState) => void>();

function fetchedOf(ctx: Ctx): Map<string, Fetched> {
  let map = fetched.get(ctx.account);
  if (!map) {
    map = new Map();
    fetched.set(ctx.account, map);
  }
  const now = ctx.now();
  for (const [k, f] of map) if (now - f.at > GROUP_FETCHED_MAX_AGE_MS) map.delete(k);
  return map;
}

/** The state a ref names, if we fetched it. */
export const fetchedState = (ctx: Ctx, digest: Uint8Array): GroupState | undefined =>
  fetchedOf(ctx).get(toHex(digest))?.state;

/** Once the ref applied (or was refused): its state is no longer kept. */
export const forgetFetched = (ctx: Ctx, digest: Uint8Array): void =>
  void fetchedOf(ctx).delete(toHex(digest));

/** Per account: groups whose whole state a ref made us fetch (group id → since when). */
const awaited = new WeakMap<Account, Map<string, number>>();

/**
 * Whether a ref of this group is waiting for its state (in the last GROUP_FETCHED_MAX_AGE_MS):
 * a delta that follows it waits too, instead of being dropped for a group we do not hold yet.
 */
export function fetchingState(ctx: Ctx, groupId: string): boolean {
  const since = awaited.get(ctx.account)?.get(groupId);
  return since !== undefined && ctx.now() - since <= GROUP_FETCHED_MAX_AGE_MS;
}

/** A state of this group applied: nothing of it is awaited any more. */
export const stateArrived = (ctx: Ctx, groupId: string): void =>
  void awaited.get(ctx.account)?.delete(groupId);

/** Called inside the transaction that met a ref: the fetch starts after it (never inside). */
export function wantState(ctx: Ctx, w: WantedState): void {
  let map = awaited.get(ctx.account);
  if (!map) {
    map = new Map();
    awaited.set(ctx.account, map);
  }
  if (!map.has(w.id)) map.set(w.id, ctx.now());
  for (const id of map.keys()) {
    if (map.size <= GROUP_FETCHED_MAX * 4) break;
    map.delete(id);
  }
  const fetch = fetchers.get(ctx.account);
  if (fetch) setTimeout(() => fetch(w), 0);
}

/** Where to reach `peer`: a contact's addresses, or our own device's from its card. */
function addressesOf(ctx: Ctx, tx: ContactsTx & DevicesTx, peer: string): readonly string[] {
  const contact = tx.getContactByPeerId(peer);
  if (contact) return contact.addresses;
  const card = tx.getDevice(peer)?.card;
  try {
    return card ? decodeContactCard(card, ctx.primitives).addresses : [];
  } catch {
    return [];
  }
}

/**
 * The fetching side, for one messenger: at most one fetch per peer and GROUP_FETCHES_MAX in
 * all (a contact who sends refs in a loop costs us one fetch at a time); `done(peer)` after a
 * state was fetched (send a HELLO: the ref comes again at once).
 */
export function startStateFetcher(ctx: Ctx, done: (peer: string) => void): () => void {
  const running = new Set<string>();
  let stopped = false;
  const fetchOne = async (w: WantedState): Promise<void> => {
    let buffer: Uint8Array | undefined;
    let offset = 0;
    const addresses = ctx.store.transaction((tx) => addressesOf(ctx, tx, w.peer));
    do {
      const answer = decodeStateFetchAnswer(
        await ctx.transport.query(
          w.peer,
          encodeStateFetchRequest({ groupId: w.id, digest: w.digest, offset }),
          {
            addresses,
          },
        ),
      );
      buffer ??= new Uint8Array(answer.total);
      if (answer.total !== buffer.length || offset + answer.chunk.length > buffer.length)
        throw new InboundError('bad-message', 'group state answer: inconsistent sizes');
      buffer.set(answer.chunk, offset);
      offset += answer.chunk.length;
    } while (offset < buffer.length && !stopped);
    if (stopped || toHex(ctx.primitives.sha256(buffer)) !== toHex(w.digest)) return;
    const control = decodeGroupControl(buffer);
    // The bytes of a state without its secret (the ref carries the secret).
    if (control.type !== 'state' || control.group.id !== w.id || control.group.secret) return;
    const map = fetchedOf(ctx);
    map.set(toHex(w.digest), { state: control.group, bytes: buffer.length, at: ctx.now() });
    let total = [...map.values()].reduce((n, f) => n + f.bytes, 0);
    for (const [k, f] of map) {
      if (map.size <= GROUP_FETCHED_MAX && total <= GROUP_FETCHED_MAX_BYTES) break;
      map.delete(k);
      total -= f.bytes;
    }
    done(w.peer);
  };
  fetchers.set(ctx.account, (w) => {
    if (stopped || running.has(w.peer) || running.size >= GROUP_FETCHES_MAX) return; // the ref comes again
    if (fetchedOf(ctx).has(toHex(w.digest))) return done(w.peer);
    running.add(w.peer);
    // Unreachable, refused or nonsense: nothing kept; the ref, still un-ACKed, comes again later.
    void fetchOne(w)
      .catch(() => undefined)
      .finally(() => running.delete(w.peer));
  });
  return () => {
    stopped = true;
    fetchers.delete(ctx.account);
  };
}
