/**
 * Groups with a member on two devices (docs/MULTI-DEVICE.md "Groups") on the memory network:
 * Alice on her first device and her laptop, Bob and Carol on one each. Every device of a member
 * receives, each device sends with its own sender key, and what one of Alice's devices does in a
 * group (accept, send, create, rename, leave) shows on the other as hers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import type { MessageView } from '../src/views/index.ts';
import {
  befriend,
  eventually,
  fileSource,
  join,
  makePeer,
  type Peer,
  randomBytes,
  saved,
  stopPeers,
} from './harness.ts';

let peers: Peer[] = [];
let network: MemoryNetwork;

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

/** Alice (two devices), Bob and Carol; Alice is friends with both, Bob learned Alice's devices. */
async function rig(): Promise<{ alice: Peer; laptop: Peer; bob: Peer; carol: Peer }> {
  network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice');
  const bob = await makePeer(network, 'bob');
  const carol = await makePeer(network, 'carol');
  peers.push(alice, bob, carol);
  await befriend(alice, bob);
  await befriend(alice, carol);
  const laptop = await makePeer(network, 'laptop', { linkTo: alice });
  peers.push(laptop);
  const listed = (p: Peer): boolean =>
    p.store.transaction((tx) => {
      const c = tx.getContactByPeerId(alice.peerId);
      return c !== undefined && tx.listDevices(c.id).length === 2;
    });
  await eventually(() => listed(bob) && listed(carol), 10_000, 'Bob and Carol to learn Alice’s devices');
  return { alice, laptop, bob, carol };
}

const messages = (p: Peer, group: string): MessageView[] => p.messenger.messages(group, { limit: 1000 });
const texts = (p: Peer, group: string): string[] => messages(p, group).map((m) => m.text);
const has = (p: Peer, group: string, text: string): boolean => texts(p, group).includes(text);
const statusOf = (p: Peer, group: string): string | undefined =>
  p.messenger.groups().find((g) => g.name === group)?.status;
const outboxEmpty = (p: Peer): boolean => p.store.transaction((tx) => tx.listOutbox().length === 0);

