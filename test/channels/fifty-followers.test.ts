/**
 * A channel followed by 50 nodes (issue 9): 51 full messengers in ONE process
 * (memory stores, real libp2p transports on loopback: gossipsub and
 * /parley/query for real). Every post reaches every follower exactly once,
 * including one that was offline (it fetches what it missed with a sync
 * query when back); forged posts are rejected; followers cannot post.
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives as p } from '@parley/crypto/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChannelNode, eventually, restartNode, startNode, stopNode } from './support.ts';

const FOLLOWERS = 50;
let owner: ChannelNode;
const followers: ChannelNode[] = [];
let link = '';

beforeAll(async () => {
  owner = await startNode('owner', { maxConnections: 400 });
  owner.messenger.createChannel('news');
  link = owner.messenger.channelInvite('news').link;
  for (let i = 0; i < FOLLOWERS; i += 10) {
    followers.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => startNode(`f${i + j}`)))));
  }
  for (const f of followers) f.messenger.followChannel(link);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([owner, ...followers].map((n) => stopNode(n)));
}, 60_000);

const count = (n: ChannelNode): number => n.messenger.channel('news').posts;

describe('a channel with 50 followers over real gossipsub', () => {
  it('delivers every post to every follower exactly once, including one that was offline', async () => {
    // the mesh forms within a few heartbeats; the first post may precede it: sync catches up either way
    await eventually(
      () => followers.every((f) => f.transport.node.services.pubsub.getSubscribers(topicOf()).length > 0),
      30_000,
      'every follower subscribed and connected to a subscriber',
    );
    for (let i = 1; i <= 10; i++) owner.messenger.post('news', `post ${i}`);
    await eventually(() => followers.every((f) => count(f) === 10), 60_000, 'the first 10 posts everywhere');

    const away = followers[7] as ChannelNode;
    await stopNode(away);
    for (let i = 11; i <= 20; i++) owner.messenger.post('news', `post ${i}`);
    const present = followers.filter((f) => f !== away);
    await eventually(() => present.every((f) => count(f) === 20), 60_000, 'posts 11..20 at the present ones');
    expect(count(away)).toBe(10);
    await restartNode(away);
    await eventually(() => count(away) === 20, 30_000, 'the returning follower caught up');

    const expected = Array.from({ length: 20 }, (_, i) => `post ${i + 1}`);
    for (const f of followers) {
      expect(f.messenger.posts('news', { limit: 100 }).map((m) => m.text)).toEqual(expected);
      // exactly once: each post id announced once by the 'post' event, 20 ids
      expect(f.seen.size).toBe(20);
      expect([...f.seen.values()].every((n) => n === 1)).toBe(true);
    }
  }, 240_000);

  it('rejects a post forged by a follower; followers cannot post', async () => {
    const mallory = followers[3] as ChannelNode;
    expect(() => mallory.messenger.post('news', 'not mine')).toThrow(/followers cannot post/);
    const { encodePost, keyIdOf } = await import('../../packages/core/src/channels/codec.ts');
    const id = owner.messenger.channel('news').id;
    const secret = systemRandom(32);
    const forged = encodePost(
      p,
      systemRandom,
      { channelId: id, seq: 21, timestamp: Date.now(), publisher: keyIdOf(p, p.ed25519PublicKey(secret)) },
      'forged',
      secret,
    );
    await mallory.transport.publish(topicOf(), forged);
    owner.messenger.post('news', 'post 21');
    await eventually(
      () => followers.filter((f) => f !== mallory).every((f) => count(f) === 21),
      60_000,
      'post 21 everywhere',
    );
    for (const f of followers) {
      expect(f.messenger.posts('news', { limit: 100 }).some((m) => m.text === 'forged')).toBe(false);
    }
  }, 120_000);
});

function topicOf(): string {
  return `parley/channel/${toHex(p.sha256(concat(new TextEncoder().encode('parley-channel-topic-v1'), fromHex(owner.messenger.channel('news').id))).subarray(0, 16))}`;
}
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => Uint8Array.from([...a, ...b]);
