/**
 * Channels on the memory network: create/follow/post, exactly-once delivery,
 * catch-up of an offline follower with sync queries, forged posts rejected,
 * followers cannot post, private channels (request, approve, rotate on removal).
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives as p } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import { fromBase64Url, toHex } from '../src/base/bytes.ts';
import {
  CHANNEL_LINK_SCHEME,
  channelTopic,
  decodeChannelLink,
  decodeSyncAnswer,
  encodeChannelLink,
  encodeDescriptorRequest,
  encodePost,
  encodeSyncRequest,
  keyIdOf,
  openDescriptor,
  POST_TEXT_MAX_BYTES,
  signDescriptor,
} from '../src/channels/codec.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import type { MessageView } from '../src/views/messages.ts';
import { befriend, eventually, makePeer, type Peer } from './harness.ts';

let network: MemoryNetwork;
let peers: Peer[] = [];
afterEach(async () => {
  for (const peer of peers) await peer.messenger.stop();
  peers = [];
});

async function nodes(...names: string[]): Promise<[Peer, Peer, Peer, Peer, ...Peer[]]> {
  network = createMemoryNetwork();
  const out: Peer[] = [];
  for (const n of names) out.push(await makePeer(network, n));
  peers.push(...out);
  return out as [Peer, Peer, Peer, Peer, ...Peer[]];
}

const texts = (peer: Peer, channel: string): string[] =>
  peer.messenger.posts(channel, { limit: 1000 }).map((m) => m.text);

describe('public channels', () => {
  it('owner posts, every follower stores each post exactly once; messages NAME shows them', async () => {
    const [owner, ...followers] = await nodes('owner', 'f1', 'f2', 'f3');
    owner.messenger.createChannel('news');
    const { link, qrPayload } = owner.messenger.channelInvite('news');
    expect(link.startsWith(CHANNEL_LINK_SCHEME)).toBe(true);
    expect(new TextDecoder().decode(qrPayload)).toBe(link);
    const seen = new Map<string, MessageView[]>();
    for (const f of followers) {
      f.messenger.events.on('post', (v) => seen.set(f.name, [...(seen.get(f.name) ?? []), v]));
      const view = f.messenger.followChannel(link);
      expect(view).toMatchObject({ name: 'news', role: 'follower', private: false, status: 'following' });
    }
    for (let i = 1; i <= 5; i++) owner.messenger.post('news', `post ${i}`);
    owner.messenger.sendText('news', 'post 6'); // sendText resolves a channel name too
    // so does the API's queueText (a channel's name is tried as a contact's first, then resolved)
    expect(await owner.messenger.queueText('news', 'post 7')).toMatchObject({
      text: 'post 7',
      direction: 'out',
    });
    await expect(owner.messenger.queueText('nobody', 'x')).rejects.toMatchObject({ code: 'unknown-contact' });
    await expect(owner.messenger.queueTexts('news', ['x'])).rejects.toMatchObject({
      code: 'unknown-contact',
    });
    for (const f of followers) {
      await eventually(() => texts(f, 'news').length === 7, 5_000, `${f.name} has 7 posts`);
      expect(texts(f, 'news')).toEqual([
        'post 1',
        'post 2',
        'post 3',
        'post 4',
        'post 5',
        'post 6',
        'post 7',
      ]);
      expect(seen.get(f.name)?.length).toBe(7);
      const [first] = f.messenger.messages('news');
      expect(first).toMatchObject({ contact: 'news', from: 'news', direction: 'in', text: 'post 1', seq: 1 });
    }
    expect(owner.messenger.messages('news').map((m) => [m.from, m.direction])[0]).toEqual(['me', 'out']);
    // a second sync asks for nothing new: duplicates are dropped
    expect(await followers[0]?.messenger.syncChannels('news')).toBe(0);
    expect(followers[0]?.messenger.channel('news').posts).toBe(7);
  });

  it('a follower that was offline fetches what it missed from the owner when back', async () => {
    const [owner, a, b] = await nodes('owner', 'a', 'b');
    owner.messenger.createChannel('news');
    const { link } = owner.messenger.channelInvite('news');
    a.messenger.followChannel(link);
    b.messenger.followChannel(link);
    owner.messenger.post('news', 'one');
    await eventually(() => texts(b, 'news').length === 1);
    network.setOnline(b.peerId, false);
    for (let i = 0; i < 150; i++) owner.messenger.post('news', `while away ${i}`); // > one sync page
    await eventually(() => texts(a, 'news').length === 151);
    expect(texts(b, 'news')).toEqual(['one']);
    network.setOnline(b.peerId, true);
    expect(await b.messenger.syncChannels()).toBe(150);
    expect(texts(b, 'news')).toEqual(texts(a, 'news'));
  });

  it('a follower fetches missed posts from another follower when the owner is gone', async () => {
    const [owner, a, b] = await nodes('owner', 'a', 'b');
    owner.messenger.createChannel('news');
    const { link } = owner.messenger.channelInvite('news');
    a.messenger.followChannel(link);
    for (let i = 0; i < 3; i++) owner.messenger.post('news', `p${i}`);
    await eventually(() => texts(a, 'news').length === 3);
    await owner.messenger.stop();
    network.setOnline(owner.peerId, false);
    b.messenger.followChannel(link);
    // b learnt a only by gossip in real life; here it asks a directly
    const answer = await b.transport.query(
      a.peerId,
      encodeSyncRequest({ channelId: b.messenger.channel('news').id, after: new Map() }),
    );
    expect(decodeSyncAnswer(answer).length).toBe(3);
    expect(await b.messenger.syncChannels('news')).toBe(0); // owner unreachable, a unknown yet
  });

  it('followers reject forged posts and cannot post; tampered links are refused', async () => {
    const [owner, f, mallory] = await nodes('owner', 'f', 'mallory');
    const channel = owner.messenger.createChannel('news');
    const { link } = owner.messenger.channelInvite('news');
    f.messenger.followChannel(link);
    mallory.messenger.followChannel(link);
    expect(() => mallory.messenger.post('news', 'hi')).toThrow(/followers cannot post/);
    expect(() => mallory.messenger.sendText('news', 'hi')).toThrow(/followers cannot post/);
    const topic = channelTopic(p, channel.id);
    const secret = systemRandom(32);
    const header = {
      channelId: channel.id,
      seq: 1,
      timestamp: Date.now(),
      publisher: keyIdOf(p, p.ed25519PublicKey(secret)),
    };
    // signed by a key not in the descriptor
    await mallory.transport.publish(topic, encodePost(p, systemRandom, header, 'forged', secret));
    // claiming the owner's key id, with a bad signature
    const { descriptor } = decodeChannelLink(p, link);
    const ownerKeyId = keyIdOf(p, descriptor.channelKey);
    const bad = encodePost(p, systemRandom, { ...header, publisher: ownerKeyId }, 'forged too', secret);
    await mallory.transport.publish(topic, bad);
    // a real post, altered in flight
    owner.messenger.post('news', 'genuine');
    await eventually(() => texts(f, 'news').length === 1);
    const stored = f.store.transaction((tx) => tx.listPosts(channel.id));
    expect(stored.length).toBe(1);
    expect(texts(f, 'news')).toEqual(['genuine']);
    // tampering with the link breaks the signature
    const signed = fromBase64Url(link.slice(CHANNEL_LINK_SCHEME.length));
    const tampered = signed.slice();
    tampered[20] = (tampered[20] as number) ^ 1;
    expect(() => f.messenger.followChannel(encodeChannelLink(tampered))).toThrow(/tampered|signed/);
    // a descriptor re-signed by someone else with the same id is another channel key: its posts never verify
    const fake = signDescriptor(p, { ...descriptor, channelKey: p.ed25519PublicKey(secret) }, secret);
    expect(decodeChannelLink(p, encodeChannelLink(fake)).descriptor.id).toBe(channel.id);
    expect(toHex(descriptor.channelKey)).not.toBe(toHex(p.ed25519PublicKey(secret)));
  });

  it('bounds post size and rejects unknown links', async () => {
    const [owner, f] = await nodes('owner', 'f');
    owner.messenger.createChannel('news');
    expect(() => owner.messenger.post('news', 'x'.repeat(POST_TEXT_MAX_BYTES + 1))).toThrow(/1\.\.32768/);
    expect(() => owner.messenger.post('news', '')).toThrow();
    expect(() => f.messenger.followChannel('parley://channel/AAAA')).toThrow();
    expect(() => f.messenger.followChannel('https://example.com')).toThrow(/starts with/);
    expect(() => owner.messenger.createChannel('news')).toThrow(/already/);
  });
});

describe('appointed publishers', () => {
  it('the owner appoints a contact: followers accept their posts (also one that was away), then not after removal', async () => {
    const [owner, pub, f1, f2] = await nodes('owner', 'pub', 'f1', 'f2');
    await befriend(owner, pub);
    owner.messenger.createChannel('news');
    const { link } = owner.messenger.channelInvite('news');
    for (const f of [pub, f1, f2]) f.messenger.followChannel(link);
    expect(() => pub.messenger.post('news', 'too early')).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );
    owner.messenger.post('news', 'hello');
    await eventually(() => texts(f2, 'news').length === 1);
    network.setOnline(f2.peerId, false);

    expect(() => owner.messenger.addPublisher('news', 'nobody')).toThrow();
    const view = owner.messenger.addPublisher('news', 'pub');
    expect(view.publishers).toEqual(['pub']);
    expect(() => owner.messenger.addPublisher('news', 'pub')).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
    await eventually(
      () => pub.messenger.channel('news').role === 'publisher',
      5_000,
      'pub to be a publisher',
    );
    // f1 adopted the new descriptor from the owner's announcement on the topic
    pub.messenger.post('news', 'from pub');
    await eventually(() => texts(f1, 'news').includes('from pub'), 5_000, 'f1 to accept the post');
    await eventually(() => texts(owner, 'news').includes('from pub'));
    const fromPub = f1.messenger.posts('news').find((m) => m.text === 'from pub');
    expect(fromPub?.from).toMatch(/^news \(/);

    // f2 was away: its sync fetches the newer descriptor first, then the publisher's posts
    network.setOnline(f2.peerId, true);
    await f2.messenger.syncChannels('news');
    await eventually(() => texts(f2, 'news').includes('from pub'), 5_000, 'f2 to catch up');
    expect(texts(f2, 'news').filter((t) => t === 'from pub')).toHaveLength(1);

    // removal: a new revision without the key; pub is a follower again and cannot post
    const after = owner.messenger.removePublisher('news', 'pub');
    expect(after.publishers).toEqual([]);
    await eventually(() => pub.messenger.channel('news').role === 'follower', 5_000, 'pub to be a follower');
    expect(() => pub.messenger.post('news', 'not any more')).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );
    const id = f1.messenger.channel('news').id;
    const publishersAtF1 = async (): Promise<number> =>
      openDescriptor(p, await f2.transport.query(f1.peerId, encodeDescriptorRequest(id))).publishers.length;
    for (let i = 0; i < 100 && (await publishersAtF1()) !== 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(await publishersAtF1()).toBe(0); // f1 adopted the revision without pub's key
    expect(() => owner.messenger.removePublisher('news', 'pub')).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
  });

  it('only the owner appoints; a descriptor query about a channel we do not have is refused', async () => {
    const [owner, f1, f2] = await nodes('owner', 'f1', 'f2');
    await befriend(f1, f2);
    owner.messenger.createChannel('news');
    f1.messenger.followChannel(owner.messenger.channelInvite('news').link);
    expect(() => f1.messenger.addPublisher('news', 'f2')).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );
    await expect(
      f1.transport.query(f2.peerId, encodeDescriptorRequest(f1.messenger.channel('news').id)),
    ).rejects.toMatchObject({ code: 'refused' });
  });
});

describe('private channels', () => {
  it('only approved contacts read; a removed follower cannot read after the rotation', async () => {
    const [owner, alice, bob, stranger] = await nodes('owner', 'alice', 'bob', 'stranger');
    await befriend(owner, alice);
    await befriend(owner, bob);
    owner.messenger.createChannel('club', { private: true });
    const { link } = owner.messenger.channelInvite('club');
    expect(() => stranger.messenger.followChannel(link)).toThrow(/private channel/);
    expect(alice.messenger.followChannel(link).status).toBe('requested');
    expect(bob.messenger.followChannel(link).status).toBe('requested');
    await eventually(() => owner.messenger.channel('club').requests.length === 2, 5_000, 'requests');
    owner.messenger.post('club', 'before approval');
    await new Promise((r) => setTimeout(r, 50));
    // before approval a follower holds no key: it gets nothing at all (topic v2, not even sealed posts)
    expect(alice.messenger.channel('club').posts).toBe(0);
    expect(await alice.messenger.syncChannels('club')).toBe(0);
    owner.messenger.approveFollower('club', 'alice');
    owner.messenger.approveFollower('club', 'bob');
    await eventually(() => alice.messenger.channel('club').status === 'approved', 5_000, 'alice approved');
    await eventually(() => bob.messenger.channel('club').status === 'approved', 5_000, 'bob approved');
    expect(texts(alice, 'club')).toEqual(['before approval']);
    owner.messenger.post('club', 'for both');
    await eventually(() => texts(bob, 'club').length === 2, 5_000, 'bob reads');
    owner.messenger.removeFollower('club', 'bob');
    await eventually(() => bob.messenger.channel('club').status === 'removed', 5_000, 'bob removed');
    await eventually(() => owner.messenger.channel('club').followers.length === 1);
    // alice must have the new epoch key before the next post is readable to her
    await new Promise((r) => setTimeout(r, 100));
    owner.messenger.post('club', 'after removal');
    await eventually(() => texts(alice, 'club').length === 3, 5_000, 'alice reads the new epoch');
    // the new epoch is a new topic bob cannot derive, and no one answers his queries: he gets nothing
    expect(await bob.messenger.syncChannels('club')).toBe(0);
    expect(bob.messenger.channel('club').posts).toBe(2);
    expect(texts(bob, 'club')).toEqual(['before approval', 'for both']);
  });

  it('an owner can add a contact directly; unfollow tells the owner', async () => {
    const [owner, carol] = await nodes('owner', 'carol');
    await befriend(owner, carol);
    owner.messenger.createChannel('club', { private: true });
    owner.messenger.post('club', 'hello');
    owner.messenger.approveFollower('club', 'carol');
    await eventually(() => carol.messenger.channels().length === 1, 5_000, 'carol got the channel');
    await eventually(() => texts(carol, 'club').length === 1, 5_000, 'carol synced');
    carol.messenger.unfollow('club');
    await eventually(() => owner.messenger.channel('club').followers.length === 0, 5_000, 'owner told');
    expect(carol.messenger.channels()).toEqual([]);
  });
});
