/**
 * Posts with a file (issue 20; docs/PROTOCOL.md §5 "Posts with a file"): a photo posted in a
 * public channel reaches a follower who is a stranger to the owner, verified and byte for byte; a
 * private channel's file is refused to a peer who is not an approved follower, exactly as a file
 * that does not exist; text posts keep format 1, and a post's file manifest cannot be altered.
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives as p } from '@parley/crypto/node';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreError } from '../src/base/errors.ts';
import { decodePost, encodePost, keyIdOf, openPostContent, verifyPost } from '../src/channels/codec.ts';
import { decodePostFile, encodePostFile } from '../src/channels/post-file.ts';
import { TransportError } from '../src/ports/index.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { befriend, eventually, fileSource, makePeer, type Peer, randomBytes, saved } from './harness.ts';

let network: MemoryNetwork;
let peers: Peer[] = [];
afterEach(async () => {
  for (const peer of peers) {
    await peer.messenger.stop();
    await peer.transport.stop();
  }
  peers = [];
});

async function nodes(...names: string[]): Promise<Peer[]> {
  network = createMemoryNetwork();
  for (const n of names) peers.push(await makePeer(network, n));
  return peers;
}

/** Every chunk `p` gets when it asks `from` for file `id`, or the error that refused it. */
async function fetchAll(p: Peer, from: Peer, id: string): Promise<Uint8Array[] | unknown> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const c of p.transport.fetchFile(from.peerId, { fileId: id, fromChunk: 0 })) chunks.push(c);
    return chunks;
  } catch (error) {
    return error;
  }
}

const fileOf = (peer: Peer, channel: string, id: string) =>
  peer.messenger.posts(channel, { limit: 1000 }).find((m) => m.attachment?.id === id)?.attachment;

