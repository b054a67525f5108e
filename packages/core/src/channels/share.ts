/**
 * Channels on every device of an account (docs/MULTI-DEVICE.md "Channels"): a channel followed
 * or owned on one device is told to our other devices as a `channel` sync op (devices/codec.ts),
 * end-to-end encrypted between our devices like every sync copy, and applied there.
 *
 * The share is UTF-8 JSON (≤ the control payload limit, 48 KiB):
 *   { v: 1, name, descriptor (base64url signed), role: "owner" | "follower", status, current,
 *     epochs: [{ epoch, key }] (≤ CHANNEL_SHARE_MAX_EPOCHS), peers (≤ CHANNEL_KNOWN_PEERS_MAX),
 *     owner?: { secret (base64url channel key seed), creator (PeerId), followers, requests
 *               (account ids), appointed: [{ account, key }] } }
 * A publisher appointed by someone else is shared as a follower: its key's sequence numbers are
 * one device's (see "Posting from several devices" below).
 *
 * Posting from several devices: posts are numbered per publisher key (channels/publish.ts), and
 * followers fetch "after the highest contiguous seq" per key, so two devices must never sign with
 * the same key. The device that created the channel posts with the channel key; every other
 * device of ours posts with its own key, derived from the channel key's seed and its PeerId
 * (deviceSeed), listed in the descriptor as a publisher. Any owner device that finds one of our
 * devices' keys missing signs the next revision listing all of them, in device-list order: the
 * derivation and Ed25519 are deterministic, so two devices doing it from the same revision sign
 * the same bytes.
 */
import { accountIdOf } from '../account/index.ts';
import { CoreError, concat, fromBase64Url, fromHex, InboundError, utf8, utf8Text } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { SELF } from '../devices/index.ts';
import { channelEffects, type Effects, syncToOwnDevices } from '../messaging/index.ts';
import type { ChannelsTx, ContactsTx, DevicesTx, OutboxTx, SessionsTx } from '../ports/index.ts';
import { SessionBatch } from '../sessions/index.ts';
import type { ChannelStatus } from '../views/index.ts';
import {
  CHANNEL_MAX_PUBLISHERS,
  type ChannelDescriptor,
  checkChannelName,
  equalBytes,
  keyIdOf,
  openDescriptor,
  signDescriptor,
} from './codec.ts';
import { uniqueChannelName } from './names.ts';
import {
  b64,
  CHANNEL_KNOWN_PEERS_MAX,
  type ChannelState,
  descriptorOf,
  getChannelState,
  saveChannel,
} from './store.ts';

/** Content-key epochs, followers and requests a share carries at most (the newest ones). */
export const CHANNEL_SHARE_MAX_EPOCHS = 128;
export const CHANNEL_SHARE_MAX_FOLLOWERS = 300;
export const CHANNEL_SHARE_MAX_REQUESTS = 100;
const PEER_ID_MAX_CHARS = 128;
const KEY_BYTES = 32;
const DEVICE_KEY_INFO = utf8('Parley_ChannelDeviceKey_v1');

type ShareTx = ContactsTx & ChannelsTx & SessionsTx & OutboxTx & DevicesTx;

interface Share {
  readonly name: string;
  readonly descriptor: string;
  readonly role: 'owner' | 'follower';
  readonly status: ChannelStatus;
  readonly current: number;
  readonly epochs: ReadonlyArray<{ readonly epoch: number; readonly key: string }>;
  readonly peers: readonly string[];
  readonly owner?: {
    readonly secret: string;
    readonly creator: string;
    readonly followers: readonly string[];
    readonly requests: readonly string[];
    readonly appointed: ReadonlyArray<{ readonly account: string; readonly key: string }>;
  };
}

/** The Ed25519 seed our device `peerId` posts with in a channel whose channel key seed is `secret`. */
export function deviceSeed(ctx: Ctx, secret: Uint8Array, channelId: string, peerId: string): Uint8Array {
  return ctx.primitives.hkdfSha256(
    secret,
    fromHex(channelId),
    concat(DEVICE_KEY_INFO, utf8(peerId)),
    KEY_BYTES,
  );
}

/** The device that created `s` (it posts with the channel key); channels made before: the account's first. */
export const creatorOf = (ctx: Ctx, s: ChannelState): string => s.creator ?? descriptorOf(ctx, s).ownerPeerId;

/**
 * Owner: the seed this device signs posts with — the channel key on the device that created the
 * channel, else this device's own key (deviceSeed) once the descriptor lists it; else undefined.
 */
