/**
 * Large groups over gossipsub (docs/GROUPS.md "Large groups over gossipsub"), on
 * the in-memory transport with the size threshold lowered so four peers form
 * a "large" group: one publish per message, exactly once in per-sender order,
 * catch-up of lost and missed messages, forged and replayed messages refused,
 * removed members off the topic.
 */
import { createSenderKey, senderKeyEncrypt, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex } from '../src/base/bytes.ts';
import type { Ctx } from '../src/context/context.ts';
import { loadGroup } from '../src/groups/store.ts';
import {
  decodeGroupSyncAnswer,
  decodeGroupSyncRequest,
  decodeTopicMessage,
  encodeGroupSyncAnswer,
  encodeGroupSyncRequest,
  encodeTopicMessage,
  GROUP_SYNC_PAGE_MAX,
  GROUP_SYNC_RANGES_MAX,
  groupTopic,
} from '../src/groups/topic.ts';
import type { Messenger } from '../src/messenger/messenger.ts';
import type { Store } from '../src/ports/store.ts';
import type { PubsubMessage, Transport } from '../src/ports/transport.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import type { MessageView } from '../src/views/messages.ts';
import { encodeAppMessage } from '../src/wire/app-message.ts';
import {
  befriend,
  eventually,
  groupReady,
  groupTexts,
  makePeer as harnessPeer,
  join,
  stopPeers,
} from './harness.ts';

interface TPeer {
  readonly name: string;
  readonly peerId: string;
  readonly store: Store;
  readonly transport: Transport;
  readonly messenger: Messenger;
  readonly ctx: Ctx;
  /** Every publish this peer made, and the topics it is subscribed to now. */
  readonly published: Array<{ topic: string; data: Uint8Array }>;
  readonly topics: Set<string>;
  /** While true, messages arriving on topics are lost (gossip is best effort). */
  deaf: boolean;
}

let network: MemoryNetwork;
let peers: TPeer[] = [];
/** Per-peer `groupTopicMinMembers` (default 3), to show the mode follows the admin's state. */
const thresholds: Record<string, number> = {};

async function makePeer(name: string): Promise<TPeer> {
  const published: TPeer['published'] = [];
  const topics = new Set<string>();
  let self: TPeer | undefined; // the peer being made: its `deaf` flag drops topic messages
  const peer = await harnessPeer(network, name, {
    limits: { groupTopicMinMembers: thresholds[name] ?? 3 },
    transport: (inner) => ({
      ...inner,
      subscribe: (topic, handler) => {
        topics.add(topic);
        const off = inner.subscribe(topic, (m: PubsubMessage) => {
          if (!self?.deaf) handler(m);
        });
        return () => {
          topics.delete(topic);
          off();
        };
      },
      publish: (topic, data) => {
        published.push({ topic, data });
        return inner.publish(topic, data);
      },
    }),
  });
  self = { ...peer, published, topics, deaf: false };
  return self;
}

async function circle(...names: string[]): Promise<TPeer[]> {
  network = createMemoryNetwork();
  peers = await Promise.all(names.map(makePeer));
  const [alice, ...rest] = peers as [TPeer, ...TPeer[]];
  for (const p of rest) await befriend(alice as never, p as never);
  return peers;
}

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
  for (const k of Object.keys(thresholds)) delete thresholds[k];
});

const stateOf = (p: TPeer, id: string) => p.store.transaction((tx) => loadGroup(p.ctx, tx, id));

async function bigGroup(): Promise<[TPeer, TPeer, TPeer, TPeer, string]> {
  const [alice, bob, carol, dave] = (await circle('alice', 'bob', 'carol', 'dave')) as [
    TPeer,
    TPeer,
    TPeer,
    TPeer,
  ];
  const { id } = alice.messenger.createGroup('crowd', ['bob', 'carol', 'dave']);
  for (const p of [bob, carol, dave]) await join(p as never, 'crowd');
  await groupReady('crowd', 1, alice, bob, carol, dave);
  return [alice, bob, carol, dave, id];
}

