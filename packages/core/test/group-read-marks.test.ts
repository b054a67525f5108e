/**
 * Read receipts in large (topic) groups (docs/GROUPS.md "Receipts"): a member's `read` advances
 * their read mark (never back), views count "read by N of M" from the marks once per page, only
 * current members count, and pairwise groups keep their per-member receipts. Reads are handed
 * straight to applyGroupMessage, as the topic and pairwise receive paths do after decrypting.
 */
import { systemRandom } from '@parley/crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/base/bytes.ts';
import { applyGroupMessage } from '../src/groups/inbox.ts';
import { loadGroup, type StoredGroup } from '../src/groups/store.ts';
import { groupMessageView, groupPage } from '../src/groups/views.ts';
import type { Effects } from '../src/messaging/incoming.ts';
import { outgoingRecord } from '../src/messaging/outbound.ts';
import type { MessageRecord } from '../src/ports/store.ts';
import type { MessageView } from '../src/views/messages.ts';
import { GROUP_ID, holds, type Member, members, state } from './group-fixture.ts';

const SECRET = new Uint8Array(32).fill(7);

/** `m` sends `count` texts to GROUP_ID (as composeGroup stores them: seq 1, 2, …), shown `sent`. */
function sendOwn(m: Member, count: number): MessageRecord[] {
  return m.store.transaction((tx) =>
    Array.from({ length: count }, (_, i) => {
      const key = { conversationId: GROUP_ID, sender: 'self', id: toHex(systemRandom(16)) };
      const seq = tx.maxSenderSeq(GROUP_ID, 'self') + 1;
      const record = {
        ...outgoingRecord(m.ctx, tx, {
          key,
          seq,
          kind: 'text',
          stored: { text: `m${i}` },
          sentAt: 1,
          ttl: null,
        }),
        status: 'sent' as const,
      };
      tx.insertMessage(record);
      return record;
    }),
  );
}

/** `to` receives `from`'s `read` of `targets` (ids of `to`'s messages); returns the changed keys' ids. */
function read(to: Member, from: string, targets: readonly MessageRecord[]): string[] {
  const effects: Effects = { messages: [], downloads: [] };
  to.store.transaction((tx) => {
    const g = loadGroup(to.ctx, tx, GROUP_ID) as StoredGroup;
    const app = {
      id: toHex(systemRandom(16)),
      seq: 0,
      sentAt: 1,
      body: { kind: 'read' as const, targets: targets.map((t) => ({ id: t.id, mine: false })) },
    };
    applyGroupMessage(to.ctx, tx, g, from, app, effects);
  });
  return effects.messages.map((k) => k.id);
}

/** `m`'s page of GROUP_ID, as messages.list builds it (one groupPage for the page). */
function page(m: Member, limit = 50): MessageView[] {
  return m.store.transaction((tx) => {
    const g = loadGroup(m.ctx, tx, GROUP_ID) as StoredGroup;
    const shared = groupPage(m.ctx, tx, g);
    return tx.listMessages(GROUP_ID, { limit }).map((r) => groupMessageView(m.ctx, tx, g, r, shared));
  });
}

/** One message's details, as messages.get builds them. */
function details(m: Member, r: MessageRecord): MessageView {
  return m.store.transaction((tx) => {
    const g = loadGroup(m.ctx, tx, GROUP_ID) as StoredGroup;
    return groupMessageView(m.ctx, tx, g, tx.getMessage(r) as MessageRecord, undefined, true);
  });
}

const counts = (views: readonly MessageView[]) => views.map((v) => [v.readBy?.count, v.readBy?.of, v.status]);

