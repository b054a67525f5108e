/**
 * Files in groups (issue 20; docs/PROTOCOL.md "Files in groups"): a photo and a file sent to a
 * group of three reach the other two, verified against the sender's hash and shown once; a member
 * known only through the group fetches from another such member; a non-member, and a member once
 * removed, cannot fetch the file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadGroup } from '../src/groups/store.ts';
import { TransportError } from '../src/ports/index.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import {
  befriend,
  eventually,
  fileSource,
  groupReady,
  join,
  makePeer,
  type Peer,
  type PeerOptions,
  randomBytes,
  saved,
  stopPeers,
} from './harness.ts';

let network: MemoryNetwork;
let peers: Peer[] = [];

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

/** alice knows everyone; bob and carol know only alice (they meet in the group); dave is in no group. */
async function crew(options: PeerOptions = {}): Promise<[Peer, Peer, Peer, Peer]> {
  network = createMemoryNetwork();
  peers = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((n) => makePeer(network, n, options)));
  const [alice, bob, carol, dave] = peers as [Peer, Peer, Peer, Peer];
  for (const p of [bob, carol, dave]) await befriend(alice, p);
  alice.messenger.createGroup('crew', ['bob', 'carol']);
  await join(bob, 'crew');
  await join(carol, 'crew');
  await groupReady('crew', 1, alice, bob, carol);
  return [alice, bob, carol, dave];
}

/** Whether `p`'s copy of file `id` in the group is whole. */
const done = (p: Peer, id: string): boolean =>
  p.messenger.messages('crew').some((m) => m.attachment?.id === id && m.attachment.status === 'done');

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

