/**
 * "Delete for me" (issue 20): a message, ours or theirs, in a 1:1 conversation or a group, goes
 * from this device only — nothing is sent, the other side keeps it — with its reactions and its
 * file's encrypted bytes; a receipt or an edit that reaches it later does not bring it back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type BlobStore, createMemoryBlobStore } from '../src/ports/blob-store.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import {
  befriend,
  eventually,
  fileSource,
  groupReady,
  join,
  makePeer,
  type Peer,
  randomBytes,
  stopPeers,
} from './harness.ts';

let network: MemoryNetwork;
let peers: Peer[] = [];

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

/** A blob store that can tell how many blobs it holds. */
function countedBlobs(): BlobStore & { names: Set<string> } {
  const inner = createMemoryBlobStore();
  const names = new Set<string>();
  return {
    names,
    write: async (name, offset, bytes) => {
      names.add(name);
      await inner.write(name, offset, bytes);
    },
    read: (name, offset, length) => inner.read(name, offset, length),
    size: (name) => inner.size(name),
    flush: (name) => inner.flush(name),
    delete: async (name) => {
      names.delete(name);
      await inner.delete(name);
    },
  };
}

const ids = (p: Peer, conversation: string): string[] => p.messenger.messages(conversation).map((m) => m.id);

describe('delete for me', () => {
  it('removes our message and theirs here only, for good, and tells the UI', async () => {
    network = createMemoryNetwork();
    peers = [await makePeer(network, 'alice'), await makePeer(network, 'bob')];
    const [alice, bob] = peers as [Peer, Peer];
    await befriend(alice, bob);
    const mine = alice.messenger.sendText('bob', 'mine');
    const theirs = bob.messenger.sendText('alice', 'theirs');
    const kept = alice.messenger.sendText('bob', 'kept');
    await eventually(() => ids(alice, 'bob').length === 3 && ids(bob, 'alice').length === 3);
    bob.messenger.react('alice', { id: theirs.id, mine: true }, '👍');
    await eventually(
      () => alice.messenger.message('bob', { sender: 'peer', id: theirs.id }).reactions.length === 1,
    );

    await alice.messenger.deleteForMe('bob', { sender: 'self', id: mine.id });
    await alice.messenger.deleteForMe('bob', { sender: 'peer', id: theirs.id });
    expect(ids(alice, 'bob')).toEqual([kept.id]);
    expect(alice.events.filter((e) => e.type === 'expired').map((e) => e.event)).toEqual([
      { contact: 'bob', id: mine.id },
      { contact: 'bob', id: theirs.id },
    ]);
    expect(alice.messenger.conversations()[0]?.lastMessage?.id).toBe(kept.id);
    // Once gone it cannot be deleted again, and bob still has all three.
    await expect(alice.messenger.deleteForMe('bob', { sender: 'self', id: mine.id })).rejects.toMatchObject({
      code: 'unknown-message',
    });
    expect(ids(bob, 'alice')).toHaveLength(3);

    // bob's edit and his reading our message reach the tombstones: nothing comes back or is told.
    const told = alice.events.length;
    bob.messenger.edit('alice', theirs.id, 'edited');
    bob.messenger.markRead('alice');
    await eventually(() => alice.messenger.message('bob', { sender: 'self', id: kept.id }).status === 'read');
    expect(ids(alice, 'bob')).toEqual([kept.id]);
    const views = alice.events.slice(told).filter((e) => e.type === 'message');
    expect(views.map((e) => (e.event as { id: string }).id)).not.toContain(theirs.id);
    expect(views.map((e) => (e.event as { id: string }).id)).not.toContain(mine.id);
  });

  it("removes a group file's bytes with it, ours and a member's, and only here", async () => {
    network = createMemoryNetwork();
    const blobs = countedBlobs();
    const alice = await makePeer(network, 'alice', { blobs });
    const bob = await makePeer(network, 'bob');
    peers = [alice, bob];
    await befriend(alice, bob);
    alice.messenger.createGroup('crew', ['bob']);
    await join(bob, 'crew');
    await groupReady('crew', 1, alice, bob);

    const ours = await alice.messenger.sendFile('crew', fileSource(randomBytes(50_000)));
    const theirs = await bob.messenger.sendFile('crew', fileSource(randomBytes(40_000), 'b.bin'));
    const done = (p: Peer, id: string | undefined) =>
      p.messenger.messages('crew').some((m) => m.attachment?.id === id && m.attachment?.status === 'done');
    await eventually(() => done(alice, theirs.attachment?.id) && done(bob, ours.attachment?.id), 10_000);
    expect(blobs.names.size).toBe(2);

    await alice.messenger.deleteForMe('crew', { sender: 'peer', id: theirs.id });
    expect(blobs.names.size).toBe(1);
    await alice.messenger.deleteForMe('crew', { sender: 'self', id: ours.id });
    expect(blobs.names.size).toBe(0);
    expect(alice.messenger.messages('crew').filter((m) => m.attachment)).toEqual([]);
    expect(() => alice.messenger.attachment('crew', theirs.attachment?.id as string)).toThrow();
    expect(bob.messenger.messages('crew').filter((m) => m.attachment)).toHaveLength(2);
  });
});
