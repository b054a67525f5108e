/** Store compliance: conversations, messages and reactions. */
import { expect, it } from 'vitest';
import type { MessageRecord, StoreTx } from '../src/ports/store.ts';
import {
  bytes,
  type Ctx,
  conversation,
  inFresh,
  keyOf,
  mid,
  reaction,
  sampleMessage,
} from './store-compliance-fixtures.ts';

export function messageTests(ctx: Ctx): void {
  const run = inFresh(ctx);
  /** Messages in 'conv' with sortKey 10, 20, …, 100 (seq = sortKey / 10), from alice except every third. */
  const tenMessages = (tx: StoreTx): void => {
    for (let i = 1; i <= 10; i++) {
      const sender = i % 3 === 0 ? 'self' : 'peer-alice';
      tx.insertMessage(sampleMessage({ id: mid(i), sender, senderSeq: i, sortKey: i * 10 }));
    }
  };
  const sortKeys = (list: readonly MessageRecord[]): number[] => list.map((m) => m.sortKey);

  it('puts, replaces, lists (by creation) and gets conversations', () => {
    run((tx) => {
      tx.putConversation(conversation('g', { kind: 'group', createdAt: 5, disappearingMs: 60_000 }));
      tx.putConversation(conversation('d'));
      tx.putConversation(conversation('d', { readUpTo: 42 }));
      expect(tx.getConversation('d')).toEqual(conversation('d', { readUpTo: 42 }));
      expect(tx.getConversation('x')).toBeUndefined();
      expect(tx.listConversations().map((c) => c.id)).toEqual(['d', 'g']);
    });
  });

  it('deleteConversation removes its messages and reactions, and nothing else', () => {
    run((tx) => {
      for (const id of ['a', 'b']) {
        tx.putConversation(conversation(id));
        tx.insertMessage(sampleMessage({ conversationId: id }));
        tx.putReaction(reaction({ conversationId: id }));
      }
      tx.deleteConversation('a');
      expect(tx.getConversation('a')).toBeUndefined();
      expect(tx.listMessages('a')).toEqual([]);
      expect(tx.listReactions('a', 'peer-alice', '0'.repeat(32))).toEqual([]);
      expect(tx.listMessages('b')).toHaveLength(1);
      expect(tx.listReactions('b', 'peer-alice', '0'.repeat(32))).toHaveLength(1);
      // A message with the same key can be stored again afterwards.
      expect(tx.insertMessage(sampleMessage({ conversationId: 'a' }))).toBe('inserted');
    });
  });

  it('insertMessage reports a duplicate key and leaves the original unchanged', () => {
    run((tx) => {
      const original = sampleMessage({ status: 'read' });
      expect(tx.insertMessage(original)).toBe('inserted');
      const again = sampleMessage({ body: bytes(0), sortKey: 99, senderSeq: 7, status: 'received' });
      expect(tx.insertMessage(again)).toBe('duplicate');
      expect(tx.getMessage(keyOf(original))).toEqual(original);
      expect(tx.listMessages('conv')).toEqual([original]);
      // Same id from another sender, or in another conversation, is another message.
      expect(tx.insertMessage(sampleMessage({ sender: 'self' }))).toBe('inserted');
      expect(tx.insertMessage(sampleMessage({ conversationId: 'other' }))).toBe('inserted');
    });
  });

  it('gets a message by key and by sender sequence number', () => {
    run((tx) => {
      tenMessages(tx);
      expect(tx.getMessage({ conversationId: 'conv', sender: 'self', id: mid(3) })?.sortKey).toBe(30);
      expect(tx.getMessage({ conversationId: 'conv', sender: 'peer-alice', id: mid(3) })).toBeUndefined();
      expect(tx.getMessageBySeq('conv', 'peer-alice', 4)?.id).toBe(mid(4));
      expect(tx.getMessageBySeq('conv', 'self', 4)).toBeUndefined();
      expect(tx.getMessageBySeq('other', 'peer-alice', 4)).toBeUndefined();
    });
  });

  it('lists messages ascending; the newest `limit` by default, 50 when no limit', () => {
    run((tx) => {
      tenMessages(tx);
      // Inserted out of order: listing follows sortKey, not insertion.
      tx.insertMessage(sampleMessage({ id: mid(99), sortKey: 15 }));
      expect(sortKeys(tx.listMessages('conv'))).toEqual([10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      expect(sortKeys(tx.listMessages('conv', { limit: 3 }))).toEqual([80, 90, 100]);
      expect(tx.listMessages('conv', { limit: 0 })).toEqual([]);
      expect(tx.listMessages('nothing-here')).toEqual([]);
      for (let i = 0; i < 60; i++)
        tx.insertMessage(sampleMessage({ conversationId: 'big', id: mid(i), sortKey: i }));
      const page = tx.listMessages('big');
      expect(page).toHaveLength(50);
      expect(page[0]?.sortKey).toBe(10);
    });
  });

  it('applies before/after bounds exclusively, keeping the documented end of the range', () => {
    run((tx) => {
      tenMessages(tx);
      // before: the newest `limit` below the bound.
      expect(sortKeys(tx.listMessages('conv', { before: 50 }))).toEqual([10, 20, 30, 40]);
      expect(sortKeys(tx.listMessages('conv', { before: 50, limit: 2 }))).toEqual([30, 40]);
      // after only: the oldest `limit` above the bound.
      expect(sortKeys(tx.listMessages('conv', { after: 50 }))).toEqual([60, 70, 80, 90, 100]);
      expect(sortKeys(tx.listMessages('conv', { after: 50, limit: 2 }))).toEqual([60, 70]);
      // both: the range, newest `limit` of it.
      expect(sortKeys(tx.listMessages('conv', { after: 20, before: 80 }))).toEqual([30, 40, 50, 60, 70]);
      expect(sortKeys(tx.listMessages('conv', { after: 20, before: 80, limit: 2 }))).toEqual([60, 70]);
      expect(tx.listMessages('conv', { after: 50, before: 60 })).toEqual([]);
    });
  });

  it('breaks sortKey ties by insertion order', () => {
    run((tx) => {
      for (const n of [3, 1, 2]) tx.insertMessage(sampleMessage({ id: mid(n), sortKey: 5 }));
      expect(tx.listMessages('conv').map((m) => m.id)).toEqual([mid(3), mid(1), mid(2)]);
      expect(tx.listMessages('conv', { limit: 2 }).map((m) => m.id)).toEqual([mid(1), mid(2)]);
      expect(tx.listMessages('conv', { after: 0, limit: 2 }).map((m) => m.id)).toEqual([mid(3), mid(1)]);
    });
  });

  it('reports maxSortKey, maxSenderSeq and countMessagesAfter (not counting self or notices)', () => {
    run((tx) => {
      expect(tx.maxSortKey('conv')).toBe(0);
      expect(tx.maxSenderSeq('conv', 'self')).toBe(0);
      expect(tx.countMessagesAfter('conv', 0)).toBe(0);
      tenMessages(tx);
      tx.insertMessage(sampleMessage({ conversationId: 'other', id: mid(1), sortKey: 1000, senderSeq: 50 }));
      expect(tx.maxSortKey('conv')).toBe(100);
      expect(tx.maxSenderSeq('conv', 'self')).toBe(9);
      expect(tx.maxSenderSeq('conv', 'peer-alice')).toBe(10);
      expect(tx.maxSenderSeq('conv', 'peer-bob')).toBe(0);
      expect(tx.countMessagesAfter('conv', 0)).toBe(7);
      expect(tx.countMessagesAfter('conv', 50)).toBe(3); // 70, 80, 100
      expect(tx.countMessagesAfter('conv', 100)).toBe(0);
      // Parley's own notices in the timeline are never unread.
      tx.insertMessage(
        sampleMessage({ conversationId: 'conv', sender: 'notice', id: mid(99), sortKey: 101, senderSeq: 1 }),
      );
      expect(tx.countMessagesAfter('conv', 100)).toBe(0);
    });
  });

  it('updates messages with a patch, returning false for an unknown one', () => {
    run((tx) => {
      const m = sampleMessage({ status: 'queued', sender: 'self', error: 'x', expiresAt: 5 });
      tx.insertMessage(m);
      expect(tx.updateMessage(keyOf(m), { status: 'failed', error: 'peer unreachable' })).toBe(true);
      expect(tx.updateMessage(keyOf(m), { body: bytes(1), editedAt: 7, deletedAt: 8, expiresAt: null })).toBe(
        true,
      );
      expect(tx.updateMessage(keyOf(m), {})).toBe(true);
      const expected = { ...m, status: 'failed', error: 'peer unreachable', body: bytes(1) };
      expect(tx.getMessage(keyOf(m))).toEqual({ ...expected, editedAt: 7, deletedAt: 8, expiresAt: null });
      tx.updateMessage(keyOf(m), { error: null });
      expect(tx.getMessage(keyOf(m))?.error).toBeNull();
      expect(tx.updateMessage({ ...keyOf(m), id: mid(42) }, { status: 'read' })).toBe(false);
      expect(tx.getMessage({ ...keyOf(m), id: mid(42) })).toBeUndefined();
    });
  });

  it('lists expired messages (expiresAt <= now, at most limit, soonest first) and deletes them', () => {
    run((tx) => {
      const times = [null, 30, 10, 20, 40];
      times.forEach((expiresAt, n) => {
        tx.insertMessage(sampleMessage({ conversationId: n % 2 ? 'a' : 'b', id: mid(n), expiresAt }));
      });
      expect(tx.listExpired(30, 10).map((k) => k.id)).toEqual([mid(2), mid(3), mid(1)]);
      expect(tx.listExpired(30, 2)).toEqual([
        { conversationId: 'b', sender: 'peer-alice', id: mid(2) },
        { conversationId: 'a', sender: 'peer-alice', id: mid(3) },
      ]);
      expect(tx.listExpired(9, 10)).toEqual([]);
      for (const k of tx.listExpired(100, 10)) tx.deleteMessage(k);
      expect(tx.listExpired(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect(tx.listMessages('b').map((m) => m.id)).toEqual([mid(0)]);
    });
  });

  it('keeps one reaction per reactor and message; deleteMessage removes its reactions', () => {
    run((tx) => {
      tx.insertMessage(sampleMessage());
      tx.insertMessage(sampleMessage({ id: mid(5) }));
      tx.putReaction(reaction({ reactor: 'peer-bob', at: 2 }));
      tx.putReaction(reaction({ at: 3 }));
      tx.putReaction(reaction({ emoji: '❤️', at: 1 }));
      tx.putReaction(reaction({ targetId: mid(5), at: 9 }));
      const list = tx.listReactions('conv', 'peer-alice', '0'.repeat(32));
      expect(list).toEqual([reaction({ emoji: '❤️', at: 1 }), reaction({ reactor: 'peer-bob', at: 2 })]);
      tx.deleteReaction('conv', 'peer-alice', '0'.repeat(32), 'self');
      expect(tx.listReactions('conv', 'peer-alice', '0'.repeat(32)).map((r) => r.reactor)).toEqual([
        'peer-bob',
      ]);
      tx.deleteMessage(keyOf(sampleMessage()));
      expect(tx.listReactions('conv', 'peer-alice', '0'.repeat(32))).toEqual([]);
      expect(tx.listReactions('conv', 'peer-alice', mid(5))).toHaveLength(1);
    });
  });

  it('stores no reaction for a message that is not there: one inserted later starts with none', () => {
    run((tx) => {
      tx.putReaction(reaction());
      expect(tx.listReactions('conv', 'peer-alice', '0'.repeat(32))).toEqual([]);
      expect(tx.insertMessage(sampleMessage())).toBe('inserted');
      expect(tx.listReactions('conv', 'peer-alice', '0'.repeat(32))).toEqual([]);
      tx.putReaction(reaction());
      expect(tx.listReactions('conv', 'peer-alice', '0'.repeat(32))).toEqual([reaction()]);
      tx.deleteMessage(keyOf(sampleMessage()));
      tx.putReaction(reaction({ emoji: 'x' }));
      expect(tx.insertMessage(sampleMessage())).toBe('inserted');
      expect(tx.listReactions('conv', 'peer-alice', '0'.repeat(32))).toEqual([]);
    });
  });

  it('rejects a negative or fractional limit with a RangeError', () => {
    run((tx) => {
      expect(() => tx.listMessages('conv', { limit: -1 })).toThrow(RangeError);
      expect(() => tx.listMessages('conv', { limit: 1.5 })).toThrow(RangeError);
      expect(() => tx.listExpired(0, -1)).toThrow(RangeError);
    });
  });
}
