/**
 * Several devices, one person (docs/MULTI-DEVICE.md) on the memory network: Alice on two devices,
 * Bob on one. Linking, fan-out both ways, sync copies between Alice's devices, reads, an offline
 * device catching up, removal (checked with a canary), and refused device lists.
 */
import {
  createContactCard,
  createDeviceList,
  createIdentity,
  decodeContactCard,
  decodeDeviceList,
  deviceListHash,
  systemRandom,
} from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import { currentSignedPrekey } from '../src/account/account.ts';
import { InboundError } from '../src/base/errors.ts';
import {
  decodeDevicesPayload,
  decodeSyncPayload,
  encodeDevicesPayload,
  encodeSyncPayload,
  followDeviceList,
  SELF,
  sessionKeyOf,
} from '../src/devices/index.ts';
import type { ContactRecord } from '../src/ports/store.ts';
import { loadSession } from '../src/sessions/index.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import type { MessageView } from '../src/views/index.ts';
import {
  befriend,
  eventually,
  fileSource,
  makePeer,
  type Peer,
  randomBytes,
  saved,
  startMailbox,
  stopPeers,
} from './harness.ts';

let peers: Peer[] = [];
let network: MemoryNetwork;

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

/** Alice and Bob are contacts; then Alice links a second device, and Bob learns its list. */
async function aliceOnTwoDevices(): Promise<{ alice: Peer; laptop: Peer; bob: Peer }> {
  network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice');
  const bob = await makePeer(network, 'bob');
  peers.push(alice, bob);
  await befriend(alice, bob);
  const laptop = await makePeer(network, 'laptop', { linkTo: alice });
  peers.push(laptop);
  await eventually(() => bobDevicesOfAlice(bob).length === 2, 5_000, 'Bob to learn Alice’s devices');
  return { alice, laptop, bob };
}

const contactOf = (p: Peer, peerId: string): ContactRecord => {
  const c = p.store.transaction((tx) => tx.getContactByPeerId(peerId));
  if (!c) throw new Error(`${p.name} has no contact ${peerId}`);
  return c;
};
const aliceId = '12D3KooWalice';
const bobDevicesOfAlice = (bob: Peer): string[] =>
  bob.store.transaction((tx) => tx.listDevices(contactOf(bob, aliceId).id)).map((d) => d.peerId);
const photo = fileSource;
/** The whole conversation's messages, oldest first (paged back from the newest; Parley's notices left out). */
function all(p: Peer, contact: string): MessageView[] {
  return withNotices(p, contact).filter((m) => !m.notice);
}
function withNotices(p: Peer, contact: string): MessageView[] {
  const out: MessageView[] = [];
  let before: number | undefined;
  for (;;) {
    const page = p.messenger.messages(contact, { limit: 1000, ...(before === undefined ? {} : { before }) });
    out.unshift(...page);
    if (page.length < 1000) return out;
    before = page[0]?.sortKey;
  }
}
const texts = (p: Peer, contact: string): string[] => all(p, contact).map((m) => m.text);
const mine = (p: Peer, contact: string): string[] =>
  p.messenger
    .messages(contact, { limit: 200 })
    .filter((m) => m.direction === 'out')
    .map((m) => m.text);