export function postingSeed(ctx: Ctx, s: ChannelState): Uint8Array | undefined {
  if (s.secret === null) return undefined;
  const secret = fromBase64Url(s.secret);
  const self = ctx.account.info.peerId;
  if (s.role !== 'owner' || creatorOf(ctx, s) === self) return secret;
  const seed = deviceSeed(ctx, secret, s.id, self);
  const key = ctx.primitives.ed25519PublicKey(seed);
  return descriptorOf(ctx, s).publishers.some((k) => equalBytes(k, key)) ? seed : undefined;
}

/** Owner: the key ids of posts that are ours (the channel key and our devices' keys). */
export function ownKeyIds(ctx: Ctx, s: ChannelState, d: ChannelDescriptor): ReadonlySet<string> {
  const p = ctx.primitives;
  const appointed = new Set((s.appointed ?? []).map((a) => a.key));
  const ours = d.publishers.filter((k) => !appointed.has(b64(k)));
  return new Set([d.channelKey, ...ours].map((k) => keyIdOf(p, k)));
}

/**
 * Owner: `s` with a descriptor listing the key of each device in our list (in list order), signed
 * as the next revision if one was missing; `s` itself otherwise (or if the publishers are full).
 */
export function withDeviceKeys(ctx: Ctx, tx: DevicesTx & ChannelsTx, s: ChannelState): ChannelState {
  if (s.role !== 'owner' || s.secret === null) return s;
  const secret = fromBase64Url(s.secret);
  const creator = creatorOf(ctx, s);
  const d = descriptorOf(ctx, s);
  const missing = tx
    .listDevices(SELF)
    .filter((dev) => dev.peerId !== creator)
    .map((dev) => ctx.primitives.ed25519PublicKey(deviceSeed(ctx, secret, s.id, dev.peerId)))
    .filter((key) => !d.publishers.some((k) => equalBytes(k, key)));
  if (missing.length === 0 || d.publishers.length + missing.length > CHANNEL_MAX_PUBLISHERS - 1) return s;
  const publishers = [...d.publishers, ...missing];
  const signed = signDescriptor(ctx.primitives, { ...d, publishers, revision: d.revision + 1 }, secret);
  const next = { ...s, descriptor: b64(signed) };
  saveChannel(ctx, tx, next);
  return next;
}

/**
 * Tells our other devices the channel as we hold it now (`s`), or that we unfollowed it
 * (`s` null, channel `id`); records who was told (ChannelState.sharedWith). The PeerIds to kick.
 */
export function shareChannel(ctx: Ctx, tx: ShareTx, id: string, s: ChannelState | null): string[] {
  const sessions = new SessionBatch(tx, ctx.account.vault);
  const state = s === null ? null : utf8(JSON.stringify({ v: 1, ...shareOf(tx, s) }));
  const peers = syncToOwnDevices(ctx, tx, sessions, { op: 'channel', peer: id, state });
  sessions.save();
  if (s !== null) saveChannel(ctx, tx, { ...s, sharedWith: peers });
  return peers;
}

/** Owner: `s` with our devices' keys listed (withDeviceKeys), saved and told to our other devices. */
export function ownAndShare(
  ctx: Ctx,
  tx: ShareTx,
  s: ChannelState,
): { readonly s: ChannelState; readonly peers: string[] } {
  const keyed = withDeviceKeys(ctx, tx, s);
  const peers = shareChannel(ctx, tx, keyed.id, keyed);
  return { s: getChannelState(ctx, tx, keyed.id) ?? keyed, peers };
}

/** Whether some device of ours in the list has not been told of `s` yet. */
export function owesShare(ctx: Ctx, tx: DevicesTx, s: ChannelState): boolean {
  const told = new Set(s.sharedWith ?? []);
  return tx.listDevices(SELF).some((d) => d.peerId !== ctx.account.info.peerId && !told.has(d.peerId));
}

function shareOf(tx: ContactsTx, s: ChannelState): Share {
  const accounts = (ids: readonly string[], max: number) =>
    ids.slice(-max).flatMap((c) => tx.getContact(c)?.peerId ?? []);
  const base = {
    name: s.name,
    descriptor: s.descriptor,
    status: s.status,
    current: s.current,
    epochs: s.epochs.slice(-CHANNEL_SHARE_MAX_EPOCHS),
    peers: s.peers.slice(0, CHANNEL_KNOWN_PEERS_MAX),
  };
  if (s.role !== 'owner' || s.secret === null)
    return { ...base, role: 'follower', status: followerStatus(s) };
  return {
    ...base,
    role: 'owner',
    owner: {
      secret: s.secret,
      creator: s.creator ?? '',
      followers: accounts(s.followers, CHANNEL_SHARE_MAX_FOLLOWERS),
      requests: accounts(s.requests, CHANNEL_SHARE_MAX_REQUESTS),
      appointed: (s.appointed ?? []).flatMap((a) => {
        const c = tx.getContact(a.contact);
        return c ? [{ account: c.peerId, key: a.key }] : [];
      }),
    },
  };
}

