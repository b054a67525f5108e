/**
 * Group control payloads: what travels in the `group` application kind
 * through the pairwise Double Ratchet sessions (docs/GROUPS.md, docs/PROTOCOL.md
 * "Group control"). Strict, versioned UTF-8 JSON; every field is checked and
 * unknown fields are refused.
 *
 *   state       {v:1, type:'state', group:{id, name, epoch, members:[{peerId, name, role, card}], secret?}}
 *               secret = the epoch's group secret (32 bytes; large groups' gossipsub topic), sent to
 *               members only: the copy a removed member gets has none
 *   state-part  {v:1, type:'state-part', id, epoch, digest, index, count, members:[...], name?, secret?}
 *               one of `count` parts of a state too large for one payload (groups/state-parts.ts);
 *               part 0 alone carries name (and secret); digest = SHA-256 of the whole `state` payload
 *   delta       {v:1, type:'delta', id, epoch, base, digest, name?, add:[member], update:[member], remove:[peerId], secret?}
 *               a change sent to members who hold the state it follows (groups/delta.ts): base = digest of that
 *               state, digest = digest of the result (this copy: with the secret, or without for a removed member)
 *   state-ref   {v:1, type:'state-ref', id, epoch, digest, secret?}
 *               a whole state too large for one payload, to be fetched from its sender without its secret
 *               (digest = SHA-256 of that copy's `state` payload; groups/state-fetch.ts); the secret is here
 *   own-state-ref {v:1, type:'own-state-ref', id, epoch, digest, secret?, author}
 *               between our own devices only: an `own-state` too large for one payload, by reference
 *               (fetched from the device that sent it, as a state-ref's from its admin)
 *   state-request {v:1, type:'state-request', id, epoch}
 *               a member whose state a delta does not follow asks its admin for the whole state
 *   leave       {v:1, type:'leave', id, epoch}
 *   sender-key  {v:1, type:'sender-key', id, epoch, key}        key = sender-key distribution (137 bytes)
 *   picture     {v:1, type:'picture', id, epoch, at, picture: {type, data} | null}   (groups/picture.ts)
 *
 * Byte fields (card, key) are base64url.
 */
import { DISPLAY_NAME_MAX_CHARS } from '../account/index.ts';
import { concat, fromBase64Url, fromHex, fromUtf8, InboundError, toBase64Url, utf8 } from '../base/index.ts';
import type { GroupRole } from '../views/index.ts';
import type { AppBody } from '../wire/index.ts';
import { type GroupPicture, type GroupPictureType, pictureProblem } from './picture.ts';

export const GROUP_CONTROL_VERSION = 1;
/** Most members of a group. A state this large is sent in parts (groups/state-parts.ts). */
export const GROUP_MAX_MEMBERS = 1000;
/**
 * Most members of a group delivered pairwise (one frame per member per message, per-member
 * receipts); a larger state always carries a secret, i.e. gossipsub, whatever the configured
 * `groupTopicMinMembers`.
 */
export const GROUP_PAIRWISE_MAX_MEMBERS = 50;
/**
 * Most parts of one state. Parts are still accepted from peers of earlier versions (which sent a
 * 500-member state in up to 23); a large state is now sent by reference (groups/state-fetch.ts).
 */
export const GROUP_STATE_PARTS_MAX = 32;
/**
 * Largest `state` or `state-part` we send. Below CONTROL_PAYLOAD_MAX_BYTES (48 KiB) because the
 * payload travels base64url-encoded (× 4/3) inside the app message, and the encrypted frame must
 * stay within FRAME_MAX_BYTES (64 KiB): a 40 KiB payload makes a ~55 KiB frame.
 */
export const GROUP_STATE_PAYLOAD_MAX_BYTES: number = 40 * 1024;
/** SHA-256 of the whole state, binding its parts together. */
export const GROUP_STATE_DIGEST_BYTES = 32;
/** Largest contact card carried for a member. */
export const GROUP_CARD_MAX_BYTES = 4096;
/** Epochs are u32. */
export const GROUP_EPOCH_MAX = 0xffff_ffff;

