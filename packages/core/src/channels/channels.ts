/**
 * Channels (docs/CHANNELS.md): one owner (and appointed publishers) post,
 * many followers read. Posts are signed by the publisher's Ed25519 key listed
 * in the channel's signed descriptor, published on a gossipsub topic, stored
 * by every follower after verification, and fetched again from any peer that
 * has them with a sync query on /parley/query (the signatures make relaying
 * safe). Private channels seal post bodies under a content key that the owner
 * hands to approved followers through the pairwise sessions and rotates when
 * one is removed.
 *
 * This file composes the parts: owner.ts (create, invite, followers, publishers), follow.ts,
 * publish.ts (posting), ingest.ts (storing what arrives), sync.ts (catch-up rounds), query.ts
 * (answering them), descriptors.ts (revisions), subscription.ts (topics), over live.ts's runtime.
 */
import { fromBase64Url } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { Effects } from '../messaging/index.ts';
import type { AttachmentRecord, AttachmentsTx, ChannelsTx, ContactsTx } from '../ports/index.ts';
import type { ChannelView, MessageView } from '../views/index.ts';
import type { FileManifest } from '../wire/index.ts';
import { adoptDescriptor, refreshDescriptor } from './descriptors.ts';
import { admitsFileRequests, channelFileFor, findChannelFile } from './files.ts';
import { followChannel, unfollow } from './follow.ts';
import { ingestPost } from './ingest.ts';
import type { ChannelRuntime } from './live.ts';
import { findChannel, resolveChannel } from './names.ts';
import { approveFollower, changePublishers, channelInvite, createChannel, removeFollower } from './owner.ts';
import { listPosts, post, publishOn } from './publish.ts';
import { appoint, dismiss } from './publishers.ts';
import { admitsQueries, answerQuery, type OtherQuery } from './query.ts';
import { owesShare, type ownAndShare, shareChannel, withDeviceKeys } from './share.ts';
import { type ChannelState, getChannelState, loadChannel } from './store.ts';
import { activate, deactivate } from './subscription.ts';
import { syncChannel } from './sync.ts';
import { channelView, emitChannel } from './views.ts';

/** A follower asks known peers for missed posts this often (plus on start, on follow, on a gap). */
export const CHANNEL_SYNC_INTERVAL_MS = 60_000;

export interface Channels {
  start(): void;
  stop(): void;
  createChannel(name: string, options?: { readonly private?: boolean }): ChannelView;
  /** The follow link (and its QR payload: the same text as bytes). */
  channelInvite(name: string): { link: string; qrPayload: Uint8Array };
  followChannel(link: string, name?: string): ChannelView;
  /** With `file`: a file already encrypted into our blob (messenger/attachments.ts), `text` its caption. */
  post(name: string, text: string, file?: FileManifest): MessageView;
  channels(): ChannelView[];
  channel(name: string): ChannelView;
  posts(name: string, query?: { readonly limit?: number; readonly before?: number }): MessageView[];
  unfollow(name: string): ChannelView;
  approveFollower(name: string, contact: string): ChannelView;
  removeFollower(name: string, contact: string): ChannelView;
  /** Owner: appoint a contact as a publisher (a new descriptor revision), or remove one. */
  addPublisher(name: string, contact: string): ChannelView;
  removePublisher(name: string, contact: string): ChannelView;
  /** The channel id for a name that is not a contact's, or undefined (looked up in `tx`). */
  resolve(name: string, tx: ContactsTx & ChannelsTx): string | undefined;
  /** Ask known peers for missed posts now; resolves with the number of new posts stored. */
  sync(name?: string): Promise<number>;
  /**
   * After an incoming transaction committed: the channels its controls changed (`effects.channel`)
   * go live as stored now, are told as `channel` events, and sync. Nothing while stopped.
   */
  applied(effects: Effects): void;
  /**
   * Our device list (or a contact's) changed: each channel is told to our devices that have not
   * had it, and an owned channel lists the posting key of each of our devices (share.ts).
   */
  devicesChanged(): void;
  /** Counters for tests and diagnostics. */
  stats(): { readonly rejected: number; readonly stored: number };
  /** `/parley/file`: whether `peer` may ask at all (files.ts), and the file of ours it may fetch. */
  admitsFileRequests(peer: string): boolean;
  fileFor(tx: AttachmentsTx, peer: string, fileId: string): AttachmentRecord | undefined;
  /** Channel `channelId`'s file with this id (ours or received; `in`: received only). */
  findFile(tx: AttachmentsTx, channelId: string, id: string, direction?: 'in'): AttachmentRecord | undefined;
  /** A channel's name by id, if we have it. */
  nameOf(id: string): string | undefined;
}

