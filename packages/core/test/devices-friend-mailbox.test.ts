/**
 * A friend's mailbox on every device (docs/PROTOCOL.md §7 "Mailboxes on several devices"): Carol's
 * daemon offers to hold Alice's mail, Alice accepts on one device, and each of her devices pairs
 * there under its own PeerId — only the devices Alice's latest list names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadMailboxLinks } from '../src/account/index.ts';
import { decodeMailboxLink, decodePairAnswer, encodeMailRequest } from '../src/mailbox/codec.ts';
import type { ContactRecord, MailStore } from '../src/ports/index.ts';
import { createMemoryMailStore, createMemoryNetwork, type MemoryNetwork } from '../src/testing/index.ts';
import { befriend, eventually, makePeer, type Peer, stopPeers } from './harness.ts';

let peers: Peer[] = [];
let network: MemoryNetwork;

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

const aliceId = '12D3KooWalice';
const contactOf = (p: Peer, peerId: string): ContactRecord => {
  const c = p.store.transaction((tx) => tx.getContactByPeerId(peerId));
  if (!c) throw new Error(`${p.name} has no contact ${peerId}`);
  return c;
};
const devicesOfAlice = (p: Peer): string[] =>
  p.store.transaction((tx) => tx.listDevices(contactOf(p, aliceId).id)).map((d) => d.peerId);
const texts = (p: Peer, contact: string): string[] =>
  p.messenger
    .messages(contact, { limit: 200 })
    .filter((m) => !m.notice)
    .map((m) => m.text);

/**
 * Alice (desktop and laptop) has Bob and Carol as contacts; Carol holds mail for friends. Carol
 * offers, Alice accepts on her desktop, and the laptop pairs too; its card reaches Bob.
 */
async function carolHoldsAlicesMail(): Promise<{
  alice: Peer;
  laptop: Peer;
  bob: Peer;
  carol: Peer;
  carolMail: MailStore;
}> {
  network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice');
  const bob = await makePeer(network, 'bob');
  const carolMail = createMemoryMailStore();
  const carol = await makePeer(network, 'carol', { mailStore: () => carolMail });
  peers.push(alice, bob, carol);
  await befriend(alice, bob);
  await befriend(carol, alice);
  const laptop = await makePeer(network, 'laptop', { linkTo: alice });
  peers.push(laptop);
  await eventually(
    () => devicesOfAlice(bob).length === 2 && devicesOfAlice(carol).length === 2,
    5_000,
    'Bob and Carol to learn Alice’s devices',
  );

  carol.messenger.offerMailbox('alice');
  await eventually(
    () => alice.messenger.mailboxOffers().offers.length === 1,
    5_000,
    'the offer on the desktop',
  );
  const view = await alice.messenger.acceptMailbox('carol');
  expect([view.kind, view.contact, view.id]).toEqual(['friend', 'carol', carol.peerId]);
  const paired = (p: Peer) =>
    p.messenger.listMailboxes().some((m) => m.id === carol.peerId && m.kind === 'friend');
  await eventually(() => paired(laptop), 5_000, 'the laptop to pair with Carol’s daemon too');
  expect(laptop.messenger.mailboxOffers().offers).toEqual([]);
  expect(
    carolMail
      .listQueues()
      .map((q) => q.owner)
      .sort(),
  ).toEqual([alice.peerId, laptop.peerId].sort());
  const laptopCardNamesCarol = (p: Peer) =>
    p.store.transaction((tx) => {
      const card = tx.getDevice(laptop.peerId)?.card;
      return card ? Buffer.from(card).includes(Buffer.from(carol.peerId)) : false;
    });
  await eventually(() => laptopCardNamesCarol(bob), 5_000, 'Bob to hold the laptop’s card naming Carol');
  await eventually(() => bob.store.transaction((tx) => tx.countOutbox()) === 0, 5_000);
  return { alice, laptop, bob, carol, carolMail };
}

