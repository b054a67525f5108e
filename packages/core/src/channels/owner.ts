/**
 * What the owner does with its channel: create it, hand out its link, approve or remove a private
 * channel's followers (a removal rotates the content key: a new epoch, a new topic), and appoint
 * or dismiss publishers (a new descriptor revision, announced on the topic).
 */
import { CoreError, fromBase64Url, toHex } from '../base/index.ts';
import { findContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ChannelsTx, ContactsTx, DevicesTx, MessagesTx, OutboxTx, SessionsTx } from '../ports/index.ts';
import type { ChannelView } from '../views/index.ts';
import {
  type ChannelDescriptor,
  checkChannelName,
  encodeChannelLink,
  encodeControl,
  signDescriptor,
} from './codec.ts';
import { resign } from './descriptors.ts';
import type { ChannelRuntime } from './live.ts';
import { findChannel, nameTaken, ownedChannel } from './names.ts';
import { publishOn } from './publish.ts';
import { type appoint, appointmentsOf } from './publishers.ts';
import { keysFor, sendControl } from './send.ts';
import { ownAndShare, ownerIdOf } from './share.ts';
import { b64, type ChannelState, descriptorOf, saveChannel } from './store.ts';
import { channelView, emitChannel } from './views.ts';

type Parts = Pick<ChannelRuntime, 'ctx' | 'activate'>;
type Kick = (peer: string) => void;

export function createChannel(
  rt: Parts,
  kick: Kick,
  name: string,
  options: { readonly private?: boolean },
): ChannelView {
  const { ctx } = rt;
  const clean = checkChannelName(name);
  const { s, peers } = ctx.store.transaction((tx) => {
    if (nameTaken(ctx, tx, clean))
      throw new CoreError('name-taken', `"${clean}" is already a contact or channel name`);
    const state = newChannel(ctx, clean, options.private === true);
    saveChannel(ctx, tx, state);
    return ownAndShare(ctx, tx, state); // on our other devices too, each with its posting key
  });
  for (const peer of peers) kick(peer);
  rt.activate(s);
  emitChannel(ctx, s.id, 'added');
  return ctx.store.transaction((tx) => channelView(ctx, tx, s));
}

/** A new channel we own: a fresh channel key, the first descriptor revision, epoch 1 if private. */
function newChannel(ctx: Ctx, name: string, isPrivate: boolean): ChannelState {
  const secret = ctx.random(32);
  const id = toHex(ctx.random(16));
  const now = ctx.now();
  const descriptor: ChannelDescriptor = {
    id,
    name,
    isPrivate,
    channelKey: ctx.primitives.ed25519PublicKey(secret),
    publishers: [],
    // contacts know an account by its id (its first device's PeerId), whichever device made it
    ownerPeerId: ownerIdOf(ctx),
    addresses: ctx.transport.addresses(),
    revision: 1,
    createdAt: now,
  };
  return {
    id,
    name,
    role: 'owner',
    descriptor: b64(signDescriptor(ctx.primitives, descriptor, secret)),
    secret: b64(secret),
    nextSeq: 1,
    epochs: isPrivate ? [{ epoch: 1, key: b64(ctx.random(32)) }] : [],
    current: isPrivate ? 1 : 0,
    followers: [],
    requests: [],
    status: 'owner',
    contiguous: {},
    peers: [],
    createdAt: now,
    creator: ctx.transport.peerId,
  };
}

/** The follow link (re-signed first if our addresses changed) and its QR payload. */
export function channelInvite(
  rt: Pick<ChannelRuntime, 'ctx' | 'live' | 'activate'>,
  kick: Kick,
  name: string,
): { link: string; qrPayload: Uint8Array } {
  const { ctx } = rt;
  const { s, peers } = ctx.store.transaction((tx) => {
    const held = findChannel(ctx, tx, name);
    const s = resign(ctx, tx, held);
    // a new revision: our other devices sign their next one after it
    return s === held ? { s, peers: [] } : ownAndShare(ctx, tx, s);
  });
  for (const peer of peers) kick(peer);
  rt.live.get(s.id) && rt.activate(s);
  const link = encodeChannelLink(fromBase64Url(s.descriptor));
  return { link, qrPayload: new TextEncoder().encode(link) };
}

