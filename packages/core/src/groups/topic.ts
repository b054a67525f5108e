/**
 * Large groups over gossipsub (docs/GROUPS.md "Large groups over gossipsub",
 * docs/PROTOCOL.md "Group topics"): the topic derivation, the wire formats,
 * and what happens inside one store transaction when a topic message (or a
 * catch-up answer) arrives or when we answer a catch-up query.
 *
 *   topic     = "parley/group/" ‖ hex(HKDF-SHA256(ikm = group secret, salt = group id (16 bytes),
 *               info = "Parley_GroupTopic_v1" ‖ epoch u32 BE, 16 bytes))
 *   published = version u8 (1) ‖ sender-key message (the same bytes a GROUP frame carries)
 *               (0x02 instead: a sender key's announcement, groups/key-announce.ts)
 *   request   = version u8 (1) ‖ kind u8 (0x02) ‖ group id (16) ‖ count u8 (1..GROUP_SYNC_RANGES_MAX)
 *               ‖ count × (key id u32 ‖ from iteration u32 ‖ how many u32, 0 = all from there)
 *   answer    = version u8 (1) ‖ kind u8 (0x02) ‖ count u16 ‖ count × (length u32 ‖ sender-key message)
 *
 * No field names the sender: a message is matched to the current member
 * whose sender key has its key id AND whose signing key verifies it in that
 * member's own context (group id ‖ PeerId, signed by the sender: crypto
 * SPEC.md §12.3). The sender is the owner the key is registered to, never a
 * claimed field, and a member who registered another member's key as theirs
 * still cannot have that member's posts verify as theirs; so a relaying peer
 * (or a member answering a query) can neither forge nor misattribute anything.
 * Replays are refused by the receiver state itself.
 */

import {
  DecryptError,
  LimitError,
  type Primitives,
  peekSenderKeyMessage,
  senderKeyDecrypt,
} from '@parley/crypto';
import { concat, fromHex, InboundError, toHex, utf8 } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { Effects } from '../messaging/index.ts';
import {
  type AttachmentsTx,
  FRAME_MAX_BYTES,
  type GroupsTx,
  type MessagesTx,
  PUBSUB_MESSAGE_MAX_BYTES,
  QUERY_MAX_BYTES,
} from '../ports/index.ts';
import { decodeAppMessage } from '../wire/index.ts';
import { GROUP_MAX_MEMBERS, GROUP_MESSAGE_KINDS, senderKeyContext } from './codec.ts';
import { applyGroupMessage } from './inbox.ts';
import { type DevicesReadTx, isMemberDevice, memberOfDevice } from './member-devices.ts';
import { loadReceivers, memberOf, SENDER_KEYS_KEPT, type StoredGroup, saveReceivers } from './store.ts';

export const GROUP_TOPIC_VERSION = 1;
export const GROUP_TOPIC_INFO = 'Parley_GroupTopic_v1';
/** Query kind on /parley/query (channels use 0x01). */
export const QUERY_KIND_GROUP_SYNC = 0x02;
/** States with at least this many members get a secret, i.e. gossipsub (configurable: Limits). */
export const GROUP_TOPIC_MIN_MEMBERS_DEFAULT = 32;
/** Messages kept per sender (own ones included) to answer catch-up queries. */
export const GROUP_LOG_PER_SENDER = 256;
/** Ranges asked for in one catch-up request (a missing iteration, or "from here on"). */
export const GROUP_SYNC_RANGES_MAX = 128;
/** Ranges asked for in one catch-up page (in requests of GROUP_SYNC_RANGES_MAX): every tail, some holes. */
export const GROUP_SYNC_ROUND_RANGES_MAX: number =
  SENDER_KEYS_KEPT * GROUP_MAX_MEMBERS + GROUP_SYNC_RANGES_MAX;
/** Messages in one catch-up answer at most (and bytes: under QUERY_MAX_BYTES). */
export const GROUP_SYNC_PAGE_MAX = 64;

const logLabel = (groupId: string): string => `group-log:${groupId}`;