describe('files in groups', () => {
  it('a photo and a file reach every member, verified and shown once; a member known only through the group fetches too', async () => {
    const [alice, bob, carol] = await crew();
    const photo = randomBytes(200_000);
    const pdf = randomBytes(700_000);
    const thumbnail = randomBytes(500);
    const sentPhoto = await alice.messenger.sendFile('crew', fileSource(photo), {
      caption: 'summit',
      thumbnail,
    });
    const sentPdf = await alice.messenger.sendFile('crew', fileSource(pdf, 'route.pdf', 'application/pdf'));
    expect(sentPhoto.attachment).toMatchObject({ name: 'photo.jpg', size: 200_000, status: 'available' });
    const ids = [sentPhoto.attachment?.id as string, sentPdf.attachment?.id as string];
    await eventually(() => [bob, carol].every((p) => ids.every((id) => done(p, id))), 15_000, 'downloads');
    for (const p of [bob, carol]) {
      const shown = p.messenger.messages('crew').filter((m) => m.attachment !== undefined);
      expect(shown.map((m) => m.attachment?.id)).toEqual(ids); // once each, in order
      expect(shown[0]).toMatchObject({ text: 'summit', attachment: { mime: 'image/jpeg' } });
      expect(shown[0]?.attachment?.thumbnail).toBeDefined();
      expect(shown[1]?.attachment).toMatchObject({
        name: 'route.pdf',
        mime: 'application/pdf',
        size: 700_000,
      });
      expect(await saved(p, 'crew', ids[0] as string)).toEqual(photo);
      expect(await saved(p, 'crew', ids[1] as string)).toEqual(pdf);
      expect(p.messenger.attachment('crew', ids[1] as string)).toMatchObject({
        state: 'done',
        name: 'route.pdf',
      });
    }
    // bob and carol are not contacts: carol fetches bob's file from bob, as a member.
    const voice = randomBytes(30_000);
    const sentVoice = await bob.messenger.sendFile('crew', fileSource(voice, 'voice.ogg', 'audio/ogg'), {
      durationMs: 2_500,
    });
    const voiceId = sentVoice.attachment?.id as string;
    await eventually(() => done(carol, voiceId) && done(alice, voiceId), 15_000, 'the voice message');
    expect(await saved(carol, 'crew', voiceId)).toEqual(voice);
    expect(carol.messenger.messages('crew').at(-1)?.attachment).toMatchObject({ durationMs: 2_500 });
    // A group's file is named in its group only: not in a 1:1 conversation with its sender.
    expect(() => bob.messenger.attachment('alice', ids[0] as string)).toThrow(
      expect.objectContaining({ code: 'unknown-message' }),
    );
  });

  it('a non-member cannot fetch a group file, nor a member once removed', async () => {
    const [alice, bob, carol, dave] = await crew();
    const file = randomBytes(100_000);
    const { attachment } = await alice.messenger.sendFile('crew', fileSource(file, 'plan.txt', 'text/plain'));
    const id = attachment?.id as string;
    await eventually(() => done(bob, id) && done(carol, id), 15_000, 'downloads');
    // dave is alice's contact, admitted on /parley/file, but not in the group.
    expect(await fetchAll(dave, alice, id)).toBeInstanceOf(TransportError);
    // carol, a member, may fetch it again.
    expect(Array.isArray(await fetchAll(carol, alice, id))).toBe(true);
    alice.messenger.removeFromGroup('crew', 'carol');
    await eventually(() => carol.messenger.group('crew').status !== 'active', 15_000, 'carol removed');
    expect(await fetchAll(carol, alice, id)).toBeInstanceOf(TransportError);
    // bob fetches it still; bob's own file is refused to carol (an introduced non-member) too.
    expect(Array.isArray(await fetchAll(bob, alice, id))).toBe(true);
    await groupReady('crew', 2, alice, bob);
    const sent = await bob.messenger.sendFile('crew', fileSource(randomBytes(5_000), 'b.bin', 'x/y'));
    await eventually(() => done(alice, sent.attachment?.id as string), 15_000, 'alice gets bob’s file');
    expect(await fetchAll(carol, bob, sent.attachment?.id as string)).toBeInstanceOf(TransportError);
  });

  it('in a large group (gossipsub topic) too: the manifest is published once, the bytes fetched from the sender', async () => {
    const [alice, bob, carol, dave] = await crew({ limits: { groupTopicMinMembers: 3 } });
    const gid = alice.messenger.group('crew').id;
    const stored = alice.store.transaction((tx) => loadGroup(alice.ctx, tx, gid));
    expect(stored?.state.secret).toBeDefined(); // a topic group
    const file = randomBytes(120_000);
    const { attachment } = await alice.messenger.sendFile('crew', fileSource(file));
    const id = attachment?.id as string;
    await eventually(() => done(bob, id) && done(carol, id), 15_000, 'downloads from the topic');
    for (const p of [bob, carol]) expect(await saved(p, 'crew', id)).toEqual(file);
    expect(await fetchAll(dave, alice, id)).toBeInstanceOf(TransportError);
  });

  it('a file sent from a linked device reaches the members and shows on the other device as ours', async () => {
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob');
    peers = [alice, bob];
    await befriend(alice, bob);
    const laptop = await makePeer(network, 'laptop', { linkTo: alice });
    peers.push(laptop);
    await eventually(
      () =>
        bob.store.transaction((tx) => {
          const c = tx.getContactByPeerId(alice.peerId);
          return c !== undefined && tx.listDevices(c.id).length === 2;
        }),
      10_000,
      'Bob to learn Alice’s devices',
    );
    bob.messenger.createGroup('pair', ['alice']);
    await join(alice, 'pair');
    await eventually(
      () => laptop.messenger.groups().some((g) => g.name === 'pair' && g.status === 'active'),
      10_000,
      'the laptop to join with her',
    );
    await groupReady('pair', 1, alice, laptop, bob);
    const file = randomBytes(150_000);
    const sent = await laptop.messenger.sendFile('pair', fileSource(file, 'map.png', 'image/png'));
    const id = sent.attachment?.id as string;
    const whole = (p: Peer, status: string) =>
      p.messenger.messages('pair').some((m) => m.attachment?.id === id && m.attachment.status === status);
    await eventually(() => whole(bob, 'done'), 15_000, 'Bob to fetch it from the laptop');
    expect(await saved(bob, 'pair', id)).toEqual(file);
    // Alice's first device shows it as hers and fetches it from her laptop.
    await eventually(() => whole(alice, 'available'), 15_000, 'Alice’s first device to fetch it');
    const mine = alice.messenger.messages('pair').filter((m) => m.attachment?.id === id);
    expect(mine.map((m) => m.direction)).toEqual(['out']);
    expect(await saved(alice, 'pair', id)).toEqual(file);
  });
});
