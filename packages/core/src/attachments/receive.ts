/** Receiving an attachment's manifest: its message now, its bytes after commit (attachments/downloads.ts). */
import { decodeFileKey, fileChunkCount } from '@parley/crypto';
import { InboundError, toBase64Url } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { type Effects, insertIncoming } from '../messaging/index.ts';
import type { AttachmentRecord, AttachmentsTx, ContactRecord, MessagesTx } from '../ports/index.ts';
import type { StoredAttachment } from '../views/index.ts';
import type { AppMessage, FileManifest } from '../wire/index.ts';
import { sanitizeFileName, sealManifest } from './attachments.ts';

/** What a message shows of a file (its name made safe), as stored with the message. */
export function shownAttachment(m: FileManifest): StoredAttachment {
  return {
    id: m.id,
    name: sanitizeFileName(m.name),
    mime: m.mime,
    size: m.size,
    ...(m.durationMs === undefined ? {} : { durationMs: m.durationMs }),
    ...(m.waveform ? { waveform: toBase64Url(m.waveform) } : {}),
    ...(m.thumbnail ? { thumbnail: toBase64Url(m.thumbnail) } : {}),
  };
}

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
  const now = ctx.now();
  const key = { conversationId: contact.id, sender: contact.peerId, id: app.id };
  const shown = shownAttachment(m);
  const name = shown.name;
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
  if (inserted === 'duplicate' || tx.getAttachment('in', contact.peerId, m.id)) return effects;
  const tooLarge = m.size > ctx.limits.attachmentMaxBytes;
  const record: AttachmentRecord = {
    id: m.id,
    direction: 'in',
    peerId: contact.peerId,
    message: key,
    manifest: new Uint8Array(0),
    size: m.size,
    chunks: fileChunkCount(m.size, decodeFileKey(m.key).chunkSize),
    receivedChunks: 0,
    state: tooLarge ? 'failed' : m.size <= ctx.limits.autoDownloadMaxBytes ? 'downloading' : 'offered',
    error: tooLarge ? `larger than the ${ctx.limits.attachmentMaxBytes}-byte limit for attachments` : null,
    createdAt: now,
    updatedAt: now,
  };
  const sealed = { ...record, manifest: sealManifest(ctx, record, { ...m, name }) };
  tx.putAttachment(sealed);
  effects.messages.push(key);
  if (sealed.state === 'downloading') effects.downloads.push(sealed);
  return effects;
}
