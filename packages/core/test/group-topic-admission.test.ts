/**
 * A large group's gossipsub topic is shared only with its current members
 * (groups/topics.ts passes their PeerIds as the topic's admission; the memory
 * network behaves like net's pubsub guard): a stranger and a contact outside
 * the group see none of its subscriptions, and a removed member stops seeing
 * the group's new topic.
 */
import { afterEach, expect, it } from 'vitest';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { testPeerId } from '../testing/accounts.ts';
import { befriend, eventually, join, makePeer, type Peer } from './harness.ts';

let network: MemoryNetwork;
let peers: Peer[] = [];
afterEach(async () => {
  for (const p of peers) await p.messenger.stop();
  peers = [];
});

it('shares the topic with current members only', async () => {
  network = createMemoryNetwork();
  const names = ['alice', 'bob', 'carol', 'dave', 'erin'];
  peers = await Promise.all(names.map((n) => makePeer(network, n, { limits: { groupTopicMinMembers: 3 } })));
  const [alice, bob, carol, dave, erin] = peers as [Peer, Peer, Peer, Peer, Peer];
  for (const p of [bob, carol, dave, erin]) await befriend(alice, p); // erin: a contact, not a member
  const eve = network.createTransport(testPeerId('eve')); // a stranger
  alice.messenger.createGroup('crowd', ['bob', 'carol', 'dave']);
  for (const p of [bob, carol, dave]) await join(p, 'crowd');
  const members = [alice, bob, carol, dave];
  const seen = (observer: string, p: Peer) => network.topicsSeenBy(observer, p.peerId);
  await eventually(
    () => members.every((p) => members.every((q) => p === q || seen(q.peerId, p).length === 1)),
    20_000,
    'every member to see the others subscribed',
  );
  const [topic] = seen(bob.peerId, alice);
  for (const p of members) {
    expect(seen(eve.peerId, p)).toEqual([]);
    expect(seen(erin.peerId, p)).toEqual([]);
  }
  alice.messenger.removeFromGroup('crowd', 'dave');
  await eventually(
    () => seen(bob.peerId, alice).length === 1 && seen(bob.peerId, alice)[0] !== topic,
    20_000,
    "alice's new topic",
  );
  for (const p of [alice, bob, carol])
    await eventually(() => seen(dave.peerId, p).length === 0, 20_000, `dave to see nothing of ${p.name}'s`);
});
