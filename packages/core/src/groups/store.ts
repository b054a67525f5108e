/**
 * Groups at rest (docs/GROUPS.md "Storage"): the group state, our own sender
 * key and the other members' sender keys, each sealed by the vault under its
 * own label so a sealed value cannot be swapped for another.
 *
 *   GroupRecord.data                  label `group:<id>`              {state, author, prev, status, owed, change?, leaving, picture?, invitedAt?}
 *   sender key (groupId, our PeerId)  label `sender-key:<id>:<peer>`  {own: {epoch, key, sentTo, announce?}}
 *   sender key (groupId, member)      same label scheme               {keys: [{epoch, receiver, announce?, device?}]}
 *   sender key (groupId, `devices:self`)  our other devices' keys     {keys: [...]} (docs/MULTI-DEVICE.md "Groups")
 *
 * Our own key lives in the sender-key table rather than in GroupRecord.data:
 * it advances with every message we send, and re-sealing the whole state
 * (with every member's card) per message would cost far more.
 */
import {
  deserializeSenderKey,
  deserializeSenderKeyReceiver,
  type SenderKeyReceiver,
  type SenderKeyState,
  serializeSenderKey,
  serializeSenderKeyReceiver,
} from '@parley/crypto';
import { type Account, accountIdOf } from '../account/index.ts';
import { CoreError, fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { GroupsTx } from '../ports/index.ts';
import type { GroupRole, GroupStatus } from '../views/index.ts';
import { decodeGroupState, encodeGroupState, type GroupMember, type GroupState } from './codec.ts';
import type { GroupPicture, GroupPictureType } from './picture.ts';

/**
 * Who we are in groups: the account id (the founding device's PeerId). Every device of the account
 * is the same member; each has its own sender key (docs/MULTI-DEVICE.md "Groups").
 */
export const selfId = (ctx: Ctx): string => accountIdOf(ctx.account.info);

/** The row of our other devices' sender keys (ours is under this device's PeerId). */
export const OWN_DEVICES_ROW = 'devices:self';

/** The sender-key row of `member`'s receiver states. */
const receiverRow = (ctx: Ctx, member: string): string => (member === selfId(ctx) ? OWN_DEVICES_ROW : member);

/** Devices whose sender keys a member's row may hold (a device list's bound). */
export const DEVICES_PER_MEMBER_MAX = 8;

/** Forgets a member's sender keys in a group (ours too, with our other devices', when it is us). */
export function forgetSenderKeys(ctx: Ctx, tx: GroupsTx, groupId: string, member: string): void {
  tx.deleteSenderKey(groupId, member);
  if (member !== selfId(ctx)) return;
  tx.deleteSenderKey(groupId, OWN_DEVICES_ROW);
  tx.deleteSenderKey(groupId, ctx.account.info.peerId);
}

/** Receiver states kept per member's device: the current epoch's and the one before (late messages). */
export const SENDER_KEYS_KEPT = 2;

export interface StoredGroup {
  readonly state: GroupState;
  /** Who issued this state (ties between concurrent changes are broken by this PeerId). */
  readonly author: string;
  /** Members and roles of the previous epoch: who may issue a competing state for the same epoch. */
  readonly prev: ReadonlyArray<{ readonly peerId: string; readonly role: GroupRole }>;
  readonly status: GroupStatus;
  /** Peers who must get the current state from us, once we have a session with them. */
  readonly owed: readonly string[];
  /**
   * Our own change (we are the admin who issued this state) still to be told, as a delta, to
   * these peers: members who held the state it follows, and those it removed (their copy has no
   * secret). Sent in batches, each in its own transaction (send.ts `flushOwed`).
   */
  readonly change?: PendingChange;
  /**
   * A delta from this admin did not follow the state we hold (we missed a change, or hold the
   * losing one of two competing states): ask them for the whole state of at least this epoch
   * (syncGroup sends the `state-request`; their answer may skip epochs).
   */
  readonly wants?: { readonly from: string; readonly epoch: number; readonly sent?: boolean };
  /** Members who announced they leave; the first admin (lowest PeerId) removes them. */
  readonly leaving: readonly string[];
  readonly createdAt: number;
  /** The group picture, when an admin set one: who set it and when (the newer one wins). */
  readonly picture?: StoredPicture;
  /** `invited` only: when the invitation first arrived (the oldest go first beyond the bound). */
  readonly invitedAt?: number;
}

export interface PendingChange {
  readonly to: readonly string[];
  /** The `delta` payload for members of the new state. */
  readonly member: Uint8Array;
  /** The one for peers it removes (without the secret), if it removes any. */
  readonly removed?: Uint8Array;
}

export interface StoredPicture extends GroupPicture {
  readonly at: number;
  readonly by: string;
}

/** A group we hold `state` of as an active member, issued by `author`: nothing owed, nobody leaving. */
export function activeGroup(
  state: GroupState,
  author: string,
  createdAt: number,
  prev: StoredGroup['prev'] = [],
): StoredGroup {
  return { state, author, prev, status: 'active', owed: [], leaving: [], createdAt };
}

export interface OwnSenderKey {
  readonly epoch: number;
  readonly key: SenderKeyState;
  /**
   * Members this key was distributed to (queued in their outbox); in a large group, every
   * member of the epoch once `announce` is made (they get it from the topic or by catch-up).
   */
  readonly sentTo: readonly string[];
  /** Large groups: our key announcement for this epoch (groups/key-announce.ts), published as is. */
  readonly announce?: Uint8Array;
}

export interface ReceivedSenderKey {
  readonly epoch: number;
  readonly receiver: SenderKeyReceiver;
  /** Large groups: the announcement this key came in, kept to answer other members' catch-up. */
  readonly announce?: Uint8Array;
  /** The member's device that sent it, when not their first (each device has its own key). */
  readonly device?: string;
}

const groupLabel = (id: string): string => `group:${id}`;
const keyLabel = (id: string, peer: string): string => `sender-key:${id}:${peer}`;

/** Decoded groups kept per messenger (keyed by its account), newest last. */
export const GROUP_CACHE_MAX = 16;
const cache = new WeakMap<Account, Map<string, { readonly data: Uint8Array; readonly group: StoredGroup }>>();

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * The stored group, or undefined. Opening and decoding a 500-member state
 * takes milliseconds and happens for every incoming group message, so the
 * result is kept for as long as the sealed record is byte-for-byte the same
 * (every save re-seals with a fresh nonce, so any change is a miss).
 */
export function loadGroup(ctx: Ctx, tx: GroupsTx, id: string): StoredGroup | undefined {
  const record = tx.getGroup(id);
  if (!record) return undefined;
  let groups = cache.get(ctx.account);
  if (!groups) {
    groups = new Map();
    cache.set(ctx.account, groups);
  }
  const hit = groups.get(id);
  if (hit && hit.group.createdAt === record.createdAt && sameBytes(hit.data, record.data)) return hit.group;
  const group = decodeGroup(ctx, id, record);
  remember(ctx, id, record.data, group);
  return group;
}

/**
 * Keeps `group` as the decoded form of the sealed `data`. saveGroup calls it too: what it sealed
 * is what the next load would decode, so the next load (the next batch of a change, the next
 * message) neither opens nor decodes it, and keeps the same state object (whose encodings are
 * cached by identity). A transaction rolled back leaves other bytes in the store: a miss.
 */
function remember(ctx: Ctx, id: string, data: Uint8Array, group: StoredGroup): void {
  let groups = cache.get(ctx.account);
  if (!groups) {
    groups = new Map();
    cache.set(ctx.account, groups);
  }
  groups.delete(id);
  groups.set(id, { data: new Uint8Array(data), group });
  for (const key of groups.keys()) {
    if (groups.size <= GROUP_CACHE_MAX) break;
    groups.delete(key);
  }
}

function decodeGroup(ctx: Ctx, id: string, record: { data: Uint8Array; createdAt: number }): StoredGroup {
  const raw = JSON.parse(fromUtf8(ctx.account.vault.open(groupLabel(id), record.data))) as Record<
    string,
    unknown
  >;
  return {
    state: decodeGroupState(raw.state),
    author: raw.author as string,
    prev: raw.prev as StoredGroup['prev'],
    status: raw.status as GroupStatus,
    owed: raw.owed as string[],
    ...(raw.change ? { change: changeFrom(raw.change as Record<string, unknown>) } : {}),
    ...(raw.wants ? { wants: raw.wants as NonNullable<StoredGroup['wants']> } : {}),
    leaving: raw.leaving as string[],
    createdAt: record.createdAt,
    ...(raw.picture ? { picture: pictureFrom(raw.picture as Record<string, unknown>) } : {}),
    ...(typeof raw.invitedAt === 'number' ? { invitedAt: raw.invitedAt } : {}),
  };
}

const changeFrom = (c: Record<string, unknown>): PendingChange => ({
  to: c.to as string[],
  member: fromBase64Url(c.member as string),
  ...(typeof c.removed === 'string' ? { removed: fromBase64Url(c.removed) } : {}),
});

const pictureFrom = (p: Record<string, unknown>): StoredPicture => ({
  type: p.type as GroupPictureType,
  data: fromBase64Url(p.data as string),
  at: p.at as number,
  by: p.by as string,
});

export function saveGroup(ctx: Ctx, tx: GroupsTx, g: StoredGroup): void {
  const json = {
    state: encodeGroupState(g.state),
    author: g.author,
    prev: g.prev,
    status: g.status,
    owed: g.owed,
    ...(g.change
      ? {
          change: {
            to: g.change.to,
            member: toBase64Url(g.change.member),
            ...(g.change.removed ? { removed: toBase64Url(g.change.removed) } : {}),
          },
        }
      : {}),
    ...(g.wants ? { wants: g.wants } : {}),
    leaving: g.leaving,
    ...(g.picture
      ? {
          picture: {
            type: g.picture.type,
            data: toBase64Url(g.picture.data),
            at: g.picture.at,
            by: g.picture.by,
          },
        }
      : {}),
    ...(g.invitedAt !== undefined ? { invitedAt: g.invitedAt } : {}),
  };
  const data = ctx.account.vault.seal(groupLabel(g.state.id), utf8(JSON.stringify(json)));
  tx.putGroup({ id: g.state.id, data, createdAt: g.createdAt, updatedAt: ctx.now() });
  remember(ctx, g.state.id, data, g);
}

export function listGroups(ctx: Ctx, tx: GroupsTx): StoredGroup[] {
  return tx.listGroups().flatMap((r) => {
    const g = loadGroup(ctx, tx, r.id);
    return g ? [g] : [];
  });
}

/**
 * A group by id, or by name (case-insensitive; active groups first). Throws
 * `unknown-contact` (the name names neither a contact nor a group).
 */
export function findGroup(ctx: Ctx, tx: GroupsTx, nameOrId: string): StoredGroup {
  const wanted = nameOrId.trim();
  const byId = /^[0-9a-f]{32}$/.test(wanted) ? loadGroup(ctx, tx, wanted) : undefined;
  if (byId) return byId;
  const lower = wanted.toLowerCase();
  const matches = listGroups(ctx, tx).filter((g) => g.state.name.toLowerCase() === lower);
  const found = matches.find((g) => g.status === 'active') ?? matches[0];
  if (!found)
    throw new CoreError(
      'unknown-contact',
      `no contact or group named "${nameOrId}"; see "parley contacts list" and "parley group list"`,
    );
  return found;
}

/** Peers still owed a state of ours (whole or as a delta): the batches left to send. */
export const changeOwed = (g: StoredGroup): number => g.owed.length + (g.change?.to.length ?? 0);

export function memberOf(g: StoredGroup, peerId: string): GroupMember | undefined {
  return g.state.members.find((m) => m.peerId === peerId);
}

export const isAdmin = (g: StoredGroup, peerId: string): boolean => memberOf(g, peerId)?.role === 'admin';

export function loadOwnKey(ctx: Ctx, tx: GroupsTx, groupId: string): OwnSenderKey | undefined {
  const peer = ctx.account.info.peerId;
  const sealed = tx.getSenderKey(groupId, peer);
  if (!sealed) return undefined;
  const raw = JSON.parse(fromUtf8(ctx.account.vault.open(keyLabel(groupId, peer), sealed))) as {
    own: { epoch: number; key: string; sentTo: string[]; announce?: string };
  };
  return {
    epoch: raw.own.epoch,
    key: deserializeSenderKey(fromBase64Url(raw.own.key)),
    sentTo: raw.own.sentTo,
    ...(raw.own.announce !== undefined ? { announce: fromBase64Url(raw.own.announce) } : {}),
  };
}

export function saveOwnKey(ctx: Ctx, tx: GroupsTx, groupId: string, own: OwnSenderKey): void {
  const peer = ctx.account.info.peerId;
  const json = {
    own: {
      epoch: own.epoch,
      key: toBase64Url(serializeSenderKey(own.key)),
      sentTo: own.sentTo,
      ...(own.announce ? { announce: toBase64Url(own.announce) } : {}),
    },
  };
  tx.putSenderKey(groupId, peer, ctx.account.vault.seal(keyLabel(groupId, peer), utf8(JSON.stringify(json))));
}

/** A member's receiver states, of every device of theirs (ours: our other devices' keys). */
export function loadReceivers(ctx: Ctx, tx: GroupsTx, groupId: string, peer: string): ReceivedSenderKey[] {
  const row = receiverRow(ctx, peer);
  const sealed = tx.getSenderKey(groupId, row);
  if (!sealed) return [];
  const raw = JSON.parse(fromUtf8(ctx.account.vault.open(keyLabel(groupId, row), sealed))) as {
    keys: Array<{ epoch: number; receiver: string; announce?: string; device?: string }>;
  };
  return raw.keys.map((k) => ({
    epoch: k.epoch,
    receiver: deserializeSenderKeyReceiver(fromBase64Url(k.receiver)),
    ...(k.announce !== undefined ? { announce: fromBase64Url(k.announce) } : {}),
    ...(k.device !== undefined ? { device: k.device } : {}),
  }));
}

/** Keeps the SENDER_KEYS_KEPT newest epochs of each device, of at most 8 devices. */
export function saveReceivers(
  ctx: Ctx,
  tx: GroupsTx,
  groupId: string,
  peer: string,
  keys: readonly ReceivedSenderKey[],
): void {
  const perDevice = new Map<string, number>();
  const kept = [...keys]
    .sort((a, b) => b.epoch - a.epoch)
    .filter((k) => {
      const device = k.device ?? peer;
      const n = perDevice.get(device) ?? 0;
      if (n >= SENDER_KEYS_KEPT || (n === 0 && perDevice.size >= DEVICES_PER_MEMBER_MAX)) return false;
      perDevice.set(device, n + 1);
      return true;
    });
  const json = {
    keys: kept.map((k) => ({
      epoch: k.epoch,
      receiver: toBase64Url(serializeSenderKeyReceiver(k.receiver)),
      ...(k.announce ? { announce: toBase64Url(k.announce) } : {}),
      ...(k.device !== undefined && k.device !== peer ? { device: k.device } : {}),
    })),
  };
  const row = receiverRow(ctx, peer);
  tx.putSenderKey(groupId, row, ctx.account.vault.seal(keyLabel(groupId, row), utf8(JSON.stringify(json))));
}
