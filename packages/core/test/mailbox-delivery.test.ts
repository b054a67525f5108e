import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryMailStore, createMemoryNetwork, type MemoryNetwork } from '../src/testing/index.ts';
import { befriend, eventually, makePeer, type Peer, startMailbox } from './harness.ts';

let network: MemoryNetwork;
const peers: Peer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) await p.messenger.stop();
});

/** Alice and Bob, contacts on a fresh memory network. */
async function friends(): Promise<{ alice: Peer; bob: Peer }> {
  network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice');
  const bob = await makePeer(network, 'bob');
  peers.push(alice, bob);
  await befriend(alice, bob);
  return { alice, bob };
}

/** Waits until neither has anything queued for the other (Bob's new card reached Alice). */
const cardsExchanged = (alice: Peer, bob: Peer): Promise<void> =>
  eventually(
    () =>
      alice.store.transaction((tx) => tx.countOutbox(bob.peerId)) === 0 &&
      bob.store.transaction((tx) => tx.countOutbox(alice.peerId)) === 0,
    5_000,
    'cards exchanged',
  );

const texts = (p: Peer, contact: string) =>
  p.messenger
    .messages(contact, { limit: 1000 })
    .filter((m) => m.direction === 'in')
    .map((m) => m.text);
const statuses = (p: Peer, contact: string) =>
  new Set(
    p.messenger
      .messages(contact, { limit: 1000 })
      .filter((m) => m.direction === 'out')
      .map((m) => m.status),
  );