/** The gossipsub topic of one group epoch; outsiders without the secret cannot link it to the group. */
export function groupTopic(p: Primitives, secret: Uint8Array, groupId: string, epoch: number): string {
  const info = new Uint8Array(GROUP_TOPIC_INFO.length + 4);
  info.set(utf8(GROUP_TOPIC_INFO));
  new DataView(info.buffer).setUint32(GROUP_TOPIC_INFO.length, epoch);
  return `parley/group/${toHex(p.hkdfSha256(secret, fromHex(groupId), info, 16))}`;
}

/**
 * The topic a group uses now, or undefined when it is delivered pairwise. The
 * state says: the admin who issued it included a secret only for a large
 * group (groups/send.ts `withSecret`), so every member agrees on the mode.
 */
export function topicOf(ctx: Ctx, g: StoredGroup): string | undefined {
  if (g.status !== 'active' || !g.state.secret) return undefined;
  return groupTopic(ctx.primitives, g.state.secret, g.state.id, g.state.epoch);
}

export const encodeTopicMessage = (message: Uint8Array): Uint8Array =>
  concat(Uint8Array.of(GROUP_TOPIC_VERSION), message);

/** The sender-key message inside a published message, or undefined if it is not one of ours. */
export function decodeTopicMessage(data: Uint8Array): Uint8Array | undefined {
  if (data.length < 2 || data.length > PUBSUB_MESSAGE_MAX_BYTES || data[0] !== GROUP_TOPIC_VERSION)
    return undefined;
  return data.subarray(1);
}

/** One range of a catch-up request: `count` iterations from `from` (0 = all from there on). */
export interface SyncRange {
  readonly keyId: number;
  readonly from: number;
  readonly count: number;
}

export interface GroupSyncRequest {
  readonly groupId: string;
  readonly ranges: readonly SyncRange[];
}

export function encodeGroupSyncRequest(req: GroupSyncRequest): Uint8Array {
  if (req.ranges.length === 0 || req.ranges.length > GROUP_SYNC_RANGES_MAX)
    throw new RangeError(`a catch-up request has 1..${GROUP_SYNC_RANGES_MAX} ranges`);
  const out = new Uint8Array(19 + 12 * req.ranges.length);
  out.set([GROUP_TOPIC_VERSION, QUERY_KIND_GROUP_SYNC]);
  out.set(fromHex(req.groupId), 2);
  out[18] = req.ranges.length;
  const view = new DataView(out.buffer);
  req.ranges.forEach((r, i) => {
    view.setUint32(19 + 12 * i, r.keyId);
    view.setUint32(23 + 12 * i, r.from);
    view.setUint32(27 + 12 * i, r.count);
  });
  return out;
}

/** null when the bytes are not a group catch-up request (another query kind, or malformed). */
export function decodeGroupSyncRequest(bytes: Uint8Array): GroupSyncRequest | null {
  if (bytes.length < 19 || bytes[0] !== GROUP_TOPIC_VERSION || bytes[1] !== QUERY_KIND_GROUP_SYNC)
    return null;
  const count = bytes[18] as number;
  if (count === 0 || count > GROUP_SYNC_RANGES_MAX || bytes.length !== 19 + 12 * count) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ranges: SyncRange[] = [];
  for (let i = 0; i < count; i++)
    ranges.push({
      keyId: view.getUint32(19 + 12 * i),
      from: view.getUint32(23 + 12 * i),
      count: view.getUint32(27 + 12 * i),
    });
  return { groupId: toHex(bytes.subarray(2, 18)), ranges };
}

export function encodeGroupSyncAnswer(messages: readonly Uint8Array[]): Uint8Array {
  const head = new Uint8Array(4);
  head.set([GROUP_TOPIC_VERSION, QUERY_KIND_GROUP_SYNC]);
  new DataView(head.buffer).setUint16(2, messages.length);
  const parts: Uint8Array[] = [head];
  for (const m of messages) {
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, m.length);
    parts.push(len, m);
  }
  return concat(...parts);
}

