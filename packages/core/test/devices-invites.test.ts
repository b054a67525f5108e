/**
 * Invites made or accepted on a linked device (docs/MULTI-DEVICE.md "Invites on any device"): the
 * other side knows the account — its account id and identity key, so one safety number — with
 * its device list, never the linked device as a person of its own.
 */
import { createContactCard, decodeContactCard } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreError } from '../src/base/errors.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import {
  decodeCardExtension,
  decodeInviteLink,
  encodeCardExtension,
  encodeInviteLink,
} from '../src/wire/index.ts';
import { eventually, makePeer, type Peer, stopPeers } from './harness.ts';

let peers: Peer[] = [];
let network: MemoryNetwork;

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

/** Alice on her desktop (the founding device) and her laptop; Bob, who knows neither yet. */
async function aliceAndStranger(): Promise<{ alice: Peer; laptop: Peer; bob: Peer }> {
  network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice');
  const bob = await makePeer(network, 'bob');
  peers.push(alice, bob);
  const laptop = await makePeer(network, 'laptop', { linkTo: alice });
  peers.push(laptop);
  await eventually(() => alice.messenger.devices().length === 2, 5_000, 'the laptop to be linked');
  return { alice, laptop, bob };
}

const texts = (p: Peer, contact: string): string[] =>
  p.messenger
    .messages(contact, { limit: 100 })
    .filter((m) => !m.notice)
    .map((m) => m.text);

const devicesOf = (p: Peer, peerId: string): string[] =>
  p.store.transaction((tx) => {
    const c = tx.getContactByPeerId(peerId);
    return c ? tx.listDevices(c.id).map((d) => d.peerId) : [];
  });

/** `bob` knows Alice's account, active, with both her devices; both her devices know `bob`. */
async function settled(alice: Peer, laptop: Peer, bob: Peer): Promise<void> {
  await eventually(
    () =>
      bob.messenger.contacts().some((c) => c.peerId === alice.peerId && c.state === 'active') &&
      devicesOf(bob, alice.peerId).length === 2,
    10_000,
    'Bob to know Alice’s account and her two devices',
  );
  for (const p of [alice, laptop])
    await eventually(
      () => p.messenger.contacts().some((c) => c.peerId === bob.peerId && c.state === 'active'),
      10_000,
      `${p.name} to list Bob`,
    );
}