describe('mailbox delivery', () => {
  it('holds Alice’s messages for Bob while he is away, and delivers them once, in order', async () => {
    const { alice, bob } = await friends();
    const mailbox = startMailbox(network);

    const view = await bob.messenger.addMailbox(mailbox.link);
    expect(view.id).toBe(mailbox.transport.peerId);
    expect(bob.messenger.listMailboxes().map((m) => m.id)).toEqual([mailbox.transport.peerId]);
    // Alice learns Bob's mailbox from his new card.
    await eventually(
      () =>
        alice.store.transaction((tx) => tx.getContactByPeerId(bob.peerId)?.card.length ?? 0) > 0 &&
        alice.ctx.store.transaction((tx) => tx.countOutbox(bob.peerId)) === 0 &&
        bob.store.transaction((tx) => tx.countOutbox(alice.peerId)) === 0,
      5_000,
      'Bob’s card to reach Alice',
    );

    network.setOnline(bob.peerId, false);
    const sent = Array.from({ length: 30 }, (_, i) => `while you slept ${i}`);
    alice.messenger.sendTexts('bob', sent);
    await eventually(
      () => statuses(alice, 'bob').size === 1 && statuses(alice, 'bob').has('stored'),
      10_000,
      'stored',
    );
    expect(mailbox.store.totals().items).toBeGreaterThan(0);
    // The mailbox holds nothing readable: no text, no sender.
    for (const item of mailbox.store.listItems(mailbox.store.listQueues()[0]?.id ?? '', 0, 100)) {
      expect(Buffer.from(item.envelope).includes(Buffer.from('while you slept'))).toBe(false);
      expect(Buffer.from(item.envelope).includes(Buffer.from(alice.peerId))).toBe(false);
    }

    network.setOnline(alice.peerId, false); // Alice closes her laptop
    network.setOnline(bob.peerId, true);
    const got = await bob.messenger.drainMailboxes();
    expect(got.frames).toBeGreaterThanOrEqual(30);
    expect(texts(bob, 'alice')).toEqual(sent);
    expect(mailbox.store.totals().items).toBe(0); // deleted once committed

    // Draining again (or a replayed envelope) shows nothing twice.
    await bob.messenger.drainMailboxes();
    expect(texts(bob, 'alice')).toEqual(sent);

    network.setOnline(alice.peerId, true); // Alice is back: her outbox resends, Bob ACKs the duplicates
    await eventually(
      () => statuses(alice, 'bob').size === 1 && statuses(alice, 'bob').has('delivered'),
      20_000,
      'delivered',
    );
    expect(texts(bob, 'alice')).toEqual(sent);
  });

  it('Bob’s ACKs reach Alice through her mailbox: she sees "delivered" while he is away', async () => {
    const { alice, bob } = await friends();
    const mailbox = startMailbox(network);
    await bob.messenger.addMailbox(mailbox.link);
    await alice.messenger.addMailbox(mailbox.link);
    await cardsExchanged(alice, bob);
    network.setOnline(bob.peerId, false);
    alice.messenger.sendTexts('bob', ['a', 'b', 'c']);
    await eventually(
      () => statuses(alice, 'bob').has('stored') && statuses(alice, 'bob').size === 1,
      10_000,
      'stored',
    );
    network.setOnline(alice.peerId, false);
    network.setOnline(bob.peerId, true);
    await bob.messenger.drainMailboxes();
    expect(texts(bob, 'alice')).toEqual(['a', 'b', 'c']);
    await eventually(() => mailbox.store.totals().items > 0, 5_000, 'Bob’s ACKs left at Alice’s mailbox');
    network.setOnline(bob.peerId, false);
    network.setOnline(alice.peerId, true);
    await alice.messenger.drainMailboxes();
    await eventually(
      () => statuses(alice, 'bob').has('delivered') && statuses(alice, 'bob').size === 1,
      5_000,
      'delivered',
    );
    expect(alice.store.transaction((tx) => tx.countOutbox(bob.peerId))).toBe(0);
  });

  it('a full mailbox refuses, and the next of the contact’s mailboxes takes the mail', async () => {
    const { alice, bob } = await friends();
    const small = startMailbox(network, 'small', { maxItemsPerAccount: 1 });
    const big = startMailbox(network, 'big');
    await bob.messenger.addMailbox(small.link);
    await bob.messenger.addMailbox(big.link);
    await cardsExchanged(alice, bob);
    network.setOnline(bob.peerId, false);
    alice.messenger.sendTexts('bob', ['first']);
    await eventually(() => small.store.totals().items === 1, 10_000, 'the small mailbox takes the first');
    alice.messenger.sendTexts('bob', ['second', 'third']);
    await eventually(() => big.store.totals().items === 1, 10_000, 'the big one takes the rest');
    await eventually(
      () => statuses(alice, 'bob').size === 1 && statuses(alice, 'bob').has('stored'),
      10_000,
      'stored',
    );
    network.setOnline(alice.peerId, false);
    network.setOnline(bob.peerId, true);
    await bob.messenger.drainMailboxes();
    expect(texts(bob, 'alice')).toEqual(['first', 'second', 'third']);
  });

  it('a small photo travels inline: Bob has it, verified, though Alice was gone before he came back', async () => {
    const { alice, bob } = await friends();
    const mailbox = startMailbox(network);
    await bob.messenger.addMailbox(mailbox.link);
    await cardsExchanged(alice, bob);
    network.setOnline(bob.peerId, false);
    const photo = new Uint8Array(150_000).map((_, i) => (i * 7) % 251);
    const read = async (o: number, n: number) => photo.slice(o, o + n);
    const sent = await alice.messenger.sendFile('bob', {
      name: 'cat.jpg',
      mime: 'image/jpeg',
      size: photo.length,
      read,
    });
    await eventually(() => statuses(alice, 'bob').has('stored'), 10_000, 'stored');
    network.setOnline(alice.peerId, false);
    network.setOnline(bob.peerId, true);
    await bob.messenger.drainMailboxes();
    const id = sent.attachment?.id as string;
    await eventually(
      () =>
        bob.messenger
          .messages('alice')
          .some((m) => m.attachment?.id === id && m.attachment.status === 'done'),
      10_000,
      'the photo downloaded from what came inline',
    );
    const parts: Uint8Array[] = [];
    await bob.messenger.saveAttachment('alice', id, async (b) => void parts.push(b.slice()));
    expect(Buffer.concat(parts)).toEqual(Buffer.from(photo));
  });

  it('keeps messages queued when no mailbox takes them, and refuses a bad link clearly', async () => {
    const { alice, bob } = await friends();
    await expect(bob.messenger.addMailbox('parley://mailbox/AAAA')).rejects.toThrow(/not a mailbox link/);
    const mailbox = startMailbox(network);
    await bob.messenger.addMailbox(mailbox.link);
    await cardsExchanged(alice, bob);
    network.setOnline(bob.peerId, false);
    network.setOnline(mailbox.transport.peerId, false);
    alice.messenger.sendTexts('bob', ['one', 'two']);
    await eventually(
      () =>
        alice.events.some((e) => e.type === 'problem' && (e.event as { code: string }).code === 'mailbox'),
      10_000,
      'a mailbox problem',
    );
    expect([...statuses(alice, 'bob')].every((s) => s === 'queued' || s === 'sent')).toBe(true);
    expect(alice.store.transaction((tx) => tx.countOutbox(bob.peerId))).toBe(2);
  });

  it('through a friend: Carol’s daemon holds Bob’s mail, and nobody else’s', async () => {
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob');
    const carolMail = createMemoryMailStore();
    const carol = await makePeer(network, 'carol', { mailStore: () => carolMail });
    peers.push(alice, bob, carol);
    await befriend(alice, bob);
    await befriend(carol, bob);
    await expect(bob.messenger.acceptMailbox('carol')).rejects.toThrow(/has not offered/);
    carol.messenger.offerMailbox('bob');
    await eventually(() => bob.messenger.mailboxOffers().offers.length === 1, 5_000, 'the offer');
    expect(bob.messenger.mailboxOffers().offers[0]?.contact).toBe('carol');
    expect(carol.messenger.mailboxOffers().hosting).toEqual(['bob']);
    const view = await bob.messenger.acceptMailbox('carol');
    expect([view.kind, view.contact, view.id]).toEqual(['friend', 'carol', carol.peerId]);
    await cardsExchanged(alice, bob);

    network.setOnline(bob.peerId, false);
    const sent = ['one', 'two', 'three'];
    alice.messenger.sendTexts('bob', sent);
    await eventually(
      () => statuses(alice, 'bob').size === 1 && statuses(alice, 'bob').has('stored'),
      10_000,
      'stored',
    );
    expect(carolMail.totals().items).toBeGreaterThan(0);
    // Alice is no contact of Carol's: she could deposit (the token), but cannot fetch.
    network.setOnline(alice.peerId, false);
    network.setOnline(bob.peerId, true);
    await bob.messenger.drainMailboxes();
    expect(texts(bob, 'alice')).toEqual(sent);
    expect(carolMail.totals().items).toBe(0);

    // Carol stops: Bob is told, drops the mailbox and tells his contacts.
    expect(carol.messenger.revokeMailbox('bob').revoked).toBe(true);
    await eventually(() => bob.messenger.listMailboxes().length === 0, 5_000, 'Bob drops Carol’s mailbox');
    expect(carol.messenger.mailboxOffers().hosting).toEqual([]);
  });
});
