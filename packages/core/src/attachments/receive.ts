/** Receiving an attachment's manifest: its message now, its bytes after commit (attachments/downloads.ts). */
import { InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { type Effects, insertIncoming, shownAttachment, storeIncomingFile } from '../messaging/index.ts';
import type { AttachmentsTx, ContactRecord, MessagesTx } from '../ports/index.ts';
import type { AppMessage, FileManifest } from '../wire/index.ts';

export { shownAttachment };

/** Stores an incoming attachment's message and record; small ones download at once (after commit). */
export function receiveAttachment(
  ctx: Ctx,
  tx: MessagesTx & AttachmentsTx,
  contact: ContactRecord,
  app: AppMessage,
  m: FileManifest & { kind: 'attachment' },
  effects: Effects,
): Effects {
  if (app.seq < 1) throw new InboundError('bad-message', 'an attachment message needs a sequence number');
  const key = { conversationId: contact.id, sender: contact.peerId, id: app.id };
  const shown = shownAttachment(m);
  const ttl = tx.getConversation(contact.id)?.disappearingMs ?? null;
  const stored = { text: m.caption ?? '', attachment: shown };
  const inserted = insertIncoming(ctx, tx, {
    key,
    seq: app.seq,
    kind: 'attachment',
    stored,
    sentAt: app.sentAt,
    ttl,
  });
  if (inserted === 'duplicate') return effects;
  const record = storeIncomingFile(ctx, tx, {
    direction: 'in',
    peerId: contact.peerId,
    message: key,
    manifest: m,
  });
  if (!record) return effects;
  effects.messages.push(key);
  if (record.state === 'downloading') effects.downloads.push(record);
  return effects;
}
