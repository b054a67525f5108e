/** Local effects of the user's own edits, deletions, reactions and reads. */

import { findContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ContactRecord, MessageKey, MessageRecord, StoreTx } from '../ports/index.ts';
import { type MessageView, messageView, openBody, sealBody } from '../views/index.ts';
import { type AppBody, READ_RECEIPT_MAX_TARGETS } from '../wire/index.ts';

/** Marker in MessageRecord.error for a disappeared message kept as a tombstone (so no false gap shows). */
export const EXPIRED_MARK = 'expired';

export const isExpiredTombstone = (m: MessageRecord): boolean =>
  m.error === EXPIRED_MARK && m.deletedAt !== null;

/**
 * Stores our own reaction to the message at `key` ('' removes it), in 1:1 conversations and
 * groups alike; nothing if the message is not stored. Returns whether it was.
 */
export function setOwnReaction(tx: StoreTx, key: MessageKey, emoji: string, at: number): boolean {
  if (!tx.getMessage(key)) return false;
  if (emoji === '') tx.deleteReaction(key.conversationId, key.sender, key.id, 'self');
  else
    tx.putReaction({
      conversationId: key.conversationId,
      targetSender: key.sender,
      targetId: key.id,
      reactor: 'self',
      emoji,
      at,
    });
  return true;
}

/** Applies our own edit (text) or delete-for-everyone (null) to the stored message. */
export function applyOwnChange(
  ctx: Ctx,
  contact: ContactRecord,
  m: MessageRecord,
  edit: { text: string } | null,
  emit: (contact: ContactRecord, keys: readonly MessageKey[]) => void,
): MessageView {
  const now = ctx.now();
  const view = ctx.store.transaction((tx) => {
    if (edit) {
      const { replyTo } = openBody(ctx.account.vault, m);
      const body = sealBody(
        ctx.account.vault,
        m,
        replyTo ? { text: edit.text, replyTo } : { text: edit.text },
      );
      tx.updateMessage(m, { body, editedAt: now });
    } else {
      tx.updateMessage(m, { body: new Uint8Array(0), deletedAt: now });
    }
    return messageView(tx, ctx.account.vault, contact, tx.getMessage(m) ?? m);
  });
  emit(contact, []);
  ctx.events.emit('message', view);
  return view;
}

/**
 * Marks every received message of the conversation as read, and (if read
 * receipts are on) tells the sender. Returns how many were unread.
 */
export function markConversationRead(
  ctx: Ctx,
  name: string,
  send: (name: string, body: AppBody) => unknown,
): number {
  const { unread } = ctx.store.transaction((tx) => {
    const contact = findContact(tx, name);
    const conversation = tx.getConversation(contact.id);
    if (!conversation) return { unread: [] as MessageRecord[] };
    const after = conversation.readUpTo;
    const list = tx.listMessages(contact.id, { after, limit: 1000 }).filter((m) => m.sender !== 'self');
    const top = tx.maxSortKey(contact.id);
    tx.putConversation({ ...conversation, readUpTo: Math.max(after, top) });
    return { unread: list };
  });
  if (ctx.settings.readReceipts) {
    const targets = unread.filter((m) => m.deletedAt === null).map((m) => ({ id: m.id, mine: false }));
    for (let i = 0; i < targets.length; i += READ_RECEIPT_MAX_TARGETS) {
      send(name, { kind: 'read', targets: targets.slice(i, i + READ_RECEIPT_MAX_TARGETS) });
    }
  }
  return unread.length;
}
