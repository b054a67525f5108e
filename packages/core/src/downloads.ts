/**
 * Runs incoming attachment downloads: at most one per attachment, several in
 * parallel, resumed when the sender comes back online and at start-up.
 */
import { type AttachmentProgress, downloadFile } from './attachments.ts';
import type { BlobStore } from './blob-store.ts';
import type { Ctx } from './context.ts';
import type { AttachmentRecord } from './store.ts';

/** Downloads running at once (each holds one chunk in memory). */
export const DOWNLOADS_MAX_PARALLEL = 4;

const keyOf = (r: Pick<AttachmentRecord, 'peerId' | 'id'>): string => `${r.peerId}/${r.id}`;

export class Downloads {
  readonly #ctx: Ctx;
  readonly #blobs: BlobStore;
  readonly #active = new Map<string, AbortController>();
  readonly #waiting: AttachmentRecord[] = [];

  constructor(ctx: Ctx, blobs: BlobStore) {
    this.#ctx = ctx;
    this.#blobs = blobs;
  }

  /** Starts (or queues) the download of each record that is `downloading`. */
  start(records: readonly AttachmentRecord[]): void {
    for (const r of records) {
      if (
        r.state !== 'downloading' ||
        this.#active.has(keyOf(r)) ||
        this.#waiting.some((w) => keyOf(w) === keyOf(r))
      )
        continue;
      this.#waiting.push(r);
    }
    this.#pump();
  }

  /** Resumes every unfinished download (of one peer, or all). */
  resume(peerId?: string): void {
    const pending = this.#ctx.store.transaction((tx) => tx.listAttachments('downloading'));
    this.start(pending.filter((r) => r.direction === 'in' && (peerId === undefined || r.peerId === peerId)));
  }

  cancel(record: AttachmentRecord): void {
    this.#active.get(keyOf(record))?.abort();
    const i = this.#waiting.findIndex((w) => keyOf(w) === keyOf(record));
    if (i >= 0) this.#waiting.splice(i, 1);
  }

  stop(): void {
    for (const c of this.#active.values()) c.abort();
    this.#waiting.length = 0;
  }

  #pump(): void {
    while (this.#active.size < DOWNLOADS_MAX_PARALLEL && this.#waiting.length > 0) {
      const record = this.#waiting.shift() as AttachmentRecord;
      const controller = new AbortController();
      this.#active.set(keyOf(record), controller);
      void downloadFile(this.#ctx, this.#blobs, record, controller.signal, { progress: (r) => this.#emit(r) })
        .catch((error: unknown) => {
          this.#ctx.events.emit('problem', {
            code: 'download',
            message: `download failed: ${String(error)}`,
          });
        })
        .finally(() => {
          this.#active.delete(keyOf(record));
          this.#pump();
        });
    }
  }

  #emit(r: AttachmentRecord): void {
    this.#ctx.events.emit('attachment', progressOf(this.#ctx, r));
  }
}

export function progressOf(ctx: Ctx, r: AttachmentRecord): AttachmentProgress {
  const contact = ctx.store.transaction((tx) => tx.getContactByPeerId(r.peerId));
  const transferred =
    r.receivedChunks >= r.chunks ? r.size : Math.round((r.receivedChunks / Math.max(r.chunks, 1)) * r.size);
  return {
    id: r.id,
    direction: r.direction,
    contact: contact?.name ?? r.peerId,
    state: r.state,
    transferred,
    size: r.size,
    error: r.error,
  };
}