const followerStatus = (s: ChannelState): ChannelStatus => (s.status === 'owner' ? 'following' : s.status);

/**
 * Applies a `channel` sync op from our other device: the channel followed or owned here too (a
 * new state, or merged into ours), or unfollowed (`bytes` null). Changed channels go into
 * `effects` (channelEffects: made live after commit; `gone` for a removal).
 */
export function applyChannelShare(
  ctx: Ctx,
  tx: ContactsTx & ChannelsTx & DevicesTx,
  id: string,
  bytes: Uint8Array | null,
  effects: Effects,
): void {
  const held = getChannelState(ctx, tx, id);
  if (bytes === null) {
    if (!held || held.role === 'owner') return; // an owner cannot unfollow
    tx.deleteChannel(id);
    channelEffects(effects).changed.add(id);
    return;
  }
  const share = readShare(ctx, id, bytes);
  const next = held ? merged(ctx, tx, held, share) : fresh(ctx, tx, id, share);
  if (!next) return;
  // the sender told all our devices: not told back (an echo could undo a newer change here)
  const others = tx
    .listDevices(SELF)
    .flatMap((d) => (d.peerId === ctx.account.info.peerId ? [] : [d.peerId]));
  saveChannel(ctx, tx, { ...next, sharedWith: others });
  channelEffects(effects).changed.add(id);
}

/** The channel as a new state here (its own local name, sequence and catch-up marks). */
function fresh(ctx: Ctx, tx: ContactsTx & ChannelsTx, id: string, share: Share): ChannelState {
  return {
    id,
    name: uniqueChannelName(ctx, tx, share.name),
    role: share.role,
    descriptor: share.descriptor,
    secret: share.owner?.secret ?? null,
    nextSeq: 1,
    epochs: share.epochs,
    current: share.current,
    followers: [],
    requests: [],
    status: share.role === 'owner' ? 'owner' : share.status,
    contiguous: {},
    peers: share.peers,
    createdAt: ctx.now(),
    ...ownerFields(tx, share),
    sharedWith: [],
  };
}

/**
 * `held` after the share, or undefined if nothing changes: the descriptor of the higher revision,
 * the epochs of both; an owner's members as the share says (the latest change told wins); a
 * follower's status advances (requested → approved) but is never taken back by an older share.
 */
function merged(ctx: Ctx, tx: ContactsTx, held: ChannelState, share: Share): ChannelState | undefined {
  if (held.role === 'owner' && share.role !== 'owner') return undefined;
  const ours = descriptorOf(ctx, held);
  const theirs = openDescriptor(ctx.primitives, fromBase64Url(share.descriptor));
  if (!equalBytes(ours.channelKey, theirs.channelKey)) return undefined; // not the same channel
  const epochs = new Map(held.epochs.map((e) => [e.epoch, e.key]));
  for (const e of share.epochs) epochs.set(e.epoch, e.key);
  const base: ChannelState = {
    ...held,
    descriptor: theirs.revision > ours.revision ? share.descriptor : held.descriptor,
    epochs: [...epochs].map(([epoch, key]) => ({ epoch, key })).sort((a, b) => a.epoch - b.epoch),
    current: Math.max(held.current, share.current),
  };
  if (share.role === 'owner') {
    return {
      ...base,
      role: 'owner',
      status: 'owner',
      secret: share.owner?.secret ?? null,
      ...ownerFields(tx, share),
    };
  }
  const advanced = held.status === 'requested' && share.status === 'approved';
  const next = advanced ? { ...base, status: 'approved' as const } : base;
  const same =
    next.descriptor === held.descriptor &&
    next.current === held.current &&
    next.epochs.length === held.epochs.length;
  return same && !advanced ? undefined : next;
}

/** An owner share's members as contact ids here (accounts we do not know are left out). */
function ownerFields(tx: ContactsTx, share: Share): Partial<ChannelState> {
  const o = share.owner;
  if (!o) return {};
  const local = (accounts: readonly string[]) => accounts.flatMap((a) => tx.getContactByPeerId(a)?.id ?? []);
  return {
    ...(o.creator ? { creator: o.creator } : {}),
    followers: local(o.followers),
    requests: local(o.requests),
    appointed: o.appointed.flatMap((a) => {
      const c = tx.getContactByPeerId(a.account);
      return c ? [{ contact: c.id, key: a.key }] : [];
    }),
  };
}