export interface GroupMember {
  readonly peerId: string;
  /** The member's own display name (from their card), not anyone's local name for them. */
  readonly name: string;
  readonly role: GroupRole;
  /** Their signed contact card, so members who are not contacts can start a session. */
  readonly card: Uint8Array;
}

/** The full group state at one epoch. */
export interface GroupState {
  /** 128-bit random id, 32 lowercase hex. */
  readonly id: string;
  readonly name: string;
  /** +1 on every membership or name change; u32. */
  readonly epoch: number;
  readonly members: readonly GroupMember[];
  /**
   * The epoch's group secret (32 random bytes chosen by the admin who issued the state): the
   * gossipsub topic of large groups is derived from it (groups/topic.ts). Absent in the copy sent
   * to a member being removed, and in states issued before it existed.
   */
  readonly secret?: Uint8Array;
}

/** Size of the per-epoch group secret. */
export const GROUP_SECRET_BYTES = 32;

/**
 * Most a sender-chosen time that decides "the newer wins" (a picture's `at`) may be ahead of our
 * clock: devices' clocks differ by seconds, not minutes. A time further ahead is refused, so no
 * one can date a change in the future to make it win over every later one.
 */
export const GROUP_CLOCK_AHEAD_MAX_MS: number = 5 * 60_000;

/** Whether a sender-chosen time is further ahead of `now` than GROUP_CLOCK_AHEAD_MAX_MS allows. */
export const aheadOfClock = (at: number, now: number): boolean => at > now + GROUP_CLOCK_AHEAD_MAX_MS;

/**
 * The time of a change we make that must win over the one we hold (`previous`): now, or just
 * after `previous`; but never after a `previous` that is itself ahead of our clock (one stored
 * before such times were refused), which would date ours ahead too.
 */
export const nextChangeTime = (now: number, previous: number | undefined): number =>
  previous === undefined || aheadOfClock(previous, now) ? now : Math.max(now, previous + 1);

/**
 * What binds a sender key and its messages to their owner (crypto SPEC.md §12.1, §12.3): the
 * associated data of every sender-key message and distribution, group id (16 bytes) ‖ UTF-8
 * of the owner's PeerId. A message is only ever opened with the context of the member it is
 * attributed to, so it verifies only if that member's key signed it for that member.
 */
export const senderKeyContext = (groupId: string, owner: string): Uint8Array =>
  concat(fromHex(groupId), utf8(owner));

/** One part of a state sent in several (docs/GROUPS.md "Large states"). */
export interface GroupStatePart {
  readonly type: 'state-part';
  readonly id: string;
  readonly epoch: number;
  /** SHA-256 of the whole state's single-message encoding (`encodeGroupControl({type:'state'})`). */
  readonly digest: Uint8Array;
  /** 0..count-1; the members of all parts in index order are the state's members in order. */
  readonly index: number;
  readonly count: number;
  readonly members: readonly GroupMember[];
  /** Part 0 only. */
  readonly name?: string;
  /** Part 0 only, and only in a member's copy (as in `state`). */
  readonly secret?: Uint8Array;
}

/**
 * A membership or name change for members who hold the state it follows (docs/GROUPS.md
 * "Deltas"): applied to the state whose digest is `base`, it must give the state whose digest is
 * `digest`, or it is refused. Members keep their order; updated ones stay in place, added ones
 * come last.
 */
export interface GroupDelta {
  readonly type: 'delta';
  readonly id: string;
  /** The resulting epoch (the state it follows has epoch - 1). */
  readonly epoch: number;
  /** stateDigest of the state it applies to, as its members hold it (with its secret). */
  readonly base: Uint8Array;
  /** stateDigest of the resulting state as this copy gives it (a removed member's: no secret). */
  readonly digest: Uint8Array;
  /** The new name, only when it changed. */
  readonly name?: string;
  readonly add: readonly GroupMember[];
  /** Members whose name, role or card changed (whole entries). */
  readonly update: readonly GroupMember[];
  readonly remove: readonly string[];
  /** The new epoch's secret (large groups), never in a removed member's copy. */
  readonly secret?: Uint8Array;
}