describe('several devices, one person', () => {
  it('a linked device gets the account, its contacts and the device list; the safety number stays', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    expect(laptop.messenger.status().name).toBe('alice');
    expect(laptop.messenger.contacts().map((c) => c.peerId)).toEqual([bob.peerId]);
    const devices = laptop.messenger.devices();
    expect(devices.map((d) => [d.peerId, d.current])).toEqual([
      [alice.peerId, false],
      [laptop.peerId, true],
    ]);
    expect(alice.messenger.devices().map((d) => d.name)).toEqual(['First device', 'laptop']);
    // Bob was told, by name, as with a key change.
    expect(bob.events.filter((e) => e.type === 'devices').map((e) => e.event)).toEqual([
      { contact: 'alice', added: ['laptop'], removed: [] },
    ]);
    // …and in their conversation, as Parley's notice (not a message, never unread).
    const notices = bob.messenger.messages('alice').filter((m) => m.notice === 'devices');
    expect(notices.map((m) => [m.from, m.text])).toEqual([
      [
        'Parley',
        expect.stringMatching(/^alice linked a new device: “laptop”\. .*safety number is unchanged/),
      ],
    ]);
    expect(bob.messenger.conversations().find((c) => c.contact.name === 'alice')?.unread).toBe(0);
    // One safety number per person: the same from either of Alice's devices, and Bob's unchanged.
    expect(laptop.messenger.safetyNumber('bob').digits).toBe(alice.messenger.safetyNumber('bob').digits);
    expect(bob.messenger.safetyNumber('alice').digits).toBe(alice.messenger.safetyNumber('bob').digits);
  });

  it('a newly linked device receives the history: every message in order, reactions, edits, deletions', async () => {
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob');
    peers.push(alice, bob);
    await befriend(alice, bob);
    // More than one batch (HISTORY_BATCH_MESSAGES), both directions.
    for (let i = 0; i < 12; i++) {
      bob.messenger.sendTexts(
        'alice',
        Array.from({ length: 100 }, (_, j) => `b${i * 100 + j}`),
      );
      alice.messenger.sendTexts('bob', [`a${i}`]);
    }
    await eventually(() => texts(alice, 'bob').length === 1212, 20_000, 'the history to be made');
    const first = all(alice, 'bob').find((m) => m.direction === 'in');
    const mineFirst = all(alice, 'bob').find((m) => m.direction === 'out');
    alice.messenger.react('bob', { id: first?.id as string, mine: false }, '🎉');
    alice.messenger.edit('bob', mineFirst?.id as string, 'a-edited');
    const gone = all(alice, 'bob').filter((m) => m.direction === 'out')[1];
    alice.messenger.deleteForEveryone('bob', gone?.id as string);
    const before = all(alice, 'bob');
    const laptop = await makePeer(network, 'laptop', { linkTo: alice });
    peers.push(laptop);
    await eventually(
      () => laptop.events.some((e) => e.type === 'history' && (e.event as { done: boolean }).done),
      30_000,
      'the history to arrive',
    );
    const after = all(laptop, 'bob');
    expect(after.map((m) => [m.text, m.direction])).toEqual(before.map((m) => [m.text, m.direction]));
    expect(after.find((m) => m.id === first?.id)?.reactions.map((r) => r.emoji)).toEqual(['🎉']);
    expect(after.find((m) => m.text === 'a-edited')?.edited).toBe(true);
    expect(after.find((m) => m.id === gone?.id)?.deleted).toBe(true);
    // Live messages come after the history; nothing is shown twice.
    bob.messenger.sendText('alice', 'after the link');
    await eventually(() => texts(laptop, 'bob').at(-1) === 'after the link');
    expect(texts(laptop, 'bob')).toHaveLength(1213);
    expect(laptop.store.transaction((tx) => tx.getMeta('history-from'))).toBeUndefined();
    // Search finds history on the new device.
    expect(laptop.messenger.search({ query: 'a-edited' }).hits).toHaveLength(1);
  });

  it('photos: those from before the link come with the history, new ones reach both devices', async () => {
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob');
    peers.push(alice, bob);
    await befriend(alice, bob);
    const before = randomBytes(300_000);
    const { attachment } = await bob.messenger.sendFile('alice', photo(before), { caption: 'the view' });
    await eventually(() => all(alice, 'bob').some((m) => m.attachment?.status === 'done'), 10_000);
    const laptop = await makePeer(network, 'laptop', { linkTo: alice });
    peers.push(laptop);
    await eventually(
      () => all(laptop, 'bob').some((m) => m.attachment?.status === 'done'),
      20_000,
      'the old photo',
    );
    expect(await saved(laptop, 'bob', attachment?.id as string)).toEqual(before);
    expect(all(laptop, 'bob')[0]?.text).toBe('the view');
    const after = randomBytes(200_000);
    const second = await bob.messenger.sendFile('alice', photo(after, 'second.jpg'));
    for (const p of [alice, laptop])
      await eventually(
        () => all(p, 'bob').filter((m) => m.attachment?.status === 'done').length === 2,
        20_000,
        `${p.name} to get the new photo`,
      );
    expect(await saved(laptop, 'bob', second.attachment?.id as string)).toEqual(after);
    expect(await saved(alice, 'bob', second.attachment?.id as string)).toEqual(after);
  });

  it('our own files: sent before the link they come with the history, sent after it they show on the other device', async () => {
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob');
    peers.push(alice, bob);
    await befriend(alice, bob);
    const before = randomBytes(150_000);
    const first = await alice.messenger.sendFile('bob', photo(before, 'mine.jpg'), { caption: 'mine' });
    await eventually(() => all(bob, 'alice').some((m) => m.attachment?.status === 'done'), 10_000);
    const laptop = await makePeer(network, 'laptop', { linkTo: alice });
    peers.push(laptop);
    const ours = (p: Peer) =>
      all(p, 'bob').filter((m) => m.direction === 'out' && m.attachment?.status === 'available');
    await eventually(() => ours(laptop).length === 1, 20_000, 'our old file on the laptop');
    expect(await saved(laptop, 'bob', first.attachment?.id as string)).toEqual(before);
    const after = randomBytes(120_000);
    const second = await alice.messenger.sendFile('bob', photo(after, 'new.jpg'), { caption: 'new' });
    await eventually(() => ours(laptop).length === 2, 20_000, 'our new file on the laptop');
    expect(await saved(laptop, 'bob', second.attachment?.id as string)).toEqual(after);
    expect(ours(laptop).map((m) => m.text)).toEqual(['mine', 'new']);
    await eventually(
      () => all(bob, 'alice').filter((m) => m.attachment?.status === 'done').length === 2,
      10_000,
    );
    expect(all(bob, 'alice')).toHaveLength(2);
  });

  it('a file sent from the laptop reaches Bob from the laptop, with Alice’s first device away', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    network.setOnline(alice.peerId, false);
    const bytes = randomBytes(90_000);
    const sent = await laptop.messenger.sendFile('bob', photo(bytes, 'from-laptop.jpg'), {
      caption: 'laptop',
    });
    const id = sent.attachment?.id as string;
    await eventually(
      () => all(bob, 'alice').some((m) => m.attachment?.id === id && m.attachment.status === 'done'),
      10_000,
      'Bob to fetch it from the laptop',
    );
    expect(await saved(bob, 'alice', id)).toEqual(bytes);
  });

  it('contacts follow: one added after the link reaches the laptop, learns both devices, and is removed on both', async () => {
    const { alice, laptop } = await aliceOnTwoDevices();
    const carol = await makePeer(network, 'carol');
    peers.push(carol);
    await befriend(alice, carol);
    await eventually(
      () => laptop.messenger.contacts().some((c) => c.peerId === carol.peerId),
      5_000,
      'the laptop to learn Carol',
    );
    await eventually(
      () => carol.store.transaction((tx) => tx.listDevices(contactOf(carol, aliceId).id).length) === 2,
      5_000,
      'Carol to learn Alice’s devices',
    );
    carol.messenger.sendText('alice', 'hi Alice');
    await eventually(
      () => texts(laptop, 'carol').includes('hi Alice') && texts(alice, 'carol').includes('hi Alice'),
    );
    laptop.messenger.sendText('carol', 'from the laptop');
    await eventually(
      () => texts(carol, 'alice').includes('from the laptop'),
      5_000,
      'Carol to hear from the laptop',
    );
    alice.messenger.renameContact('carol', 'Caro');
    alice.messenger.markVerified('Caro');
    await eventually(() => laptop.messenger.contacts().some((c) => c.name === 'Caro' && c.verified), 5_000);
    alice.messenger.removeContact('Caro');
    await eventually(() => !laptop.messenger.contacts().some((c) => c.peerId === carol.peerId), 5_000);
    // (a linked device makes and takes invites too: devices-invites.test.ts)
  });

  it('what the laptop sends to Bob while he is away waits in his mailbox, and opens there as Alice’s', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    const mailbox = startMailbox(network);
    await bob.messenger.addMailbox(mailbox.link);
    const bobCardAt = (p: Peer) =>
      p.store.transaction((tx) => tx.getContactByPeerId(bob.peerId)?.card.length ?? 0);
    const before = bobCardAt(laptop);
    await eventually(() => bobCardAt(laptop) !== before, 5_000, 'Bob’s new card to reach the laptop');
    await eventually(() => bob.store.transaction((tx) => tx.countOutbox()) === 0, 5_000);
    network.setOnline(bob.peerId, false);
    laptop.messenger.sendText('bob', 'via your mailbox');
    const status = () => laptop.messenger.messages('bob').find((m) => m.text === 'via your mailbox')?.status;
    await eventually(() => status() === 'stored', 10_000, 'stored at Bob’s mailbox');
    network.setOnline(laptop.peerId, false);
    network.setOnline(alice.peerId, false);
    network.setOnline(bob.peerId, true);
    await bob.messenger.drainMailboxes();
    expect(texts(bob, 'alice')).toContain('via your mailbox');
  });

  it('a linked device is post-quantum from its first card: Bob’s and the desktop’s sessions with it are suite 2', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    const card = bob.store.transaction((tx) => tx.getDevice(laptop.peerId)?.card) as Uint8Array;
    expect(decodeContactCard(card, nodePrimitives).kemPrekey).toBeDefined();
    bob.messenger.sendText('alice', 'to both');
    await eventually(() => texts(laptop, 'bob').includes('to both'), 10_000);
    alice.messenger.sendText('bob', 'a sync copy');
    await eventually(() => mine(laptop, 'bob').includes('a sync copy'), 10_000);
    const session = (p: Peer, owner: ContactRecord | typeof SELF) =>
      p.store.transaction((tx) => loadSession(tx, p.ctx.account.vault, sessionKeyOf(owner, laptop.peerId)));
    expect(session(bob, contactOf(bob, aliceId))?.pq).toBeDefined();
    expect(session(alice, SELF)?.pq).toBeDefined();
    // Its prekeys: the signed X25519 one only ever published with the KEM one (no downgrade).
    expect(laptop.store.transaction((tx) => tx.listPrekeys('kem-signed').map((k) => k.id))).toEqual([2]);
  });

  it('Bob’s messages reach both of Alice’s devices exactly once and in order', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
    bob.messenger.sendTexts('alice', sent.slice(0, 10));
    for (const t of sent.slice(10)) bob.messenger.sendText('alice', t);
    await eventually(() => texts(alice, 'bob').length === 20 && texts(laptop, 'bob').length === 20, 10_000);
    expect(texts(alice, 'bob')).toEqual(sent);
    expect(texts(laptop, 'bob')).toEqual(sent);
    // Delivered once Bob's first device ACKs: both devices ACK, the status is set once.
    await eventually(() => all(bob, 'alice').every((m) => m.status === 'delivered'));
  });

  it('what Alice sends from one device reaches Bob once and shows on her other device as hers', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    laptop.messenger.sendText('bob', 'from the laptop');
    await eventually(() => texts(bob, 'alice').includes('from the laptop'));
    alice.messenger.sendText('bob', 'from the desktop');
    await eventually(() => texts(bob, 'alice').length === 2);
    await eventually(() => mine(alice, 'bob').length === 2 && mine(laptop, 'bob').length === 2, 10_000);
    expect(texts(bob, 'alice')).toEqual(['from the laptop', 'from the desktop']);
    expect(mine(alice, 'bob')).toEqual(['from the laptop', 'from the desktop']);
    expect(mine(laptop, 'bob')).toEqual(['from the laptop', 'from the desktop']);
    // Bob's reply reaches both, after them.
    bob.messenger.sendText('alice', 'hi both');
    await eventually(() => texts(alice, 'bob').length === 3 && texts(laptop, 'bob').length === 3);
    expect(texts(laptop, 'bob')).toEqual(['from the laptop', 'from the desktop', 'hi both']);
    // An edit and a reaction made on one device show on the other.
    const [first] = laptop.messenger.messages('bob');
    laptop.messenger.edit('bob', first?.id as string, 'from the laptop (edited)');
    await eventually(() => texts(alice, 'bob')[0] === 'from the laptop (edited)');
    await eventually(() => texts(bob, 'alice')[0] === 'from the laptop (edited)');
  });

  it('a read on one device marks the conversation read on the other', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    bob.messenger.sendTexts('alice', ['one', 'two']);
    const unread = (p: Peer) =>
      p.messenger.conversations().find((c) => c.contact.peerId === bob.peerId)?.unread;
    await eventually(() => unread(alice) === 2 && unread(laptop) === 2);
    expect(alice.messenger.markRead('bob')).toBe(2);
    await eventually(() => unread(laptop) === 0, 5_000, 'the laptop to see the read');
  });

  it('a device that was offline catches up with what it missed, in order', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    network.setOnline(laptop.peerId, false);
    bob.messenger.sendTexts('alice', ['while', 'you', 'slept']);
    alice.messenger.sendText('bob', 'me too');
    await eventually(() => texts(alice, 'bob').length === 4);
    expect(texts(laptop, 'bob')).toEqual([]);
    network.setOnline(laptop.peerId, true);
    await eventually(() => texts(laptop, 'bob').length === 4, 10_000, 'the laptop to catch up');
    expect(new Set(texts(laptop, 'bob'))).toEqual(new Set(['while', 'you', 'slept', 'me too']));
    expect(texts(laptop, 'bob').filter((t) => t !== 'me too')).toEqual(['while', 'you', 'slept']);
  });

  it('a device asleep catches up through its own mailbox queue: Bob’s messages and its sync copies', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    const mailbox = startMailbox(network);
    // Alice pairs on her desktop; the laptop follows (a `mailbox` sync op) and pairs under its own
    // PeerId (a queue is drained by its owner alone); its device card, which names its queue,
    // reaches Bob and Alice's desktop with the list they hold.
    await alice.messenger.addMailbox(mailbox.link);
    await eventually(
      () => laptop.messenger.listMailboxes().some((m) => m.id === mailbox.transport.peerId),
      5_000,
      'the laptop to pair too',
    );
    expect(mailbox.store.listQueues()).toHaveLength(2);
    const namesMailbox = (p: Peer) =>
      p.store.transaction((tx) => {
        const card = tx.getDevice(laptop.peerId)?.card;
        return card ? Buffer.from(card).includes(Buffer.from(mailbox.transport.peerId)) : false;
      });
    await eventually(
      () => namesMailbox(bob) && namesMailbox(alice),
      5_000,
      'the laptop’s card at Bob and Alice',
    );
    // Bob's contact record (the account's card) is still Alice's first device's.
    expect(contactOf(bob, aliceId).peerId).toBe(alice.peerId);
    await eventually(() => bob.store.transaction((tx) => tx.countOutbox()) === 0, 5_000);

    network.setOnline(laptop.peerId, false);
    bob.messenger.sendTexts('alice', ['while', 'the laptop', 'slept']);
    await eventually(() => texts(alice, 'bob').length === 3, 5_000);
    alice.messenger.sendText('bob', 'me too');
    const deposited = (p: Peer) =>
      p.store.transaction((tx) => tx.listOutbox(laptop.peerId)).filter((e) => e.kind === 'msg');
    await eventually(
      () =>
        deposited(bob).length === 3 &&
        deposited(bob).every((e) => e.depositedAt !== null) &&
        deposited(alice).length > 0 &&
        deposited(alice).every((e) => e.depositedAt !== null),
      10_000,
      'Bob’s messages and Alice’s sync copy deposited for the laptop',
    );
    // Bob's messages were delivered to Alice's desktop: leaving copies for the laptop changes nothing.
    await eventually(() => all(bob, 'alice').every((m) => m.status === 'delivered'), 5_000);
    expect(mailbox.store.totals().items).toBeGreaterThan(0);

    // Everyone else goes away; the laptop wakes up alone and drains its queue.
    network.setOnline(alice.peerId, false);
    network.setOnline(bob.peerId, false);
    network.setOnline(laptop.peerId, true);
    const got = await laptop.messenger.drainMailboxes();
    expect(got.frames).toBeGreaterThanOrEqual(4);
    await eventually(() => texts(laptop, 'bob').length === 4, 5_000, 'the laptop to read its mail');
    expect(texts(laptop, 'bob').filter((t) => t !== 'me too')).toEqual(['while', 'the laptop', 'slept']);
    expect(mine(laptop, 'bob')).toEqual(['me too']);
    expect(mailbox.store.totals().items).toBe(0);
    // Once everyone is back, nothing is shown twice.
    network.setOnline(alice.peerId, true);
    network.setOnline(bob.peerId, true);
    await eventually(
      () => bob.store.transaction((tx) => tx.countOutbox(laptop.peerId)) === 0,
      20_000,
      'Bob’s outbox for the laptop to empty (its ACKs)',
    );
    expect(texts(laptop, 'bob')).toHaveLength(4);
  });

  it('a device linked later pairs with the account’s mailboxes itself; removing one on a device removes it on all', async () => {
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob');
    peers.push(alice, bob);
    await befriend(alice, bob);
    const mailbox = startMailbox(network);
    await alice.messenger.addMailbox(mailbox.link);
    const laptop = await makePeer(network, 'laptop', { linkTo: alice });
    peers.push(laptop);
    const id = mailbox.transport.peerId;
    const paired = (p: Peer) => p.messenger.listMailboxes().some((m) => m.id === id);
    // The link came with the grant: the laptop pairs at its first start and tells its card.
    await eventually(() => paired(laptop), 5_000, 'the laptop to pair');
    const laptopCardNames = (p: Peer) =>
      p.store.transaction((tx) => {
        const card = tx.getDevice(laptop.peerId)?.card;
        return card ? Buffer.from(card).includes(Buffer.from(id)) : false;
      });
    await eventually(() => laptopCardNames(bob), 5_000, 'Bob to hold the laptop’s card with its queue');
    expect(mailbox.store.listQueues()).toHaveLength(2);

    // Removed on the laptop: gone on both devices, and from the cards Bob holds.
    await laptop.messenger.removeMailbox(id);
    await eventually(() => !paired(alice), 5_000, 'the desktop to stop using it');
    await eventually(() => !laptopCardNames(bob), 5_000, 'Bob to get the laptop’s new card');
    await eventually(
      () => !Buffer.from(contactOf(bob, aliceId).card).includes(Buffer.from(id)),
      5_000,
      'Bob to get the desktop’s new card',
    );
    await eventually(() => mailbox.store.listQueues().length === 0, 5_000, 'both queues unpaired');
  });

  it('the `mailbox` sync op: a link or its withdrawal round-trips; an oversized one is refused', () => {
    const link = `parley://mailbox/${'A'.repeat(100)}`;
    for (const op of [
      { op: 'mailbox', peer: '12D3KooWbox', link },
      { op: 'mailbox', peer: '12D3KooWbox', link: null },
    ] as const)
      expect(decodeSyncPayload(encodeSyncPayload(op))).toEqual(op);
    expect(() => encodeSyncPayload({ op: 'mailbox', peer: 'x', link: 'a'.repeat(4097) })).toThrow(/too long/);
    const bytes = encodeSyncPayload({ op: 'mailbox', peer: 'x', link: 'a'.repeat(4096) });
    const longer = new Uint8Array([...bytes, 0x61]);
    expect(() => decodeSyncPayload(longer)).toThrow(InboundError);
  });

  it('a removed device receives nothing new (canary), and its list follows at Bob at once', async () => {
    const { alice, laptop, bob } = await aliceOnTwoDevices();
    const laptopId = alice.messenger.devices().find((d) => d.peerId === laptop.peerId)?.id as string;
    expect(() => alice.messenger.removeDevice(alice.messenger.devices()[0]?.id as string)).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );
    const removed = alice.messenger.removeDevice(laptopId);
    expect(removed.peerId).toBe(laptop.peerId);
    expect(alice.messenger.devices().map((d) => d.peerId)).toEqual([alice.peerId]);
    await eventually(() => bobDevicesOfAlice(bob).length === 1, 5_000, 'Bob to apply the removal');
    bob.messenger.sendText('alice', 'canary from bob');
    alice.messenger.sendText('bob', 'canary from alice');
    await eventually(() => texts(alice, 'bob').includes('canary from bob'));
    await new Promise((r) => setTimeout(r, 300));
    expect(texts(laptop, 'bob')).not.toContain('canary from bob');
    expect(texts(laptop, 'bob')).not.toContain('canary from alice');
    // Nothing to the removed device waits in any outbox, and no session with it is kept.
    for (const p of [alice, bob])
      expect(p.store.transaction((tx) => tx.listOutbox(laptop.peerId))).toEqual([]);
  });

  it('refuses a list that names another account’s device or ours: no one can take over a PeerId', async () => {
    const { alice, bob } = await aliceOnTwoDevices();
    const mallory = await makePeer(network, 'mallory');
    peers.push(mallory);
    await befriend(bob, mallory);
    const p = mallory.ctx.primitives;
    const me = {
      identity: mallory.ctx.account.identity.publicIdentity,
      peerId: mallory.peerId,
      name: 'm',
      addedAt: 1,
    };
    const stranger = { identity: createIdentity(systemRandom, p).publicIdentity, name: 'x', addedAt: 1 };
    const listNaming = (peerId: string) =>
      createDeviceList(
        mallory.ctx.account.accountIdentity,
        {
          serial: 1,
          accountId: mallory.peerId,
          devices: [me, { ...stranger, peerId }],
          issuedAt: 1,
          previous: new Uint8Array(32),
        },
        p,
      );
    const contact = contactOf(bob, mallory.peerId);
    const follow = (list: Uint8Array) =>
      bob.store.transaction((tx) => followDeviceList(bob.ctx, tx, contact, { list, cards: [] }));
    // Alice's founding device (a contact of Bob's), her laptop (a listed device of hers), Bob himself.
    for (const victim of [alice.peerId, '12D3KooWlaptop', bob.peerId])
      expect(() => follow(listNaming(victim))).toThrow(/names (a device of another account|this device)/);
    // Alice's messages are still Alice's at Bob.
    alice.messenger.sendText('bob', 'still me');
    await eventually(() => texts(bob, 'alice').includes('still me'));
  });

  it('refuses a tampered device list, a forged card, and a replayed older list; a resend is harmless', async () => {
    const { alice, bob } = await aliceOnTwoDevices();
    const contact = contactOf(bob, alice.peerId);
    const held = bob.store.transaction((tx) => tx.getDeviceList(contact.id)) as Uint8Array;
    const follow = (list: Uint8Array, cards: Uint8Array[] = []) =>
      bob.store.transaction((tx) =>
        followDeviceList(bob.ctx, tx, contact, decodeDevicesPayload(encodeDevicesPayload({ list, cards }))),
      );
    expect(follow(held)).toBe('same');
    // The same list again with a newer card of a device (it moved): the card is taken; an older one is not.
    const cardOf = (issuedAt: number, address: string) => {
      const laptop = peers.find((x) => x.name === 'laptop') as Peer;
      const spk = laptop.store.transaction((tx) =>
        currentSignedPrekey(tx, laptop.ctx.account.vault, laptop.ctx.primitives),
      );
      return createContactCard(
        laptop.ctx.account.identity,
        {
          peerId: laptop.peerId,
          displayName: 'alice',
          addresses: [address],
          signedPrekey: {
            id: spk.id,
            createdAt: spk.createdAt,
            publicKey: spk.publicKey,
            signature: spk.signature,
          },
          issuedAt,
        },
        laptop.ctx.primitives,
      );
    };
    const storedLaptopCard = () => bob.store.transaction((tx) => tx.getDevice('12D3KooWlaptop')?.card);
    const moved = cardOf(Date.now() + 1_000, '/ip4/192.0.2.7/tcp/4001');
    expect(follow(held, [moved])).toBe('same');
    expect(storedLaptopCard()).toEqual(moved);
    expect(follow(held, [cardOf(1, '/ip4/192.0.2.8/tcp/4001')])).toBe('same');
    expect(storedLaptopCard()).toEqual(moved);
    const tampered = held.slice();
    tampered[20] = (tampered[20] as number) ^ 1;
    expect(() => follow(tampered)).toThrow(InboundError);
    const laptopCard = alice.store.transaction((tx) => tx.listDevices(SELF)[1]?.card) as Uint8Array;
    // Alice removes the laptop (serial 3): the list Bob held before (serial 2) is now a replay.
    alice.messenger.removeDevice(alice.messenger.devices()[1]?.id as string);
    await eventually(() => bobDevicesOfAlice(bob).length === 1);
    expect(() => follow(held)).toThrow(/stale/);
    // A card of a device the list does not name is refused with the list it came with.
    const current = bob.store.transaction((tx) => tx.getDeviceList(contact.id)) as Uint8Array;
    const p = alice.ctx.primitives;
    const { devices } = decodeDeviceList(current, alice.ctx.account.accountIdentity.publicIdentity, p);
    const next = createDeviceList(
      alice.ctx.account.accountIdentity,
      {
        serial: 4,
        accountId: alice.peerId,
        devices,
        issuedAt: Date.now(),
        previous: deviceListHash(current, p),
      },
      p,
    );
    expect(() => follow(next, [laptopCard])).toThrow(/does not match/);
    expect(follow(next)).toEqual({ added: [], removed: [] });
    // Our own list is ours alone: Alice's laptop list at Alice is the one she signed.
    expect(alice.store.transaction((tx) => tx.listDevices(SELF)).length).toBe(1);
  });
});
