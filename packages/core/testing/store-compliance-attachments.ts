/** Store compliance: attachment records. */
import { describe, expect, it } from 'vitest';
import type { AttachmentRecord } from '../src/ports/store.ts';
import { bytes, type Ctx, inFresh } from './store-compliance-fixtures.ts';

const attachment = (over: Partial<AttachmentRecord> = {}): AttachmentRecord => ({
  id: 'f'.repeat(32),
  direction: 'in',
  peerId: 'peer-1',
  message: { conversationId: 'c1', sender: 'peer-1', id: '1'.repeat(32) },
  manifest: bytes(1, 2, 3),
  size: 200_000,
  chunks: 4,
  receivedChunks: 0,
  state: 'downloading',
  error: null,
  createdAt: 10,
  updatedAt: 10,
  ...over,
});

export function attachmentTests(ctx: Ctx): void {
  describe('attachments', () => {
    it('stores, replaces, finds and deletes by (direction, peerId, id)', () => {
      inFresh(ctx)((tx) => {
        tx.putAttachment(attachment());
        tx.putAttachment(
          attachment({
            direction: 'out',
            peerId: 'peer-2',
            state: 'available',
            receivedChunks: 4,
            createdAt: 11,
          }),
        );
        expect(tx.getAttachment('in', 'peer-1', 'f'.repeat(32))).toEqual(attachment());
        expect(tx.getAttachment('in', 'peer-2', 'f'.repeat(32))).toBeUndefined();
        tx.putAttachment(attachment({ receivedChunks: 3, updatedAt: 12 }));
        expect(tx.getAttachment('in', 'peer-1', 'f'.repeat(32))?.receivedChunks).toBe(3);
        tx.putAttachment(attachment({ direction: 'out', createdAt: 9 }));
        // Only the peer's own: the same id with another peer is another conversation's file.
        expect(tx.findAttachments('peer-1', 'f'.repeat(32)).map((a) => a.direction)).toEqual(['out', 'in']);
        expect(tx.findAttachments('peer-2', 'f'.repeat(32)).map((a) => a.direction)).toEqual(['out']);
        expect(tx.findAttachments('peer-3', 'f'.repeat(32))).toEqual([]);
        expect(tx.listAttachments('available').map((a) => a.peerId)).toEqual(['peer-2']);
        expect(tx.listAttachments()).toHaveLength(3);
        tx.deleteAttachment('in', 'peer-1', 'f'.repeat(32));
        expect(tx.findAttachments('peer-1', 'f'.repeat(32))).toHaveLength(1);
      });
    });

    it('keeps nulls and bytes intact and returns copies', () => {
      inFresh(ctx)((tx) => {
        const record = attachment({ error: 'the hash did not match' });
        tx.putAttachment(record);
        const got = tx.getAttachment('in', 'peer-1', 'f'.repeat(32)) as AttachmentRecord;
        expect(got.error).toBe('the hash did not match');
        got.manifest.fill(0);
        expect([...(tx.getAttachment('in', 'peer-1', 'f'.repeat(32))?.manifest ?? [])]).toEqual([1, 2, 3]);
      });
    });
  });
}
