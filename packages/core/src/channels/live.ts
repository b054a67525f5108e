/**
 * The channels a running Channels holds live, and what its parts share (ChannelRuntime). The
 * parts call one another through the runtime's actions, bound when channels.ts composes them,
 * so that storing posts, syncing, descriptors and subscriptions need not import each other.
 */
import { shuffled } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { SELF } from '../devices/index.ts';
import type { AttachmentRecord, ContactRecord } from '../ports/index.ts';
import type { MessageView } from '../views/index.ts';
import type { ChannelDescriptor } from './codec.ts';
import { appointmentsOf } from './publishers.ts';
import { type ChannelState, epochKey } from './store.ts';
import { type ChannelTopic, privateChannelTopic, publicChannelTopic } from './topic.ts';

export interface Live {
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

/** What the parts of one running Channels share. */
export interface ChannelRuntime {
  readonly ctx: Ctx;
  /** Our own PeerId. */
  readonly self: string;
  readonly live: Map<string, Live>;
  /** When each channel's newest descriptor was last asked for (descriptors.ts). */
  readonly refreshedAt: Map<string, number>;
  /** Between start() and stop(): topics are subscribed and syncs run only then. */
  started: boolean;
  /** Posts refused (bad signature, not sealed under the epoch's key) and stored: stats(). */
  rejected: number;
  stored: number;
  /** subscription.ts */
  activate(s: ChannelState): void;
  deactivate(id: string): void;
  /** ingest.ts: verifies and stores one post; its view if it was new (null: unreadable), else false. */
  ingest(id: string, bytes: Uint8Array, from?: string): MessageView | null | false;
  /** descriptors.ts */
  adoptDescriptor(id: string, signed: Uint8Array): boolean;
  refreshDescriptor(id: string, peers: readonly string[], force?: boolean): Promise<void>;
  /** sync.ts: asks peers for missed posts; resolves with the number stored. */
  syncChannel(id: string, first?: readonly string[]): Promise<number>;
  /** Starts downloading posts' files (the messenger's downloads; nothing without one). */
  download(records: readonly AttachmentRecord[]): void;
}

/**
 * The topic of `s` now: a public channel's own; a private channel's current epoch's, for its
 * owner and the members holding that epoch's key (approved followers, publishers); else none.
 */
export function topicOf(ctx: Ctx, s: ChannelState, d: ChannelDescriptor): ChannelTopic | null {
  if (!d.isPrivate) return publicChannelTopic(ctx.primitives, s.id);
  if (s.role !== 'owner' && s.status !== 'approved') return null;
  const key = epochKey(s, s.current);
  return key ? privateChannelTopic(ctx.primitives, key, s.id, s.current) : null;
}

/** Live.allowed for `s` (see there). */
export function allowedOf(ctx: Ctx, s: ChannelState, d: ChannelDescriptor): ReadonlySet<string> | undefined {
  if (!d.isPrivate) return undefined;
  if (s.role !== 'owner' && s.status !== 'approved') return new Set();
  // every device of an account that may share it, ours included (docs/MULTI-DEVICE.md "Channels")
  return new Set(
    ctx.store.transaction((tx) => {
      const devicesOf = (c: ContactRecord | undefined): string[] =>
        c ? [c.peerId, ...tx.listDevices(c.id).map((x) => x.peerId)] : [];
      const own = tx.listDevices(SELF).map((x) => x.peerId);
      if (s.role !== 'owner')
        return [d.ownerPeerId, ...s.peers, ...own, ...devicesOf(tx.getContactByPeerId(d.ownerPeerId))];
      const contacts = [...s.followers, ...appointmentsOf(s).map((a) => a.contact)];
      return [...own, ...contacts.flatMap((c) => devicesOf(tx.getContact(c)))];
    }),
  );
}

/** Whether `peer` may share channel `l` with us (its topic, and our answers about it). */
export const mayShare = (self: string, l: Live, peer: string): boolean =>
  peer !== self && (l.allowed === undefined || l.allowed.has(peer));

/** The addresses of `peer` that the descriptor lists. */
export const addressesOf = (d: ChannelDescriptor, peer: string): string[] =>
  d.addresses.filter((a) => a.endsWith(`/p2p/${peer}`));

/**
 * Whom to ask for missed posts, best first: the owner ALWAYS first (it has every post of its
 * own, and no one can push it out), then `first` (e.g. whoever revealed a gap), then the peers
 * that brought us new posts (at most CHANNEL_KNOWN_PEERS_MAX, in random order: spreads the load),
 * then the other peers of the descriptor's addresses.
 */
export function sourcePeers(ctx: Ctx, self: string, l: Live, first: readonly string[] = []): string[] {
  const fromAddresses = l.descriptor.addresses.flatMap((a) => {
    const at = a.lastIndexOf('/p2p/');
    return at >= 0 ? [a.slice(at + 5)] : [];
  });
  const learnt = shuffled([...l.state.peers], ctx.random);
  const all = [l.descriptor.ownerPeerId, ...first, ...learnt, ...fromAddresses];
  return [...new Set(all)].filter((x) => x !== self);
}