export interface ChannelsDeps {
  readonly kick: (peer: string) => void;
  /** Other /parley/query kinds (large groups' catch-up): the transport has one handler. */
  readonly otherQuery?: OtherQuery;
  /** Whether `peer` is a contact (a set lookup): contacts may always ask on /parley/query. */
  readonly isContact?: (peer: string) => boolean;
  /** Starts downloading posts' files (the messenger's downloads). */
  readonly download?: (records: readonly AttachmentRecord[]) => void;
}

export function createChannels(ctx: Ctx, deps: ChannelsDeps): Channels {
  const rt = createRuntime(ctx, deps);
  const { store } = ctx;
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    start() {
      if (rt.started) return;
      rt.started = true;
      start(rt, deps);
      timer = setInterval(() => {
        for (const id of rt.live.keys()) void rt.syncChannel(id);
      }, CHANNEL_SYNC_INTERVAL_MS);
    },
    stop() {
      rt.started = false;
      if (timer) clearInterval(timer);
      for (const id of [...rt.live.keys()]) rt.deactivate(id);
    },
    createChannel: (name, options = {}) => createChannel(rt, deps.kick, name, options),
    channelInvite: (name) => channelInvite(rt, deps.kick, name),
    followChannel: (link, name) => followChannel(rt, deps.kick, link, name),
    post: (name, text, file) => post(rt, name, text, file),
    channels: () =>
      store.transaction((tx) => tx.listChannels().map((r) => channelView(ctx, tx, loadChannel(ctx, r)))),
    channel: (name) => store.transaction((tx) => channelView(ctx, tx, findChannel(ctx, tx, name))),
    posts: (name, query = {}) => listPosts(ctx, name, query),
    unfollow: (name) => unfollow(rt, deps.kick, name),
    approveFollower: (name, contact) => approveFollower(rt, deps.kick, name, contact),
    removeFollower: (name, contact) => removeFollower(rt, deps.kick, name, contact),
    addPublisher: (name, contact) => changePublishers(rt, deps.kick, name, contact, appoint),
    removePublisher: (name, contact) => changePublishers(rt, deps.kick, name, contact, dismiss),
    resolve: (name, tx) => resolveChannel(ctx, tx, name),
    async sync(name) {
      const ids = name ? [store.transaction((tx) => findChannel(ctx, tx, name).id)] : [...rt.live.keys()];
      let total = 0;
      for (const id of ids) total += await rt.syncChannel(id);
      return total;
    },
    applied: (effects) => applied(rt, deps.kick, effects),
    devicesChanged: () => {
      if (rt.started) devicesChanged(rt, deps.kick);
    },
    stats: () => ({ rejected: rt.rejected, stored: rt.stored }),
    admitsFileRequests: (peer) => admitsFileRequests(rt, peer),
    fileFor: (tx, peer, fileId) => channelFileFor(rt, tx, peer, fileId),
    findFile: (tx, channelId, id, direction) => findChannelFile(tx, channelId, id, direction),
    nameOf: (id) => rt.live.get(id)?.state.name,
  };
}

