/**
 * What a stranger (a fresh PeerId, no contact of anyone, no key) can learn of
 * a private channel, on the memory network (docs/THREAT-MODEL.md "What
 * strangers can learn"): nothing of its topic, posts or descriptor; the same
 * refusal whether a channel exists or not; and strangers cannot push the owner
 * out of a follower's catch-up sources.
 */
import { nodePrimitives as p } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import { fromBase64Url, fromHex } from '../src/base/bytes.ts';
import {
  channelTopic,
  decodeChannelLink,
  decodeSyncAnswer,
  encodeDescriptorRequest,
  encodeSyncRequest,
  keyIdOf,
} from '../src/channels/codec.ts';
import { getChannelState } from '../src/channels/store.ts';
import { openEnvelope, privateChannelTopic } from '../src/channels/topic.ts';
import type { Transport } from '../src/ports/transport.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { testPeerId } from '../testing/accounts.ts';
import { befriend, eventually, makePeer, type Peer } from './harness.ts';

let network: MemoryNetwork;
let peers: Peer[] = [];
afterEach(async () => {
  for (const peer of peers) await peer.messenger.stop();
  peers = [];
});

/** Peers with messengers; `published` records what each publishes on pubsub. */
async function world(...names: string[]) {
  network = createMemoryNetwork();
  const published: Array<{ by: string; topic: string; data: Uint8Array }> = [];
  const out: Peer[] = [];
  for (const name of names) {
    out.push(
      await makePeer(network, name, {
        transport: (inner) => ({
          ...inner,
          publish: (topic, data) => {
            published.push({ by: name, topic, data: data.slice() });
            return inner.publish(topic, data);
          },
        }),
      }),
    );
  }
  peers.push(...out);
  return { peers: out, published };
}

/** A bare transport with a fresh PeerId: no messenger, no contact, no key. */
function stranger(name: string): Transport {
  const t = network.createTransport(testPeerId(name));
  t.setAdmission(() => false);
  return t;
}

const contains = (hay: Uint8Array, needle: Uint8Array): boolean => {
  for (let i = 0; i + needle.length <= hay.length; i++)
    if (needle.every((b, j) => hay[i + j] === b)) return true;
  return false;
};

/** owner + approved followers alice and bob of private "club" (one post), and carol, a contact. */
async function privateClub() {
  const w = await world('owner', 'alice', 'bob', 'carol');
  const [owner, alice, bob, carol] = w.peers as [Peer, Peer, Peer, Peer];
  await befriend(owner, alice);
  await befriend(owner, bob);
  await befriend(owner, carol); // a contact who does not follow the club
  const club = owner.messenger.createChannel('club', { private: true });
  const { link } = owner.messenger.channelInvite('club');
  for (const f of [alice, bob]) {
    f.messenger.followChannel(link);
    await eventually(() => owner.messenger.channel('club').requests.includes(f.name), 5_000, 'request');
    owner.messenger.approveFollower('club', f.name);
    await eventually(() => f.messenger.channel('club').status === 'approved', 5_000, 'approved');
  }
  owner.messenger.post('club', 'members only');
  for (const f of [alice, bob])
    await eventually(() => f.messenger.posts('club').length === 1, 5_000, `${f.name} reads`);
  return { ...w, owner, alice, bob, carol, club, link };
}