describe('a group member on two devices', () => {
  it('Bob’s group messages reach both of Alice’s devices exactly once and in order; hers show on both as hers', async () => {
    const { alice, laptop, bob } = await rig();
    bob.messenger.createGroup('climbing', ['alice']);
    // Both devices hold the invitation; accepting on one accepts on the other.
    await eventually(() => statusOf(laptop, 'climbing') === 'invited', 10_000, 'the laptop to be invited');
    await join(alice, 'climbing');
    await eventually(() => statusOf(laptop, 'climbing') === 'active', 10_000, 'the laptop to join with her');

    const sent = Array.from({ length: 20 }, (_, i) => `b${i}`);
    bob.messenger.sendTexts('climbing', sent);
    for (const p of [alice, laptop])
      await eventually(() => texts(p, 'climbing').length === 20, 15_000, `${p.name} to get Bob’s 20`);
    expect(texts(alice, 'climbing')).toEqual(sent);
    expect(texts(laptop, 'climbing')).toEqual(sent);

    laptop.messenger.sendText('climbing', 'from the laptop');
    await eventually(
      () => has(bob, 'climbing', 'from the laptop'),
      15_000,
      'Bob to get the laptop’s message',
    );
    await eventually(
      () => has(alice, 'climbing', 'from the laptop'),
      15_000,
      'Alice’s first device to show it',
    );
    alice.messenger.sendText('climbing', 'from the first device');
    await eventually(() => has(bob, 'climbing', 'from the first device'), 15_000, 'Bob to get it');
    await eventually(() => has(laptop, 'climbing', 'from the first device'), 15_000, 'the laptop to show it');

    // Once on every device, as Alice's own on hers, as Alice's on Bob's.
    for (const text of ['from the laptop', 'from the first device']) {
      for (const p of [alice, laptop, bob])
        expect(texts(p, 'climbing').filter((t) => t === text)).toHaveLength(1);
      for (const p of [alice, laptop])
        expect(messages(p, 'climbing').find((m) => m.text === text)?.direction).toBe('out');
      expect(messages(bob, 'climbing').find((m) => m.text === text)?.direction).toBe('in');
    }
    // Everything ACKed by every device: nothing left queued anywhere.
    await eventually(() => [alice, laptop, bob].every(outboxEmpty), 15_000, 'every outbox to empty');
  });

  it('a group made on the laptop: its members reach both devices, a rename on one shows on all', async () => {
    const { alice, laptop, bob, carol } = await rig();
    laptop.messenger.createGroup('trip', ['bob', 'carol']);
    await join(bob, 'trip');
    await join(carol, 'trip');
    // Alice's first device holds it as hers (admin) without an invitation.
    await eventually(() => statusOf(alice, 'trip') === 'active', 10_000, 'Alice’s first device to hold it');
    const mine = alice.messenger.groups().find((g) => g.name === 'trip');
    expect(mine?.members.find((m) => m.peerId === alice.peerId)?.role).toBe('admin');

    bob.messenger.sendText('trip', 'hi all');
    for (const p of [alice, laptop, carol])
      await eventually(() => has(p, 'trip', 'hi all'), 15_000, `${p.name} to get Bob’s message`);
    alice.messenger.sendText('trip', 'from the first device');
    for (const p of [laptop, bob, carol])
      await eventually(() => has(p, 'trip', 'from the first device'), 15_000, `${p.name} to get it`);

    // An admin change from the other device: everyone, the laptop included, follows.
    alice.messenger.renameGroup('trip', 'road trip');
    for (const p of [laptop, bob, carol])
      await eventually(() => statusOf(p, 'road trip') === 'active', 15_000, `${p.name} to see the rename`);
    carol.messenger.sendText('road trip', 'after the rename');
    for (const p of [alice, laptop, bob])
      await eventually(() => has(p, 'road trip', 'after the rename'), 15_000, `${p.name} to get Carol’s`);
  });

  it('a device linked after the group began gets it, and the members’ next messages', async () => {
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob');
    peers.push(alice, bob);
    await befriend(alice, bob);
    bob.messenger.createGroup('old friends', ['alice']);
    await join(alice, 'old friends');
    bob.messenger.sendText('old friends', 'before the laptop');
    await eventually(() => has(alice, 'old friends', 'before the laptop'), 10_000, 'Alice to get it');
    const laptop = await makePeer(network, 'laptop', { linkTo: alice });
    peers.push(laptop);
    await eventually(
      () => statusOf(laptop, 'old friends') === 'active',
      10_000,
      'the laptop to get the group',
    );
    bob.messenger.sendText('old friends', 'after the laptop');
    await eventually(
      () => has(laptop, 'old friends', 'after the laptop'),
      15_000,
      'the laptop to get Bob’s next',
    );
    laptop.messenger.sendText('old friends', 'hello from the laptop');
    await eventually(
      () => has(bob, 'old friends', 'hello from the laptop'),
      15_000,
      'Bob to get the laptop’s',
    );
    await eventually(
      () => has(alice, 'old friends', 'hello from the laptop'),
      15_000,
      'Alice’s first device too',
    );
  });

  it('a device linked later gets the group’s earlier messages in its history: texts, reactions, a photo', async () => {
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob');
    peers.push(alice, bob);
    await befriend(alice, bob);
    bob.messenger.createGroup('archive', ['alice']);
    await join(alice, 'archive');
    const before = Array.from({ length: 12 }, (_, i) => `old ${i}`);
    bob.messenger.sendTexts('archive', before.slice(0, 6));
    await eventually(() => has(alice, 'archive', 'old 5'), 10_000, 'Bob’s first six');
    alice.messenger.sendTexts('archive', before.slice(6));
    const photo = randomBytes(50_000);
    const sent = await bob.messenger.sendFile('archive', fileSource(photo), { caption: 'the view' });
    const photoId = sent.attachment?.id as string;
    await eventually(
      () =>
        alice.messenger
          .messages('archive')
          .some((m) => m.attachment?.id === photoId && m.attachment.status === 'done'),
      10_000,
      'the photo at Alice',
    );
    const first = alice.messenger.messages('archive').find((m) => m.text === 'old 0') as MessageView;
    alice.messenger.react('archive', { id: first.id, mine: false }, '🎉');
    await eventually(() => outboxEmpty(alice) && outboxEmpty(bob), 10_000);

    const laptop = await makePeer(network, 'laptop', { linkTo: alice });
    peers.push(laptop);
    const shown = () => laptop.messenger.messages('archive', { limit: 100 }).filter((m) => !m.notice);
    await eventually(
      () => statusOf(laptop, 'archive') === 'active' && shown().length === 13,
      15_000,
      'the history',
    );
    const view = shown();
    expect(view.map((m) => m.text)).toEqual([...before, 'the view']);
    // Who wrote each: Bob's as his, Alice's as hers (from her other device, before this one).
    expect(view.slice(0, 6).every((m) => m.direction === 'in')).toBe(true);
    expect(view.slice(6, 12).every((m) => m.direction === 'out')).toBe(true);
    expect(view[0]?.reactions).toEqual([{ emoji: '🎉', from: 'me' }]);
    await eventually(
      () => shown().at(-1)?.attachment?.status === 'done',
      10_000,
      'the photo fetched from Alice’s other device',
    );
    expect(await saved(laptop, 'archive', photoId)).toEqual(photo);
    // Then the group goes on, after its history, once.
    bob.messenger.sendText('archive', 'new one');
    await eventually(() => has(laptop, 'archive', 'new one'), 15_000);
    expect(shown().map((m) => m.text)).toEqual([...before, 'the view', 'new one']);
  });

  it('leaving on one device leaves on the other, and nothing more reaches either', async () => {
    const { alice, laptop, bob } = await rig();
    bob.messenger.createGroup('club', ['alice']);
    await join(alice, 'club');
    await eventually(() => statusOf(laptop, 'club') === 'active', 10_000, 'the laptop to join');
    laptop.messenger.leaveGroup('club');
    await eventually(() => statusOf(alice, 'club') === 'left', 10_000, 'the first device to leave too');
    await eventually(
      () => bob.messenger.groups().find((g) => g.name === 'club')?.members.length === 1,
      15_000,
      'Bob (the admin) to remove Alice',
    );
    bob.messenger.sendText('club', 'canary');
    await eventually(() => outboxEmpty(bob), 15_000, 'Bob’s outbox to empty');
    expect(has(alice, 'club', 'canary')).toBe(false);
    expect(has(laptop, 'club', 'canary')).toBe(false);
  });
});
