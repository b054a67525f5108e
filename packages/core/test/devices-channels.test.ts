/**
 * Channels on every device of an account (docs/MULTI-DEVICE.md "Channels") on the memory network:
 * Alice on her first device and her laptop, Bob on one. A channel followed, unfollowed or owned on
 * one of Alice's devices is so on the other; each of her devices posts with its own key (numbered
 * on its own), so followers get every post once; a device linked later gets her channels.
 */
import { systemRandom } from '@parley/crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { InboundError } from '../src/base/errors.ts';
import { toBase64Url } from '../src/base/index.ts';
import { applyChannelShare } from '../src/channels/index.ts';
import { getChannelState } from '../src/channels/store.ts';
import type { Effects } from '../src/messaging/index.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { befriend, eventually, makePeer, type Peer, stopPeers } from './harness.ts';

let peers: Peer[] = [];
let network: MemoryNetwork;

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

/** Alice and Bob, friends; with `laptop`, Alice's second device linked now (Bob learned it). */
async function rig(laptop = true): Promise<{ alice: Peer; bob: Peer; laptop?: Peer }> {
  network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice');
  const bob = await makePeer(network, 'bob');
  peers.push(alice, bob);
  await befriend(alice, bob);
  if (!laptop) return { alice, bob };
  return { alice, bob, laptop: await linkLaptop(alice, bob) };
}

async function linkLaptop(alice: Peer, bob: Peer): Promise<Peer> {
  const laptop = await makePeer(network, 'laptop', { linkTo: alice });
  peers.push(laptop);
  const listed = (p: Peer): boolean =>
    p.store.transaction((tx) => {
      const c = tx.getContactByPeerId(alice.peerId);
      return c !== undefined && tx.listDevices(c.id).length === 2;
    });
  await eventually(() => listed(bob), 10_000, 'Bob to learn Alice’s devices');
  return laptop;
}

const texts = (p: Peer, channel: string): string[] =>
  p.messenger.posts(channel, { limit: 1000 }).map((m) => m.text);
const channelOf = (p: Peer, name: string) => p.messenger.channels().find((c) => c.name === name);