describe('posts with a file', () => {
  it('a photo posted in a public channel reaches a follower who is not the owner’s contact, bytes equal', async () => {
    const [owner, follower] = (await nodes('owner', 'follower')) as [Peer, Peer];
    owner.messenger.createChannel('news');
    follower.messenger.followChannel(owner.messenger.channelInvite('news').link);
    expect(owner.messenger.contacts()).toEqual([]); // strangers to each other
    const photo = randomBytes(300_000); // five chunks
    const thumbnail = randomBytes(400);
    const sent = await owner.messenger.sendFile('news', fileSource(photo), { caption: 'summit', thumbnail });
    expect(sent).toMatchObject({ text: 'summit', direction: 'out' });
    expect(sent.attachment).toMatchObject({ name: 'photo.jpg', size: 300_000, status: 'available' });
    const id = sent.attachment?.id as string;
    await eventually(() => fileOf(follower, 'news', id)?.status === 'done', 10_000, 'the photo downloaded');
    const [post] = follower.messenger.posts('news');
    expect(post).toMatchObject({ text: 'summit', from: 'news', direction: 'in' });
    expect(post?.attachment).toMatchObject({ name: 'photo.jpg', mime: 'image/jpeg', size: 300_000 });
    expect(post?.attachment?.thumbnail).toBeDefined();
    expect(await saved(follower, 'news', id)).toEqual(photo);
    // the owner's view of its own post shows the file too
    expect(fileOf(owner, 'news', id)?.status).toBe('available');
  });

  it('a private channel’s file is refused to a peer who is not an approved follower', async () => {
    const [owner, alice, bob, stranger] = (await nodes('owner', 'alice', 'bob', 'stranger')) as [
      Peer,
      Peer,
      Peer,
      Peer,
    ];
    await befriend(owner, alice);
    await befriend(owner, bob);
    owner.messenger.createChannel('club', { private: true });
    const { link } = owner.messenger.channelInvite('club');
    alice.messenger.followChannel(link);
    bob.messenger.followChannel(link); // asks, never approved
    await eventually(() => owner.messenger.channel('club').requests.length === 2, 5_000, 'requests');
    owner.messenger.approveFollower('club', 'alice');
    await eventually(() => alice.messenger.channel('club').status === 'approved', 5_000, 'alice approved');
    const secret = randomBytes(100_000);
    const sent = await owner.messenger.sendFile('club', fileSource(secret, 'plan.pdf', 'application/pdf'));
    const id = sent.attachment?.id as string;
    await eventually(() => fileOf(alice, 'club', id)?.status === 'done', 10_000, 'alice downloaded');
    expect(await saved(alice, 'club', id)).toEqual(secret);
    // a contact whose request is pending, and a stranger: refused, like a file that does not exist
    for (const peer of [bob, stranger]) {
      const refused = await fetchAll(peer, owner, id);
      expect(refused).toBeInstanceOf(TransportError);
      const missing = await fetchAll(peer, owner, 'ab'.repeat(16));
      expect(missing).toBeInstanceOf(TransportError);
      expect((refused as TransportError).code).toBe((missing as TransportError).code);
    }
    expect(bob.messenger.posts('club')).toEqual([]);
  });

  it('a public channel’s stranger is told nothing of the owner’s other files', async () => {
    const [owner, friend, follower] = (await nodes('owner', 'friend', 'follower')) as [Peer, Peer, Peer];
    await befriend(owner, friend);
    owner.messenger.createChannel('news');
    follower.messenger.followChannel(owner.messenger.channelInvite('news').link);
    const direct = await owner.messenger.sendFile('friend', fileSource(randomBytes(70_000)));
    const result = await fetchAll(follower, owner, direct.attachment?.id as string);
    expect(result).toBeInstanceOf(TransportError);
    expect((result as TransportError).code).toBe('refused');
  });

  it('text posts stay format 1; a file post is format 2 and its manifest is signed', () => {
    const seed = systemRandom(32);
    const h = {
      channelId: 'cd'.repeat(16),
      seq: 1,
      timestamp: 1,
      publisher: keyIdOf(p, p.ed25519PublicKey(seed)),
    };
    const text = encodePost(p, systemRandom, h, 'hello', seed);
    expect(text[0]).toBe(1);
    const file = {
      source: '12D3KooWExample',
      id: 'ef'.repeat(16),
      name: 'a.png',
      mime: 'image/png',
      size: 10,
      sha256: '00'.repeat(32),
      key: randomBytes(40),
    };
    const key = randomBytes(32);
    const sealed = encodePost(p, systemRandom, h, { text: 'cap', file }, seed, { epoch: 3, key });
    expect(sealed[0]).toBe(2);
    const opened = openPostContent(p, decodePost(sealed), (e) => (e === 3 ? key : undefined));
    expect(opened).toMatchObject({ text: 'cap', file: { ...file, key: file.key } });
    expect(openPostContent(p, decodePost(sealed), () => undefined)).toBeUndefined();
    const d = {
      id: h.channelId,
      name: 'x',
      isPrivate: false,
      channelKey: p.ed25519PublicKey(seed),
      publishers: [],
      ownerPeerId: 'o',
      addresses: [],
      revision: 1,
      createdAt: 0,
    };
    const open = encodePost(p, systemRandom, h, { text: '', file }, seed);
    expect(verifyPost(p, d, open)).not.toBeNull();
    const tampered = open.slice();
    tampered[60] = (tampered[60] as number) ^ 1; // inside the manifest
    expect(verifyPost(p, d, tampered)).toBeNull();
  });

  it('file content: any bytes decode or throw bad-input; every valid file round-trips (fast-check, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          decodePostFile(Uint8Array.of(1, ...bytes));
        } catch (error) {
          expect(error).toBeInstanceOf(CoreError);
        }
      }),
      { seed: 20, numRuns: 500 },
    );
    const hex = (n: number) =>
      fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
    const file = fc.record({
      source: fc.string({ minLength: 1, maxLength: 60 }),
      id: hex(16),
      name: fc.string({ minLength: 1, maxLength: 60 }),
      mime: fc.constantFrom('image/png', 'video/mp4', 'audio/ogg', 'application/pdf'),
      size: fc.nat(),
      sha256: hex(32),
      key: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    });
    fc.assert(
      fc.property(file, fc.string({ maxLength: 200 }), (f, caption) => {
        expect(decodePostFile(encodePostFile(f, caption))).toEqual({ text: caption, file: f });
      }),
      { seed: 20, numRuns: 300 },
    );
  });
});
