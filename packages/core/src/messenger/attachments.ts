/** The messenger's attachment methods (see attachments/attachments.ts for the transfer itself). */

import {
  type ConversationName,
  type Downloads,
  decryptFile,
  encryptFile,
  type FileSource,
  openManifest,
  outBlobName,
  progressOf,
  type SendFileExtras,
  sanitizeFileName,
  updateAttachment,
} from '../attachments/index.ts';
import { CoreError, toBase64Url } from '../base/index.ts';
import type { Channels } from '../channels/index.ts';
import { findContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import type { Groups, StoredGroup } from '../groups/index.ts';
import { checkCanSend, compose, storeOwnFile } from '../messaging/index.ts';
import type { AttachmentRecord, BlobStore, ContactRecord, MessageRecord, StoreTx } from '../ports/index.ts';
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
  deps: {
    readonly blobs: BlobStore;
    readonly downloads: Downloads;
    readonly kick: (peerId: string) => void;
    readonly groups: Groups;
    readonly channels: Pick<Channels, 'resolve' | 'post' | 'findFile' | 'channel' | 'nameOf'>;
    readonly groupFileName: ConversationName;
  },
): AttachmentMethods {
  const { store, events } = ctx;
  const { blobs, downloads, groups, channels } = deps;
  /** The contact `name` means, else the group, else the channel (contacts first); throws unknown-contact. */
  const target = (
    tx: StoreTx,
    name: string,
  ): { contact: ContactRecord } | { group: StoredGroup } | { channel: string } => {
    try {
      return { contact: findContact(tx, name) };
    } catch (error) {
      if (!(error instanceof CoreError && error.code === 'unknown-contact')) throw error;
      const group = groups.resolve(name, tx);
      if (group) return { group };
      const channel = channels.resolve(name, tx);
      if (channel) return { channel };
      throw error;
    }
  };
  /** Only among the files of this conversation: any contact (member) can name any id in its manifests. */
  const find = (name: string, id: string, direction?: 'in'): AttachmentRecord => {
    const { label, record } = store.transaction((tx) => {
      const t = target(tx, name);
      if ('channel' in t)
        return {
          label: `channel "${channels.nameOf(t.channel) ?? name}"`,
          record: channels.findFile(tx, t.channel, id, direction),
        };
      if ('group' in t)
        return {
          label: `group "${t.group.state.name}"`,
          record: groups.findFile(tx, t.group, id, direction),
        };
      // (not their files in a group: those are named by the group)
      const records = tx
        .findAttachments(t.contact.peerId, id)
        .filter((r) => tx.getConversation(r.message.conversationId)?.kind !== 'group');
      return {
        label: `the conversation with ${t.contact.name}`,
        record: records.find((r) => direction === undefined || r.direction === direction),
      };
    });
    if (!record)
      throw new CoreError(
        'unknown-message',
        `no ${direction === 'in' ? 'received ' : ''}attachment ${id} in ${label}`,
      );
    return record;
  };
  /** Encrypts the file into our blob; its manifest. */
  const encrypt = async (
    label: string,
    source: FileSource,
    extras: SendFileExtras,
  ): Promise<FileManifest> => {
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
        contact: label,
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
    return {
      id,
      name: sanitizeFileName(source.name),
      mime: source.mime,
      size: source.size,
      sha256: hash,
      key,
      ...extras,
    };
  };

  /** Encrypted and offered in a group or channel: the progress shown since the last `encrypting` event. */
  const offered = (manifest: FileManifest, contact: string): void =>
    events.emit('attachment', {
      id: manifest.id,
      direction: 'out',
      contact,
      state: 'available',
      transferred: manifest.size,
      size: manifest.size,
      error: null,
    });

  /**
   * A file posted in a channel (channels/publish.ts): encrypted once, its manifest in a signed post,
   * its chunks served by this device to the peers the channel admits. Checked before encrypting
   * (only its owner's and publishers' devices post), and again when the post is written.
   */
  const postFile = async (
    channel: string,
    source: FileSource,
    extras: SendFileExtras,
  ): Promise<MessageView> => {
    const c = channels.channel(channel);
    if (c.role === 'follower')
      throw new CoreError(
        'not-allowed',
        `followers cannot post in "${c.name}"; only its owner and publishers can`,
      );
    const { caption, ...rest } = extras;
    const manifest = await encrypt(c.name, source, rest);
    try {
      const view = channels.post(channel, caption ?? '', manifest);
      offered(manifest, c.name);
      return view;
    } catch (error) {
      await blobs.delete(outBlobName(manifest.id)).catch(() => undefined);
      throw error;
    }
  };

  return {
    async sendFile(name, source, extras = {}) {
      const t = store.transaction((tx) => target(tx, name));
      if ('channel' in t) return postFile(t.channel, source, extras);
      if ('group' in t) {
        // Checked before the file is encrypted; composeGroup checks again when it is sent.
        if (t.group.status !== 'active')
          throw new CoreError('not-allowed', `you are no longer a member of group "${t.group.state.name}"`);
        const manifest = await encrypt(t.group.state.name, source, extras);
        const g = store.transaction((tx) => groups.resolve(t.group.state.id, tx)) ?? t.group;
        try {
          const view = groups.sendFile(g, manifest);
          offered(manifest, g.state.name);
          return view;
        } catch (error) {
          await blobs.delete(outBlobName(manifest.id)).catch(() => undefined);
          throw error;
        }
      }
      const contact = t.contact;
      checkCanSend(contact);
      // They could not fetch it: a member we know only through a group is admitted on /parley/msg alone.
      if (contact.state === 'introduced')
        throw new CoreError(
          'not-allowed',
          `you know ${contact.name} only through a group; accept an invite from them to send them files`,
        );
      const manifest = await encrypt(contact.name, source, extras);
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
        const message = { conversationId: m.conversationId, sender: 'self', id: m.id };
        storeOwnFile(ctx, tx, { peerId: c.peerId, message, manifest });
        return m;
      });
      deps.kick(contact.peerId);
      const view = store.transaction((tx) => messageView(tx, ctx.account.vault, contact, record));
      events.emit('message', view);
      return view;
    },
    downloadAttachment(name, id) {
      const record = find(name, id, 'in');
      if (record.state === 'done') return progressOf(ctx, record, deps.groupFileName(record));
      const updated = store.transaction((tx) =>
        updateAttachment(tx, record, { state: 'downloading', error: null }, ctx.now()),
      );
      downloads.start([updated]);
      return progressOf(ctx, updated, deps.groupFileName(updated));
    },
    cancelAttachment(name, id) {
      const record = find(name, id);
      downloads.cancel(record);
      const updated = store.transaction((tx) =>
        updateAttachment(tx, record, { state: 'cancelled' }, ctx.now()),
      );
      events.emit('attachment', progressOf(ctx, updated, deps.groupFileName(updated)));
      return progressOf(ctx, updated, deps.groupFileName(updated));
    },
    attachment(name, id) {
      const record = find(name, id);
      const m = openManifest(ctx, record);
      return { ...progressOf(ctx, record, deps.groupFileName(record)), name: m.name, mime: m.mime };
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
