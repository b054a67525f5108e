/**
 * Notices: Parley's own lines in a conversation's timeline (a contact's safety number changed,
 * their devices changed), stored like a received message from NOTICE_SENDER so they keep their
 * place among the messages and survive restarts and history paging. Never sent to anyone, never
 * unread, never searched, never answered with a read receipt.
 */
import type { Ctx } from '../context/index.ts';
import type { DeviceChange } from '../devices/index.ts';
import type { MessageKey, MessagesTx } from '../ports/index.ts';
import { NOTICE_SENDER, type NoticeKind, sealBody } from '../views/index.ts';
import { newMessageId } from '../wire/index.ts';
import { sortKeyFor } from './incoming.ts';

/** Adds a notice at the end of the conversation; its key (for the `message` event). */
export function insertNotice(
  ctx: Ctx,
  tx: MessagesTx,
  conversationId: string,
  notice: NoticeKind,
  text: string,
): MessageKey {
  const key = { conversationId, sender: NOTICE_SENDER, id: newMessageId(ctx) };
  const seq = tx.maxSenderSeq(conversationId, NOTICE_SENDER) + 1;
  const now = ctx.now();
  tx.insertMessage({
    ...key,
    senderSeq: seq,
    kind: 'notice',
    body: sealBody(ctx.account.vault, key, { text, notice }),
    sentAt: now,
    receivedAt: now,
    sortKey: sortKeyFor(tx, conversationId, NOTICE_SENDER, seq),
    status: 'received',
    error: null,
    expiresAt: null,
    editedAt: null,
    deletedAt: null,
  });
  return key;
}

/** A contact's identity key changed (flagged until the user accepts it). */
export const keyChangedText = (name: string): string =>
  `${name}’s safety number changed. Compare numbers again before you trust new messages: they may have reinstalled Parley, or someone may be posing as them.`;

/** The words for a contact's device list change, or undefined when nothing shows. */
export function devicesChangedText(name: string, change: DeviceChange): string | undefined {
  const names = (list: readonly string[]): string => list.map((n) => `“${n}”`).join(', ');
  const parts: string[] = [];
  if (change.added.length > 0) parts.push(`${name} linked a new device: ${names(change.added)}`);
  if (change.removed.length > 0) parts.push(`${name} removed a device: ${names(change.removed)}`);
  if (parts.length === 0) return undefined;
  return `${parts.join('; ')}. Your messages now go to their current devices; the safety number is unchanged.`;
}
