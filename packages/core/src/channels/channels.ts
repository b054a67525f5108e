/**
 * Channels (docs/CHANNELS.md): one owner (and appointed publishers) post,
 * many followers read. Posts are signed by the publisher's Ed25519 key listed
 * in the channel's signed descriptor, published on a gossipsub topic, stored
 * by every follower after verification, and fetched again from any peer that
 * has them with a sync query on /parley/query (the signatures make relaying
 * safe). Private channels seal post bodies under a content key that the owner
 * hands to approved followers through the pairwise sessions and rotates when
 * one is removed.
 */
import { CoreError, fromBase64Url, shuffled, toHex } from '../base/index.ts';
import { findContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import { compose } from '../messaging/index.ts';
import type { ChannelPostRecord, StoreTx } from '../ports/index.ts';
import type { ChannelEvent, ChannelView, MessageView } from '../views/index.ts';
import { uniqueChannelName } from './apply.ts';
import {
  CHANNEL_MAX_EPOCHS_SENT,
  type ChannelDescriptor,
  checkChannelName,
  decodeChannelLink,
  decodeDescriptorRequest,
  decodePost,
  decodeSyncAnswer,
  decodeSyncRequest,
  encodeChannelLink,
  encodeControl,
  encodeDescriptorRequest,
  encodePost,
  encodeSyncAnswer,
  encodeSyncRequest,
  keyIdOf,
  openPostText,
  POST_MAX_BYTES,
  publisherKeys,
  SYNC_PAGE_MAX_BYTES,
  SYNC_PAGE_MAX_POSTS,
  signDescriptor,
  verifyPost,
} from './codec.ts';
import { appoint, appointmentsOf, dismiss, newerDescriptor } from './publishers.ts';
import {
  b64,
  CHANNEL_KNOWN_PEERS_MAX,
  type ChannelState,
  descriptorOf,
  epochKey,
  getChannelState,
  loadChannel,
  postLabel,
  saveChannel,
  setChannelHook,
} from './store.ts';
import {
  type ChannelTopic,
  openEnvelope,
  privateChannelTopic,
  publicChannelTopic,
  sealEnvelope,
} from './topic.ts';

/** A follower asks known peers for missed posts this often (plus on start, on follow, on a gap). */
export const CHANNEL_SYNC_INTERVAL_MS = 60_000;
/** Peers asked per sync round, and pages asked of one peer per round. */
export const CHANNEL_SYNC_PEERS_PER_ROUND = 4;
export const CHANNEL_SYNC_MAX_PAGES = 64;
/** A post more than this far ahead of what we have from its publisher is dropped (sync fills in first). */
export const POST_SEQ_GAP_MAX = 4096;
/** A post's display time is its publisher's timestamp, but never more than this ahead of our clock. */
export const POST_CLOCK_SKEW_MAX_MS: number = 5 * 60 * 1000;
/** A follower asks for a newer descriptor on an unknown publisher's post at most this often. */
export const DESCRIPTOR_REFRESH_MIN_MS = 10_000;

export interface Channels {
  start(): void;
  stop(): void;
  createChannel(name: string, options?: { readonly private?: boolean }): ChannelView;
  /** The follow link (and its QR payload: the same text as bytes). */
  channelInvite(name: string): { link: string; qrPayload: Uint8Array };
  followChannel(link: string, name?: string): ChannelView;
  post(name: string, text: string): MessageView;
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
  resolve(name: string, tx: StoreTx): string | undefined;
  /** Ask known peers for missed posts now; resolves with the number of new posts stored. */
  sync(name?: string): Promise<number>;
  /** Counters for tests and diagnostics. */
  stats(): { readonly rejected: number; readonly stored: number };
}

interface Live {
  state: ChannelState;
  descriptor: ChannelDescriptor;
  /** The topic we subscribe to now (a private channel's changes with its epoch), if any. */
  topic: ChannelTopic | null;
  /**
   * Who may share this channel with us (its topic, sync and descriptor queries): undefined for a
   * public channel (anyone); for a private one the owner's approved followers and publishers (at
   * the owner), or the owner and the peers that proved they hold the content key (elsewhere).
   */
  allowed: ReadonlySet<string> | undefined;
  unsubscribe: (() => void) | null;
  syncing: Promise<number> | null;
}

export function createChannels(
  ctx: Ctx,
  deps: {
    readonly kick: (peer: string) => void;
    /** Other /parley/query kinds (large groups' catch-up): the transport has one handler. */
    readonly otherQuery?: (peer: string, request: Uint8Array) => Uint8Array | undefined;
    /** Whether `peer` is a contact (a set lookup): contacts may always ask on /parley/query. */
    readonly isContact?: (peer: string) => boolean;
  },
): Channels {
  const { store, transport, primitives: p } = ctx;
  const live = new Map<string, Live>();
  let started = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let rejected = 0;
  let stored = 0;
  const self = transport.peerId;

  const view = (tx: StoreTx, s: ChannelState): ChannelView => {
    const d = descriptorOf(ctx, s);
    const names = (ids: readonly string[]) => ids.flatMap((id) => tx.getContact(id)?.name ?? []);
    return {
      id: s.id,
      name: s.name,
      role: s.role,
      private: d.isPrivate,
      status: s.status,
      posts: tx.countPosts(s.id),
      followers: names(s.followers),
      requests: names(s.requests),
      publishers: names(appointmentsOf(s).map((a) => a.contact)),
      createdAt: s.createdAt,
    };
  };
  const emitChannel = (id: string, change: ChannelEvent['change']): void => {
    const v = store.transaction((tx) => {
      const s = getChannelState(ctx, tx, id);
      return s ? view(tx, s) : undefined;
    });
    if (v) ctx.events.emit('channel', { channel: v, change });
  };

  const find = (tx: StoreTx, name: string): ChannelState => {
    const wanted = name.trim().toLowerCase();
    for (const r of tx.listChannels()) {
      const s = loadChannel(ctx, r);
      if (s.name.toLowerCase() === wanted || s.id === wanted) return s;
    }
    throw new CoreError('bad-input', `no channel named "${name}"; see "parley channel list"`);
  };
  const nameTaken = (tx: StoreTx, name: string): boolean =>
    tx.getContactByName(name) !== undefined ||
    tx.listChannels().some((r) => loadChannel(ctx, r).name.toLowerCase() === name.toLowerCase());

  // ---- post views ------------------------------------------------------------------

  const postView = (s: ChannelState, d: ChannelDescriptor, r: ChannelPostRecord): MessageView | null => {
    const bytes = ctx.account.vault.open(postLabel(s.id), r.post);
    const post = decodePost(bytes);
    const text = openPostText(p, post, (e) => epochKey(s, e));
    if (text === undefined) return null; // sealed under a key we do not have: nothing readable
    const mine =
      s.secret !== null && post.publisher === keyIdOf(p, p.ed25519PublicKey(fromBase64Url(s.secret)));
    const isOwner = post.publisher === keyIdOf(p, d.channelKey);
    return {
      id: `${post.publisher}${post.seq.toString(16).padStart(8, '0')}`,
      conversationId: s.id,
      contact: s.name,
      direction: mine ? 'out' : 'in',
      from: mine ? 'me' : isOwner ? s.name : `${s.name} (${post.publisher.slice(0, 8)})`,
      seq: post.seq,
      sortKey: r.sortKey,
      text,
      replyTo: null,
      sentAt: post.timestamp,
      receivedAt: r.receivedAt,
      status: mine ? 'sent' : 'delivered',
      error: null,
      edited: false,
      deleted: false,
      expiresAt: null,
      reactions: [],
      attachment: null,
      gapBefore: false,
    };
  };

  // ---- storing posts ---------------------------------------------------------------

  /**
   * Verifies and stores one post; true if it was new. `from` (the gossip author of a new post) is
   * remembered as a peer to sync from: it had the post (a private channel's: under the content
   * key). A peer that only asks us is never remembered (a stranger could fill the list).
   */
  const ingest = (id: string, bytes: Uint8Array, from?: string): MessageView | null | false => {
    const l = live.get(id);
    if (!l || bytes.length > POST_MAX_BYTES) return false;
    const post = verifyPost(p, l.descriptor, bytes);
    if (!post) {
      if (adoptDescriptor(id, bytes)) return false; // the owner announced a new revision
      rejected++;
      if (from) void refreshDescriptor(id, [from]); // perhaps a publisher we do not know of yet
      return false;
    }
    const outcome = store.transaction((tx) => {
      const s = getChannelState(ctx, tx, id);
      if (!s) return false;
      let contiguous = s.contiguous[post.publisher] ?? 0;
      if (post.seq > contiguous + POST_SEQ_GAP_MAX) return false;
      const now = ctx.now();
      const at = Math.min(post.timestamp, now + POST_CLOCK_SKEW_MAX_MS);
      const inserted = tx.putPost({
        channelId: id,
        publisher: post.publisher,
        seq: post.seq,
        sortKey: at * 1000 + (post.seq % 1000),
        receivedAt: now,
        post: ctx.account.vault.seal(postLabel(id), bytes),
      });
      let next = s;
      if (inserted === 'inserted') {
        while (tx.getPost(id, post.publisher, contiguous + 1)) contiguous++;
        next = { ...next, contiguous: { ...next.contiguous, [post.publisher]: contiguous } };
        if (from && from !== self && !next.peers.includes(from)) {
          next = { ...next, peers: [from, ...next.peers].slice(0, CHANNEL_KNOWN_PEERS_MAX) };
        }
      }
      if (next !== s) saveChannel(ctx, tx, next);
      l.state = next;
      if (next.peers !== s.peers && l.descriptor.isPrivate && next.role !== 'owner')
        l.allowed = new Set([l.descriptor.ownerPeerId, ...next.peers]);
      if (inserted !== 'inserted') return false;
      const record = tx.getPost(id, post.publisher, post.seq);
      return record ? { view: postView(next, l.descriptor, record), gap: contiguous < post.seq } : false;
    });
    if (!outcome) return false;
    stored++;
    if (outcome.view) ctx.events.emit('post', outcome.view);
    if (outcome.gap && from) void syncChannel(id, [from]);
    return outcome.view;
  };

  // ---- descriptor revisions (appointed publishers) -----------------------------------------

  /** Adopts a newer descriptor of the same channel (same channel key); true if it was one. */
  const adoptDescriptor = (id: string, signed: Uint8Array): boolean => {
    const l = live.get(id);
    if (!l || l.state.role === 'owner') return false;
    const next = store.transaction((tx) => {
      const s = getChannelState(ctx, tx, id);
      if (!s || !newerDescriptor(ctx, s, signed)) return undefined;
      const adopted = { ...s, descriptor: b64(signed) };
      saveChannel(ctx, tx, adopted);
      return adopted;
    });
    if (!next) return false;
    activate(next);
    emitChannel(id, 'changed');
    void syncChannel(id); // a new publisher's earlier posts
    return true;
  };

  const refreshedAt = new Map<string, number>();
  /** Asks peers for the channel's newest descriptor (at most every DESCRIPTOR_REFRESH_MIN_MS unless forced). */
  const refreshDescriptor = async (id: string, peers: readonly string[], force = false): Promise<void> => {
    const last = refreshedAt.get(id) ?? 0;
    if (!force && ctx.now() - last < DESCRIPTOR_REFRESH_MIN_MS) return;
    refreshedAt.set(id, ctx.now());
    const l = live.get(id);
    for (const peer of peers.filter((x) => x !== self).slice(0, 2)) {
      if (!l) return;
      try {
        const answer = await transport.query(peer, encodeDescriptorRequest(id), {
          addresses: addressesOf(l.descriptor, peer),
        });
        adoptDescriptor(id, answer);
        return;
      } catch {
        // unreachable, refused, or the store is closing: the next one (never throws)
      }
    }
  };

  // ---- subscription and sync -----------------------------------------------------------

  /**
   * The topic of `s` now: a public channel's own; a private channel's current epoch's, for its
   * owner and the members holding that epoch's key (approved followers, publishers); else none.
   */
  const topicOf = (s: ChannelState, d: ChannelDescriptor): ChannelTopic | null => {
    if (!d.isPrivate) return publicChannelTopic(p, s.id);
    if (s.role !== 'owner' && s.status !== 'approved') return null;
    const key = epochKey(s, s.current);
    return key ? privateChannelTopic(p, key, s.id, s.current) : null;
  };

  /** Live.allowed for `s` (see there). */
  const allowedOf = (s: ChannelState, d: ChannelDescriptor): ReadonlySet<string> | undefined => {
    if (!d.isPrivate) return undefined;
    if (s.role !== 'owner') return s.status === 'approved' ? new Set([d.ownerPeerId, ...s.peers]) : new Set();
    const contacts = [...s.followers, ...appointmentsOf(s).map((a) => a.contact)];
    return new Set(store.transaction((tx) => contacts.flatMap((c) => tx.getContact(c)?.peerId ?? [])));
  };

  /** Whether `peer` may share channel `l` with us (its topic, and our answers about it). */
  const mayShare = (l: Live, peer: string): boolean =>
    peer !== self && (l.allowed === undefined || l.allowed.has(peer));

  const onTopic = (id: string, t: ChannelTopic, data: Uint8Array, from: string): void => {
    const inner = openEnvelope(p, t, data);
    if (!inner) {
      rejected++; // not sealed under this epoch's key: not from a member
      return;
    }
    ingest(id, inner, from);
  };

  const activate = (s: ChannelState): void => {
    const descriptor = descriptorOf(ctx, s);
    let l = live.get(s.id);
    if (l) {
      l.state = s;
      l.descriptor = descriptor;
    } else {
      l = { state: s, descriptor, topic: null, allowed: new Set(), unsubscribe: null, syncing: null };
      live.set(s.id, l);
    }
    l.allowed = allowedOf(s, descriptor);
    if (!started) return;
    const wanted = topicOf(s, descriptor);
    if (wanted?.topic === l.topic?.topic) return;
    l.unsubscribe?.(); // a private channel's previous epoch (or none)
    l.unsubscribe = null;
    l.topic = wanted;
    if (!wanted) return;
    const id = s.id;
    const admit = (peer: string): boolean => {
      const now = live.get(id);
      return now !== undefined && mayShare(now, peer);
    };
    l.unsubscribe = transport.subscribe(
      wanted.topic,
      (m) => onTopic(id, wanted, m.data, m.from),
      descriptor.isPrivate ? { admit } : {},
    );
    // reach the owner and known sources, so gossip has a path to us
    for (const peer of sourcePeers(l).slice(0, CHANNEL_SYNC_PEERS_PER_ROUND)) {
      void transport.connect(peer, { addresses: addressesOf(descriptor, peer) }).catch(() => undefined);
    }
  };
  const deactivate = (id: string): void => {
    const l = live.get(id);
    if (!l) return;
    l.unsubscribe?.();
    live.delete(id);
  };

  const addressesOf = (d: ChannelDescriptor, peer: string): string[] =>
    d.addresses.filter((a) => a.endsWith(`/p2p/${peer}`));
  /**
   * Whom to ask for missed posts, best first: the owner ALWAYS first (it has every post of its
   * own, and no one can push it out), then `first` (e.g. whoever revealed a gap), then the peers
   * that brought us new posts (at most CHANNEL_KNOWN_PEERS_MAX, in random order: spreads the load),
   * then the other peers of the descriptor's addresses.
   */
  const sourcePeers = (l: Live, first: readonly string[] = []): string[] => {
    const fromAddresses = l.descriptor.addresses.flatMap((a) => {
      const at = a.lastIndexOf('/p2p/');
      return at >= 0 ? [a.slice(at + 5)] : [];
    });
    const learnt = shuffled([...l.state.peers], ctx.random);
    const all = [l.descriptor.ownerPeerId, ...first, ...learnt, ...fromAddresses];
    return [...new Set(all)].filter((x) => x !== self);
  };

  const syncChannel = (id: string, first: readonly string[] = []): Promise<number> => {
    const l = live.get(id);
    if (!l || !started || l.state.role === 'owner') return Promise.resolve(0);
    // a private channel's posts are for approved members only: no one answers anyone else
    if (l.descriptor.isPrivate && l.state.status !== 'approved') return Promise.resolve(0);
    if (l.syncing) return l.syncing;
    const run = async (): Promise<number> => {
      let total = 0;
      const peers = sourcePeers(l, first);
      await refreshDescriptor(id, peers, true); // publishers appointed or removed while we were away
      let asked = 0;
      for (const peer of peers) {
        if (asked >= CHANNEL_SYNC_PEERS_PER_ROUND || !live.has(id)) break;
        asked++;
        for (let page = 0; page < CHANNEL_SYNC_MAX_PAGES; page++) {
          const after = new Map<string, number>();
          for (const pub of publisherKeys(p, l.descriptor).keys())
            after.set(pub, l.state.contiguous[pub] ?? 0);
          let posts: Uint8Array[];
          try {
            const answer = await transport.query(peer, encodeSyncRequest({ channelId: id, after }), {
              addresses: addressesOf(l.descriptor, peer),
            });
            posts = decodeSyncAnswer(answer);
          } catch {
            break; // unreachable, refused, or nonsense: try the next peer
          }
          let fresh = 0;
          for (const post of posts) if (ingest(id, post) !== false) fresh++;
          total += fresh;
          if (fresh === 0 || posts.length < SYNC_PAGE_MAX_POSTS) break;
        }
      }
      return total;
    };
    l.syncing = run().finally(() => {
      l.syncing = null;
    });
    return l.syncing;
  };

  /**
   * /parley/query for channels. A channel we do not have and one the peer may not see get the
   * same refusal (undefined), decided before the store is read: the asker learns nothing about
   * which channels we have. The asker is not remembered (see ingest).
   */
  const answerQuery = async (peer: string, request: Uint8Array): Promise<Uint8Array | undefined> => {
    const wanted = decodeDescriptorRequest(request);
    if (wanted) {
      const l = live.get(wanted);
      return l && mayShare(l, peer) ? fromBase64Url(l.state.descriptor) : undefined;
    }
    const req = decodeSyncRequest(request);
    if (!req) return deps.otherQuery?.(peer, request);
    const l = live.get(req.channelId);
    if (!l || !mayShare(l, peer)) return undefined;
    return store.transaction((tx) => {
      const out: Uint8Array[] = [];
      let bytes = 8;
      for (const pub of publisherKeys(p, l.descriptor).keys()) {
        const after = req.after.get(pub) ?? 0;
        for (const r of tx.listPostsAfter(req.channelId, pub, after, SYNC_PAGE_MAX_POSTS - out.length)) {
          const post = ctx.account.vault.open(postLabel(req.channelId), r.post);
          if (bytes + post.length + 4 > SYNC_PAGE_MAX_BYTES) return encodeSyncAnswer(out);
          out.push(post);
          bytes += post.length + 4;
        }
        if (out.length >= SYNC_PAGE_MAX_POSTS) break;
      }
      return encodeSyncAnswer(out);
    });
  };

  /**
   * Who may open a /parley/query stream at all (before a byte is read): contacts (large groups'
   * members are), anyone while we have a public channel (its followers are strangers to us), and
   * the peers a private channel admits. Everyone else is reset unread.
   */
  const admitsQueries = (peer: string): boolean => {
    if (deps.isContact?.(peer)) return true;
    for (const l of live.values()) if (mayShare(l, peer)) return true;
    return false;
  };

  /** Publishes a post or a descriptor on the channel's topic now (sealed on a private one). */
  const publishOn = (s: ChannelState, bytes: Uint8Array): void => {
    const t = topicOf(s, descriptorOf(ctx, s));
    if (!t) return;
    void transport.publish(t.topic, sealEnvelope(p, ctx.random, t, bytes)).catch(() => undefined);
  };

  // ---- owner helpers -----------------------------------------------------------------

  const resign = (s: ChannelState, tx: StoreTx): ChannelState => {
    const d = descriptorOf(ctx, s);
    if (s.role !== 'owner' || s.secret === null) return s;
    const addresses = transport.addresses();
    const same = addresses.length === d.addresses.length && addresses.every((a, i) => a === d.addresses[i]);
    if (same) return s;
    const signed = signDescriptor(p, { ...d, addresses, revision: d.revision + 1 }, fromBase64Url(s.secret));
    const next = { ...s, descriptor: b64(signed) };
    saveChannel(ctx, tx, next);
    return next;
  };

  const sendControl = (tx: StoreTx, contactId: string, payload: Uint8Array): string | null => {
    const contact = tx.getContact(contactId);
    if (!contact) return null;
    compose(ctx, tx, contact, { kind: 'channel', payload });
    return contact.peerId;
  };

  const keysFor = (s: ChannelState): Uint8Array =>
    encodeControl({
      t: 'keys',
      channel: s.id,
      descriptor: s.descriptor,
      current: s.current,
      keys: s.epochs.slice(-CHANNEL_MAX_EPOCHS_SENT),
    });

  /** Owner: appoint or dismiss, tell the contact, and announce the new descriptor on the topic. */
  const changePublishers = (name: string, contactName: string, how: typeof appoint): ChannelView => {
    const { s, peer } = store.transaction((tx) => {
      const contact = findContact(tx, contactName);
      const { next, payload } = how(ctx, tx, ownerState(tx, name), contact);
      return { s: next, peer: sendControl(tx, contact.id, payload) };
    });
    if (peer) deps.kick(peer);
    activate(s);
    publishOn(s, fromBase64Url(s.descriptor));
    emitChannel(s.id, 'changed');
    return store.transaction((tx) => view(tx, s));
  };

  const ownerState = (tx: StoreTx, name: string): ChannelState => {
    const s = find(tx, name);
    if (s.role !== 'owner') throw new CoreError('not-allowed', `only the owner of "${s.name}" can do that`);
    return s;
  };

  return {
    start() {
      if (started) return;
      started = true;
      setChannelHook(ctx, (id) => {
        const s = store.transaction((tx) => getChannelState(ctx, tx, id));
        if (!s) return;
        const fresh = !live.has(id);
        activate(s);
        emitChannel(id, fresh ? 'added' : 'changed');
        void syncChannel(id);
      });
      transport.setQueryHandler(answerQuery, admitsQueries);
      for (const s of store.transaction((tx) => tx.listChannels().map((r) => loadChannel(ctx, r))))
        activate(s);
      for (const id of live.keys()) void syncChannel(id);
      timer = setInterval(() => {
        for (const id of live.keys()) void syncChannel(id);
      }, CHANNEL_SYNC_INTERVAL_MS);
    },
    stop() {
      started = false;
      if (timer) clearInterval(timer);
      setChannelHook(ctx, undefined);
      for (const id of [...live.keys()]) deactivate(id);
    },
    createChannel(name, options = {}) {
      const clean = checkChannelName(name);
      const s = store.transaction((tx) => {
        if (nameTaken(tx, clean))
          throw new CoreError('name-taken', `"${clean}" is already a contact or channel name`);
        const secret = ctx.random(32);
        const id = toHex(ctx.random(16));
        const now = ctx.now();
        const descriptor: ChannelDescriptor = {
          id,
          name: clean,
          isPrivate: options.private === true,
          channelKey: p.ed25519PublicKey(secret),
          publishers: [],
          ownerPeerId: self,
          addresses: transport.addresses(),
          revision: 1,
          createdAt: now,
        };
        const state: ChannelState = {
          id,
          name: clean,
          role: 'owner',
          descriptor: b64(signDescriptor(p, descriptor, secret)),
          secret: b64(secret),
          nextSeq: 1,
          epochs: descriptor.isPrivate ? [{ epoch: 1, key: b64(ctx.random(32)) }] : [],
          current: descriptor.isPrivate ? 1 : 0,
          followers: [],
          requests: [],
          status: 'owner',
          contiguous: {},
          peers: [],
          createdAt: now,
        };
        saveChannel(ctx, tx, state);
        return state;
      });
      activate(s);
      emitChannel(s.id, 'added');
      return store.transaction((tx) => view(tx, s));
    },
    channelInvite(name) {
      const s = store.transaction((tx) => resign(find(tx, name), tx));
      live.get(s.id) && activate(s);
      const link = encodeChannelLink(fromBase64Url(s.descriptor));
      return { link, qrPayload: new TextEncoder().encode(link) };
    },
    followChannel(link, name) {
      const { signed, descriptor } = decodeChannelLink(p, link);
      const s = store.transaction((tx) => {
        const existing = getChannelState(ctx, tx, descriptor.id);
        if (existing && existing.status !== 'removed') {
          throw new CoreError('bad-input', `you already follow or own this channel (as "${existing.name}")`);
        }
        let owner = null;
        if (descriptor.isPrivate) {
          owner = tx.getContactByPeerId(descriptor.ownerPeerId);
          if (!owner) {
            throw new CoreError(
              'not-allowed',
              `"${descriptor.name}" is a private channel: only its owner's contacts can ask to follow it; get an invite from the owner first`,
            );
          }
        }
        const wanted = name ? checkChannelName(name) : descriptor.name;
        const local = name ? wanted : existing ? existing.name : uniqueChannelName(ctx, tx, wanted);
        if (name && !existing && nameTaken(tx, local))
          throw new CoreError('name-taken', `"${local}" is already a contact or channel name`);
        const state: ChannelState = {
          ...(existing ?? {
            epochs: [],
            current: 0,
            contiguous: {},
            createdAt: ctx.now(),
          }),
          id: descriptor.id,
          name: local,
          role: 'follower',
          descriptor: b64(signed),
          secret: null,
          nextSeq: 1,
          followers: [],
          requests: [],
          status: descriptor.isPrivate ? 'requested' : 'following',
          peers: existing?.peers ?? [],
        };
        saveChannel(ctx, tx, state);
        const peer = owner
          ? sendControl(tx, owner.id, encodeControl({ t: 'follow', channel: descriptor.id }))
          : null;
        return { state, peer };
      });
      if (s.peer) deps.kick(s.peer);
      activate(s.state);
      emitChannel(s.state.id, 'added');
      void syncChannel(s.state.id);
      return store.transaction((tx) => view(tx, s.state));
    },
    post(name, text) {
      const { s, bytes, record } = store.transaction((tx) => {
        const s = find(tx, name);
        if (s.secret === null || (s.role !== 'owner' && s.role !== 'publisher')) {
          throw new CoreError(
            'not-allowed',
            `followers cannot post in "${s.name}"; only its owner and publishers can`,
          );
        }
        const d = descriptorOf(ctx, s);
        const secret = fromBase64Url(s.secret);
        const seq = s.nextSeq;
        const bytes = encodePost(
          p,
          ctx.random,
          { channelId: s.id, seq, timestamp: ctx.now(), publisher: keyIdOf(p, p.ed25519PublicKey(secret)) },
          text,
          secret,
          d.isPrivate ? { epoch: s.current, key: epochKey(s, s.current) as Uint8Array } : undefined,
        );
        const post = decodePost(bytes);
        const now = ctx.now();
        const contiguous = Math.max(s.contiguous[post.publisher] ?? 0, seq);
        const next = {
          ...s,
          nextSeq: seq + 1,
          contiguous: { ...s.contiguous, [post.publisher]: contiguous },
        };
        const record: ChannelPostRecord = {
          channelId: s.id,
          publisher: post.publisher,
          seq,
          sortKey: now * 1000 + (seq % 1000),
          receivedAt: now,
          post: ctx.account.vault.seal(postLabel(s.id), bytes),
        };
        tx.putPost(record);
        saveChannel(ctx, tx, next);
        return { s: next, bytes, record };
      });
      const l = live.get(s.id);
      if (l) l.state = s;
      publishOn(s, bytes);
      const v = postView(s, descriptorOf(ctx, s), record) as MessageView;
      ctx.events.emit('post', v);
      return v;
    },
    channels: () => store.transaction((tx) => tx.listChannels().map((r) => view(tx, loadChannel(ctx, r)))),
    channel: (name) => store.transaction((tx) => view(tx, find(tx, name))),
    posts(name, query = {}) {
      return store.transaction((tx) => {
        const s = find(tx, name);
        const d = descriptorOf(ctx, s);
        const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
        return tx
          .listPosts(s.id, { limit, ...(query.before ? { before: query.before } : {}) })
          .flatMap((r) => postView(s, d, r) ?? []);
      });
    },
    unfollow(name) {
      const { s, v, peer } = store.transaction((tx) => {
        const s = find(tx, name);
        if (s.role === 'owner')
          throw new CoreError('not-allowed', 'you own this channel; there is nothing to unfollow');
        const v = view(tx, s);
        const d = descriptorOf(ctx, s);
        const owner = d.isPrivate ? tx.getContactByPeerId(d.ownerPeerId) : undefined;
        const peer = owner
          ? sendControl(tx, owner.id, encodeControl({ t: 'unfollow', channel: s.id }))
          : null;
        tx.deleteChannel(s.id);
        return { s, v, peer };
      });
      if (peer) deps.kick(peer);
      deactivate(s.id);
      ctx.events.emit('channel', { channel: v, change: 'removed' });
      return v;
    },
    approveFollower(name, contactName) {
      const { s, peer } = store.transaction((tx) => {
        const s = ownerState(tx, name);
        if (!descriptorOf(ctx, s).isPrivate)
          throw new CoreError('bad-input', `"${s.name}" is public: anyone with the link can follow it`);
        const contact = findContact(tx, contactName);
        const next = {
          ...s,
          followers: [...new Set([...s.followers, contact.id])],
          requests: s.requests.filter((r) => r !== contact.id),
        };
        saveChannel(ctx, tx, next);
        return { s: next, peer: sendControl(tx, contact.id, keysFor(next)) };
      });
      if (peer) deps.kick(peer);
      activate(s);
      emitChannel(s.id, 'changed');
      return store.transaction((tx) => view(tx, s));
    },
    removeFollower(name, contactName) {
      const { s, peers } = store.transaction((tx) => {
        const s = ownerState(tx, name);
        const contact = findContact(tx, contactName);
        const was = s.followers.includes(contact.id) || s.requests.includes(contact.id);
        if (!was) throw new CoreError('bad-input', `${contact.name} does not follow "${s.name}"`);
        const rotated = s.followers.includes(contact.id) && descriptorOf(ctx, s).isPrivate;
        const epoch = rotated ? s.current + 1 : s.current;
        const next: ChannelState = {
          ...s,
          followers: s.followers.filter((f) => f !== contact.id),
          requests: s.requests.filter((f) => f !== contact.id),
          epochs: rotated ? [...s.epochs, { epoch, key: b64(ctx.random(32)) }] : s.epochs,
          current: epoch,
        };
        saveChannel(ctx, tx, next);
        const peers = [sendControl(tx, contact.id, encodeControl({ t: 'removed', channel: s.id }))];
        // the new epoch's key (and with it the new topic) to every remaining member
        const members = new Set([...next.followers, ...appointmentsOf(next).map((a) => a.contact)]);
        members.delete(contact.id);
        if (rotated) for (const f of members) peers.push(sendControl(tx, f, keysFor(next)));
        return { s: next, peers };
      });
      for (const peer of peers) if (peer) deps.kick(peer);
      activate(s);
      emitChannel(s.id, 'changed');
      return store.transaction((tx) => view(tx, s));
    },
    addPublisher(name, contactName) {
      return changePublishers(name, contactName, appoint);
    },
    removePublisher(name, contactName) {
      return changePublishers(name, contactName, dismiss);
    },
    resolve(name, tx) {
      if (tx.getContactByName(name.trim())) return undefined;
      try {
        return find(tx, name).id;
      } catch {
        return undefined;
      }
    },
    async sync(name) {
      const ids = name ? [store.transaction((tx) => find(tx, name).id)] : [...live.keys()];
      let total = 0;
      for (const id of ids) total += await syncChannel(id);
      return total;
    },
    stats: () => ({ rejected, stored }),
  };
}

/** The channel part of the Messenger API (docs/API.md). */
export interface ChannelMethods {
  createChannel(name: string, options?: { readonly private?: boolean }): ChannelView;
  channelInvite(name: string): { link: string; qrPayload: Uint8Array };
  followChannel(link: string, name?: string): ChannelView;
  post(channel: string, text: string): MessageView;
  channels(): ChannelView[];
  channel(name: string): ChannelView;
  posts(channel: string, query?: { readonly limit?: number; readonly before?: number }): MessageView[];
  unfollow(channel: string): ChannelView;
  approveFollower(channel: string, contact: string): ChannelView;
  removeFollower(channel: string, contact: string): ChannelView;
  /** Owner: appoint a contact as a publisher of the channel, or remove one (docs/CHANNELS.md). */
  addPublisher(channel: string, contact: string): ChannelView;
  removePublisher(channel: string, contact: string): ChannelView;
  /** Ask known peers for missed posts now (all channels, or one); resolves with the posts stored. */
  syncChannels(channel?: string): Promise<number>;
}

export function channelMethods(c: Channels): ChannelMethods {
  return {
    createChannel: (name, options) => c.createChannel(name, options),
    channelInvite: (name) => c.channelInvite(name),
    followChannel: (link, name) => c.followChannel(link, name),
    post: (name, text) => c.post(name, text),
    channels: () => c.channels(),
    channel: (name) => c.channel(name),
    posts: (name, query) => c.posts(name, query),
    unfollow: (name) => c.unfollow(name),
    approveFollower: (name, contact) => c.approveFollower(name, contact),
    removeFollower: (name, contact) => c.removeFollower(name, contact),
    addPublisher: (name, contact) => c.addPublisher(name, contact),
    removePublisher: (name, contact) => c.removePublisher(name, contact),
    syncChannels: (name) => c.sync(name),
  };
}
