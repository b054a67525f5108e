/**
 * Channel control messages arriving through a pairwise session (the
 * `channel` application kind, docs/CHANNELS.md): a follow request or an
 * unfollow (at a private channel's owner), a private channel's content keys
 * (at an approved follower), or a removal. The session authenticated the
 * sender; here we check they have the right to say it.
 */

import { fromBase64Url, InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { Effects } from '../messaging/index.ts';
import type { ContactRecord, StoreTx } from '../ports/index.ts';
import {
  type ChannelControl,
  type ChannelDescriptor,
  decodeControl,
  equalBytes,
  openDescriptor,
} from './codec.ts';
import {
  type ChannelState,
  channelChangedLater,
  descriptorOf,
  getChannelState,
  saveChannel,
} from './store.ts';

export function applyChannelControl(
  ctx: Ctx,
  tx: StoreTx,
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
  const state = getChannelState(ctx, tx, control.channel);
  const changed = (next: ChannelState): Effects => {
    saveChannel(ctx, tx, next);
    channelChangedLater(ctx, next.id);
    return effects;
  };
  switch (control.t) {
    case 'follow': {
      // only the owner of a private channel takes requests; anything else is ignored (stale, or a guess)
      if (state?.role !== 'owner' || !descriptorOf(ctx, state).isPrivate) return effects;
      if (state.followers.includes(contact.id) || state.requests.includes(contact.id)) return effects;
      return changed({ ...state, requests: [...state.requests, contact.id].slice(-1000) });
    }
    case 'unfollow': {
      if (state?.role !== 'owner') return effects;
      return changed({
        ...state,
        followers: state.followers.filter((f) => f !== contact.id),
        requests: state.requests.filter((f) => f !== contact.id),
      });
    }
    case 'keys': {
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
        return changed({
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
        });
      }
      if (state.role === 'owner') return effects;
      const known = descriptorOf(ctx, state);
      if (!equalBytes(known.channelKey, descriptor.channelKey)) {
        throw new InboundError('bad-message', 'channel keys for a different channel key');
      }
      const merged = new Map(state.epochs.map((e) => [e.epoch, e.key]));
      for (const e of epochs) merged.set(e.epoch, e.key);
      return changed({
        ...state,
        descriptor: descriptor.revision > known.revision ? control.descriptor : state.descriptor,
        epochs: [...merged].map(([epoch, key]) => ({ epoch, key })).sort((a, b) => a.epoch - b.epoch),
        current: Math.max(state.current, control.current),
        status: 'approved',
      });
    }
    case 'removed': {
      if (!state || state.role === 'owner') return effects;
      if (descriptorOf(ctx, state).ownerPeerId !== contact.peerId) return effects;
      return changed({ ...state, status: 'removed' });
    }
    case 'publisher': {
      const descriptor = fromOwner(ctx, contact, control.channel, control.descriptor);
      const key = ctx.primitives.ed25519PublicKey(fromBase64Url(control.secret));
      if (!descriptor.publishers.some((k) => equalBytes(k, key)))
        throw new InboundError(
          'bad-message',
          'a publisher appointment whose key the descriptor does not list',
        );
      const status = descriptor.isPrivate ? ('approved' as const) : ('following' as const);
      if (!state) {
        return changed({
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
        });
      }
      if (state.role === 'owner') return effects;
      const known = sameChannel(ctx, state, descriptor);
      const merged = new Map(state.epochs.map((e) => [e.epoch, e.key]));
      for (const e of control.keys) merged.set(e.epoch, e.key);
      return changed({
        ...state,
        role: 'publisher',
        secret: control.secret,
        nextSeq: state.secret === control.secret ? state.nextSeq : 1,
        descriptor: descriptor.revision > known.revision ? control.descriptor : state.descriptor,
        epochs: [...merged].map(([epoch, key]) => ({ epoch, key })).sort((a, b) => a.epoch - b.epoch),
        current: Math.max(state.current, control.current),
        status,
      });
    }
    case 'publisher-removed': {
      if (state?.role !== 'publisher') return effects;
      const descriptor = fromOwner(ctx, contact, control.channel, control.descriptor);
      const known = sameChannel(ctx, state, descriptor);
      return changed({
        ...state,
        role: 'follower',
        secret: null,
        descriptor: descriptor.revision > known.revision ? control.descriptor : state.descriptor,
      });
    }
  }
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

/** `wanted`, or `wanted (2)`… — not taken by another channel or a contact. */
export function uniqueChannelName(ctx: Ctx, tx: StoreTx, wanted: string): string {
  const taken = new Set(
    tx.listChannels().map((r) => {
      try {
        return (getChannelState(ctx, tx, r.id)?.name ?? '').toLowerCase();
      } catch {
        return '';
      }
    }),
  );
  for (let i = 1; ; i++) {
    const name = i === 1 ? wanted : `${wanted} (${i})`;
    if (!taken.has(name.toLowerCase()) && !tx.getContactByName(name)) return name;
  }
}
