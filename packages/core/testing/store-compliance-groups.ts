/** Store compliance: groups, sender keys, per-member receipts and large groups' read marks. */
import { describe, expect, it } from 'vitest';
import { bytes, type Ctx, inFresh } from './store-compliance-fixtures.ts';

const gid = (n: number): string => n.toString(16).padStart(32, '0');
const key = { conversationId: gid(1), sender: 'self', id: 'a'.repeat(32) };

export function groupTests(ctx: Ctx): void {
  describe('groups', () => {
    it('stores, replaces, lists and deletes groups with their sender keys', () => {
      inFresh(ctx)((tx) => {
        tx.putGroup({ id: gid(2), data: bytes(2), createdAt: 20, updatedAt: 20 });
        tx.putGroup({ id: gid(1), data: bytes(1), createdAt: 10, updatedAt: 10 });
        tx.putGroup({ id: gid(1), data: bytes(9), createdAt: 10, updatedAt: 11 });
        expect(tx.listGroups().map((g) => [g.id, [...g.data]])).toEqual([
          [gid(1), [9]],
          [gid(2), [2]],
        ]);
        tx.putSenderKey(gid(1), 'peer-a', bytes(5));
        tx.putSenderKey(gid(2), 'peer-a', bytes(6));
        expect([...(tx.getSenderKey(gid(1), 'peer-a') ?? [])]).toEqual([5]);
        tx.deleteGroup(gid(1));
        expect(tx.getGroup(gid(1))).toBeUndefined();
        expect(tx.getSenderKey(gid(1), 'peer-a')).toBeUndefined();
        expect([...(tx.getSenderKey(gid(2), 'peer-a') ?? [])]).toEqual([6]);
        tx.deleteSenderKey(gid(2), 'peer-a');
        expect(tx.getSenderKey(gid(2), 'peer-a')).toBeUndefined();
      });
    });

    it('keeps a bounded log of large-group messages per sender', () => {
      inFresh(ctx)((tx) => {
        const entry = (sender: string, keyId: number, iteration: number, at: number) => ({
          groupId: gid(1),
          sender,
          keyId,
          iteration,
          receivedAt: at,
          message: bytes(iteration),
        });
        expect(tx.putGroupLog(entry('peer-a', 7, 3, 30))).toBe('inserted');
        expect(tx.putGroupLog(entry('peer-a', 7, 1, 10))).toBe('inserted');
        expect(tx.putGroupLog(entry('peer-a', 7, 2, 20))).toBe('inserted');
        expect(tx.putGroupLog({ ...entry('peer-a', 7, 2, 99), message: bytes(42) })).toBe('duplicate');
        expect(tx.putGroupLog(entry('peer-b', 7, 2, 25))).toBe('inserted');
        expect(tx.putGroupLog(entry('peer-b', 8, 1, 26))).toBe('inserted');
        tx.putGroupLog({ ...entry('peer-a', 7, 1, 10), groupId: gid(2) });
        const listed = tx.listGroupLog(gid(1), 7, 2, 10);
        expect(listed.map((e) => [e.sender, e.iteration, [...e.message]])).toEqual([
          ['peer-a', 2, [2]],
          ['peer-b', 2, [2]],
          ['peer-a', 3, [3]],
        ]);
        expect(tx.listGroupLog(gid(1), 7, 0, 2).map((e) => e.iteration)).toEqual([1, 2]);
        expect(tx.pruneGroupLog(gid(1), 'peer-a', 2)).toBe(1);
        expect(tx.listGroupLog(gid(1), 7, 0, 10).map((e) => [e.sender, e.iteration])).toEqual([
          ['peer-a', 2],
          ['peer-b', 2],
          ['peer-a', 3],
        ]);
        tx.deleteGroupLog(gid(1), 'peer-b');
        expect(tx.listGroupLog(gid(1), 8, 0, 10)).toEqual([]);
        expect(tx.listGroupLog(gid(1), 7, 0, 10)).toHaveLength(2);
        tx.putGroup({ id: gid(1), data: bytes(1), createdAt: 1, updatedAt: 1 });
        tx.deleteGroup(gid(1));
        expect(tx.listGroupLog(gid(1), 7, 0, 10)).toEqual([]);
        expect(tx.listGroupLog(gid(2), 7, 0, 10)).toHaveLength(1);
        tx.deleteGroupLog(gid(2));
        expect(tx.listGroupLog(gid(2), 7, 0, 10)).toEqual([]);
      });
    });

    it('keeps one receipt per member and message, replacing it', () => {
      inFresh(ctx)((tx) => {
        tx.putReceipt({ ...key, peerId: 'peer-b', status: 'delivered', at: 1, deliveredAt: 1 });
        tx.putReceipt({ ...key, peerId: 'peer-a', status: 'delivered', at: 2, deliveredAt: 2 });
        tx.putReceipt({ ...key, peerId: 'peer-b', status: 'read', at: 3, deliveredAt: 1 });
        tx.putReceipt({
          ...key,
          id: 'b'.repeat(32),
          peerId: 'peer-c',
          status: 'read',
          at: 4,
          deliveredAt: null,
        });
        expect(tx.listReceipts(key).map((r) => [r.peerId, r.status, r.at, r.deliveredAt])).toEqual([
          ['peer-a', 'delivered', 2, 2],
          ['peer-b', 'read', 3, 1],
        ]);
        // They go with their message, and with its conversation.
        tx.deleteMessage(key);
        expect(tx.listReceipts(key)).toEqual([]);
        const other = { ...key, id: 'b'.repeat(32) };
        tx.deleteConversation(key.conversationId);
        expect(tx.listReceipts(other)).toEqual([]);
      });
    });

    it('keeps one read mark per group and member that only moves forward', () => {
      inFresh(ctx)((tx) => {
        const mark = (groupId: string, peerId: string, seq: number, at: number) => ({
          groupId,
          peerId,
          seq,
          at,
        });
        expect(tx.advanceReadMark(mark(gid(1), 'peer-b', 5, 10))).toBe(true);
        expect(tx.advanceReadMark(mark(gid(1), 'peer-a', 2, 11))).toBe(true);
        expect(tx.advanceReadMark(mark(gid(1), 'peer-b', 3, 12))).toBe(false); // backwards
        expect(tx.advanceReadMark(mark(gid(1), 'peer-b', 5, 13))).toBe(false); // the same
        expect(tx.advanceReadMark(mark(gid(1), 'peer-a', 7, 14))).toBe(true);
        expect(tx.advanceReadMark(mark(gid(2), 'peer-a', 1, 15))).toBe(true);
        expect(tx.listReadMarks(gid(1)).map((m) => [m.peerId, m.seq, m.at])).toEqual([
          ['peer-a', 7, 14],
          ['peer-b', 5, 10],
        ]);
        tx.deleteReadMarks(gid(1), 'peer-b');
        expect(tx.listReadMarks(gid(1)).map((m) => m.peerId)).toEqual(['peer-a']);
        expect(tx.advanceReadMark(mark(gid(1), 'peer-b', 1, 16))).toBe(true); // starts again
        tx.putGroup({ id: gid(1), data: bytes(1), createdAt: 1, updatedAt: 1 });
        tx.deleteGroup(gid(1));
        expect(tx.listReadMarks(gid(1))).toEqual([]);
        expect(tx.listReadMarks(gid(2))).toHaveLength(1);
        tx.deleteReadMarks(gid(2));
        expect(tx.listReadMarks(gid(2))).toEqual([]);
      });
    });
  });
}
