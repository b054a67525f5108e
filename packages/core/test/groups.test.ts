import { type Primitives, peekSenderKeyMessage, senderKeyDecrypt } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../src/base/bytes.ts';
import type { Ctx, MessengerEvents } from '../src/context/context.ts';

import { encodeGroupControl } from '../src/groups/codec.ts';
import { loadGroup, loadReceivers } from '../src/groups/store.ts';
import { compose } from '../src/messaging/outbound.ts';
import type { Messenger } from '../src/messenger/messenger.ts';
import type { Store } from '../src/ports/store.ts';
import type { FrameHandler, InboundFrame, Transport } from '../src/ports/transport.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import {
  befriend,
  eventually,
  groupReady,
  groupTexts,
  makePeer as harnessPeer,
  join as joinOne,
  stopPeers,
} from './harness.ts';

/** A peer whose account is at hand (to look into its sealed store) and whose inbox we can feed directly. */
interface GPeer {
  readonly name: string;
  readonly peerId: string;
  readonly store: Store;
  readonly transport: Transport;
  readonly messenger: Messenger;
  readonly ctx: Ctx;
  readonly events: Array<{ type: keyof MessengerEvents; event: unknown }>;
  inject(frame: InboundFrame): Promise<void>;
}

let network: MemoryNetwork;
let peers: GPeer[] = [];

async function makePeer(name: string): Promise<GPeer> {
  const handlers: FrameHandler[] = [];
  const peer = await harnessPeer(network, name, {
    transport: (inner) => ({
      ...inner,
      onFrame: (h) => {
        handlers.push(h);
        return inner.onFrame(h);
      },
    }),
  });
  const inject = async (f: InboundFrame): Promise<void> => {
    for (const h of handlers) await h(f);
  };
  return { ...peer, inject };
}

async function setup(...names: string[]): Promise<GPeer[]> {
  network = createMemoryNetwork();
  peers = await Promise.all(names.map(makePeer));
  return peers;
}

afterEach(async () => {
  await stopPeers(peers);
});

/** Each peer accepts its invitation to `group`. */
async function join(group: string, ...ps: GPeer[]): Promise<void> {
  for (const p of ps) await joinOne(p as never, group);
}

/** The friends graph: alice knows everyone; the others know only alice. */
async function circle(...names: string[]): Promise<GPeer[]> {
  const ps = await setup(...names);
  const [alice, ...rest] = ps as [GPeer, ...GPeer[]];
  for (const p of rest) await befriend(alice as never, p as never);
  return ps;
}

