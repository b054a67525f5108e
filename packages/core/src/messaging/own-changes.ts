/**
 * Local effects of the user's own edits, deletions, reactions and reads, in 1:1 conversations
 * (messenger/direct.ts) and groups (groups/conversation.ts) alike.
 */

import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type {
  AttachmentsTx,
  ContactsTx,
  GroupsTx,
  MessageKey,
  MessageRecord,
  MessagesTx,
} from '../ports/index.ts';
import { type MessageView, NOTICE_SENDER, openBody, sealBody } from '../views/index.ts';
import { type AppBody, READ_RECEIPT_MAX_TARGETS } from '../wire/index.ts';
import { indexBody } from './searchable.ts';

/** Marker in MessageRecord.error for a disappeared message kept as a tombstone (so no false gap shows). */
export const EXPIRED_MARK = 'expired';

/** Marker in MessageRecord.error for a message deleted on this device only ("delete for me"). */
export const DELETED_FOR_ME_MARK = 'deleted-for-me';

/**
 * A message no longer shown here: disappeared, or deleted for me. Kept as a tombstone (empty body)
 * so its sequence number still counts and no false gap shows; never listed, never emitted.
 */
export const isHiddenTombstone = (m: Pick<MessageRecord, 'error' | 'deletedAt'>): boolean =>
  (m.error === EXPIRED_MARK || m.error === DELETED_FOR_ME_MARK) && m.deletedAt !== null;

/** The same test on a message's view. */
export const isHiddenView = (v: Pick<MessageView, 'error' | 'deleted'>): boolean =>
  v.deleted && (v.error === EXPIRED_MARK || v.error === DELETED_FOR_ME_MARK);

/** How many received messages one markConversationRead reads (and acknowledges) at most. */
const READ_MARK_MAX = 1000;

/** A conversation as the user's own changes reach it: a contact's or a group's. */
export interface OwnConversation {
  /** The conversationId of its messages. */
  readonly id: string;
  /** How an error names it: `the conversation with bob`, `group "climbing"`. */
  readonly label: string;
  /** Composes, stores and queues a body to it: the edit, the delete, a read receipt. */
  readonly send: (body: AppBody) => unknown;
  /** The view of one of its messages. */
  readonly view: (tx: ContactsTx & MessagesTx & AttachmentsTx & GroupsTx, m: MessageRecord) => MessageView;
}

/**
 * Stores our own reaction to the message at `key` ('' removes it), in 1:1 conversations and
 * groups alike; nothing if the message is not stored. Returns whether it was.
 */
export function setOwnReaction(tx: MessagesTx, key: MessageKey, emoji: string, at: number): boolean {
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

/** Our own message `id` in the conversation, which must not be deleted yet. */
function ownMessage(ctx: Ctx, c: OwnConversation, id: string): MessageRecord {
  return ctx.store.transaction((tx) => {
    const m = tx.getMessage({ conversationId: c.id, sender: 'self', id });
    if (!m) throw new CoreError('unknown-message', `no message ${id} of yours in ${c.label}`);
    if (m.deletedAt !== null) throw new CoreError('not-allowed', 'that message was deleted');
    return m;
  });
}

/** Edits our own message: sends the edit, then stores the new text (keeping what it replied to). */
export function editOwnMessage(ctx: Ctx, c: OwnConversation, id: string, text: string): MessageView {
  const m = ownMessage(ctx, c, id);
  c.send({ kind: 'edit', target: { id, mine: true }, text });
  return applyOwnChange(ctx, c, m, { text });
}

/** Deletes our own message for everyone: sends the delete, then empties the stored body. */
export function deleteOwnMessage(ctx: Ctx, c: OwnConversation, id: string): MessageView {
  const m = ownMessage(ctx, c, id);
  c.send({ kind: 'delete', target: { id, mine: true } });
  return applyOwnChange(ctx, c, m, null);
}

/** Applies our own edit (text) or delete-for-everyone (null) to the stored message; emits its view. */
function applyOwnChange(
  ctx: Ctx,
  c: OwnConversation,
  m: MessageRecord,
  edit: { text: string } | null,
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
      indexBody(tx, m, { text: edit.text }, m.receivedAt);
    } else {
      tx.updateMessage(m, { body: new Uint8Array(0), deletedAt: now });
    }
    return c.view(tx, tx.getMessage(m) ?? m);
  });
  ctx.events.emit('message', view);
  return view;
}

/**
 * Marks the conversation unread (the user's "Mark as unread"): it is shown unread until it is read
 * again, here or on another of our devices (markConversationRead, or their `read` sync). The mark
 * itself stays on this device. Returns false if the conversation has no record.
 */
export function markConversationUnread(tx: MessagesTx, conversationId: string): boolean {
  const conversation = tx.getConversation(conversationId);
  if (!conversation) return false;
  if (!conversation.markedUnread) tx.putConversation({ ...conversation, markedUnread: true });
  return true;
}

/**
 * Marks every received message of the conversation as read and, if read receipts are on and
 * `receipts` allows it (a group we left sends none), tells the senders. Returns how many were unread.
 */
export function markConversationRead(
  ctx: Ctx,
  c: Pick<OwnConversation, 'id' | 'send'> & { readonly sync?: () => void },
  receipts: boolean,
): number {
  const unread = ctx.store.transaction((tx) => {
    const conversation = tx.getConversation(c.id);
    if (!conversation) return [];
    const after = conversation.readUpTo;
    const list = tx
      .listMessages(c.id, { after, limit: READ_MARK_MAX })
      .filter((m) => m.sender !== 'self' && m.sender !== NOTICE_SENDER);
    tx.putConversation({
      ...conversation,
      readUpTo: Math.max(after, tx.maxSortKey(c.id)),
      markedUnread: false,
    });
    return list;
  });
  if (unread.length > 0) c.sync?.(); // our other devices read it too (devices/)
  if (ctx.settings.readReceipts && receipts) {
    const targets = unread.filter((m) => m.deletedAt === null).map((m) => ({ id: m.id, mine: false }));
    for (let i = 0; i < targets.length; i += READ_RECEIPT_MAX_TARGETS)
      c.send({ kind: 'read', targets: targets.slice(i, i + READ_RECEIPT_MAX_TARGETS) });
  }
  return unread.length;
}
