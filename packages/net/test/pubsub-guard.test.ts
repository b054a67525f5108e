/**
 * Topic admission on real gossipsub (pubsub-guard.ts): a stranger running
 * plain, unguarded gossipsub (as anyone can) connects to a Parley node and
 * must learn nothing of a topic it is not admitted to — not that we subscribe
 * (gossipsub announces subscriptions to every connected peer), not its
 * messages, and what it publishes there must not reach us. An open topic (a
 * public channel's) stays visible. Admission changes take effect both ways.
 */

import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { PUBSUB_ADMISSION_RECHECK_MS } from '@parley/core';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, eventually, LOOPBACK_LISTEN, sleep, startTransport } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A stranger: a vanilla libp2p node with plain gossipsub (no Parley guard). */
async function plainGossipPeer(): Promise<Libp2p<{ pubsub: GossipSub }>> {
  const node = await createLibp2p({
    addresses: { listen: [...LOOPBACK_LISTEN] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictSign',
        allowPublishToZeroTopicPeers: true,
        heartbeatInterval: 200,
      }),
    },
  });
  cleanup.add(async () => {
    await node.stop();
  });
  return node;
}

const ids = (peers: ReadonlyArray<{ toString(): string }>): string[] => peers.map((p) => p.toString());

describe('gossipsub topic admission', () => {
  it('a stranger never learns of a private topic nor exchanges anything on it; an open topic stays visible', async () => {
    const victim = await startTransport(cleanup);
    const friend = await startTransport(cleanup);
    const eve = await plainGossipPeer();
    const eveId = eve.peerId.toString();
    const admitted = new Set([friend.peerId]);
    const secret = 'parley/channel/private-topic';
    const open = 'parley/channel/public-topic';
    const atVictim: string[] = [];
    const atFriend: string[] = [];
    const atEve: string[] = [];
    victim.subscribe(secret, (m) => atVictim.push(`${m.from}:${m.data[0]}`), {
      admit: (p) => admitted.has(p),
    });
    victim.subscribe(open, () => undefined);
    friend.subscribe(secret, (m) => atFriend.push(`${m.from}:${m.data[0]}`), {
      admit: (p) => p === victim.peerId,
    });
    eve.services.pubsub.addEventListener('message', (e) => {
      if (e.detail.topic === secret) atEve.push(String(e.detail.data[0]));
    });
    eve.services.pubsub.subscribe(secret); // eve learnt the topic name elsewhere
    eve.services.pubsub.subscribe(open);
    await friend.connect(victim.peerId, { addresses: victim.addresses() });
    await eve.dial(victim.node.getMultiaddrs());

    // eve's gossipsub talks to the victim: it sees the open topic...
    await eventually(
      () => ids(eve.services.pubsub.getSubscribers(open)).includes(victim.peerId),
      15_000,
      'eve to see the open topic',
    );
    await eventually(
      () => ids(friend.node.services.pubsub.getSubscribers(secret)).includes(victim.peerId),
      15_000,
      'the friend to see the private topic',
    );
    let n = 0;
    await eventually(
      () => {
        void victim.publish(secret, Uint8Array.of(n++ & 0x7f)).catch(() => undefined);
        void eve.services.pubsub.publish(secret, Uint8Array.of(200)).catch(() => undefined);
        return atFriend.length > 0;
      },
      15_000,
      'delivery to the friend',
    );
    await sleep(1_000);
    // ...but not the private one, in either direction
    expect(ids(eve.services.pubsub.getSubscribers(secret))).not.toContain(victim.peerId);
    expect(ids(victim.node.services.pubsub.getSubscribers(secret))).not.toContain(eveId);
    expect(atEve).toEqual([]);
    expect(atVictim.filter((x) => x.startsWith(eveId))).toEqual([]);

    // admitted from now on: eve is told, and gets what is published after
    admitted.add(eveId);
    await eventually(
      () => ids(eve.services.pubsub.getSubscribers(secret)).includes(victim.peerId),
      5_000 + PUBSUB_ADMISSION_RECHECK_MS,
      'eve to be told once admitted',
    );
    await eventually(
      () => {
        void victim.publish(secret, Uint8Array.of(100)).catch(() => undefined);
        return atEve.includes('100');
      },
      15_000,
      'delivery to eve once admitted',
    );
    // and revoked: eve is told we left, and nothing more reaches her
    admitted.delete(eveId);
    await eventually(
      () => !ids(eve.services.pubsub.getSubscribers(secret)).includes(victim.peerId),
      5_000 + PUBSUB_ADMISSION_RECHECK_MS,
      'eve to be told we left',
    );
    await sleep(500);
    const seen = atEve.length;
    for (let i = 0; i < 5; i++) await victim.publish(secret, Uint8Array.of(101));
    await sleep(1_000);
    expect(atEve.length).toBe(seen);
  }, 60_000);
});