/** Throws InboundError on anything malformed; every length is checked before it is used. */
export function decodeGroupSyncAnswer(bytes: Uint8Array): Uint8Array[] {
  const bad = (why: string): InboundError => new InboundError('bad-message', `group catch-up answer: ${why}`);
  if (bytes.length < 4 || bytes.length > QUERY_MAX_BYTES) throw bad('bad size');
  if (bytes[0] !== GROUP_TOPIC_VERSION || bytes[1] !== QUERY_KIND_GROUP_SYNC) throw bad('not an answer');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(2);
  if (count > GROUP_SYNC_PAGE_MAX) throw bad('too many messages');
  const out: Uint8Array[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) throw bad('truncated');
    const len = view.getUint32(at);
    at += 4;
    if (len === 0 || len > FRAME_MAX_BYTES || at + len > bytes.length) throw bad('bad message length');
    out.push(bytes.slice(at, at + len));
    at += len;
  }
  if (at !== bytes.length) throw bad('trailing bytes');
  return out;
}

/** Keeps one message for catch-up (sealed), bounded per sender. */
export function logMessage(
  ctx: Ctx,
  tx: GroupsTx,
  groupId: string,
  sender: string,
  message: Uint8Array,
): void {
  const { keyId, iteration } = peekSenderKeyMessage(message);
  const sealed = ctx.account.vault.seal(logLabel(groupId), message);
  const at = ctx.now();
  if (tx.putGroupLog({ groupId, sender, keyId, iteration, receivedAt: at, message: sealed }) === 'inserted')
    tx.pruneGroupLog(groupId, sender, GROUP_LOG_PER_SENDER);
}

export type TopicOutcome =
  /** Stored (or, for kinds that are not shown, applied); `gap` = iterations are missing before it. */
  | { readonly result: 'fresh'; readonly sender: string; readonly gap: boolean }
  /** Already had it (a replay or a second copy): nothing changed. */
  | { readonly result: 'duplicate' }
  /** No current member has a sender key with this id (yet): catch-up will fetch it once the key is here. */
  | { readonly result: 'unknown-key' }
  /** Malformed, or no member's key verifies it: dropped. */
  | { readonly result: 'rejected' };

/**
 * Which members hold a sender key with each key id (an index so a message is not tried against
 * all). Each device of a member has its own key; us included: our other devices' keys.
 */
export function keyOwners(ctx: Ctx, tx: GroupsTx, g: StoredGroup): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const m of g.state.members) {
    for (const { receiver } of loadReceivers(ctx, tx, g.state.id, m.peerId)) {
      const owners = out.get(receiver.keyId) ?? [];
      if (!owners.includes(m.peerId)) out.set(receiver.keyId, [...owners, m.peerId]);
    }
  }
  return out;
}

/**
 * A sender-key message for group `g` from the topic or a catch-up answer,
 * inside `tx`. `owners` = keyOwners(g) (possibly cached). Nothing is used
 * before a current member's signing key verified it (senderKeyDecrypt checks
 * the signature first); on any failure the receiver states are unchanged.
 */
export function ingestTopicMessage(
  ctx: Ctx,
  tx: MessagesTx & GroupsTx & AttachmentsTx & DevicesReadTx,
  g: StoredGroup,
  message: Uint8Array,
  owners: ReadonlyMap<number, readonly string[]>,
  effects: Effects,
): TopicOutcome {
  if (g.status !== 'active') return { result: 'rejected' };
  let keyId: number;
  let iteration: number;
  try {
    ({ keyId, iteration } = peekSenderKeyMessage(message));
  } catch {
    return { result: 'rejected' };
  }
  const candidates = (owners.get(keyId) ?? []).filter((p) => memberOf(g, p));
  if (candidates.length === 0) return { result: 'unknown-key' };
  for (const peer of candidates) {
    const keys = loadReceivers(ctx, tx, g.state.id, peer);
    const key = keys.find((k) => k.receiver.keyId === keyId);
    // A device's key counts only while the member's latest list names the device (revocation).
    if (!key || !isMemberDevice(ctx, tx, peer, key.device ?? peer)) continue;
    let opened: ReturnType<typeof senderKeyDecrypt>;
    try {
      opened = senderKeyDecrypt(key.receiver, message, senderKeyContext(g.state.id, peer), ctx.primitives);
    } catch (error) {
      if (error instanceof DecryptError || error instanceof LimitError) continue; // another member's key id?
      throw error;
    }
    const others = keys.filter((k) => k !== key);
    saveReceivers(ctx, tx, g.state.id, peer, [...others, { ...key, receiver: opened.receiver }]); // announce kept
    logMessage(ctx, tx, g.state.id, peer, message);
    try {
      const app = decodeAppMessage(opened.plaintext);
      if (!GROUP_MESSAGE_KINDS.has(app.body.kind))
        throw new InboundError('bad-message', `a ${app.body.kind} message cannot come through a group`);
      applyGroupMessage(ctx, tx, g, peer, app, effects);
    } catch (error) {
      // Signed by the member but not a valid message: its iteration is spent (so it is not asked
      // for again) and it is dropped, like a parked message (D7) - nothing else is blocked.
      if (!(error instanceof InboundError)) throw error;
    }
    // A gap: this message jumped over iterations we have not seen (a new hole, not an old one).
    return { result: 'fresh', sender: peer, gap: iteration > key.receiver.iteration };
  }
  return isReplay(ctx, tx, g, keyId, message) ? { result: 'duplicate' } : { result: 'rejected' };
}

