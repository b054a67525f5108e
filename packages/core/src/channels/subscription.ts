/**
 * Keeping a channel live: its state and descriptor at hand, who may share it, and (while started)
 * a subscription to its topic — a private channel's moves to the next epoch's topic on rotation.
 */
import { addressesOf, allowedOf, type ChannelRuntime, mayShare, sourcePeers, topicOf } from './live.ts';
import { type ChannelState, descriptorOf } from './store.ts';
import { CHANNEL_SYNC_PEERS_PER_ROUND } from './sync.ts';
import { type ChannelTopic, openEnvelope } from './topic.ts';

type Parts = Pick<ChannelRuntime, 'ctx' | 'self' | 'live' | 'started' | 'rejected' | 'ingest'>;

/** Makes `s` live (or updates it), and subscribes to its topic now if started. */
export function activate(rt: Parts, s: ChannelState): void {
  const { ctx, live } = rt;
  const descriptor = descriptorOf(ctx, s);
  let l = live.get(s.id);
  if (l) {
    l.state = s;
    l.descriptor = descriptor;
  } else {
    l = { state: s, descriptor, topic: null, allowed: new Set(), unsubscribe: null, syncing: null };
    live.set(s.id, l);
  }
  l.allowed = allowedOf(ctx, s, descriptor);
  if (!rt.started) return;
  const wanted = topicOf(ctx, s, descriptor);
  if (wanted?.topic === l.topic?.topic) return;
  l.unsubscribe?.(); // a private channel's previous epoch (or none)
  l.unsubscribe = null;
  l.topic = wanted;
  if (!wanted) return;
  const id = s.id;
  const admit = (peer: string): boolean => {
    const now = live.get(id);
    return now !== undefined && mayShare(rt.self, now, peer);
  };
  l.unsubscribe = ctx.transport.subscribe(
    wanted.topic,
    (m) => onTopic(rt, id, wanted, m.data, m.from),
    descriptor.isPrivate ? { admit } : {},
  );
  // reach the owner and known sources, so gossip has a path to us
  for (const peer of sourcePeers(ctx, rt.self, l).slice(0, CHANNEL_SYNC_PEERS_PER_ROUND)) {
    void ctx.transport.connect(peer, { addresses: addressesOf(descriptor, peer) }).catch(() => undefined);
  }
}

export function deactivate(rt: Pick<ChannelRuntime, 'live'>, id: string): void {
  const l = rt.live.get(id);
  if (!l) return;
  l.unsubscribe?.();
  rt.live.delete(id);
}

function onTopic(rt: Parts, id: string, t: ChannelTopic, data: Uint8Array, from: string): void {
  const inner = openEnvelope(rt.ctx.primitives, t, data);
  if (!inner) {
    rt.rejected++; // not sealed under this epoch's key: not from a member
    return;
  }
  rt.ingest(id, inner, from);
}