/** The runtime the parts share, its actions bound to the parts' functions. */
function createRuntime(ctx: Ctx, deps: ChannelsDeps): ChannelRuntime {
  const rt: ChannelRuntime = {
    ctx,
    self: ctx.transport.peerId,
    live: new Map(),
    refreshedAt: new Map(),
    started: false,
    rejected: 0,
    stored: 0,
    activate: (s) => activate(rt, s),
    deactivate: (id) => deactivate(rt, id),
    ingest: (id, bytes, from) => ingestPost(rt, id, bytes, from),
    adoptDescriptor: (id, signed) => adoptDescriptor(rt, id, signed),
    refreshDescriptor: (id, peers, force) => refreshDescriptor(rt, id, peers, force),
    syncChannel: (id, first) => syncChannel(rt, id, first),
    download: (records) => deps.download?.(records),
  };
  return rt;
}

/** On start: answer queries, make every stored channel live (subscribed) and sync it. */
function start(rt: ChannelRuntime, deps: ChannelsDeps): void {
  const { ctx } = rt;
  ctx.transport.setQueryHandler(
    (peer, request) => answerQuery(rt, deps.otherQuery, peer, request),
    (peer) => admitsQueries(rt, deps.isContact, peer),
  );
  for (const s of ctx.store.transaction((tx) => tx.listChannels().map((r) => loadChannel(ctx, r))))
    rt.activate(s);
  for (const id of rt.live.keys()) void rt.syncChannel(id);
}

function applied(rt: ChannelRuntime, kick: (peer: string) => void, effects: Effects): void {
  if (!rt.started) return;
  const { ctx } = rt;
  const share = effects.channel?.share ?? new Set<string>();
  for (const id of effects.channel?.changed ?? []) {
    const s = ctx.store.transaction((tx) => getChannelState(ctx, tx, id));
    if (!s) {
      gone(rt, id); // unfollowed on our other device
      continue;
    }
    const fresh = !rt.live.has(id);
    // a contact's control is told to our other devices; an owned channel told by one of ours
    // gets this device's posting key listed (and is told back only if that signed a new revision)
    const now = ctx.store.transaction((tx) => told(ctx, tx, s, share.has(id), kick));
    rt.activate(now);
    emitChannel(ctx, id, fresh ? 'added' : 'changed');
    void rt.syncChannel(id);
  }
}

/** After a change here: `s` told to our other devices if `always` or its descriptor was re-signed. */
function told(
  ctx: Ctx,
  tx: Parameters<typeof ownAndShare>[1],
  s: ChannelState,
  always: boolean,
  kick: (peer: string) => void,
): ChannelState {
  const keyed = withDeviceKeys(ctx, tx, s);
  const resigned = keyed.descriptor !== s.descriptor;
  if (resigned) publishOn(ctx, keyed, fromBase64Url(keyed.descriptor)); // followers learn the new key
  if (!always && !resigned && !owesShare(ctx, tx, keyed)) return keyed;
  for (const peer of shareChannel(ctx, tx, keyed.id, keyed)) kick(peer);
  return getChannelState(ctx, tx, keyed.id) ?? keyed;
}

function devicesChanged(rt: ChannelRuntime, kick: (peer: string) => void): void {
  const { ctx } = rt;
  for (const id of [...rt.live.keys()]) {
    const s = ctx.store.transaction((tx) => {
      const s = getChannelState(ctx, tx, id);
      return s ? told(ctx, tx, s, false, kick) : undefined;
    });
    if (s) rt.activate(s);
  }
}

/** A channel no longer stored (unfollowed on our other device): off its topic, and told. */
function gone(rt: ChannelRuntime, id: string): void {
  const l = rt.live.get(id);
  if (!l) return;
  rt.deactivate(id);
  const v = rt.ctx.store.transaction((tx) => channelView(rt.ctx, tx, l.state));
  rt.ctx.events.emit('channel', { channel: v, change: 'removed' });
}