export function approveFollower(rt: Parts, kick: Kick, name: string, contactName: string): ChannelView {
  const { ctx } = rt;
  const { s, peer, peers } = ctx.store.transaction((tx) => {
    const s = ownedChannel(ctx, tx, name);
    if (!descriptorOf(ctx, s).isPrivate)
      throw new CoreError('bad-input', `"${s.name}" is public: anyone with the link can follow it`);
    const contact = findContact(tx, contactName);
    const next = {
      ...s,
      followers: [...new Set([...s.followers, contact.id])],
      requests: s.requests.filter((r) => r !== contact.id),
    };
    saveChannel(ctx, tx, next);
    const peer = sendControl(ctx, tx, contact.id, keysFor(next));
    const shared = ownAndShare(ctx, tx, next);
    return { s: shared.s, peer, peers: shared.peers };
  });
  if (peer) kick(peer);
  for (const p of peers) kick(p);
  return changed(rt, s);
}

export function removeFollower(rt: Parts, kick: Kick, name: string, contactName: string): ChannelView {
  const { ctx } = rt;
  const { s, peers } = ctx.store.transaction((tx) => removing(ctx, tx, name, contactName));
  for (const peer of peers) if (peer) kick(peer);
  return changed(rt, s);
}

/** Inside the transaction: the follower (or request) gone, a new epoch if they held the key. */
function removing(
  ctx: Ctx,
  tx: ContactsTx & SessionsTx & MessagesTx & OutboxTx & ChannelsTx & DevicesTx,
  name: string,
  contactName: string,
): { readonly s: ChannelState; readonly peers: Array<string | null> } {
  const s = ownedChannel(ctx, tx, name);
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
  const peers = [sendControl(ctx, tx, contact.id, encodeControl({ t: 'removed', channel: s.id }))];
  // the new epoch's key (and with it the new topic) to every remaining member
  const members = new Set([...next.followers, ...appointmentsOf(next).map((a) => a.contact)]);
  members.delete(contact.id);
  if (rotated) for (const f of members) peers.push(sendControl(ctx, tx, f, keysFor(next)));
  const shared = ownAndShare(ctx, tx, next);
  return { s: shared.s, peers: [...peers, ...shared.peers] };
}

/** Appoint or dismiss (publishers.ts), tell the contact, and announce the new descriptor on the topic. */
export function changePublishers(
  rt: Parts,
  kick: Kick,
  name: string,
  contactName: string,
  how: typeof appoint,
): ChannelView {
  const { ctx } = rt;
  const { s, peer, peers } = ctx.store.transaction((tx) => {
    const contact = findContact(tx, contactName);
    const { next, payload } = how(ctx, tx, ownedChannel(ctx, tx, name), contact);
    const peer = sendControl(ctx, tx, contact.id, payload);
    const shared = ownAndShare(ctx, tx, next);
    return { s: shared.s, peer, peers: shared.peers };
  });
  if (peer) kick(peer);
  for (const p of peers) kick(p);
  rt.activate(s);
  publishOn(ctx, s, fromBase64Url(s.descriptor));
  emitChannel(ctx, s.id, 'changed');
  return ctx.store.transaction((tx) => channelView(ctx, tx, s));
}

/** After an owner's change: the channel live again as `s`, the event, and its view. */
function changed(rt: Parts, s: ChannelState): ChannelView {
  rt.activate(s);
  emitChannel(rt.ctx, s.id, 'changed');
  return rt.ctx.store.transaction((tx) => channelView(rt.ctx, tx, s));
}