describe('a friend’s mailbox on every device', () => {
  it('Carol offers to hold Alice’s mail; Alice accepts on her desktop; Alice’s laptop, asleep, catches up from Carol’s daemon: Bob’s messages once, in order', async () => {
    const { alice, laptop, bob, carol, carolMail } = await carolHoldsAlicesMail();

    network.setOnline(laptop.peerId, false);
    bob.messenger.sendTexts('alice', ['while', 'the laptop', 'slept']);
    await eventually(() => texts(alice, 'bob').length === 3, 5_000);
    const forLaptop = () =>
      bob.store.transaction((tx) => tx.listOutbox(laptop.peerId)).filter((e) => e.kind === 'msg');
    await eventually(
      () => forLaptop().length === 3 && forLaptop().every((e) => e.depositedAt !== null),
      10_000,
      'Bob’s messages for the laptop deposited at Carol’s',
    );
    expect(carolMail.totals().items).toBeGreaterThan(0);

    // Everyone else goes away; the laptop wakes up and drains its own queue at Carol's daemon.
    network.setOnline(alice.peerId, false);
    network.setOnline(bob.peerId, false);
    network.setOnline(laptop.peerId, true);
    const got = await laptop.messenger.drainMailboxes();
    expect(got.frames).toBeGreaterThanOrEqual(3);
    await eventually(() => texts(laptop, 'bob').length === 3, 5_000, 'the laptop to read its mail');
    expect(texts(laptop, 'bob')).toEqual(['while', 'the laptop', 'slept']);
    // What Carol held for the laptop is gone; the desktop's queue was never touched.
    expect(carolMail.totals().items).toBe(0);
    network.setOnline(alice.peerId, true);
    network.setOnline(bob.peerId, true);
    await eventually(
      () => bob.store.transaction((tx) => tx.countOutbox(laptop.peerId)) === 0,
      20_000,
      'Bob’s outbox for the laptop to empty (its ACKs)',
    );
    expect(texts(laptop, 'bob')).toEqual(['while', 'the laptop', 'slept']);

    // Carol stops: both devices drop her mailbox, and her queues are gone.
    expect(carol.messenger.revokeMailbox('alice').revoked).toBe(true);
    expect(carolMail.listQueues()).toEqual([]);
    for (const p of [alice, laptop])
      await eventually(() => p.messenger.listMailboxes().length === 0, 5_000, `${p.name} drops Carol’s`);
  });

  it('a device linked after Alice accepted pairs with Carol’s daemon once Carol holds the list naming it', async () => {
    const { alice, bob, carol, carolMail } = await carolHoldsAlicesMail();
    const tablet = await makePeer(network, 'tablet', { linkTo: alice });
    peers.push(tablet);
    await eventually(() => devicesOfAlice(carol).length === 3, 5_000, 'Carol to learn the tablet');
    // Its first try may have come before Carol had the list; a drain round pairs it.
    await tablet.messenger.drainMailboxes();
    await eventually(
      () => tablet.messenger.listMailboxes().some((m) => m.id === carol.peerId && m.kind === 'friend'),
      5_000,
      'the tablet to pair with Carol’s daemon',
    );
    expect(carolMail.listQueues().map((q) => q.owner)).toContain(tablet.peerId);
    expect(carolMail.listQueues()).toHaveLength(3);
    await eventually(
      () =>
        bob.store.transaction((tx) => {
          const card = tx.getDevice(tablet.peerId)?.card;
          return card ? Buffer.from(card).includes(Buffer.from(carol.peerId)) : false;
        }),
      5_000,
      'Bob to hold the tablet’s card naming Carol',
    );
  });

  it('a device removed from Alice’s list can no longer drain at Carol’s', async () => {
    const { alice, laptop, carol, carolMail } = await carolHoldsAlicesMail();
    const secret = laptop.store.transaction((tx) =>
      loadMailboxLinks(tx, laptop.ctx.account.vault).map((l) => decodeMailboxLink(l)),
    )[0]?.secret as Uint8Array;
    expect(secret).toBeDefined();

    const laptopId = alice.messenger.devices().find((d) => d.peerId === laptop.peerId)?.id as string;
    alice.messenger.removeDevice(laptopId);
    await eventually(() => devicesOfAlice(carol).length === 1, 5_000, 'Carol to follow Alice’s list');
    await eventually(
      () => carolMail.listQueues().every((q) => q.owner !== laptop.peerId),
      5_000,
      'the laptop’s queue closed',
    );
    expect(carolMail.listQueues().map((q) => q.owner)).toEqual([alice.peerId]);

    // The removed laptop is refused: its drain, and a new pairing with the offer's secret.
    await laptop.messenger.drainMailboxes();
    const box = laptop.messenger.listMailboxes().find((m) => m.id === carol.peerId);
    expect(box?.lastError).toMatch(/does not hold mail for this account/);
    const answer = await laptop.transport.query(carol.peerId, encodeMailRequest({ kind: 'pair', secret }));
    expect(() => decodePairAnswer(answer)).toThrow(expect.objectContaining({ status: 'bad-secret' }));
    expect(carolMail.listQueues().map((q) => q.owner)).toEqual([alice.peerId]);
  });
});