describe('a private channel and a stranger', () => {
  it('(a) its topic is derived from the content key, and what travels on it names nothing', async () => {
    const { owner, published, club } = await privateClub();
    const post = published.find((x) => x.by === 'owner');
    expect(post).toBeDefined();
    const { topic, data } = post as { topic: string; data: Uint8Array };
    // not the id-derived topic a stranger with the id could compute (topic format v1)
    expect(topic).not.toBe(channelTopic(p, club.id));
    const state = owner.store.transaction((tx) => getChannelState(owner.ctx, tx, club.id));
    const key = fromBase64Url(state?.epochs[0]?.key ?? '');
    const t = privateChannelTopic(p, key, club.id, 1);
    expect(topic).toBe(t.topic);
    // the envelope hides the header: no channel id, no publisher key id in clear
    const channelKey = decodeChannelLink(p, owner.messenger.channelInvite('club').link).descriptor.channelKey;
    expect(contains(data, fromHex(club.id))).toBe(false);
    expect(contains(data, fromHex(keyIdOf(p, channelKey)))).toBe(false);
    // members open it to the signed post, which does carry the id
    expect(contains(openEnvelope(p, t, data) as Uint8Array, fromHex(club.id))).toBe(true);
  });

  it('(b) a stranger sees none of its topics and gets nothing even if it learnt the topic', async () => {
    const { owner, alice, bob, published } = await privateClub();
    const eve = stranger('eve');
    await eve.connect(owner.peerId);
    await eve.connect(alice.peerId);
    for (const member of [owner, alice, bob])
      expect(network.topicsSeenBy(eve.peerId, member.peerId)).toEqual([]);
    // members see each other's subscription (alice and bob: through the owner only)
    expect(network.topicsSeenBy(owner.peerId, alice.peerId)).toHaveLength(1);
    expect(network.topicsSeenBy(alice.peerId, owner.peerId)).toHaveLength(1);
    // eve learnt the topic somehow: she still receives nothing, and what she publishes reaches no one
    const topic = (published[0] as { topic: string }).topic;
    const atEve: Uint8Array[] = [];
    eve.subscribe(topic, (m) => atEve.push(m.data));
    const before = alice.messenger.channel('club').posts;
    await eve.publish(topic, (published[0] as { data: Uint8Array }).data);
    owner.messenger.post('club', 'second');
    await eventually(() => alice.messenger.posts('club').length === 2, 5_000, 'alice gets the second');
    await new Promise((r) => setTimeout(r, 50));
    expect(atEve).toEqual([]);
    expect(alice.messenger.channel('club').posts).toBe(before + 1);
  });

  it('(c) queries: strangers are refused unread; "unknown" and "not allowed" get the same answer', async () => {
    const { owner, alice, club } = await privateClub();
    const eve = stranger('eve');
    const other = 'ab'.repeat(16);
    const refusal = async (t: Transport, to: Peer, request: Uint8Array) =>
      t.query(to.peerId, request).then(
        () => 'answered',
        (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
      );
    // the owner holds no public channel: a stranger is refused before any byte is read
    const descriptor = await refusal(eve, owner, encodeDescriptorRequest(club.id));
    expect(descriptor).toMatch(/^refused/);
    expect(await refusal(eve, owner, encodeDescriptorRequest(other))).toBe(descriptor);
    expect(await refusal(eve, owner, encodeSyncRequest({ channelId: club.id, after: new Map() }))).toBe(
      descriptor,
    );
    // alice also follows a public channel, so she reads a stranger's query: still the same refusal
    const news = owner.messenger.createChannel('news');
    alice.messenger.followChannel(owner.messenger.channelInvite('news').link);
    const sync = (id: string) => encodeSyncRequest({ channelId: id, after: new Map() });
    const forClub = await refusal(eve, alice, encodeDescriptorRequest(club.id));
    expect(forClub).toMatch(/^refused/);
    expect(await refusal(eve, alice, encodeDescriptorRequest(other))).toBe(forClub);
    expect(await refusal(eve, alice, sync(club.id))).toBe(forClub);
    expect(await refusal(eve, alice, sync(other))).toBe(forClub);
    // ...while the public channel is open to her, and the club to its members
    expect(decodeSyncAnswer(await eve.query(alice.peerId, sync(news.id)))).toEqual([]);
    expect(decodeSyncAnswer(await alice.transport.query(owner.peerId, sync(club.id)))).toHaveLength(1);
  });

  it('(c) a contact who does not follow it gets the same refusal as for an unknown channel', async () => {
    const { owner, carol, club } = await privateClub();
    const ask = (id: string) =>
      carol.transport.query(owner.peerId, encodeDescriptorRequest(id)).then(
        () => 'answered',
        (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
      );
    const known = await ask(club.id);
    expect(known).toMatch(/^refused/);
    expect(await ask('cd'.repeat(16))).toBe(known);
    const sync = encodeSyncRequest({ channelId: club.id, after: new Map() });
    await expect(carol.transport.query(owner.peerId, sync)).rejects.toMatchObject({ code: 'refused' });
  });
});

describe('catch-up sources', () => {
  it('(d) strangers asking a follower never become its sources; the owner is always asked first', async () => {
    const w = await world('owner', 'f');
    const [owner, f] = w.peers as [Peer, Peer];
    const news = owner.messenger.createChannel('news');
    f.messenger.followChannel(owner.messenger.channelInvite('news').link);
    owner.messenger.post('news', 'first');
    await eventually(() => f.messenger.posts('news').length === 1, 5_000, 'first post');
    // 32 throwaway PeerIds each send one sync query to the follower
    const throwaways = Array.from({ length: 32 }, (_, i) => stranger(`throwaway${i}`));
    for (const t of throwaways)
      await t.query(f.peerId, encodeSyncRequest({ channelId: news.id, after: new Map() }));
    const state = f.store.transaction((tx) => getChannelState(f.ctx, tx, news.id));
    expect(state?.peers.filter((x) => x.includes('throwaway'))).toEqual([]);
    // the follower misses 4 posts, then catches up: all 4, from the owner
    network.setOnline(f.peerId, false);
    for (let i = 1; i <= 4; i++) owner.messenger.post('news', `missed ${i}`);
    network.setOnline(f.peerId, true);
    for (const t of throwaways) network.setOnline(t.peerId, false); // gone, as throwaways are
    expect(await f.messenger.syncChannels('news')).toBe(4);
    expect(f.messenger.posts('news').map((m) => m.text)).toEqual([
      'first',
      'missed 1',
      'missed 2',
      'missed 3',
      'missed 4',
    ]);
  });
});
