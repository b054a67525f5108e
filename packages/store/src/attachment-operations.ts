/** Attachment records (schema V2). */
import type { AttachmentDirection, AttachmentRecord, AttachmentState, AttachmentsTx } from '@parley/core';
import { blob, num, type Row, text, textOrNull } from './rows.ts';
import type { Statements } from './statements.ts';

const toAttachment = (r: Row): AttachmentRecord => ({
  id: text(r.id),
  direction: text(r.direction) as AttachmentDirection,
  peerId: text(r.peer_id),
  message: {
    conversationId: text(r.message_conversation_id),
    sender: text(r.message_sender),
    id: text(r.message_id),
  },
  manifest: blob(r.manifest),
  size: num(r.size),
  chunks: num(r.chunks),
  receivedChunks: num(r.received_chunks),
  state: text(r.state) as AttachmentState,
  error: textOrNull(r.error),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

const ORDER = 'ORDER BY created_at, direction, peer_id, id';

export function attachmentOperations(s: Statements): AttachmentsTx {
  return {
    putAttachment: (a) => {
      s.run(
        `INSERT OR REPLACE INTO attachments (direction, peer_id, id, message_conversation_id, message_sender, message_id,
           manifest, size, chunks, received_chunks, state, error, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ...[
          a.direction,
          a.peerId,
          a.id,
          a.message.conversationId,
          a.message.sender,
          a.message.id,
          a.manifest,
        ],
        ...[a.size, a.chunks, a.receivedChunks, a.state, a.error, a.createdAt, a.updatedAt],
      );
    },
    getAttachment: (direction, peerId, id) => {
      const r = s.get(
        'SELECT * FROM attachments WHERE direction = ? AND peer_id = ? AND id = ?',
        direction,
        peerId,
        id,
      );
      return r === undefined ? undefined : toAttachment(r);
    },
    findAttachments: (peerId, id) =>
      s.all(`SELECT * FROM attachments WHERE id = ? AND peer_id = ? ${ORDER}`, id, peerId).map(toAttachment),
    listAttachments: (state) =>
      (state === undefined
        ? s.all(`SELECT * FROM attachments ${ORDER}`)
        : s.all(`SELECT * FROM attachments WHERE state = ? ${ORDER}`, state)
      ).map(toAttachment),
    deleteAttachment: (direction, peerId, id) =>
      void s.run(
        'DELETE FROM attachments WHERE direction = ? AND peer_id = ? AND id = ?',
        direction,
        peerId,
        id,
      ),
  };
}
