/** Store compliance: groups, sender keys and per-member receipts. */
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

    it('keeps one receipt per member and message, replacing it', () => {
      inFresh(ctx)((tx) => {
        tx.putReceipt({ ...key, peerId: 'peer-b', status: 'delivered', at: 1 });
        tx.putReceipt({ ...key, peerId: 'peer-a', status: 'delivered', at: 2 });
        tx.putReceipt({ ...key, peerId: 'peer-b', status: 'read', at: 3 });
        tx.putReceipt({ ...key, id: 'b'.repeat(32), peerId: 'peer-c', status: 'read', at: 4 });
        expect(tx.listReceipts(key).map((r) => [r.peerId, r.status, r.at])).toEqual([
          ['peer-a', 'delivered', 2],
          ['peer-b', 'read', 3],
        ]);
      });
    });
  });
}