/** Whether a message we could not open is one we already logged (a second copy, not a forgery). */
function isReplay(ctx: Ctx, tx: GroupsTx, g: StoredGroup, keyId: number, message: Uint8Array): boolean {
  const { iteration } = peekSenderKeyMessage(message);
  return tx.listGroupLog(g.state.id, keyId, iteration, 4).some((e) => {
    if (e.iteration !== iteration) return false;
    const logged = ctx.account.vault.open(logLabel(g.state.id), e.message);
    return logged.length === message.length && logged.every((b, i) => b === message[i]);
  });
}

/** What we are missing, per member key: each skipped iteration, and everything after the newest. */
export function missingRanges(ctx: Ctx, tx: GroupsTx, g: StoredGroup): SyncRange[] {
  const tails: SyncRange[] = [];
  const holes: SyncRange[] = [];
  for (const member of g.state.members) {
    // (our own row holds our other devices' keys: what they posted is ours to catch up on too)
    for (const { receiver } of loadReceivers(ctx, tx, g.state.id, member.peerId)) {
      tails.push({ keyId: receiver.keyId, from: receiver.iteration, count: 0 });
      const skipped = [...receiver.skipped.keys()].sort((a, b) => b - a).slice(0, 8); // newest holes first
      for (const i of skipped) holes.push({ keyId: receiver.keyId, from: i, count: 1 });
    }
  }
  // "Everything newer" first (2 keys per member: up to 1000 at 500 members), then the holes that
  // still fit; the caller asks in requests of GROUP_SYNC_RANGES_MAX ranges.
  return [...tails, ...holes].slice(0, GROUP_SYNC_ROUND_RANGES_MAX);
}

/** Answers a member's catch-up request from our log (sealed posts opened); undefined = refuse. */
export function answerGroupSync(
  ctx: Ctx,
  tx: GroupsTx & DevicesReadTx,
  g: StoredGroup | undefined,
  peer: string,
  req: GroupSyncRequest,
): Uint8Array | undefined {
  // Only current members' devices may ask: anyone else learns nothing, not even that we are in it.
  if (g?.status !== 'active' || peer === ctx.account.info.peerId) return undefined;
  if (memberOfDevice(ctx, tx, g, peer) === undefined) return undefined;
  const out: Uint8Array[] = [];
  let bytes = 4;
  for (const r of req.ranges) {
    const room = GROUP_SYNC_PAGE_MAX - out.length;
    if (room <= 0) break;
    const limit = r.count === 0 ? room : Math.min(room, r.count + 2); // +2: another member's key id
    for (const e of tx.listGroupLog(g.state.id, r.keyId, r.from, limit)) {
      if (r.count !== 0 && e.iteration >= r.from + r.count) break;
      const message = ctx.account.vault.open(logLabel(g.state.id), e.message);
      if (bytes + 4 + message.length > QUERY_MAX_BYTES) return encodeGroupSyncAnswer(out);
      out.push(message);
      bytes += 4 + message.length;
      if (out.length >= GROUP_SYNC_PAGE_MAX) break;
    }
  }
  return encodeGroupSyncAnswer(out);
}