/** A whole state to fetch from its sender (groups/state-fetch.ts). */
export interface GroupStateRef {
  readonly type: 'state-ref';
  readonly id: string;
  readonly epoch: number;
  /** SHA-256 of the state's `state` payload without its secret (what a fetch returns). */
  readonly digest: Uint8Array;
  /** The epoch's secret, for a member (never fetched: it travels only here). */
  readonly secret?: Uint8Array;
}

export type GroupControl =
  | { readonly type: 'state'; readonly group: GroupState }
  /**
   * Between our own devices only (docs/MULTI-DEVICE.md "Groups"): the state this device holds as
   * an active member, and who issued it, so our other device holds the same.
   */
  | { readonly type: 'own-state'; readonly group: GroupState; readonly author: string }
  /** An `own-state` too large for one payload: its state fetched from the device that sent it. */
  | (Omit<GroupStateRef, 'type'> & { readonly type: 'own-state-ref'; readonly author: string })
  | GroupStatePart
  | GroupDelta
  | GroupStateRef
  | { readonly type: 'state-request'; readonly id: string; readonly epoch: number }
  | { readonly type: 'leave'; readonly id: string; readonly epoch: number }
  | { readonly type: 'sender-key'; readonly id: string; readonly epoch: number; readonly key: Uint8Array }
  | {
      readonly type: 'picture';
      readonly id: string;
      /** The epoch of the admin's view when they set it (a member waits for that state). */
      readonly epoch: number;
      /** When it was set (ms); the newer picture wins, ties by the setter's PeerId. */
      readonly at: number;
      readonly picture: GroupPicture | null;
    };

const bad = (why: string): InboundError => new InboundError('bad-message', `group control: ${why}`);

export const isGroupId = (id: unknown): id is string => typeof id === 'string' && /^[0-9a-f]{32}$/.test(id);

/** A name check that does not depend on the account module (also used on receive). */
export function validGroupName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.trim() === name &&
    name.length > 0 &&
    name.length <= DISPLAY_NAME_MAX_CHARS &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    !/[\u0000-\u001f\u007f]/.test(name)
  );
}

const epochOk = (e: unknown): e is number =>
  typeof e === 'number' && Number.isInteger(e) && e >= 1 && e <= GROUP_EPOCH_MAX;

/** base64url of cards already encoded (a state is encoded again on every save, ~1,000 cards). */
const encodedCards = new WeakMap<Uint8Array, string>();

function cardText(card: Uint8Array): string {
  let text = encodedCards.get(card);
  if (text === undefined) {
    text = toBase64Url(card);
    encodedCards.set(card, text);
  }
  return text;
}

export const encodeGroupMember = (m: GroupMember): Record<string, unknown> => ({
  peerId: m.peerId,
  name: m.name,
  role: m.role,
  card: cardText(m.card),
});

export function encodeGroupState(g: GroupState): Record<string, unknown> {
  const out = { id: g.id, name: g.name, epoch: g.epoch, members: g.members.map(encodeGroupMember) };
  return g.secret ? { ...out, secret: toBase64Url(g.secret) } : out;
}

/** The body of a `state-part` (members already encoded: the splitter measures them). */
export function statePartBody(
  p: Omit<GroupStatePart, 'members' | 'type'>,
  members: readonly Record<string, unknown>[],
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    v: GROUP_CONTROL_VERSION,
    type: 'state-part',
    id: p.id,
    epoch: p.epoch,
    digest: toBase64Url(p.digest),
    index: p.index,
    count: p.count,
    members,
  };
  if (p.name !== undefined) body.name = p.name;
  if (p.secret) body.secret = toBase64Url(p.secret);
  return body;
}

/** The state as a member being removed gets it: without the new epoch's secret. */
export function withoutSecret(g: GroupState): GroupState {
  const { secret: _secret, ...rest } = g;
  return rest;
}

export function encodeGroupControl(c: GroupControl): Uint8Array {
  const bytes = utf8(JSON.stringify(controlBody(c)));
  decodeGroupControl(bytes); // what we send must pass our own checks
  return bytes;
}

