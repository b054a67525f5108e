/**
 * A channel's local state, sealed at rest in the Store's channel record
 * (vault label `channel:<id>`), and its posts (sealed, label
 * `channel-post:<id>`). Shared by every part of channels/.
 */
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ChannelRecord, ChannelsTx } from '../ports/index.ts';
import type { ChannelRole, ChannelStatus } from '../views/index.ts';
import { type ChannelDescriptor, openDescriptor } from './codec.ts';

export interface ChannelState {
  readonly id: string;
  readonly name: string;
  readonly role: ChannelRole;
  /** base64url of the signed descriptor. */
  readonly descriptor: string;
  /** Our Ed25519 signing seed (owner: the channel key; publisher: our publisher key), base64url. */
  readonly secret: string | null;
  /** Our next post seq (owner/publisher). */
  readonly nextSeq: number;
  /** Private channels: content keys by epoch (base64url). */
  readonly epochs: ReadonlyArray<{ readonly epoch: number; readonly key: string }>;
  /** Private channels: the epoch new posts are sealed with. */
  readonly current: number;
  /** Owner of a private channel: approved followers (contact ids). */
  readonly followers: readonly string[];
  /** Owner of a private channel: pending follow requests (contact ids). */
  readonly requests: readonly string[];
  readonly status: ChannelStatus;
  /** Per publisher key id: highest seq stored without a gap below it. */
  readonly contiguous: Readonly<Record<string, number>>;
  /** PeerIds known to have the channel's posts (publishers, relays of gossip). */
  readonly peers: readonly string[];
  readonly createdAt: number;
  /** Owner: appointed publishers (contact id → their publisher public key, base64url). */
  readonly appointed?: ReadonlyArray<{ readonly contact: string; readonly key: string }>;
  /** Owner: the device (PeerId) that created the channel and posts with the channel key (share.ts). */
  readonly creator?: string;
  /** Our other devices told of this channel (share.ts), so a device added later is told once. */
  readonly sharedWith?: readonly string[];
}

/** Peers remembered per channel for sync (most recent first). */
export const CHANNEL_KNOWN_PEERS_MAX = 32;

const label = (id: string): string => `channel:${id}`;
export const postLabel = (id: string): string => `channel-post:${id}`;

export function loadChannel(ctx: Ctx, record: ChannelRecord): ChannelState {
  return JSON.parse(fromUtf8(ctx.account.vault.open(label(record.id), record.data))) as ChannelState;
}

export function getChannelState(ctx: Ctx, tx: ChannelsTx, id: string): ChannelState | undefined {
  const record = tx.getChannel(id);
  return record ? loadChannel(ctx, record) : undefined;
}

export function saveChannel(ctx: Ctx, tx: ChannelsTx, state: ChannelState): void {
  tx.putChannel({
    id: state.id,
    data: ctx.account.vault.seal(label(state.id), utf8(JSON.stringify(state))),
    createdAt: state.createdAt,
    updatedAt: ctx.now(),
  });
}

export function descriptorOf(ctx: Ctx, state: ChannelState): ChannelDescriptor {
  return openDescriptor(ctx.primitives, fromBase64Url(state.descriptor));
}

export function epochKey(state: ChannelState, epoch: number): Uint8Array | undefined {
  const e = state.epochs.find((k) => k.epoch === epoch);
  return e ? fromBase64Url(e.key) : undefined;
}

export const b64: (bytes: Uint8Array) => string = toBase64Url;
