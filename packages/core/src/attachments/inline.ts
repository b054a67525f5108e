/**
 * Small attachments travel inline through mailboxes (issue 17): when a contact is away, the sealed
 * chunks of an attachment of at most INLINE_ATTACHMENT_MAX_BYTES go into the mailbox envelope
 * beside its manifest, and the recipient's download takes them from there instead of from the
 * sender (who may be gone by then). The chunks are the very bytes `/parley/file` would carry:
 * sealed with the file key, checked chunk by chunk and against the manifest's hash as usual.
 * Larger files are offered, and fetched when both are online.
 */
import { decodeFileKey } from '@parley/crypto';
import type { Ctx } from '../context/index.ts';
import type { BlobStore, MessageKey } from '../ports/index.ts';
import { openBody } from '../views/index.ts';
import { openManifest, outBlobName, sealedSize } from './attachments.ts';

/** Attachments up to this size travel inline in mailbox deposits. */
export const INLINE_ATTACHMENT_MAX_BYTES: number = 256 * 1024;
/** Inline chunks kept in memory for downloads about to start (oldest dropped beyond it). */
export const INLINE_CACHE_MAX_BYTES: number = 32 * 1024 * 1024;

/** The sealed chunks of an outgoing attachment, for inline delivery. */
export interface InlineFile {
  readonly fileId: string;
  readonly chunks: readonly Uint8Array[];
}

/**
 * For each of these messages to `peerId` that is an attachment small enough and ready, its
 * sealed chunks (keyed by message id). Messages that are not are simply absent.
 */
export async function inlineFiles(
  ctx: Ctx,
  blobs: BlobStore,
  peerId: string,
  keys: readonly MessageKey[],
): Promise<Map<string, InlineFile>> {
  const records = ctx.store.transaction((tx) =>
    keys.flatMap((k) => {
      const m = tx.getMessage(k);
      if (m?.kind !== 'attachment' || m.deletedAt !== null) return [];
      const id = openBody(ctx.account.vault, m).attachment?.id;
      const record = id === undefined ? undefined : tx.getAttachment('out', peerId, id);
      return record && record.state === 'available' && record.size <= INLINE_ATTACHMENT_MAX_BYTES
        ? [{ key: k, record }]
        : [];
    }),
  );
  const out = new Map<string, InlineFile>();
  for (const { key, record } of records) {
    const size = sealedSize(decodeFileKey(openManifest(ctx, record).key));
    const all = await blobs.read(outBlobName(record.id), 0, size * record.chunks);
    const chunks = Array.from({ length: record.chunks }, (_, i) => all.subarray(i * size, (i + 1) * size));
    out.set(key.id, { fileId: record.id, chunks });
  }
  return out;
}

/** Inline chunks received through a mailbox, waiting for their download (bounded, oldest out). */
export class InlineChunks {
  readonly #files = new Map<string, Array<Uint8Array | undefined>>();
  #bytes = 0;

  static key = (peerId: string, fileId: string): string => `${peerId}/${fileId}`;

  add(peerId: string, fileId: string, index: number, chunk: Uint8Array): void {
    if (chunk.length > INLINE_ATTACHMENT_MAX_BYTES) return;
    const key = InlineChunks.key(peerId, fileId);
    const file = this.#files.get(key) ?? [];
    this.#files.set(key, file);
    if (file[index] === undefined && index < INLINE_ATTACHMENT_MAX_BYTES / 1024) {
      file[index] = chunk.slice();
      this.#bytes += chunk.length;
    }
    for (const [k, f] of this.#files) {
      if (this.#bytes <= INLINE_CACHE_MAX_BYTES) break;
      this.#drop(k, f);
    }
  }

  /** Chunks `from`..`count - 1` of a file, if all of them are here. */
  get(peerId: string, fileId: string, from: number, count: number): Uint8Array[] | undefined {
    const file = this.#files.get(InlineChunks.key(peerId, fileId));
    if (!file) return undefined;
    const chunks = file.slice(from, count);
    return chunks.length === count - from && chunks.every((c) => c !== undefined)
      ? (chunks as Uint8Array[])
      : undefined;
  }

  delete(peerId: string, fileId: string): void {
    const key = InlineChunks.key(peerId, fileId);
    const file = this.#files.get(key);
    if (file) this.#drop(key, file);
  }

  #drop(key: string, file: Array<Uint8Array | undefined>): void {
    for (const c of file) this.#bytes -= c?.length ?? 0;
    this.#files.delete(key);
  }
}
