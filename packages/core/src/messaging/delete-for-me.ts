/**
 * "Delete for me": a message (ours or theirs, 1:1 or group) goes from this device only. Nothing is
 * sent: the other side, and our other devices, keep their copy. The row stays as a tombstone with
 * an empty body (DELETED_FOR_ME_MARK), like a disappeared message, so its sequence number still
 * counts (no false gap) and an edit, delete or receipt that comes later finds it and changes
 * nothing the user sees. Its reactions and its file's records go with it.
 */

import type { Vault } from '../account/index.ts';
import { CoreError } from '../base/index.ts';
import type { AttachmentRecord, AttachmentsTx, ContactsTx, MessageKey, MessagesTx } from '../ports/index.ts';
import { openBody } from '../views/index.ts';
import { DELETED_FOR_ME_MARK, isHiddenTombstone } from './own-changes.ts';

/**
 * Empties the message at `key` and forgets its reactions and attachment records; returns the
 * records whose encrypted bytes the caller deletes (no other message carries them: a forwarded file
 * is encrypted again, under a new id). Throws unknown-message if it is not stored or already hidden.
 */
export function deleteForMe(
  tx: MessagesTx & AttachmentsTx & ContactsTx,
  vault: Vault,
  key: MessageKey,
  now: number,
): AttachmentRecord[] {
  const m = tx.getMessage(key);
  if (!m || isHiddenTombstone(m)) throw new CoreError('unknown-message', `no message ${key.id} here`);
  const fileId = m.deletedAt === null ? openBody(vault, m).attachment?.id : undefined;
  tx.updateMessage(m, {
    body: new Uint8Array(0),
    deletedAt: m.deletedAt ?? now,
    expiresAt: null,
    error: DELETED_FOR_ME_MARK,
  });
  for (const r of tx.listReactions(key.conversationId, key.sender, key.id))
    tx.deleteReaction(key.conversationId, key.sender, key.id, r.reactor);
  if (fileId === undefined) return [];
  // Who the file's records name: its sender (theirs), the contact (1:1) or the group (ours).
  const peers = new Set([key.sender, tx.getContact(key.conversationId)?.peerId ?? '', key.conversationId]);
  const records = [...peers].flatMap((p) =>
    tx
      .findAttachments(p, fileId)
      .filter(
        (r) =>
          r.message.conversationId === key.conversationId &&
          r.message.sender === key.sender &&
          r.message.id === key.id,
      ),
  );
  for (const r of records) tx.deleteAttachment(r.direction, r.peerId, r.id);
  return records;
}
