/**
 * Following a channel from its link, and unfollowing it. A private channel's follow is a request
 * to its owner (through the pairwise session), answered with the content keys on approval.
 */
import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ChannelsTx, ContactRecord, ContactsTx } from '../ports/index.ts';
import type { ChannelView } from '../views/index.ts';
import { type ChannelDescriptor, checkChannelName, decodeChannelLink, encodeControl } from './codec.ts';
import type { ChannelRuntime } from './live.ts';
import { findChannel, nameTaken, uniqueChannelName } from './names.ts';
import { sendControl } from './send.ts';
import { shareChannel } from './share.ts';
import { b64, type ChannelState, descriptorOf, getChannelState, saveChannel } from './store.ts';
import { channelView, emitChannel } from './views.ts';

type Parts = Pick<ChannelRuntime, 'ctx' | 'activate' | 'syncChannel'>;

export function followChannel(
  rt: Parts,
  kick: (peer: string) => void,
  link: string,
  name: string | undefined,
): ChannelView {
  const { ctx } = rt;
  const { signed, descriptor } = decodeChannelLink(ctx.primitives, link);
  const s = ctx.store.transaction((tx) => {
    const { state, owner } = following(ctx, tx, signed, descriptor, name);
    saveChannel(ctx, tx, state);
    const peer = owner
      ? sendControl(ctx, tx, owner.id, encodeControl({ t: 'follow', channel: descriptor.id }))
      : null;
    const peers = shareChannel(ctx, tx, state.id, state); // followed on our other devices too
    return { state, peer, peers };
  });
  if (s.peer) kick(s.peer);
  for (const peer of s.peers) kick(peer);
  rt.activate(s.state);
  emitChannel(ctx, s.state.id, 'added');
  void rt.syncChannel(s.state.id);
  return ctx.store.transaction((tx) => channelView(ctx, tx, s.state));
}

/** Inside the transaction: our follower state of the channel, and its owner if we must ask it. */
function following(
  ctx: Ctx,
  tx: ContactsTx & ChannelsTx,
  signed: Uint8Array,
  descriptor: ChannelDescriptor,
  name: string | undefined,
): { readonly state: ChannelState; readonly owner: ContactRecord | null } {
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
  if (name && !existing && nameTaken(ctx, tx, local))
    throw new CoreError('name-taken', `"${local}" is already a contact or channel name`);
  const state: ChannelState = {
    ...(existing ?? { epochs: [], current: 0, contiguous: {}, createdAt: ctx.now() }),
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
  return { state, owner };
}

/** Forgets the channel (telling a private channel's owner); the owner cannot unfollow. */
export function unfollow(
  rt: Pick<ChannelRuntime, 'ctx' | 'deactivate'>,
  kick: (peer: string) => void,
  name: string,
): ChannelView {
  const { ctx } = rt;
  const { s, v, peer, peers } = ctx.store.transaction((tx) => {
    const s = findChannel(ctx, tx, name);
    if (s.role === 'owner')
      throw new CoreError('not-allowed', 'you own this channel; there is nothing to unfollow');
    const v = channelView(ctx, tx, s);
    const d = descriptorOf(ctx, s);
    const owner = d.isPrivate ? tx.getContactByPeerId(d.ownerPeerId) : undefined;
    const peer = owner
      ? sendControl(ctx, tx, owner.id, encodeControl({ t: 'unfollow', channel: s.id }))
      : null;
    tx.deleteChannel(s.id);
    return { s, v, peer, peers: shareChannel(ctx, tx, s.id, null) };
  });
  if (peer) kick(peer);
  for (const p of peers) kick(p);
  rt.deactivate(s.id);
  ctx.events.emit('channel', { channel: v, change: 'removed' });
  return v;
}