function controlBody(c: GroupControl): Record<string, unknown> {
  const v = GROUP_CONTROL_VERSION;
  switch (c.type) {
    case 'state':
      return { v, type: c.type, group: encodeGroupState(c.group) };
    case 'own-state':
      return { v, type: c.type, group: encodeGroupState(c.group), author: c.author };
    case 'state-part':
      return statePartBody(c, c.members.map(encodeGroupMember));
    case 'delta':
      return deltaBody(c);
    case 'state-ref': {
      const ref = { v, type: c.type, id: c.id, epoch: c.epoch, digest: toBase64Url(c.digest) };
      return c.secret ? { ...ref, secret: toBase64Url(c.secret) } : ref;
    }
    case 'own-state-ref': {
      const ref = {
        v,
        type: c.type,
        id: c.id,
        epoch: c.epoch,
        digest: toBase64Url(c.digest),
        author: c.author,
      };
      return c.secret ? { ...ref, secret: toBase64Url(c.secret) } : ref;
    }
    case 'leave':
    case 'state-request':
      return { v, type: c.type, id: c.id, epoch: c.epoch };
    case 'picture': {
      const picture = c.picture && { type: c.picture.type, data: toBase64Url(c.picture.data) };
      return { v, type: c.type, id: c.id, epoch: c.epoch, at: c.at, picture };
    }
    case 'sender-key':
      return { v, type: c.type, id: c.id, epoch: c.epoch, key: toBase64Url(c.key) };
  }
}

function deltaBody(d: GroupDelta): Record<string, unknown> {
  const body: Record<string, unknown> = {
    v: GROUP_CONTROL_VERSION,
    type: 'delta',
    id: d.id,
    epoch: d.epoch,
    base: toBase64Url(d.base),
    digest: toBase64Url(d.digest),
    add: d.add.map(encodeGroupMember),
    update: d.update.map(encodeGroupMember),
    remove: d.remove,
  };
  if (d.name !== undefined) body.name = d.name;
  if (d.secret) body.secret = toBase64Url(d.secret);
  return body;
}

function decodeDelta(o: Record<string, unknown>): GroupDelta {
  only(
    o,
    ['v', 'type', 'id', 'epoch', 'base', 'digest', 'name', 'add', 'update', 'remove', 'secret'],
    'delta',
  );
  if (!isGroupId(o.id) || !epochOk(o.epoch) || o.epoch < 2) throw bad('bad delta');
  const digest = (v: unknown, what: string): Uint8Array => {
    const d = bytes(v, what, GROUP_STATE_DIGEST_BYTES);
    if (d.length !== GROUP_STATE_DIGEST_BYTES) throw bad(`the ${what} has a bad size`);
    return d;
  };
  const list = (v: unknown, what: string): unknown[] => {
    if (!Array.isArray(v) || v.length > GROUP_MAX_MEMBERS) throw bad(`bad ${what} list`);
    return v;
  };
  const add = decodeMembers(list(o.add, 'add'));
  const update = decodeMembers(list(o.update, 'update'));
  const remove = list(o.remove, 'remove');
  const seen = new Set<string>();
  for (const p of [...add.map((m) => m.peerId), ...update.map((m) => m.peerId), ...remove]) {
    if (typeof p !== 'string' || p.length === 0 || p.length > 128 || seen.has(p))
      throw bad('a member is named twice in a delta');
    seen.add(p);
  }
  if (o.name !== undefined && !validGroupName(o.name)) throw bad('bad group name');
  const delta: GroupDelta = {
    type: 'delta',
    id: o.id,
    epoch: o.epoch,
    base: digest(o.base, 'base digest'),
    digest: digest(o.digest, 'digest'),
    add,
    update,
    remove: remove as string[],
    ...(o.name !== undefined ? { name: o.name as string } : {}),
  };
  return o.secret === undefined ? delta : { ...delta, secret: decodeSecret(o.secret) };
}

