/**
 * Drafts and "Mark as unread" (issue 20): a conversation's unsent text kept in the store, sealed by
 * the vault, one per conversation and bounded like a message; a conversation marked unread until
 * it is read again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MESSAGE_TEXT_MAX_BYTES } from '../src/index.ts';
import { createMemoryNetwork } from '../src/testing/memory-transport.ts';
import { befriend, eventually, join, makePeer, type Peer, stopPeers } from './harness.ts';

let peers: Peer[] = [];

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

async function twoFriends(): Promise<[Peer, Peer]> {
  const network = createMemoryNetwork();
  peers = [await makePeer(network, 'alice'), await makePeer(network, 'bob')];
  const [alice, bob] = peers as [Peer, Peer];
  await befriend(alice, bob);
  return [alice, bob];
}

describe('drafts', () => {
  it('keeps one draft per conversation, sealed, by name or id; blank text deletes it', async () => {
    const [alice] = await twoFriends();
    const bob = alice.messenger.contact('bob');
    alice.messenger.setDraft('bob', 'half a thought');
    alice.messenger.setDraft(bob.id, 'a whole thought');
    expect(alice.messenger.drafts()).toEqual([
      {
        kind: 'direct',
        conversationId: bob.id,
        conversation: 'bob',
        text: 'a whole thought',
        updatedAt: expect.any(Number),
      },
    ]);
    // Sealed at rest: the stored bytes are not the text.
    const stored = alice.store.transaction((tx) => tx.getDraft(bob.id));
    expect(new TextDecoder().decode(stored?.body)).not.toContain('whole');
    // Kept across a rename (keyed by the conversation, named as it is now).
    alice.messenger.renameContact('bob', 'Robert');
    expect(alice.messenger.drafts().map((d) => d.conversation)).toEqual(['Robert']);
    alice.messenger.setDraft('Robert', '  \n ');
    expect(alice.messenger.drafts()).toEqual([]);
  });

  it('refuses a draft longer than a message, and an unknown conversation', async () => {
    const [alice] = await twoFriends();
    expect(() => alice.messenger.setDraft('bob', 'x'.repeat(MESSAGE_TEXT_MAX_BYTES + 1))).toThrow(
      expect.objectContaining({ code: 'message-too-large' }),
    );
    alice.messenger.setDraft('bob', 'x'.repeat(MESSAGE_TEXT_MAX_BYTES));
    expect(() => alice.messenger.setDraft('nobody', 'hi')).toThrow(
      expect.objectContaining({ code: 'unknown-contact' }),
    );
  });

  it("drops a contact's draft with the contact, and keeps a group's and a channel's (by id too)", async () => {
    const [alice, bob] = await twoFriends();
    const club = alice.messenger.createGroup('Club', ['bob']);
    await join(bob, 'Club');
    const news = alice.messenger.createChannel('News');
    alice.messenger.setDraft('bob', 'to bob');
    alice.messenger.setDraft(club.id, 'to the club');
    alice.messenger.setDraft(news.id, 'a post');
    alice.messenger.removeContact('bob');
    // (written in the same millisecond, so in no particular order)
    expect(
      alice.messenger
        .drafts()
        .map((d) => [d.kind, d.conversationId, d.conversation, d.text])
        .sort(),
    ).toEqual([
      ['channel', news.id, 'News', 'a post'],
      ['group', club.id, 'Club', 'to the club'],
    ]);
  });

  it('a channel cannot be marked unread', async () => {
    const [alice] = await twoFriends();
    alice.messenger.createChannel('News');
    expect(() => alice.messenger.markUnread('News')).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );
  });
});

describe('mark unread', () => {
  it('marks a conversation unread until it is read again', async () => {
    const [alice] = await twoFriends();
    const marked = () => alice.messenger.conversations().find((c) => c.contact.name === 'bob')?.markedUnread;
    expect(marked()).toBe(false);
    alice.messenger.markUnread('bob');
    expect(marked()).toBe(true);
    alice.messenger.markRead('bob');
    expect(marked()).toBe(false);
  });

  it('marks a group unread; read on the other side clears nothing here', async () => {
    const [alice, bob] = await twoFriends();
    alice.messenger.createGroup('Club', ['bob']);
    await join(bob, 'Club');
    bob.messenger.markUnread('Club');
    expect(bob.messenger.group('Club').markedUnread).toBe(true);
    expect(alice.messenger.group('Club').markedUnread).toBe(false);
    bob.messenger.markRead('Club');
    await eventually(() => bob.messenger.group('Club').markedUnread === false);
    expect(() => bob.messenger.markUnread('nobody')).toThrow(
      expect.objectContaining({ code: 'unknown-contact' }),
    );
  });
});
