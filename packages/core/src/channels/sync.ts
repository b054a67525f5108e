/**
 * Sync rounds (docs/CHANNELS.md "Catch-up"): a follower asks known peers, the owner first, for
 * the posts after the highest contiguous seq it holds of each publisher, page by page, over
 * /parley/query. The signatures make any peer's answer safe to store.
 */

import { SELF } from '../devices/index.ts';
import { decodeSyncAnswer, encodeSyncRequest, publisherKeys, SYNC_PAGE_MAX_POSTS } from './codec.ts';
import { addressesOf, type ChannelRuntime, type Live, sourcePeers } from './live.ts';

/** Peers asked per sync round, and pages asked of one peer per round. */
export const CHANNEL_SYNC_PEERS_PER_ROUND = 4;
export const CHANNEL_SYNC_MAX_PAGES = 64;

type Parts = Pick<ChannelRuntime, 'ctx' | 'self' | 'live' | 'started' | 'ingest' | 'refreshDescriptor'>;

/**
 * One sync round for channel `id` (asking `first` right after the owner), or the round already
 * running; resolves with the number of new posts stored. An owner's device asks our other devices
 * only; not-yet-approved followers of a private channel do not sync.
 */
export function syncChannel(rt: Parts, id: string, first: readonly string[] = []): Promise<number> {
  const l = rt.live.get(id);
  if (!l || !rt.started) return Promise.resolve(0);
  // a private channel's posts are for approved members only: no one answers anyone else
  if (l.descriptor.isPrivate && l.state.status !== 'approved') return Promise.resolve(0);
  if (l.syncing) return l.syncing;
  const run = async (): Promise<number> => {
    let total = 0;
    // an owner's devices catch up from one another (what our other devices posted, or all of it on a
    // device linked later); a follower asks the owner first, then anyone who has the posts
    const owner = l.state.role === 'owner';
    const peers = owner ? ownDevices(rt) : sourcePeers(rt.ctx, rt.self, l, first);
    if (!owner) await rt.refreshDescriptor(id, peers, true); // publishers appointed or removed while away
    let asked = 0;
    for (const peer of peers) {
      if (asked >= CHANNEL_SYNC_PEERS_PER_ROUND || !rt.live.has(id)) break;
      asked++;
      total += await syncFrom(rt, l, peer);
    }
    return total;
  };
  l.syncing = run().finally(() => {
    l.syncing = null;
  });
  return l.syncing;
}

/** Our other devices' PeerIds. */
const ownDevices = (rt: Parts): string[] =>
  rt.ctx.store.transaction((tx) =>
    tx.listDevices(SELF).flatMap((d) => (d.peerId === rt.self ? [] : [d.peerId])),
  );

/** Asks `peer` for pages of missed posts until one brings nothing new; the number stored. */
async function syncFrom(rt: Parts, l: Live, peer: string): Promise<number> {
  const id = l.state.id;
  let total = 0;
  for (let page = 0; page < CHANNEL_SYNC_MAX_PAGES; page++) {
    const after = new Map<string, number>();
    for (const pub of publisherKeys(rt.ctx.primitives, l.descriptor).keys())
      after.set(pub, l.state.contiguous[pub] ?? 0);
    let posts: Uint8Array[];
    try {
      const answer = await rt.ctx.transport.query(peer, encodeSyncRequest({ channelId: id, after }), {
        addresses: addressesOf(l.descriptor, peer),
      });
      posts = decodeSyncAnswer(answer);
    } catch {
      break; // unreachable, refused, or nonsense: try the next peer
    }
    let fresh = 0;
    for (const post of posts) if (rt.ingest(id, post) !== false) fresh++;
    total += fresh;
    if (fresh === 0 || posts.length < SYNC_PAGE_MAX_POSTS) break;
  }
  return total;
}