function only(o: Record<string, unknown>, keys: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw bad(`unexpected field "${k}" in ${what}`);
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function bytes(v: unknown, what: string, max: number): Uint8Array {
  if (typeof v !== 'string') throw bad(`${what} must be base64url`);
  let out: Uint8Array;
  try {
    out = fromBase64Url(v);
  } catch {
    throw bad(`${what} must be base64url`);
  }
  if (out.length === 0 || out.length > max) throw bad(`${what} has a bad size`);
  return out;
}

export function decodeGroupState(v: unknown): GroupState {
  const g = object(v, 'group');
  only(g, ['id', 'name', 'epoch', 'members', 'secret'], 'group');
  if (!isGroupId(g.id)) throw bad('bad group id');
  if (!validGroupName(g.name)) throw bad('bad group name');
  if (!epochOk(g.epoch)) throw bad('bad epoch');
  if (!Array.isArray(g.members) || g.members.length === 0 || g.members.length > GROUP_MAX_MEMBERS)
    throw bad(`a group has 1..${GROUP_MAX_MEMBERS} members`);
  const members = decodeMembers(g.members);
  if (!members.some((m) => m.role === 'admin')) throw bad('a group needs an admin');
  const state = { id: g.id, name: g.name, epoch: g.epoch, members };
  if (g.secret === undefined) return state;
  return { ...state, secret: decodeSecret(g.secret) };
}

function decodeSecret(v: unknown): Uint8Array {
  const secret = bytes(v, 'secret', GROUP_SECRET_BYTES);
  if (secret.length !== GROUP_SECRET_BYTES) throw bad('the group secret has a bad size');
  return secret;
}

/** Members, in order, PeerIds unique within the list (across parts: checked once assembled). */
function decodeMembers(list: readonly unknown[]): GroupMember[] {
  const seen = new Set<string>();
  return list.map((raw): GroupMember => {
    const m = object(raw, 'member');
    only(m, ['peerId', 'name', 'role', 'card'], 'member');
    if (typeof m.peerId !== 'string' || m.peerId.length === 0 || m.peerId.length > 128 || seen.has(m.peerId))
      throw bad('bad or repeated member id');
    seen.add(m.peerId);
    if (!validGroupName(m.name)) throw bad('bad member name');
    if (m.role !== 'admin' && m.role !== 'member') throw bad('bad member role');
    return {
      peerId: m.peerId,
      name: m.name,
      role: m.role,
      card: bytes(m.card, 'card', GROUP_CARD_MAX_BYTES),
    };
  });
}

const indexOk = (n: unknown, below: number): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < below;

function decodeStatePart(o: Record<string, unknown>): GroupStatePart {
  only(
    o,
    ['v', 'type', 'id', 'epoch', 'digest', 'index', 'count', 'members', 'name', 'secret'],
    'state-part',
  );
  if (!isGroupId(o.id) || !epochOk(o.epoch)) throw bad('bad state-part');
  const digest = bytes(o.digest, 'digest', GROUP_STATE_DIGEST_BYTES);
  if (digest.length !== GROUP_STATE_DIGEST_BYTES) throw bad('the state digest has a bad size');
  // A state that fits one payload is sent whole: a split one has 2..GROUP_STATE_PARTS_MAX parts.
  if (!indexOk(o.count, GROUP_STATE_PARTS_MAX + 1) || o.count < 2) throw bad('bad part count');
  if (!indexOk(o.index, o.count)) throw bad('bad part index');
  if (!Array.isArray(o.members) || o.members.length === 0 || o.members.length > GROUP_MAX_MEMBERS)
    throw bad(`a part has 1..${GROUP_MAX_MEMBERS} members`);
  const head = o.index === 0;
  if (head !== (o.name !== undefined)) throw bad('only part 0 carries the group name');
  if (!head && o.secret !== undefined) throw bad('only part 0 carries the group secret');
  if (head && !validGroupName(o.name)) throw bad('bad group name');
  const part = {
    type: 'state-part' as const,
    id: o.id,
    epoch: o.epoch,
    digest,
    index: o.index,
    count: o.count,
    members: decodeMembers(o.members),
  };
  const named = head ? { ...part, name: o.name as string } : part;
  return o.secret === undefined ? named : { ...named, secret: decodeSecret(o.secret) };
}

export function decodeGroupControl(payload: Uint8Array): GroupControl {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(payload));
  } catch {
    throw bad('not UTF-8 JSON');
  }
  const o = object(parsed, 'control');
  if (o.v !== GROUP_CONTROL_VERSION) throw bad(`unsupported version ${String(o.v)}`);
  switch (o.type) {
    case 'state':
      only(o, ['v', 'type', 'group'], 'state');
      return { type: 'state', group: decodeGroupState(o.group) };
    case 'own-state': {
      only(o, ['v', 'type', 'group', 'author'], 'own-state');
      // (its author may have left with it: an admin who leaves issues the state without themselves)
      if (typeof o.author !== 'string' || o.author.length === 0 || o.author.length > 128)
        throw bad('bad own-state author');
      return { type: 'own-state', group: decodeGroupState(o.group), author: o.author };
    }
    case 'state-part':
      return decodeStatePart(o);
    case 'delta':
      return decodeDelta(o);
    case 'state-ref': {
      only(o, ['v', 'type', 'id', 'epoch', 'digest', 'secret'], 'state-ref');
      if (!isGroupId(o.id) || !epochOk(o.epoch)) throw bad('bad state-ref');
      const digest = bytes(o.digest, 'digest', GROUP_STATE_DIGEST_BYTES);
      if (digest.length !== GROUP_STATE_DIGEST_BYTES) throw bad('the state digest has a bad size');
      const ref = { type: 'state-ref' as const, id: o.id, epoch: o.epoch, digest };
      return o.secret === undefined ? ref : { ...ref, secret: decodeSecret(o.secret) };
    }
    case 'own-state-ref': {
      only(o, ['v', 'type', 'id', 'epoch', 'digest', 'secret', 'author'], 'own-state-ref');
      if (!isGroupId(o.id) || !epochOk(o.epoch)) throw bad('bad own-state-ref');
      if (typeof o.author !== 'string' || o.author.length === 0 || o.author.length > 128)
        throw bad('bad own-state-ref author');
      const digest = bytes(o.digest, 'digest', GROUP_STATE_DIGEST_BYTES);
      if (digest.length !== GROUP_STATE_DIGEST_BYTES) throw bad('the state digest has a bad size');
      const ref = { type: 'own-state-ref' as const, id: o.id, epoch: o.epoch, digest, author: o.author };
      return o.secret === undefined ? ref : { ...ref, secret: decodeSecret(o.secret) };
    }
    case 'leave':
    case 'state-request':
      only(o, ['v', 'type', 'id', 'epoch'], o.type);
      if (!isGroupId(o.id) || !epochOk(o.epoch)) throw bad(`bad ${o.type}`);
      return { type: o.type, id: o.id, epoch: o.epoch };
    case 'sender-key':
      only(o, ['v', 'type', 'id', 'epoch', 'key'], 'sender-key');
      if (!isGroupId(o.id) || !epochOk(o.epoch)) throw bad('bad sender-key');
      return { type: 'sender-key', id: o.id, epoch: o.epoch, key: bytes(o.key, 'key', 256) };
    case 'picture': {
      only(o, ['v', 'type', 'id', 'epoch', 'at', 'picture'], 'picture');
      if (!isGroupId(o.id) || !epochOk(o.epoch)) throw bad('bad picture');
      if (typeof o.at !== 'number' || !Number.isSafeInteger(o.at) || o.at < 0) throw bad('bad picture time');
      return { type: 'picture', id: o.id, epoch: o.epoch, at: o.at, picture: decodePicture(o.picture) };
    }
    default:
      throw bad('unknown control type');
  }
}

function decodePicture(v: unknown): GroupPicture | null {
  if (v === null) return null;
  const p = object(v, 'picture');
  only(p, ['type', 'data'], 'picture');
  if (typeof p.type !== 'string') throw bad('bad picture type');
  const picture = { type: p.type as GroupPictureType, data: bytes(p.data, 'picture', 64 * 1024) };
  const problem = pictureProblem(picture);
  if (problem) throw bad(problem);
  return picture;
}

/** Not a failure: what this frame needs has not arrived yet. */
export class GroupNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GroupNotReadyError';
  }
}

/** Application kinds a group message may carry. */
export const GROUP_MESSAGE_KINDS: ReadonlySet<AppBody['kind']> = new Set<AppBody['kind']>([
  'text',
  'attachment',
  'reaction',
  'edit',
  'delete',
  'read',
  'typing',
]);
