/**
 * Channel control messages arriving through a pairwise session (the
 * `channel` application kind, docs/CHANNELS.md): a follow request or an
 * unfollow (at a private channel's owner), a private channel's content keys
 * (at an approved follower), or a removal. The session authenticated the
 * sender; here we check they have the right to say it. A saved change is
 * recorded in the effects (messaging's ChannelEffects) and acted on after commit.
 */

import { fromBase64Url, InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { channelEffects, type Effects } from '../messaging/index.ts';
import type { ChannelsTx, ContactRecord, ContactsTx } from '../ports/index.ts';
import {
  type ChannelControl,
  type ChannelDescriptor,
  decodeControl,
  equalBytes,
  openDescriptor,
} from './codec.ts';
import { uniqueChannelName } from './names.ts';
import { type ChannelState, descriptorOf, getChannelState, saveChannel } from './store.ts';

export function applyChannelControl(
  ctx: Ctx,
  tx: ContactsTx & ChannelsTx,
  contact: ContactRecord,
  payload: Uint8Array,
  effects: Effects,
): Effects {
  let control: ChannelControl;
  try {
    control = decodeControl(payload);
  } catch (error) {
    throw new InboundError('bad-message', `bad channel control: ${(error as Error).message}`);
  }
  const next = nextState(ctx, tx, contact, control, getChannelState(ctx, tx, control.channel));
  if (next) {
    saveChannel(ctx, tx, next);
    channelEffects(effects).changed.add(next.id);
    channelEffects(effects).share.add(next.id); // our other devices hold the channel too
  }
  return effects;
}

type Control<T extends ChannelControl['t']> = Extract<ChannelControl, { readonly t: T }>;

/** The channel's state after `control` from `contact`; undefined if it changes nothing. */
function nextState(
  ctx: Ctx,
  tx: ContactsTx & ChannelsTx,
  contact: ContactRecord,
  control: ChannelControl,
  state: ChannelState | undefined,
): ChannelState | undefined {
  switch (control.t) {
    case 'follow': {
      // only the owner of a private channel takes requests; anything else is ignored (stale, or a guess)
      if (state?.role !== 'owner' || !descriptorOf(ctx, state).isPrivate) return undefined;
      if (state.followers.includes(contact.id) || state.requests.includes(contact.id)) return undefined;
      return { ...state, requests: [...state.requests, contact.id].slice(-1000) };
    }
    case 'unfollow': {
      if (state?.role !== 'owner') return undefined;
      return {
        ...state,
        followers: state.followers.filter((f) => f !== contact.id),
        requests: state.requests.filter((f) => f !== contact.id),
      };
    }
    case 'keys':
      return afterKeys(ctx, tx, contact, control, state);
    case 'removed': {
      if (!state || state.role === 'owner') return undefined;
      if (descriptorOf(ctx, state).ownerPeerId !== contact.peerId) return undefined;
      return { ...state, status: 'removed' };
    }
    case 'publisher':
      return afterAppointment(ctx, tx, contact, control, state);
    case 'publisher-removed': {
      if (state?.role !== 'publisher') return undefined;
      const descriptor = fromOwner(ctx, contact, control.channel, control.descriptor);
      const known = sameChannel(ctx, state, descriptor);
      return {
        ...state,
        role: 'follower',
        secret: null,
        descriptor: descriptor.revision > known.revision ? control.descriptor : state.descriptor,
      };
    }
  }
}

/** A private channel's content keys from its owner: approved (followed, if we were added directly). */
function afterKeys(
  ctx: Ctx,
  tx: ContactsTx & ChannelsTx,
  contact: ContactRecord,
  control: Control<'keys'>,
  state: ChannelState | undefined,
): ChannelState | undefined {
  let descriptor: ReturnType<typeof openDescriptor>;
  try {
    descriptor = openDescriptor(ctx.primitives, fromBase64Url(control.descriptor));
  } catch {
    throw new InboundError('bad-message', 'channel keys with a bad descriptor');
  }
  // keys come from the channel's owner only, for the channel they name
  if (
    descriptor.id !== control.channel ||
    descriptor.ownerPeerId !== contact.peerId ||
    !descriptor.isPrivate
  ) {
    throw new InboundError('bad-message', 'channel keys from someone who does not own the channel');
  }
  const epochs = control.keys.map((k) => ({ epoch: k.epoch, key: k.key }));
  if (!state) {
    // approved without asking (the owner added us): follow it
    return {
      id: descriptor.id,
      name: uniqueChannelName(ctx, tx, descriptor.name),
      role: 'follower',
      descriptor: control.descriptor,
      secret: null,
      nextSeq: 1,
      epochs,
      current: control.current,
      followers: [],
      requests: [],
      status: 'approved',
      contiguous: {},
      peers: [contact.peerId],
      createdAt: ctx.now(),
    };
  }
  if (state.role === 'owner') return undefined;
  const known = descriptorOf(ctx, state);
  if (!equalBytes(known.channelKey, descriptor.channelKey)) {
    throw new InboundError('bad-message', 'channel keys for a different channel key');
  }
  return {
    ...state,
    descriptor: descriptor.revision > known.revision ? control.descriptor : state.descriptor,
    epochs: mergeEpochs(state.epochs, epochs),
    current: Math.max(state.current, control.current),
    status: 'approved',
  };
}

/** The owner appointed us a publisher: its key's secret, the descriptor listing it, content keys. */
function afterAppointment(
  ctx: Ctx,
  tx: ContactsTx & ChannelsTx,
  contact: ContactRecord,
  control: Control<'publisher'>,
  state: ChannelState | undefined,
): ChannelState | undefined {
  const descriptor = fromOwner(ctx, contact, control.channel, control.descriptor);
  const key = ctx.primitives.ed25519PublicKey(fromBase64Url(control.secret));
  if (!descriptor.publishers.some((k) => equalBytes(k, key)))
    throw new InboundError('bad-message', 'a publisher appointment whose key the descriptor does not list');
  const status = descriptor.isPrivate ? ('approved' as const) : ('following' as const);
  if (!state) {
    return {
      id: descriptor.id,
      name: uniqueChannelName(ctx, tx, descriptor.name),
      role: 'publisher',
      descriptor: control.descriptor,
      secret: control.secret,
      nextSeq: 1,
      epochs: [...control.keys],
      current: control.current,
      followers: [],
      requests: [],
      status,
      contiguous: {},
      peers: [contact.peerId],
      createdAt: ctx.now(),
    };
  }
  if (state.role === 'owner') return undefined;
  const known = sameChannel(ctx, state, descriptor);
  return {
    ...state,
    role: 'publisher',
    secret: control.secret,
    nextSeq: state.secret === control.secret ? state.nextSeq : 1,
    descriptor: descriptor.revision > known.revision ? control.descriptor : state.descriptor,
    epochs: mergeEpochs(state.epochs, control.keys),
    current: Math.max(state.current, control.current),
    status,
  };
}

/** `held` and `received` by epoch (a received key wins), in epoch order. */
function mergeEpochs(held: ChannelState['epochs'], received: ChannelState['epochs']): ChannelState['epochs'] {
  const merged = new Map(held.map((e) => [e.epoch, e.key]));
  for (const e of received) merged.set(e.epoch, e.key);
  return [...merged].map(([epoch, key]) => ({ epoch, key })).sort((a, b) => a.epoch - b.epoch);
}

/** A descriptor in a control: it must verify and be the channel of the contact who sent it (its owner). */
function fromOwner(ctx: Ctx, contact: ContactRecord, channel: string, signed: string): ChannelDescriptor {
  let descriptor: ChannelDescriptor;
  try {
    descriptor = openDescriptor(ctx.primitives, fromBase64Url(signed));
  } catch {
    throw new InboundError('bad-message', 'a channel control with a bad descriptor');
  }
  if (descriptor.id !== channel || descriptor.ownerPeerId !== contact.peerId)
    throw new InboundError('bad-message', 'a channel control from someone who does not own the channel');
  return descriptor;
}

/** The descriptor we hold, after checking `d` is signed by the same channel key. */
function sameChannel(ctx: Ctx, s: ChannelState, d: ChannelDescriptor): ChannelDescriptor {
  const known = descriptorOf(ctx, s);
  if (!equalBytes(known.channelKey, d.channelKey))
    throw new InboundError('bad-message', 'a channel control for a different channel key');
  return known;
}
