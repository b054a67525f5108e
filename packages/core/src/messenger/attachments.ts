/** The messenger's attachment methods (see attachments/attachments.ts for the transfer itself). */

import { decodeFileKey, fileChunkCount } from '@parley/crypto';
import {
  type Downloads,
  decryptFile,
  encryptFile,
  type FileSource,
  openManifest,
  outBlobName,
  progressOf,
  type SendFileExtras,
  sanitizeFileName,
  sealManifest,
  updateAttachment,
} from '../attachments/index.ts';
import { CoreError, toBase64Url } from '../base/index.ts';
import { findContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import { checkCanSend, compose } from '../messaging/index.ts';
import type { AttachmentRecord, BlobStore, MessageRecord } from '../ports/index.ts';
import {
  type AttachmentProgress,
  type MessageView,
  messageView,
  type StoredAttachment,
} from '../views/index.ts';
import { type FileManifest, newMessageId } from '../wire/index.ts';

/** What the Messenger offers for files: sending, downloading, cancelling, reading. */
export interface AttachmentMethods {
  /** Encrypts and sends a file (read chunk by chunk); resolves once it is queued. */
  sendFile(contact: string, source: FileSource, extras?: SendFileExtras): Promise<MessageView>;
  /**
   * Attachments are named by the contact of their conversation and their id: the sender chose the
   * id, so another contact can name it too, and it is looked up only among `contact`'s files.
   *
   * Starts (or resumes) downloading an incoming attachment the user asked for.
   */
  downloadAttachment(contact: string, id: string): AttachmentProgress;
  cancelAttachment(contact: string, id: string): AttachmentProgress;
  attachment(contact: string, id: string): AttachmentProgress & { name: string; mime: string };
  /** Decrypts a stored attachment into `sink`, chunk by chunk. */
  saveAttachment(
    contact: string,
    id: string,
    sink: (bytes: Uint8Array) => Promise<void>,
  ): Promise<{ name: string; size: number }>;
}

export function attachmentMethods(
  ctx: Ctx,
  deps: { readonly blobs: BlobStore; readonly downloads: Downloads; readonly kick: (peerId: string) => void },
): AttachmentMethods {
  const { store, events } = ctx;
  const { blobs, downloads } = deps;
  const withContact = <T>(name: string, fn: (c: ReturnType<typeof findContact>) => T): T =>
    fn(store.transaction((tx) => findContact(tx, name)));
  /** Only among the files exchanged with this contact: any contact can name any id in its manifests. */
  const find = (name: string, id: string, direction?: 'in'): AttachmentRecord => {
    const { contact, records } = store.transaction((tx) => {
      const c = findContact(tx, name);
      return { contact: c, records: tx.findAttachments(c.peerId, id) };
    });
    const record = records.find((r) => direction === undefined || r.direction === direction);
    if (!record)
      throw new CoreError(
        'unknown-message',
        `no ${direction === 'in' ? 'received ' : ''}attachment ${id} in the conversation with ${contact.name}`,
      );
    return record;
  };

  return {
    async sendFile(name, source, extras = {}) {
      const contact = withContact(name, (c) => c);
      checkCanSend(contact);
      // They could not fetch it: a member we know only through a group is admitted on /parley/msg alone.
      if (contact.state === 'introduced')
        throw new CoreError(
          'not-allowed',
          `you know ${contact.name} only through a group; accept an invite from them to send them files`,
        );
      if (source.size > ctx.limits.attachmentMaxBytes) {
        throw new CoreError(
          'message-too-large',
          `files up to ${ctx.limits.attachmentMaxBytes} bytes can be sent; this one has ${source.size}`,
        );
      }
      const id = newMessageId(ctx);
      const progress = (done: number): void =>
        events.emit('attachment', {
          id,
          direction: 'out',
          contact: contact.name,
          state: 'encrypting',
          transferred: done,
          size: source.size,
          error: null,
        });
      const { key, sha256: hash } = await encryptFile(ctx, blobs, id, source, progress).catch(
        async (error: unknown) => {
          await blobs.delete(outBlobName(id)).catch(() => undefined); // no orphaned half-encrypted copy
          throw error;
        },
      );
      const manifest: FileManifest = {
        id,
        name: sanitizeFileName(source.name),
        mime: source.mime,
        size: source.size,
        sha256: hash,
        key,
        ...extras,
      };
      const record = store.transaction((tx) => {
        const c = findContact(tx, name);
        const shown = storedAttachment(manifest);
        const composed = compose(
          ctx,
          tx,
          c,
          { kind: 'attachment', ...manifest },
          { text: extras.caption ?? '', attachment: shown },
        );
        const m = composed.record as MessageRecord;
        const base: AttachmentRecord = {
          id,
          direction: 'out',
          peerId: c.peerId,
          message: { conversationId: m.conversationId, sender: 'self', id: m.id },
          manifest: new Uint8Array(0),
          size: source.size,
          chunks: fileChunkCount(source.size, decodeFileKey(key).chunkSize),
          receivedChunks: 0,
          state: 'available',
          error: null,
          createdAt: ctx.now(),
          updatedAt: ctx.now(),
        };
        tx.putAttachment({
          ...base,
          receivedChunks: base.chunks,
          manifest: sealManifest(ctx, base, manifest),
        });
        return m;
      });
      deps.kick(contact.peerId);
      const view = store.transaction((tx) => messageView(tx, ctx.account.vault, contact, record));
      events.emit('message', view);
      return view;
    },
    downloadAttachment(name, id) {
      const record = find(name, id, 'in');
      if (record.state === 'done') return progressOf(ctx, record);
      const updated = store.transaction((tx) =>
        updateAttachment(tx, record, { state: 'downloading', error: null }, ctx.now()),
      );
      downloads.start([updated]);
      return progressOf(ctx, updated);
    },
    cancelAttachment(name, id) {
      const record = find(name, id);
      downloads.cancel(record);
      const updated = store.transaction((tx) =>
        updateAttachment(tx, record, { state: 'cancelled' }, ctx.now()),
      );
      events.emit('attachment', progressOf(ctx, updated));
      return progressOf(ctx, updated);
    },
    attachment(name, id) {
      const record = find(name, id);
      const m = openManifest(ctx, record);
      return { ...progressOf(ctx, record), name: m.name, mime: m.mime };
    },
    async saveAttachment(name, id, sink) {
      const record = find(name, id);
      await decryptFile(ctx, blobs, record, sink);
      return { name: openManifest(ctx, record).name, size: record.size };
    },
  };
}

function storedAttachment(m: FileManifest): StoredAttachment {
  return {
    id: m.id,
    name: m.name,
    mime: m.mime,
    size: m.size,
    ...(m.durationMs === undefined ? {} : { durationMs: m.durationMs }),
    ...(m.waveform ? { waveform: toBase64Url(m.waveform) } : {}),
    ...(m.thumbnail ? { thumbnail: toBase64Url(m.thumbnail) } : {}),
  };
}