/** Parses and checks a share for channel `id`: every field bounded, the descriptor verified, an
 * owner's secret the channel key's. Throws InboundError('bad-message'). */
function readShare(ctx: Ctx, id: string, bytes: Uint8Array): Share {
  const bad = (why: string): never => {
    throw new InboundError('bad-message', `bad channel in a sync copy: ${why}`);
  };
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(utf8Text(bytes)) as Record<string, unknown>;
  } catch {
    return bad('not JSON');
  }
  if (typeof o !== 'object' || o === null || o.v !== 1) return bad('unknown version');
  if (typeof o.descriptor !== 'string' || typeof o.name !== 'string') return bad('no descriptor');
  let d: ChannelDescriptor;
  let name: string;
  try {
    d = openDescriptor(ctx.primitives, fromBase64Url(o.descriptor));
    name = checkChannelName(o.name);
  } catch (error) {
    return bad(error instanceof CoreError ? error.message : 'bad descriptor');
  }
  if (d.id !== id) bad('a descriptor of another channel');
  if (o.role !== 'owner' && o.role !== 'follower') bad('bad role');
  const statuses: readonly unknown[] = ['owner', 'following', 'requested', 'approved', 'removed'];
  if (!statuses.includes(o.status)) bad('bad status');
  if (!Number.isSafeInteger(o.current) || (o.current as number) < 0) bad('bad epoch');
  const epochs = list(o.epochs, CHANNEL_SHARE_MAX_EPOCHS, bad).map((e) => {
    const k = e as Record<string, unknown>;
    if (!Number.isSafeInteger(k.epoch) || typeof k.key !== 'string' || decoded(k.key) !== KEY_BYTES)
      bad('bad content key');
    return { epoch: k.epoch as number, key: k.key as string };
  });
  const peers = list(o.peers, CHANNEL_KNOWN_PEERS_MAX, bad).map((p) => peerId(p, bad));
  const share = {
    name,
    descriptor: o.descriptor,
    role: o.role as Share['role'],
    status: o.status as ChannelStatus,
    current: o.current as number,
    epochs,
    peers,
  };
  if (share.role === 'follower') return share;
  return { ...share, owner: readOwner(ctx, d, o.owner, bad) };
}

function readOwner(
  ctx: Ctx,
  d: ChannelDescriptor,
  raw: unknown,
  bad: (why: string) => never,
): NonNullable<Share['owner']> {
  if (typeof raw !== 'object' || raw === null) return bad('an owner without its secret');
  const o = raw as Record<string, unknown>;
  if (typeof o.secret !== 'string' || decoded(o.secret) !== KEY_BYTES) return bad('bad channel secret');
  // the secret must be the one that signed the descriptor: the channel key's seed
  if (!equalBytes(ctx.primitives.ed25519PublicKey(fromBase64Url(o.secret)), d.channelKey))
    bad('a secret that is not the channel key');
  const creator = o.creator === '' ? '' : peerId(o.creator, bad);
  return {
    secret: o.secret,
    creator,
    followers: list(o.followers, CHANNEL_SHARE_MAX_FOLLOWERS, bad).map((p) => peerId(p, bad)),
    requests: list(o.requests, CHANNEL_SHARE_MAX_REQUESTS, bad).map((p) => peerId(p, bad)),
    appointed: list(o.appointed, CHANNEL_MAX_PUBLISHERS, bad).map((a) => {
      const x = a as Record<string, unknown>;
      if (typeof x.key !== 'string' || decoded(x.key) !== KEY_BYTES) bad('bad publisher key');
      return { account: peerId(x.account, bad), key: x.key as string };
    }),
  };
}

function list(v: unknown, max: number, bad: (why: string) => never): unknown[] {
  if (!Array.isArray(v) || v.length > max) return bad('a list too long or missing');
  return v;
}

function peerId(v: unknown, bad: (why: string) => never): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > PEER_ID_MAX_CHARS) return bad('bad PeerId');
  return v;
}

function decoded(v: string): number {
  try {
    return fromBase64Url(v).length;
  } catch {
    return -1;
  }
}

/** The account id our channels name as their owner (contacts know us by it). */
export const ownerIdOf = (ctx: Ctx): string => accountIdOf(ctx.account.info);