describe('invites on a linked device', () => {
  it('an invite made on Alice’s laptop: Bob accepts; Bob sees one Alice with the founding device’s safety number; messages reach both of Alice’s devices once; Alice’s desktop lists Bob', async () => {
    const { alice, laptop, bob } = await aliceAndStranger();
    const { link } = laptop.messenger.createInvite();
    const view = bob.messenger.acceptInvite(link);
    // The account, from the start: its account id, not the laptop's PeerId.
    expect(view.peerId).toBe(alice.peerId);
    await settled(alice, laptop, bob);
    expect(bob.messenger.contacts().map((c) => c.peerId)).toEqual([alice.peerId]);
    expect(devicesOf(bob, alice.peerId).sort()).toEqual([alice.peerId, laptop.peerId].sort());
    // One safety number: the one Alice's founding device shows for Bob, from either of her devices.
    const digits = bob.messenger.safetyNumber('alice').digits;
    expect(alice.messenger.safetyNumber('bob').digits).toBe(digits);
    expect(laptop.messenger.safetyNumber('bob').digits).toBe(digits);
    // No notice of a "new device" for the devices Bob met with the invite.
    expect(bob.messenger.messages('alice').filter((m) => m.notice === 'devices')).toEqual([]);
    bob.messenger.sendText('alice', 'hello both');
    for (const p of [alice, laptop])
      await eventually(() => texts(p, 'bob').includes('hello both'), 10_000, `${p.name} to get it`);
    laptop.messenger.sendText('bob', 'from the laptop');
    alice.messenger.sendText('bob', 'from the desktop');
    await eventually(
      () =>
        texts(bob, 'alice').includes('from the laptop') && texts(bob, 'alice').includes('from the desktop'),
      10_000,
      'Bob to hear from both',
    );
    await new Promise((r) => setTimeout(r, 300)); // anything doubled would have arrived by now
    for (const p of [alice, laptop])
      expect(texts(p, 'bob').filter((t) => t === 'hello both')).toHaveLength(1);
    expect(texts(bob, 'alice').filter((t) => t.startsWith('from the'))).toHaveLength(2);
  });

  it('Alice accepts Bob’s invite on her laptop: Bob knows Alice as her account, both devices talk to him', async () => {
    const { alice, laptop, bob } = await aliceAndStranger();
    const { link } = bob.messenger.createInvite();
    laptop.messenger.acceptInvite(link);
    await settled(alice, laptop, bob);
    // Bob holds one contact, the account (not the laptop), with the safety number of the account.
    expect(bob.messenger.contacts().map((c) => [c.peerId, c.name])).toEqual([[alice.peerId, 'alice']]);
    const digits = bob.messenger.safetyNumber('alice').digits;
    expect(alice.messenger.safetyNumber('bob').digits).toBe(digits);
    expect(laptop.messenger.safetyNumber('bob').digits).toBe(digits);
    bob.messenger.sendText('alice', 'hi alice');
    for (const p of [alice, laptop])
      await eventually(() => texts(p, 'bob').includes('hi alice'), 10_000, `${p.name} to get it`);
    alice.messenger.sendText('bob', 'desktop here');
    laptop.messenger.sendText('bob', 'laptop here');
    await eventually(
      () => ['desktop here', 'laptop here'].every((t) => texts(bob, 'alice').includes(t)),
      10_000,
      'Bob to hear from both devices',
    );
    // What the laptop sent shows on the desktop as Alice's own.
    await eventually(() => texts(alice, 'bob').includes('laptop here'), 10_000, 'the sync copy');
  });

  it('a single-use invite made on the laptop cannot be used twice', async () => {
    const { alice, laptop, bob } = await aliceAndStranger();
    const carol = await makePeer(network, 'carol');
    peers.push(carol);
    const { link } = laptop.messenger.createInvite();
    bob.messenger.acceptInvite(link);
    await settled(alice, laptop, bob);
    carol.messenger.acceptInvite(link);
    await eventually(
      () =>
        carol.events.some(
          (e) => e.type === 'problem' && (e.event as { code: string }).code === 'invite-refused',
        ),
      10_000,
      'Carol to be refused',
    );
    for (const p of [alice, laptop]) expect(p.messenger.contacts().map((c) => c.name)).toEqual(['bob']);
    // The desktop never held the token: it cannot be talked into it either.
    expect(alice.store.transaction((tx) => tx.listInvites())).toEqual([]);
  });

  it('an invite from one of our own devices is refused as our own', async () => {
    const { alice, laptop } = await aliceAndStranger();
    const { link } = laptop.messenger.createInvite();
    expect(() => alice.messenger.acceptInvite(link)).toThrowError(CoreError);
    try {
      alice.messenger.acceptInvite(link);
    } catch (error) {
      expect((error as CoreError).code).toBe('own-invite');
    }
  });

  it('an account record copied into another card is refused: the claim names the device it was signed for', async () => {
    const { laptop, bob } = await aliceAndStranger();
    const mallory = await makePeer(network, 'mallory');
    peers.push(mallory);
    const stolen = decodeCardExtension(
      decodeContactCard(decodeInviteLink(laptop.messenger.createInvite().link), nodePrimitives).extension,
    ).account;
    expect(stolen?.accountId).toBe('12D3KooWalice');
    // Mallory's own invite, re-signed by Mallory with the laptop's record in it.
    const {
      version: _v,
      identity: _i,
      extension,
      ...fields
    } = decodeContactCard(decodeInviteLink(mallory.messenger.createInvite().link), nodePrimitives);
    const ext = decodeCardExtension(extension);
    const forged = createContactCard(
      mallory.ctx.account.identity,
      { ...fields, extension: encodeCardExtension({ ...ext, ...(stolen ? { account: stolen } : {}) }) },
      nodePrimitives,
    );
    expect(() => bob.messenger.acceptInvite(encodeInviteLink(forged))).toThrow(
      expect.objectContaining({ code: 'bad-invite' }),
    );
    expect(bob.messenger.contacts()).toEqual([]);
  });

  it('a removed device cannot introduce itself as the account to a contact who holds the newer list', async () => {
    const { alice, laptop, bob } = await aliceAndStranger();
    const { link } = alice.messenger.createInvite();
    bob.messenger.acceptInvite(link);
    await eventually(
      () =>
        bob.messenger.contacts().some((c) => c.state === 'active') &&
        devicesOf(bob, alice.peerId).length === 2,
      10_000,
      'Bob to follow Alice’s two devices',
    );
    const laptopId = alice.messenger.devices().find((d) => d.peerId === laptop.peerId)?.id as string;
    alice.messenger.removeDevice(laptopId);
    await eventually(() => devicesOf(bob, alice.peerId).length === 1, 10_000, 'Bob to apply the removal');
    // The laptop still holds the account's identity key; Bob's list no longer names it.
    laptop.messenger.removeContact('bob');
    const second = bob.messenger.createInvite();
    laptop.messenger.acceptInvite(second.link, 'bob again');
    await eventually(
      () =>
        laptop.events.some(
          (e) => e.type === 'problem' && (e.event as { code: string }).code === 'invite-refused',
        ),
      10_000,
      'the removed laptop to be refused',
    );
    expect(bob.messenger.contacts().map((c) => c.peerId)).toEqual([alice.peerId]);
    expect(devicesOf(bob, alice.peerId)).toEqual([alice.peerId]);
  });

  it('the founding devices both write first at once: the lower PeerId’s session wins, nothing is lost or doubled', async () => {
    const { alice, laptop, bob } = await aliceAndStranger();
    bob.messenger.acceptInvite(laptop.messenger.createInvite().link);
    await settled(alice, laptop, bob);
    // In one tick, before either has the other's first message: both start a session.
    bob.messenger.sendText('alice', 'b1');
    alice.messenger.sendText('bob', 'a1');
    await eventually(() => texts(alice, 'bob').includes('b1') && texts(bob, 'alice').includes('a1'), 10_000);
    for (let i = 2; i <= 4; i++) {
      bob.messenger.sendText('alice', `b${i}`);
      alice.messenger.sendText('bob', `a${i}`);
    }
    await eventually(
      () => texts(alice, 'bob').includes('b4') && texts(bob, 'alice').includes('a4'),
      10_000,
      'the sessions to settle on one',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(texts(alice, 'bob').filter((t) => /^b\d$/.test(t))).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(texts(bob, 'alice').filter((t) => /^a\d$/.test(t))).toEqual(['a1', 'a2', 'a3', 'a4']);
    // …and they keep working in both directions (one session at both ends).
    bob.messenger.sendText('alice', 'b5');
    alice.messenger.sendText('bob', 'a5');
    await eventually(() => texts(alice, 'bob').includes('b5') && texts(bob, 'alice').includes('a5'), 10_000);
  });
});
