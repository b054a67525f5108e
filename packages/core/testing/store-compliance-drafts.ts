/** Store compliance: composer drafts and the "marked unread" flag of conversations. */
import { expect, it } from 'vitest';
import type { DraftRecord } from '../src/ports/store.ts';
import { bytes, type Ctx, conversation, inFresh } from './store-compliance-fixtures.ts';

const draft = (conversationId: string, over: Partial<DraftRecord> = {}): DraftRecord => ({
  conversationId,
  body: bytes(1, 2, 3),
  updatedAt: 10,
  ...over,
});

export function draftTests(ctx: Ctx): void {
  const run = inFresh(ctx);

  it('keeps one draft per conversation, replaced in place, listed by time of writing', () => {
    run((tx) => {
      expect(tx.getDraft('a')).toBeUndefined();
      expect(tx.listDrafts()).toEqual([]);
      tx.putDraft(draft('a', { updatedAt: 30 }));
      tx.putDraft(draft('b', { updatedAt: 20 }));
      tx.putDraft(draft('a', { body: bytes(9), updatedAt: 40 }));
      expect(tx.getDraft('a')).toEqual(draft('a', { body: bytes(9), updatedAt: 40 }));
      expect(tx.listDrafts().map((d) => d.conversationId)).toEqual(['b', 'a']);
      tx.deleteDraft('a');
      tx.deleteDraft('never-there');
      expect(tx.getDraft('a')).toBeUndefined();
      expect(tx.listDrafts()).toEqual([draft('b', { updatedAt: 20 })]);
    });
  });

  it('deleting a conversation, a group or a channel deletes its draft, and no other', () => {
    run((tx) => {
      for (const id of ['d', 'g', 'ch', 'other']) tx.putDraft(draft(id));
      tx.putConversation(conversation('d'));
      tx.deleteConversation('d');
      tx.putGroup({ id: 'g', data: bytes(1), createdAt: 1, updatedAt: 1 });
      tx.deleteGroup('g');
      tx.putChannel({ id: 'ch', data: bytes(1), createdAt: 1, updatedAt: 1 });
      tx.deleteChannel('ch');
      expect(tx.listDrafts().map((d) => d.conversationId)).toEqual(['other']);
    });
  });

  it('a draft returned is a copy', () => {
    run((tx) => {
      tx.putDraft(draft('a'));
      const got = tx.getDraft('a') as DraftRecord;
      got.body[0] = 99;
      expect(tx.getDraft('a')?.body).toEqual(bytes(1, 2, 3));
    });
  });

  it('keeps the unread mark of a conversation as put', () => {
    run((tx) => {
      tx.putConversation(conversation('d', { markedUnread: true }));
      expect(tx.getConversation('d')?.markedUnread).toBe(true);
      tx.putConversation(conversation('d', { markedUnread: false, readUpTo: 5 }));
      expect(tx.getConversation('d')).toEqual(conversation('d', { readUpTo: 5 }));
    });
  });

  it('drafts and unread marks survive reopening the store', () => {
    if (!ctx.canReopen) return;
    ctx.open().transaction((tx) => {
      tx.putConversation(conversation('d', { markedUnread: true }));
      tx.putDraft(draft('d'));
    });
    const again = ctx.reopen();
    expect(again.transaction((tx) => [tx.getDraft('d'), tx.getConversation('d')?.markedUnread])).toEqual([
      draft('d'),
      true,
    ]);
  });
}
