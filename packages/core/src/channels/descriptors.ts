/**
 * Descriptor revisions (docs/CHANNELS.md "Publishers"): a follower adopts a newer descriptor of
 * the same channel key (announced on the topic, or asked of peers), and the owner signs a new
 * revision when its own addresses changed.
 */
import { fromBase64Url } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ChannelsTx } from '../ports/index.ts';
import { encodeDescriptorRequest, signDescriptor } from './codec.ts';
import { addressesOf, type ChannelRuntime } from './live.ts';
import { newerDescriptor } from './publishers.ts';
import { b64, type ChannelState, descriptorOf, getChannelState, saveChannel } from './store.ts';
import { emitChannel } from './views.ts';

/** A follower asks for a newer descriptor on an unknown publisher's post at most this often. */
export const DESCRIPTOR_REFRESH_MIN_MS = 10_000;

/** Adopts a newer descriptor of the same channel (same channel key); true if it was one. */
export function adoptDescriptor(
  rt: Pick<ChannelRuntime, 'ctx' | 'live' | 'activate' | 'syncChannel'>,
  id: string,
  signed: Uint8Array,
): boolean {
  const { ctx } = rt;
  const l = rt.live.get(id);
  if (!l || l.state.role === 'owner') return false;
  const next = ctx.store.transaction((tx) => {
    const s = getChannelState(ctx, tx, id);
    if (!s || !newerDescriptor(ctx, s, signed)) return undefined;
    const adopted = { ...s, descriptor: b64(signed) };
    saveChannel(ctx, tx, adopted);
    return adopted;
  });
  if (!next) return false;
  rt.activate(next);
  emitChannel(ctx, id, 'changed');
  void rt.syncChannel(id); // a new publisher's earlier posts
  return true;
}

/** Asks peers for the channel's newest descriptor (at most every DESCRIPTOR_REFRESH_MIN_MS unless forced). */
export async function refreshDescriptor(
  rt: Pick<ChannelRuntime, 'ctx' | 'self' | 'live' | 'refreshedAt' | 'adoptDescriptor'>,
  id: string,
  peers: readonly string[],
  force = false,
): Promise<void> {
  const { ctx } = rt;
  const last = rt.refreshedAt.get(id) ?? 0;
  if (!force && ctx.now() - last < DESCRIPTOR_REFRESH_MIN_MS) return;
  rt.refreshedAt.set(id, ctx.now());
  const l = rt.live.get(id);
  for (const peer of peers.filter((x) => x !== rt.self).slice(0, 2)) {
    if (!l) return;
    try {
      const answer = await ctx.transport.query(peer, encodeDescriptorRequest(id), {
        addresses: addressesOf(l.descriptor, peer),
      });
      rt.adoptDescriptor(id, answer);
      return;
    } catch {
      // unreachable, refused, or the store is closing: the next one (never throws)
    }
  }
}

/** Owner: a new revision of the descriptor if our addresses changed since it was signed; else `s`. */
export function resign(ctx: Ctx, tx: ChannelsTx, s: ChannelState): ChannelState {
  const d = descriptorOf(ctx, s);
  if (s.role !== 'owner' || s.secret === null) return s;
  const addresses = ctx.transport.addresses();
  const same = addresses.length === d.addresses.length && addresses.every((a, i) => a === d.addresses[i]);
  if (same) return s;
  const signed = signDescriptor(
    ctx.primitives,
    { ...d, addresses, revision: d.revision + 1 },
    fromBase64Url(s.secret),
  );
  const next = { ...s, descriptor: b64(signed) };
  saveChannel(ctx, tx, next);
  return next;
}