describe('channels on two devices of one account', () => {
  it('a channel followed on the desktop is followed on the laptop, which receives the owner’s next post', async () => {
    const { alice, bob, laptop } = await rig();
    if (!laptop) throw new Error('no laptop');
    bob.messenger.createChannel('bobnews');
    alice.messenger.followChannel(bob.messenger.channelInvite('bobnews').link);
    await eventually(() => channelOf(laptop, 'bobnews') !== undefined, 10_000, 'the laptop to follow');
    expect(channelOf(laptop, 'bobnews')).toMatchObject({ role: 'follower', status: 'following' });
    await new Promise((r) => setTimeout(r, 300)); // (the laptop's subscription meets Bob's)
    bob.messenger.post('bobnews', 'hello followers');
    await eventually(
      () => texts(laptop, 'bobnews').includes('hello followers'),
      15_000,
      'the laptop to get it',
    );
    await eventually(() => texts(alice, 'bobnews').includes('hello followers'), 15_000, 'Alice to get it');
    expect(texts(laptop, 'bobnews')).toEqual(['hello followers']);

    laptop.messenger.unfollow('bobnews');
    await eventually(() => channelOf(alice, 'bobnews') === undefined, 10_000, 'Alice to unfollow too');
  });

  it('a channel Alice owns gets a post from her laptop that followers receive once', async () => {
    const { alice, bob, laptop } = await rig();
    if (!laptop) throw new Error('no laptop');
    alice.messenger.createChannel('news');
    await eventually(() => channelOf(laptop, 'news')?.role === 'owner', 10_000, 'the laptop to own it');
    bob.messenger.followChannel(alice.messenger.channelInvite('news').link);
    await new Promise((r) => setTimeout(r, 300));
    // the same moment on both devices: each numbers its own posts, so neither hides the other
    laptop.messenger.post('news', 'from the laptop');
    alice.messenger.post('news', 'from the desktop');
    laptop.messenger.post('news', 'laptop again');
    const want = ['from the desktop', 'from the laptop', 'laptop again'];
    await eventually(() => texts(bob, 'news').length >= 3, 15_000, 'Bob to get all three');
    await new Promise((r) => setTimeout(r, 500));
    expect([...texts(bob, 'news')].sort()).toEqual(want);
    // Alice's desktop shows the laptop's posts as hers
    await eventually(() => texts(alice, 'news').length === 3, 15_000, 'the desktop to get the laptop’s');
    const mine = alice.messenger.posts('news', { limit: 10 }).every((m) => m.direction === 'out');
    expect(mine).toBe(true);
  });

  it('a device linked later follows Alice’s channels and can post to the ones she owns', async () => {
    const { alice, bob } = await rig(false);
    alice.messenger.createChannel('news');
    alice.messenger.post('news', 'before the laptop');
    bob.messenger.createChannel('bobnews');
    bob.messenger.post('bobnews', 'bob before');
    alice.messenger.followChannel(bob.messenger.channelInvite('bobnews').link);
    bob.messenger.followChannel(alice.messenger.channelInvite('news').link);
    await eventually(() => texts(bob, 'news').length === 1, 15_000, 'Bob to catch up on news');

    const laptop = await linkLaptop(alice, bob);
    await eventually(
      () => channelOf(laptop, 'news')?.role === 'owner' && channelOf(laptop, 'bobnews') !== undefined,
      15_000,
      'the laptop to hold both channels',
    );
    await eventually(() => texts(laptop, 'bobnews').includes('bob before'), 15_000, 'Bob’s earlier post');
    await eventually(() => texts(laptop, 'news').includes('before the laptop'), 15_000, 'her earlier post');
    await eventually(
      () => {
        try {
          laptop.messenger.post('news', 'from the new laptop');
          return true;
        } catch {
          return false;
        }
      },
      15_000,
      'the laptop’s key to be in the channel',
    );
    await eventually(() => texts(bob, 'news').includes('from the new laptop'), 15_000, 'Bob to get it');
    await new Promise((r) => setTimeout(r, 300));
    expect(texts(bob, 'news').filter((t) => t === 'from the new laptop')).toHaveLength(1);
  });

  it('a follow request for Alice’s private channel shows on her laptop, which approves it', async () => {
    const { alice, bob, laptop } = await rig();
    if (!laptop) throw new Error('no laptop');
    alice.messenger.createChannel('inner', { private: true });
    await eventually(() => channelOf(laptop, 'inner')?.role === 'owner', 10_000, 'the laptop to own it');
    bob.messenger.followChannel(alice.messenger.channelInvite('inner').link);
    await eventually(
      () => (channelOf(laptop, 'inner')?.requests ?? []).includes('bob'),
      10_000,
      'the request to reach the laptop',
    );
    laptop.messenger.approveFollower('inner', 'bob');
    await eventually(() => channelOf(bob, 'inner')?.status === 'approved', 10_000, 'Bob to be approved');
    await eventually(
      () => (channelOf(alice, 'inner')?.followers ?? []).includes('bob'),
      10_000,
      'the desktop too',
    );
    await new Promise((r) => setTimeout(r, 300));
    laptop.messenger.post('inner', 'for members');
    await eventually(() => texts(bob, 'inner').includes('for members'), 15_000, 'Bob to read it');
  });
});

describe('a channel share from our other device (sync op 6)', () => {
  it('is refused when its secret is not the channel key, its descriptor another channel’s, or a list too long', async () => {
    const { alice, bob } = await rig(false);
    alice.messenger.createChannel('news');
    alice.messenger.createChannel('other');
    const [news, other] = ['news', 'other'].map((n) =>
      alice.store.transaction((tx) => getChannelState(alice.ctx, tx, channelOf(alice, n)?.id ?? '')),
    );
    if (!news || !other) throw new Error('no channels');
    const good = {
      v: 1,
      name: 'news',
      descriptor: news.descriptor,
      role: 'owner',
      status: 'owner',
      current: 0,
      epochs: [],
      peers: [],
      owner: { secret: news.secret, creator: alice.peerId, followers: [], requests: [], appointed: [] },
    };
    const apply = (share: unknown): void => {
      const effects: Effects = { messages: [], downloads: [] };
      const bytes = new TextEncoder().encode(JSON.stringify(share));
      bob.store.transaction((tx) => applyChannelShare(bob.ctx, tx, news.id, bytes, effects));
    };
    const forged = [
      { ...good, owner: { ...good.owner, secret: toBase64Url(systemRandom(32)) } },
      { ...good, descriptor: other.descriptor },
      {
        ...good,
        epochs: Array.from({ length: 129 }, (_, i) => ({ epoch: i, key: toBase64Url(systemRandom(32)) })),
      },
      { ...good, owner: { ...good.owner, secret: 'not base64 at all!' } },
      { ...good, v: 2 },
    ];
    for (const share of forged) expect(() => apply(share)).toThrow(InboundError);
    expect(bob.messenger.channels()).toEqual([]);
    apply(good); // the same share, untampered: Bob (standing in for Alice's device) owns it
    expect(bob.messenger.channels().map((c) => [c.name, c.role])).toEqual([['news', 'owner']]);
  });
});
