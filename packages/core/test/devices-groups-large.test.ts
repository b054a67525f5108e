/**
 * Large (topic) groups with a member on two devices (docs/MULTI-DEVICE.md "Groups"), on the memory
 * network with the size threshold lowered so a handful of peers form a "large" group: Alice's
 * linked laptop announces a sender key of its own, signed by its device key, which members accept
 * only while Alice's device list names the laptop; what it posts is Alice's everywhere.
 */
import { createSenderKey, senderKeyDistribution, senderKeyEncrypt, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import { senderKeyContext } from '../src/groups/codec.ts';
import { sealAnnouncement } from '../src/groups/key-announce.ts';
import { loadGroup, loadOwnKey } from '../src/groups/store.ts';
import { encodeTopicMessage, groupTopic } from '../src/groups/topic.ts';
import type { FrameHandler, InboundFrame, PubsubHandler, Transport } from '../src/ports/transport.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import type { MessageView } from '../src/views/index.ts';
import { encodeAppMessage } from '../src/wire/app-message.ts';
import { befriend, eventually, groupReady, join, makePeer, type Peer, stopPeers } from './harness.ts';

/** A peer whose topic handlers the test can call (a member relaying), and whose frames it can hold. */
interface TPeer extends Peer {
  readonly handlers: Map<string, PubsubHandler>;
  /** Direct frames from these PeerIds wait (in order) until `release`. */
  readonly held: Set<string>;
  release(): void;
}

let network: MemoryNetwork;
let peers: TPeer[] = [];
const limits = { groupTopicMinMembers: 3 };

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

async function peer(name: string, linkTo?: Peer): Promise<TPeer> {
  const handlers = new Map<string, PubsubHandler>();
  const held = new Set<string>();
  const waiting: Array<{ frame: InboundFrame; to: FrameHandler }> = [];
  const wrap = (inner: Transport): Transport => ({
    ...inner,
    subscribe: (topic, handler, options) => {
      handlers.set(topic, handler);
      return inner.subscribe(topic, handler, options);
    },
    onFrame: (handler) =>
      inner.onFrame((frame) => {
        if (!held.has(frame.from)) return handler(frame);
        waiting.push({ frame, to: handler });
      }),
  });
  const p = await makePeer(network, name, { limits, transport: wrap, ...(linkTo ? { linkTo } : {}) });
  const out: TPeer = {
    ...p,
    handlers,
    held,
    release() {
      held.clear();
      for (const w of waiting.splice(0)) void w.to(w.frame);
    },
  };
  peers.push(out);
  return out;
}

const devicesOf = (p: Peer, account: string): number =>
  p.store.transaction((tx) => {
    const c = tx.getContactByPeerId(account);
    return c ? tx.listDevices(c.id).length : 0;
  });
const messages = (p: Peer, group: string): MessageView[] => {
  try {
    return p.messenger.messages(group, { limit: 1000 });
  } catch {
    return []; // (not here yet)
  }
};
const texts = (p: Peer, group: string): string[] => messages(p, group).map((m) => m.text);
const active = (p: Peer, group: string): boolean =>
  p.messenger.groups().some((g) => g.name === group && g.status === 'active');
const settle = (ms = 300): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Alice (first device), Bob, Carol and Dave in "crowd", a topic group; Alice is everyone's friend. */
async function crowd(): Promise<{ alice: TPeer; bob: TPeer; carol: TPeer; dave: TPeer; id: string }> {
  network = createMemoryNetwork();
  const alice = await peer('alice');
  const bob = await peer('bob');
  const carol = await peer('carol');
  const dave = await peer('dave');
  for (const p of [bob, carol, dave]) await befriend(alice, p);
  const { id } = alice.messenger.createGroup('crowd', ['bob', 'carol', 'dave']);
  for (const p of [bob, carol, dave]) await join(p, 'crowd');
  await groupReady('crowd', 1, alice, bob, carol, dave);
  const g = alice.store.transaction((tx) => loadGroup(alice.ctx, tx, id));
  expect(g?.state.secret).toBeDefined(); // a topic group, not pairwise
  return { alice, bob, carol, dave, id };
}

/** Links Alice's laptop and waits until it holds the group and `who` follow her two devices. */
async function linkLaptop(alice: TPeer, who: readonly TPeer[]): Promise<TPeer> {
  const laptop = await peer('laptop', alice);
  await eventually(() => who.every((p) => devicesOf(p, alice.peerId) === 2), 10_000, 'members to follow');
  await eventually(() => active(laptop, 'crowd'), 10_000, 'the laptop to hold the group');
  return laptop;
}

describe('a large (topic) group with a member on two devices', () => {
  it('Alice’s laptop sends to a large group; every member gets it once, as Alice’s, and Alice’s desktop shows it as sent', async () => {
    const { alice, bob, carol, dave } = await crowd();
    const laptop = await linkLaptop(alice, [bob, carol, dave]);

    const mine = ['l1', 'l2', 'l3', 'l4', 'l5'];
    laptop.messenger.sendTexts('crowd', mine);
    bob.messenger.sendTexts('crowd', ['b1', 'b2']);
    alice.messenger.sendText('crowd', 'a1');
    for (const p of [alice, laptop, bob, carol, dave])
      await eventually(() => texts(p, 'crowd').length === 8, 15_000, `${p.name} to get all 8`);

    for (const p of [alice, laptop, bob, carol, dave]) {
      const seen = messages(p, 'crowd');
      expect(new Set(seen.map((m) => m.id)).size).toBe(8); // once each
      // in order per sending device (D4)
      expect(seen.filter((m) => m.text.startsWith('l')).map((m) => m.text)).toEqual(mine);
      expect(seen.filter((m) => m.text.startsWith('b')).map((m) => m.text)).toEqual(['b1', 'b2']);
      for (const m of seen.filter((x) => x.text.startsWith('l') || x.text === 'a1')) {
        // Alice's, whichever of her devices wrote it: hers on both, from Alice on everyone else's
        if (p === alice || p === laptop) expect(m.direction).toBe('out');
        else expect([m.direction, m.from]).toEqual(['in', 'alice']);
      }
    }
    await eventually(
      () => messages(alice, 'crowd').every((m) => m.direction === 'in' || m.status === 'sent'),
      10_000,
      'Alice’s desktop to show them sent',
    );
    await eventually(
      () => messages(laptop, 'crowd').every((m) => m.direction === 'in' || m.status === 'sent'),
      10_000,
      'the laptop to show them sent',
    );
  });

  it('a device removed from Alice’s list can no longer post to the large group (members drop its frames)', async () => {
    const { alice, bob, carol, dave, id } = await crowd();
    const laptop = await linkLaptop(alice, [bob, carol, dave]);
    laptop.messenger.sendText('crowd', 'while listed');
    for (const p of [alice, bob, carol, dave])
      await eventually(() => texts(p, 'crowd').includes('while listed'), 15_000, `${p.name} to get it`);

    // What the laptop holds: the epoch's secret and its sender key (a thief keeps both).
    const g = laptop.store.transaction((tx) => loadGroup(laptop.ctx, tx, id));
    const own = laptop.store.transaction((tx) => loadOwnKey(laptop.ctx, tx, id));
    if (!g?.state.secret || !own) throw new Error('the laptop holds no key');
    const topic = groupTopic(nodePrimitives, g.state.secret, id, g.state.epoch);
    const laptopId = alice.messenger.devices().find((d) => d.peerId === laptop.peerId)?.id as string;
    alice.messenger.removeDevice(laptopId);
    await eventually(
      () => [bob, carol, dave].every((p) => devicesOf(p, alice.peerId) === 1),
      10_000,
      'members to follow the list without the laptop',
    );

    // The laptop's next message, under its (still valid) key, published and relayed by a member.
    const forged = senderKeyEncrypt(
      own.key,
      encodeAppMessage({
        id: 'f'.repeat(32),
        seq: 99,
        sentAt: Date.now(),
        body: { kind: 'text', text: 'after removal' },
      }),
      senderKeyContext(id, alice.peerId),
      nodePrimitives,
    ).message;
    // And a new key of its own, announced as before (signed by its device key, which it still holds).
    const fresh = createSenderKey(systemRandom, nodePrimitives);
    const context = senderKeyContext(id, alice.peerId);
    const announce = sealAnnouncement(
      nodePrimitives,
      systemRandom,
      g.state,
      alice.peerId,
      senderKeyDistribution(fresh, context, nodePrimitives),
      laptop.ctx.account.identity.signingSecret,
      laptop.peerId,
    );
    const second = senderKeyEncrypt(
      fresh,
      encodeAppMessage({
        id: 'e'.repeat(32),
        seq: 100,
        sentAt: Date.now(),
        body: { kind: 'text', text: 'new key' },
      }),
      context,
      nodePrimitives,
    ).message;
    for (const data of [encodeTopicMessage(forged), announce, encodeTopicMessage(second)]) {
      await laptop.transport.publish(topic, data).catch(() => undefined);
      for (const p of [bob, carol, dave]) p.handlers.get(topic)?.({ topic, from: alice.peerId, data });
    }
    alice.messenger.sendText('crowd', 'from the first device');
    for (const p of [bob, carol, dave])
      await eventually(() => texts(p, 'crowd').includes('from the first device'), 15_000, p.name);
    await settle();
    for (const p of [bob, carol, dave])
      expect(texts(p, 'crowd')).toEqual(['while listed', 'from the first device']);
    expect(texts(alice, 'crowd')).toEqual(['while listed', 'from the first device']);
  });

  it('a member who has not yet got Alice’s new device list gets the laptop’s message once they do', async () => {
    const { alice, bob, carol, dave } = await crowd();
    // Dave does not hear from Alice's devices for now: her new list waits.
    dave.held.add(alice.peerId);
    const laptop = await linkLaptop(alice, [bob, carol]);
    dave.held.add(laptop.peerId);
    expect(devicesOf(dave, alice.peerId)).toBeLessThan(2);

    laptop.messenger.sendText('crowd', 'from the laptop');
    for (const p of [alice, bob, carol])
      await eventually(() => texts(p, 'crowd').includes('from the laptop'), 15_000, `${p.name} to get it`);
    await settle();
    // Not a device of Alice's as far as Dave knows: not taken (not shown, not attributed).
    expect(texts(dave, 'crowd')).toEqual([]);

    dave.release();
    await eventually(() => devicesOf(dave, alice.peerId) === 2, 10_000, 'Dave to follow Alice’s list');
    await eventually(() => texts(dave, 'crowd').includes('from the laptop'), 15_000, 'Dave to get it');
    await settle();
    expect(texts(dave, 'crowd')).toEqual(['from the laptop']);
    expect(messages(dave, 'crowd')[0]?.from).toBe('alice');
  });
});