describe('read receipts in large groups', () => {
  it('counts each member once from their read mark; reads advance it, stale ones do not lower it', async () => {
    const [alice, bob, carol, dave] = await members('alice', 'bob', 'carol', 'dave');
    const everyone = [alice, bob, carol, dave].map((m) => [m, m === alice ? 'admin' : 'member'] as const);
    holds(alice, state(1, everyone, { secret: SECRET }), alice);
    const [m1, m2, m3] = sendOwn(alice, 3) as [MessageRecord, MessageRecord, MessageRecord];
    expect(counts(page(alice))).toEqual([
      [0, 3, 'sent'],
      [0, 3, 'sent'],
      [0, 3, 'sent'],
    ]);
    expect(page(alice).every((v) => v.receipts === undefined)).toBe(true);

    expect(read(alice, bob.peerId, [m1, m2])).toEqual([m1.id, m2.id]);
    expect(read(alice, carol.peerId, [m3])).toEqual([m3.id]); // up to 3 covers 1 and 2
    expect(counts(page(alice))).toEqual([
      [2, 3, 'sent'],
      [2, 3, 'sent'],
      [1, 3, 'sent'],
    ]);
    // A stale or replayed read changes nothing, and reads of messages that are not ours are ignored.
    expect(read(alice, carol.peerId, [m1])).toEqual([]);
    expect(read(alice, bob.peerId, [m2])).toEqual([]);
    expect(read(alice, dave.peerId, [{ ...m3, id: 'f'.repeat(32) }])).toEqual([]);
    expect(counts(page(alice))[2]).toEqual([1, 3, 'sent']);

    // Dave, the last, reads up to 2: those two are read by everyone and become `read`.
    read(alice, dave.peerId, [m1, m2]);
    expect(counts(page(alice))).toEqual([
      [3, 3, 'read'],
      [3, 3, 'read'],
      [1, 3, 'sent'],
    ]);
    expect(alice.store.transaction((tx) => tx.getMessage(m2)?.status)).toBe('read');
    // One message's details list who read it (from the marks, on demand).
    expect(details(alice, m3).receipts).toEqual([
      { member: 'bob', status: 'pending' },
      { member: 'carol', status: 'read' },
      { member: 'dave', status: 'pending' },
    ]);
    const marks = alice.store.transaction((tx) => tx.listReadMarks(GROUP_ID));
    expect(Object.fromEntries(marks.map((m) => [m.peerId, m.seq]))).toEqual({
      [bob.peerId]: 2,
      [carol.peerId]: 3,
      [dave.peerId]: 2,
    });
    expect(alice.store.transaction((tx) => tx.listReceipts(m1))).toEqual([]); // no row per message
  });

  it("stops counting a removed member's reads, and drops their mark", async () => {
    const [alice, bob, carol, dave] = await members('alice', 'bob', 'carol', 'dave');
    const roles = (...ms: Member[]) => ms.map((m) => [m, m === alice ? 'admin' : 'member'] as const);
    holds(alice, state(1, roles(alice, bob, carol, dave), { secret: SECRET }), alice);
    const [m1, m2] = sendOwn(alice, 2) as [MessageRecord, MessageRecord];
    read(alice, bob.peerId, [m2]);
    read(alice, carol.peerId, [m2]);
    expect(counts(page(alice))).toEqual([
      [2, 3, 'sent'],
      [2, 3, 'sent'],
    ]);
    holds(alice, state(2, roles(alice, bob, dave), { secret: SECRET }), alice);
    expect(counts(page(alice))).toEqual([
      [1, 2, 'sent'],
      [1, 2, 'sent'],
    ]);
    read(alice, dave.peerId, [m1]);
    expect(counts(page(alice))).toEqual([
      [2, 2, 'read'],
      [1, 2, 'sent'],
    ]);
    const marks = alice.store.transaction((tx) => tx.listReadMarks(GROUP_ID)).map((m) => m.peerId);
    expect(marks.sort()).toEqual([bob.peerId, dave.peerId].sort());
  });

  it('shows a page of 50 own messages at 1,000 members as counts, not 50 × 999 receipts', async () => {
    const [alice, bob] = await members('alice', 'bob');
    const others = Array.from({ length: 999 }, (_, i) => ({
      peerId: `peer-${String(i).padStart(4, '0')}`,
      name: `member ${i}`,
      role: 'member' as const,
      card: bob.card,
    }));
    const base = state(1, [[alice, 'admin']], { secret: SECRET });
    holds(alice, { ...base, members: [...base.members, ...others] }, alice);
    const own = sendOwn(alice, 50);
    // Member i has read up to message i % 50 + 1 (one read each, through its newest).
    for (const [i, o] of others.entries()) read(alice, o.peerId, [own[i % 50] as MessageRecord]);
    const t = performance.now();
    const views = page(alice);
    const ms = performance.now() - t;
    expect(views).toHaveLength(50);
    expect(views.every((v) => v.receipts === undefined && v.readBy?.of === 999)).toBe(true);
    // Message s (1-based) is read by every member whose mark is ≥ s: 20 per mark value (19 for 50).
    const expected = own.map((m) => others.filter((_, i) => (i % 50) + 1 >= m.senderSeq).length);
    expect(views.map((v) => v.readBy?.count)).toEqual(expected);
    expect(alice.store.transaction((tx) => tx.listReadMarks(GROUP_ID))).toHaveLength(999);
    console.log(JSON.stringify({ page50At1000MembersMs: Math.round(ms * 10) / 10 }));
  });

  it('keeps per-member receipts in pairwise groups', async () => {
    const [alice, bob, carol] = await members('alice', 'bob', 'carol');
    holds(
      alice,
      state(1, [
        [alice, 'admin'],
        [bob, 'member'],
        [carol, 'member'],
      ]),
      alice,
    );
    const [m1] = sendOwn(alice, 1) as [MessageRecord];
    read(alice, bob.peerId, [m1]);
    const [view] = page(alice) as [MessageView];
    expect(view.readBy).toBeUndefined();
    expect(view.receipts).toEqual([
      { member: 'bob', status: 'read' },
      { member: 'carol', status: 'pending' },
    ]);
    expect(alice.store.transaction((tx) => tx.listReadMarks(GROUP_ID))).toEqual([]);
  });
});