describe('large groups over gossipsub', () => {
  it('publishes each message once on a topic derived from the group secret; everyone sees each once, in order', async () => {
    const [alice, bob, carol, dave, id] = await bigGroup();
    const g = stateOf(alice, id);
    expect(g?.state.secret?.length).toBe(32);
    const topic = groupTopic(nodePrimitives, g?.state.secret as Uint8Array, id, 1);
    expect(topic).not.toContain(id);
    for (const p of [alice, bob, carol, dave]) expect([...p.topics]).toEqual([topic]);
    const all = [alice, bob, carol, dave];
    for (const p of all) p.published.length = 0;
    for (let i = 1; i <= 5; i++) for (const p of all) p.messenger.sendText('crowd', `${p.name} ${i}`);
    for (const p of all) {
      await eventually(() => groupTexts(p, 'crowd').length === 20, 10_000, `${p.name} to see 20 messages`);
      const seen = p.messenger.messages('crowd', { limit: 1000 });
      expect(new Set(seen.map((m) => m.id)).size).toBe(20);
      for (const sender of all) {
        const mine = seen.filter((m) => m.text.startsWith(`${sender.name} `));
        expect(mine.map((m) => m.text)).toEqual([1, 2, 3, 4, 5].map((i) => `${sender.name} ${i}`));
        expect(mine.every((m) => !m.gapBefore)).toBe(true);
      }
      // one publish per message (version 0x01; 0x02 = our key's announcement), nothing queued per member
      expect(p.published.filter((x) => x.topic === topic && x.data[0] === 1)).toHaveLength(5);
      const groupFrames = p.store.transaction((tx) =>
        all.flatMap((o) => tx.listOutbox(o.peerId)).filter((e) => e.frame[1] === 4),
      );
      expect(groupFrames).toEqual([]); // no GROUP frame was queued for any member
    }
    await eventually(() =>
      alice.messenger.messages('crowd', { limit: 1000 }).every((m) => m.from !== 'me' || m.status === 'sent'),
    );
  });

  it('counts read receipts as "read by N of M" from read marks, not per member and message', async () => {
    const [alice, bob, carol, dave] = await bigGroup();
    const sent = alice.messenger.sendTexts('crowd', ['one', 'two']);
    for (const p of [bob, carol, dave])
      await eventually(() => groupTexts(p, 'crowd').length === 2, 10_000, `${p.name} to get both`);
    const readBy = () => alice.messenger.messages('crowd').map((m) => m.readBy?.count);
    expect(alice.messenger.messages('crowd').map((m) => [m.readBy, m.receipts])).toEqual([
      [{ count: 0, of: 3 }, undefined],
      [{ count: 0, of: 3 }, undefined],
    ]);
    bob.messenger.markRead('crowd');
    carol.messenger.markRead('crowd');
    await eventually(() => readBy().every((n) => n === 2), 10_000, 'two reads to reach alice');
    expect(alice.messenger.messages('crowd').every((m) => m.status === 'sent')).toBe(true);
    const last = sent[1] as MessageView;
    expect(alice.messenger.message('crowd', { sender: 'self', id: last.id }).receipts).toEqual([
      { member: 'bob', status: 'read' },
      { member: 'carol', status: 'read' },
      { member: 'dave', status: 'pending' },
    ]);
    dave.messenger.markRead('crowd');
    await eventually(
      () => alice.messenger.messages('crowd').every((m) => m.status === 'read' && m.readBy?.count === 3),
      10_000,
      'both to be read by everyone',
    );
    expect(alice.store.transaction((tx) => tx.listReceipts({ ...last, sender: 'self' }))).toEqual([]);
  });

  it("uses the mode the admin's state says, whatever a member's own threshold", async () => {
    thresholds.dave = 1000; // dave alone would never use a topic
    const [alice, , , dave, id] = await bigGroup();
    const topic = groupTopic(nodePrimitives, stateOf(alice, id)?.state.secret as Uint8Array, id, 1);
    expect([...dave.topics]).toEqual([topic]);
    dave.published.length = 0;
    dave.messenger.sendText('crowd', 'from dave');
    alice.messenger.sendText('crowd', 'from alice');
    await eventually(() => groupTexts(alice, 'crowd').includes('from dave'));
    await eventually(() => groupTexts(dave, 'crowd').includes('from alice'));
    expect(dave.published.filter((x) => x.data[0] === 1).map((x) => x.topic)).toEqual([topic]);
  });

  it('fetches a message lost on gossip when the next one reveals the gap, and an offline member catches up', async () => {
    const [alice, bob, carol, dave] = await bigGroup();
    bob.deaf = true;
    alice.messenger.sendText('crowd', 'lost on the way');
    await eventually(() => groupTexts(carol, 'crowd').length === 1);
    bob.deaf = false;
    alice.messenger.sendText('crowd', 'reveals the gap');
    await eventually(() => groupTexts(bob, 'crowd').length === 2, 10_000, 'bob to fetch the lost message');
    expect(groupTexts(bob, 'crowd')).toEqual(['lost on the way', 'reveals the gap']);
    expect(bob.messenger.messages('crowd').every((m) => !m.gapBefore)).toBe(true);

    network.setOnline(dave.peerId, false);
    alice.messenger.sendText('crowd', 'while dave is away');
    carol.messenger.sendText('crowd', 'carol too');
    await eventually(() => groupTexts(bob, 'crowd').length === 4);
    network.setOnline(dave.peerId, true);
    await dave.transport.connect(alice.peerId);
    await dave.transport.connect(carol.peerId);
    await eventually(() => groupTexts(dave, 'crowd').length === 4, 10_000, 'dave to catch up');
    expect(groupTexts(dave, 'crowd').filter((t) => t !== 'carol too')).toEqual([
      'lost on the way',
      'reveals the gap',
      'while dave is away',
    ]);
    expect(new Set(dave.messenger.messages('crowd').map((m) => m.id)).size).toBe(4);
  });

  it('refuses forged, tampered and non-member messages; a replay is shown once', async () => {
    const [alice, bob, , , id] = await bigGroup();
    const secret = stateOf(alice, id)?.state.secret as Uint8Array;
    const topic = groupTopic(nodePrimitives, secret, id, 1);
    alice.messenger.sendText('crowd', 'genuine');
    await eventually(() => groupTexts(bob, 'crowd').length === 1);
    const genuine = alice.published.find((x) => x.topic === topic)?.data as Uint8Array;
    // a stranger who learnt the topic, with a sender key of its own
    const eve = await makePeer('eve');
    peers.push(eve);
    const key = createSenderKey(systemRandom, nodePrimitives);
    const forged = senderKeyEncrypt(
      key,
      encodeAppMessage({
        id: 'e'.repeat(32),
        seq: 1,
        sentAt: Date.now(),
        body: { kind: 'text', text: 'forged' },
      }),
      fromHex(id),
      nodePrimitives,
    ).message;
    await eve.transport.publish(topic, encodeTopicMessage(forged));
    // a member's message with one bit flipped, and the genuine one again (a replay)
    const tampered = genuine.slice();
    tampered[20] = (tampered[20] as number) ^ 1;
    await eve.transport.publish(topic, tampered);
    await eve.transport.publish(topic, genuine);
    await eve.transport.publish(topic, Uint8Array.of(9, 9, 9));
    alice.messenger.sendText('crowd', 'after the noise');
    await eventually(() => groupTexts(bob, 'crowd').length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(groupTexts(bob, 'crowd')).toEqual(['genuine', 'after the noise']);
    // and a non-member's catch-up query is refused: it learns nothing
    const request = encodeGroupSyncRequest({ groupId: id, ranges: [{ keyId: 1, from: 0, count: 0 }] });
    await expect(eve.transport.query(alice.peerId, request)).rejects.toMatchObject({ code: 'refused' });
    const answer = await bob.transport.query(alice.peerId, request);
    expect(decodeGroupSyncAnswer(answer)).toEqual([]);
  });

  it('moves to a new topic on every change; a removed member gets no secret and reads nothing after', async () => {
    const [alice, bob, carol, dave, id] = await bigGroup();
    const [first] = [...alice.topics];
    alice.messenger.removeFromGroup('crowd', 'dave');
    await groupReady('crowd', 2, alice, bob, carol);
    await eventually(() => dave.messenger.group('crowd').status === 'removed');
    const next = groupTopic(nodePrimitives, stateOf(alice, id)?.state.secret as Uint8Array, id, 2);
    expect(next).not.toBe(first);
    for (const p of [alice, bob, carol]) await eventually(() => [...p.topics].join() === next);
    expect(dave.topics.size).toBe(0);
    expect(stateOf(dave, id)?.state.secret).toBeUndefined();
    alice.messenger.sendText('crowd', 'dave is gone');
    await eventually(() => groupTexts(carol, 'crowd').includes('dave is gone'));
    expect(groupTexts(bob, 'crowd')).toEqual(['dave is gone']);
    await new Promise((r) => setTimeout(r, 50));
    expect(groupTexts(dave, 'crowd')).not.toContain('dave is gone');
  });
});

describe('group topic formats', () => {
  const id = 'ab'.repeat(16);
  const secret = new Uint8Array(32).fill(7);

  it('derives a topic per (secret, group, epoch) that does not reveal the group', () => {
    const t1 = groupTopic(nodePrimitives, secret, id, 1);
    expect(t1).toMatch(/^parley\/group\/[0-9a-f]{32}$/);
    expect(groupTopic(nodePrimitives, secret, id, 1)).toBe(t1);
    expect(groupTopic(nodePrimitives, secret, id, 2)).not.toBe(t1);
    expect(groupTopic(nodePrimitives, new Uint8Array(32).fill(8), id, 1)).not.toBe(t1);
    expect(groupTopic(nodePrimitives, secret, 'cd'.repeat(16), 1)).not.toBe(t1);
    expect(t1).not.toContain(id);
  });

  it('round-trips catch-up requests and answers, and refuses malformed ones', () => {
    const ranges = [
      { keyId: 0xffff_ffff, from: 3, count: 0 },
      { keyId: 1, from: 9, count: 1 },
    ];
    const req = encodeGroupSyncRequest({ groupId: id, ranges });
    expect(decodeGroupSyncRequest(req)).toEqual({ groupId: id, ranges });
    expect(decodeGroupSyncRequest(req.subarray(0, req.length - 1))).toBeNull();
    expect(decodeGroupSyncRequest(Uint8Array.of(1, 1, ...req.subarray(2)))).toBeNull(); // a channel query
    expect(() =>
      encodeGroupSyncRequest({ groupId: id, ranges: Array(GROUP_SYNC_RANGES_MAX + 1).fill(ranges[0]) }),
    ).toThrow(RangeError);
    const messages = [Uint8Array.of(1, 2, 3), new Uint8Array(100).fill(4)];
    const answer = encodeGroupSyncAnswer(messages);
    expect(decodeGroupSyncAnswer(answer)).toEqual(messages);
    for (const bad of [
      answer.subarray(0, answer.length - 1),
      Uint8Array.of(...answer, 0),
      encodeGroupSyncAnswer(Array(GROUP_SYNC_PAGE_MAX + 1).fill(Uint8Array.of(1))),
      Uint8Array.of(1, 2, 0, 1, 0, 0, 0, 0),
    ])
      expect(() => decodeGroupSyncAnswer(bad)).toThrow(expect.objectContaining({ code: 'bad-message' }));
    expect(decodeTopicMessage(encodeTopicMessage(Uint8Array.of(5, 6)))).toEqual(Uint8Array.of(5, 6));
    expect(decodeTopicMessage(Uint8Array.of(2, 5, 6))).toBeUndefined();
  });
});