describe('groups', () => {
  it('creates a group of people who are not all contacts, and everyone sees every message once, in order', async () => {
    const [alice, bob, carol] = (await circle('alice', 'bob', 'carol')) as [GPeer, GPeer, GPeer];
    const created = alice.messenger.createGroup('climbing', ['bob', 'carol']);
    expect(created.admin).toBe(true);
    expect(created.members.map((m) => [m.name, m.role])).toEqual([
      ['alice', 'admin'],
      ['bob', 'member'],
      ['carol', 'member'],
    ]);
    await join('climbing', bob, carol);
    await groupReady('climbing', 1, alice, bob, carol);
    // The group introduced bob and carol to each other, marked as known through a group.
    expect(bob.messenger.contacts().map((c) => [c.name, c.state])).toContainEqual(['carol', 'introduced']);
    expect(bob.messenger.group('climbing').admin).toBe(false);
    for (let i = 1; i <= 5; i++)
      for (const p of [alice, bob, carol]) p.messenger.sendText('climbing', `${p.name} ${i}`);
    for (const p of [alice, bob, carol]) {
      await eventually(() => groupTexts(p, 'climbing').length === 15, 10_000, `${p.name} to see 15 messages`);
      const seen = p.messenger.messages('climbing', { limit: 1000 });
      expect(new Set(seen.map((m) => m.id)).size).toBe(15);
      for (const sender of [alice, bob, carol]) {
        const mine = seen.filter((m) => m.text.startsWith(`${sender.name} `)).map((m) => m.text);
        expect(mine).toEqual([1, 2, 3, 4, 5].map((i) => `${sender.name} ${i}`));
        expect(seen.filter((m) => m.text.startsWith(`${sender.name} `)).every((m) => !m.gapBefore)).toBe(
          true,
        );
      }
      const fromBob = seen.find((m) => m.text === 'bob 1');
      expect(fromBob?.from).toBe(p === bob ? 'me' : 'bob');
      expect(fromBob?.contact).toBe('climbing');
    }
  });

  it('renames, adds and removes: a new member cannot read earlier messages, a removed one cannot read later ones', async () => {
    const [alice, bob, carol, dave] = (await circle('alice', 'bob', 'carol', 'dave')) as [
      GPeer,
      GPeer,
      GPeer,
      GPeer,
    ];
    alice.messenger.createGroup('team', ['bob', 'carol']);
    await join('team', bob, carol);
    await groupReady('team', 1, alice, bob, carol);
    bob.messenger.sendText('team', 'before dave');
    await eventually(() => groupTexts(carol, 'team').includes('before dave'));
    // the API's queued sends take a group's name too
    await bob.messenger.queueText('team', 'queued one');
    await bob.messenger.queueTexts('team', ['queued two', 'queued three']);
    await eventually(() => groupTexts(carol, 'team').includes('queued three'));
    expect(groupTexts(carol, 'team').slice(-3)).toEqual(['queued one', 'queued two', 'queued three']);

    const aliceCardAt = (p: GPeer) =>
      p.store.transaction((tx) =>
        loadGroup(p.ctx, tx, alice.messenger.group('team').id)?.state.members.find(
          (m) => m.peerId === alice.peerId,
        ),
      )?.card;
    const cardBefore = aliceCardAt(bob);
    alice.messenger.addToGroup('team', ['dave']);
    await join('team', dave);
    await groupReady('team', 2, alice, bob, carol, dave);
    // The admin's own card did not change (only a new issue time would): not sent again in the delta.
    expect(aliceCardAt(bob)).toEqual(cardBefore);
    expect(groupTexts(dave, 'team')).toEqual([]);
    carol.messenger.sendText('team', 'welcome dave');
    await eventually(() => groupTexts(dave, 'team').includes('welcome dave'));
    expect(groupTexts(dave, 'team')).toEqual(['welcome dave']);

    const groupId = alice.messenger.group('team').id;
    const carolHeldAliceKey = carol.store.transaction((tx) =>
      loadReceivers(carol.ctx, tx, groupId, alice.peerId),
    );
    alice.messenger.removeFromGroup('team', 'carol');
    await groupReady('team', 3, alice, bob, dave);
    await eventually(() => carol.messenger.group('team').status === 'removed');

    network.setOnline(bob.peerId, false); // keep alice's frame for bob in her outbox, to capture it
    alice.messenger.sendText('team', 'after carol');
    await eventually(() => groupTexts(dave, 'team').includes('after carol'));
    const frame = alice.store
      .transaction((tx) => tx.listOutbox(bob.peerId))
      .find((e) => e.frame[1] === 4)?.frame;
    expect(frame).toBeDefined();
    const message = (frame as Uint8Array).subarray(18);
    const { keyId } = peekSenderKeyMessage(message);
    expect(carolHeldAliceKey.some((k) => k.receiver.keyId === keyId)).toBe(false);
    for (const k of carolHeldAliceKey)
      expect(() =>
        senderKeyDecrypt(k.receiver, message, fromHex(groupId), nodePrimitives as Primitives),
      ).toThrow();
    // And carol's messenger stores nothing new, even when the frame reaches her.
    await carol.inject({ from: alice.peerId, data: frame as Uint8Array });
    await new Promise((r) => setTimeout(r, 50));
    expect(groupTexts(carol, 'team')).not.toContain('after carol');

    network.setOnline(bob.peerId, true);
    await alice.transport.connect(bob.peerId);
    await eventually(() => groupTexts(bob, 'team').includes('after carol'), 15_000);

    alice.messenger.renameGroup('team', 'crew');
    await groupReady('crew', 4, alice, bob, dave);
    expect(() => alice.messenger.renameGroup('crew', 'bob')).toThrow(
      expect.objectContaining({ code: 'name-taken' }),
    );
  });

  it('refuses a membership change forged by a member who is not an admin', async () => {
    const [alice, bob, carol] = (await circle('alice', 'bob', 'carol')) as [GPeer, GPeer, GPeer];
    alice.messenger.createGroup('club', ['bob', 'carol']);
    await join('club', bob, carol);
    await groupReady('club', 1, alice, bob, carol);
    const g = bob.store.transaction((tx) => loadGroup(bob.ctx, tx, alice.messenger.group('club').id));
    const forged = {
      ...g!.state,
      epoch: 2,
      members: g!.state.members.map((m) => ({
        ...m,
        role: m.peerId === bob.peerId ? ('admin' as const) : m.role,
      })),
    };
    const payload = encodeGroupControl({ type: 'state', group: forged });
    for (const target of [alice, carol]) {
      const frame = bob.store.transaction((tx) => {
        const contact = tx.getContactByPeerId(target.peerId)!;
        return compose(bob.ctx, tx, contact, { kind: 'group', payload }).frame;
      });
      await bob.transport.send(target.peerId, frame);
    }
    for (const p of [alice, carol]) {
      await eventually(() =>
        p.events.some((e) => e.type === 'problem' && (e.event as { code: string }).code === 'group-forged'),
      );
      const view = p.messenger.group('club');
      expect(view.epoch).toBe(1);
      expect(view.members.find((m) => m.peerId === bob.peerId)?.role).toBe('member');
    }
  });

  it('shows who is typing in a group (to members online; never stored)', async () => {
    const [alice, bob, carol] = (await circle('alice', 'bob', 'carol')) as [GPeer, GPeer, GPeer];
    alice.messenger.createGroup('chatter', ['bob', 'carol']);
    await join('chatter', bob, carol);
    await groupReady('chatter', 1, alice, bob, carol);
    const seen: Array<{ contact: string; member?: string; active: boolean }> = [];
    bob.messenger.events.on('typing', (t) => seen.push(t));
    alice.messenger.setTyping('chatter', true);
    await eventually(() => seen.length === 1);
    alice.messenger.setTyping('chatter', false);
    await eventually(() => seen.length === 2);
    expect(seen).toEqual([
      { contact: 'chatter', member: 'alice', active: true },
      { contact: 'chatter', member: 'alice', active: false },
    ]);
    expect(groupTexts(bob, 'chatter')).toEqual([]);
  });

  it('sets a group picture (admins only, checked by every member), gives it to new members, refuses bad images', async () => {
    const [alice, bob, carol, dave] = (await circle('alice', 'bob', 'carol', 'dave')) as [
      GPeer,
      GPeer,
      GPeer,
      GPeer,
    ];
    alice.messenger.createGroup('hikers', ['bob', 'carol']);
    await join('hikers', bob, carol);
    await groupReady('hikers', 1, alice, bob, carol);
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
    const view = alice.messenger.setGroupPicture('hikers', png);
    expect(view.picture).toMatchObject({ type: 'image/png', bytes: png.length });
    for (const p of [bob, carol]) {
      await eventually(() => p.messenger.group('hikers').picture?.id === view.picture?.id);
      expect([...(p.messenger.groupPicture('hikers')?.data ?? [])]).toEqual([...png]);
    }
    // bad input, with clear errors; a member who is not an admin may not
    expect(() => alice.messenger.setGroupPicture('hikers', new Uint8Array(40 * 1024).fill(0xff))).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
    expect(() => alice.messenger.setGroupPicture('hikers', Uint8Array.of(1, 2, 3))).toThrow(
      /PNG, JPEG, WebP or GIF/,
    );
    expect(() => bob.messenger.setGroupPicture('hikers', png)).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );
    // a picture control forged by a member who is not an admin is ignored by everyone
    const id = alice.messenger.group('hikers').id;
    const gif = Uint8Array.from([...'GIF89a'].map((c) => c.charCodeAt(0)).concat([0, 0]));
    const payload = encodeGroupControl({
      type: 'picture',
      id,
      epoch: 1,
      at: Date.now() + 60_000,
      picture: { type: 'image/gif', data: gif },
    });
    for (const target of [alice, carol]) {
      const frame = bob.store.transaction((tx) => {
        const contact = tx.getContactByPeerId(target.peerId)!;
        return compose(bob.ctx, tx, contact, { kind: 'group', payload }).frame;
      });
      await bob.transport.send(target.peerId, frame);
    }
    for (const p of [alice, carol]) {
      await eventually(() =>
        p.events.some(
          (e) => e.type === 'problem' && (e.event as { message: string }).message.includes('picture'),
        ),
      );
      expect(p.messenger.groupPicture('hikers')?.type).toBe('image/png');
    }
    // a member added later gets the picture; removing it reaches everyone
    alice.messenger.addToGroup('hikers', ['dave']);
    await join('hikers', dave);
    await groupReady('hikers', 2, alice, bob, carol, dave);
    await eventually(() => dave.messenger.group('hikers').picture?.id === view.picture?.id);
    alice.messenger.setGroupPicture('hikers', null);
    for (const p of [alice, bob, carol, dave])
      await eventually(() => p.messenger.group('hikers').picture === null);
  });

  it('lets an offline member catch up, keeps per-member receipts, and lets members leave', async () => {
    const [alice, bob, carol] = (await circle('alice', 'bob', 'carol')) as [GPeer, GPeer, GPeer];
    alice.messenger.createGroup('book club', ['bob', 'carol']);
    await join('book club', bob, carol);
    await groupReady('book club', 1, alice, bob, carol);
    network.setOnline(carol.peerId, false);
    const sent = alice.messenger.sendText('book club', 'chapter 1');
    bob.messenger.sendText('book club', 'read it');
    await eventually(() => groupTexts(bob, 'book club').includes('chapter 1'));
    await eventually(
      () =>
        alice.messenger
          .message('book club', { sender: 'self', id: sent.id })
          .receipts?.some((r) => r.member === 'bob' && r.status === 'delivered') === true,
    );
    expect(alice.messenger.message('book club', { sender: 'self', id: sent.id }).status).not.toBe(
      'delivered',
    );
    network.setOnline(carol.peerId, true);
    await carol.transport.connect(alice.peerId);
    await carol.transport.connect(bob.peerId);
    await eventually(() => groupTexts(carol, 'book club').length === 2, 20_000, 'carol to catch up');
    expect(groupTexts(carol, 'book club')).toEqual(['chapter 1', 'read it']);
    await eventually(
      () => alice.messenger.message('book club', { sender: 'self', id: sent.id }).status === 'delivered',
      20_000,
    );
    bob.messenger.markRead('book club');
    carol.messenger.markRead('book club');
    await eventually(
      () => alice.messenger.message('book club', { sender: 'self', id: sent.id }).status === 'read',
    );
    expect(alice.messenger.message('book club', { sender: 'self', id: sent.id }).receipts).toEqual([
      expect.objectContaining({ member: 'bob', status: 'read', readAt: expect.any(Number) }),
      expect.objectContaining({ member: 'carol', status: 'read', readAt: expect.any(Number) }),
    ]);

    bob.messenger.leaveGroup('book club');
    await groupReady('book club', 2, alice, carol);
    expect(alice.messenger.group('book club').members.map((m) => m.name)).toEqual(['alice', 'carol']);
    expect(bob.messenger.group('book club').status).toBe('left');
  });

  it('keeps a group frame whose group has not arrived yet waiting (not parked); what was sent before accepting is not shown', async () => {
    const [alice, bob] = (await circle('alice', 'bob')) as [GPeer, GPeer];
    network.setOnline(bob.peerId, false);
    alice.messenger.createGroup('later', ['bob']);
    alice.messenger.sendText('later', 'early bird');
    const frame = alice.store
      .transaction((tx) => tx.listOutbox(bob.peerId))
      .find((e) => e.frame[1] === 4)?.frame;
    expect(frame).toBeDefined();
    for (let i = 0; i < 5; i++) {
      await bob.inject({ from: alice.peerId, data: frame as Uint8Array });
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(bob.store.transaction((tx) => tx.listParked())).toEqual([]);
    network.setOnline(bob.peerId, true);
    await alice.transport.connect(bob.peerId);
    await join('later', bob);
    await groupReady('later', 1, alice, bob);
    alice.messenger.sendText('later', 'after joining');
    await eventually(() => groupTexts(bob, 'later').includes('after joining'), 20_000);
    // Sent while bob was only invited: not shown (as in other messengers, a member reads from joining on).
    expect(groupTexts(bob, 'later')).toEqual(['after joining']);
    expect(bob.store.transaction((tx) => tx.listParked())).toEqual([]);
  });

  it('checks names: a group may not take a contact name, and needs contacts as members', async () => {
    const [alice] = (await circle('alice', 'bob')) as [GPeer, GPeer];
    expect(() => alice.messenger.createGroup('bob', ['bob'])).toThrow(
      expect.objectContaining({ code: 'name-taken' }),
    );
    expect(() => alice.messenger.createGroup('g', ['nobody'])).toThrow(
      expect.objectContaining({ code: 'unknown-contact' }),
    );
    expect(() => alice.messenger.createGroup('g', [])).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
    alice.messenger.createGroup('g', ['bob']);
    expect(() => alice.messenger.createGroup('G', ['bob'])).toThrow(
      expect.objectContaining({ code: 'name-taken' }),
    );
    expect(alice.messenger.groups().map((g) => g.name)).toEqual(['g']);
  });
});
