/**
 * Runs incoming attachment downloads: at most one per attachment, several in
 * parallel, resumed when the sender comes back online and at start-up.
 *
 * One download is a pipeline: the network (a queue in the transport) →
 * verify each chunk (STREAM AEAD) → hash the plaintext → write the sealed
 * chunks in batches → make progress durable every few MiB (PROGRESS_*). The
 * disk never holds up the network: a few batches may wait for the disk while
 * the next one fills, and the fsync + database save of a checkpoint run in
 * the background (a checkpoint that comes due while the previous one still
 * runs is skipped).
 */
import { decodeFileKey, FileError, openChunk, type Sha256Hasher } from '@parley/crypto';
import { toHex } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { ownTargets } from '../devices/index.ts';
import { type AttachmentRecord, type BlobStore, TransportError } from '../ports/index.ts';
import type { AttachmentProgress } from '../views/index.ts';
import { blobNameOf, openManifest, sealedSize, updateAttachment } from './attachments.ts';
import { InlineChunks } from './inline.ts';

/**
 * Progress is made durable (fsync + database) at most every this many chunks
 * (4 MiB), and at least every PROGRESS_MAX_CHUNKS: what a restart re-fetches.
 */
export const PROGRESS_EVERY_CHUNKS = 64;
/**
 * ...but not more often than this: each checkpoint commits the database
 * (an fsync on the event loop), so a fast transfer saves a few times a second
 * rather than every 4 MiB.
 */
export const PROGRESS_MIN_INTERVAL_MS = 250;
/** A checkpoint is due after this many chunks (64 MiB) whatever the clock says. */
export const PROGRESS_MAX_CHUNKS = 1024;
/** Verified chunks written to the blob in one call (512 KiB at 64 KiB chunks). */
export const WRITE_BATCH_CHUNKS = 8;
/** Batches that may wait for the disk before the download waits too (bounds memory: 2 × 512 KiB). */
export const WRITE_BATCHES_IN_FLIGHT = 2;
/** A chunk that fails verification this many times fails the download. */
export const CHUNK_MAX_FAILURES = 3;

/** Downloads running at once (each holds up to WRITE_BATCHES_IN_FLIGHT + 1 write batches in memory). */
export const DOWNLOADS_MAX_PARALLEL = 4;
/** Downloads remembered with another source than their sender (history files), at most. */
const SOURCES_MAX = 100_000;

const keyOf = (r: Pick<AttachmentRecord, 'peerId' | 'id'>): string => `${r.peerId}/${r.id}`;

export class Downloads {
  readonly #ctx: Ctx;
  readonly #blobs: BlobStore;
  readonly #active = new Map<string, AbortController>();
  readonly #waiting: AttachmentRecord[] = [];
  /** Downloads fetched from another peer than their record's: history files from our own device. */
  readonly #sources = new Map<string, string>();
  /** Chunks that came inline through a mailbox (inline.ts), used instead of fetching. */
  readonly #inline = new InlineChunks();

  /** The name of a record's conversation when it is not its peer's (a group's file). */
  readonly #conversationName: ConversationName | undefined;

  constructor(ctx: Ctx, blobs: BlobStore, conversationName?: ConversationName) {
    this.#ctx = ctx;
    this.#blobs = blobs;
    this.#conversationName = conversationName;
  }

  /** Starts (or queues) the download of each record that is `downloading`. */
  start(records: readonly AttachmentRecord[], from?: string): void {
    for (const r of records) {
      // (in memory: after a restart the file is fetched from its sender, who serves our devices)
      if (from !== undefined) {
        this.#sources.set(keyOf(r), from);
        if (this.#sources.size > SOURCES_MAX)
          this.#sources.delete(this.#sources.keys().next().value as string);
      }
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
    // (our own files from our other devices: when any of ours connects)
    const own = new Set(this.#ctx.store.transaction((tx) => ownTargets(this.#ctx, tx).map((t) => t.peerId)));
    this.start(
      pending.filter((r) =>
        r.direction === 'in'
          ? peerId === undefined || r.peerId === peerId || sourceOf(this.#ctx, r) === peerId
          : peerId === undefined || own.has(peerId),
      ),
      peerId !== undefined && own.has(peerId) ? peerId : undefined,
    );
  }

  /** One of our other devices (where our own files come from when the one that had it is unknown). */
  #anyOwnDevice(): string | undefined {
    const own = this.#ctx.store.transaction((tx) => ownTargets(this.#ctx, tx));
    return (own.find((t) => this.#ctx.transport.isConnected(t.peerId)) ?? own[0])?.peerId;
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

  /** A sealed chunk of `peerId`'s file that came inline through a mailbox (verified when used). */
  offerInline(peerId: string, fileId: string, index: number, chunk: Uint8Array): void {
    this.#inline.add(peerId, fileId, index, chunk);
  }

  #pump(): void {
    while (this.#active.size < DOWNLOADS_MAX_PARALLEL && this.#waiting.length > 0) {
      const record = this.#waiting.shift() as AttachmentRecord;
      const controller = new AbortController();
      this.#active.set(keyOf(record), controller);
      void downloadFile(this.#ctx, this.#blobs, record, controller.signal, {
        progress: (r) => this.#emit(r),
        cached: (r, from) => this.#inline.get(r.peerId, r.id, from, r.chunks),
        source: (r) =>
          this.#sources.get(keyOf(r)) ??
          sourceOf(this.#ctx, r) ??
          (r.direction === 'out' ? this.#anyOwnDevice() : undefined),
      })
        .catch((error: unknown) => {
          this.#ctx.events.emit('problem', {
            code: 'download',
            message: `download failed: ${String(error)}`,
          });
        })
        .finally(() => {
          this.#active.delete(keyOf(record));
          this.#inline.delete(record.peerId, record.id);
          this.#pump();
        });
    }
  }

  #emit(r: AttachmentRecord): void {
    this.#ctx.events.emit('attachment', progressOf(this.#ctx, r, this.#conversationName?.(r)));
  }
}

/**
 * The device a file comes from when its manifest names one (a channel post's file: the posting
 * device, channels/post-file.ts), rather than the record's peer (there, the channel's id).
 */
function sourceOf(ctx: Ctx, r: AttachmentRecord): string | undefined {
  if (r.direction !== 'in') return undefined;
  try {
    const source = (openManifest(ctx, r) as { source?: unknown }).source;
    return typeof source === 'string' ? source : undefined;
  } catch {
    return undefined;
  }
}

/** Names the conversation of a file, when it is not the contact it came from or went to (a group). */
export type ConversationName = (record: AttachmentRecord) => string | undefined;

/** `conversation`: the conversation's name when not the record's peer's (a group's file). */
export function progressOf(ctx: Ctx, r: AttachmentRecord, conversation?: string): AttachmentProgress {
  const contact =
    conversation === undefined ? ctx.store.transaction((tx) => tx.getContactByPeerId(r.peerId)) : undefined;
  const transferred =
    r.receivedChunks >= r.chunks ? r.size : Math.round((r.receivedChunks / Math.max(r.chunks, 1)) * r.size);
  return {
    id: r.id,
    direction: r.direction,
    contact: conversation ?? contact?.name ?? r.peerId,
    state: r.state,
    transferred,
    size: r.size,
    error: r.error,
  };
}

export interface DownloadHooks {
  progress(record: AttachmentRecord): void;
  /** The chunks from `from` on if they are at hand (inline through a mailbox), else undefined. */
  cached?(record: AttachmentRecord, from: number): Iterable<Uint8Array> | undefined;
  /** Whom to fetch from, if not the record's peer (a history file: our device that sent the history). */
  source?(record: AttachmentRecord): string | undefined;
}

/**
 * Fetches (or resumes) one incoming attachment until done, failed, or the
 * peer goes away (then it stays `downloading` and resumes later).
 */
export async function downloadFile(
  ctx: Ctx,
  blobs: BlobStore,
  record: AttachmentRecord,
  signal: AbortSignal,
  hooks: DownloadHooks,
): Promise<void> {
  const manifest = openManifest(ctx, record);
  const fk = decodeFileKey(manifest.key);
  const name = await blobNameOf(ctx, blobs, record);
  let next = record.receivedChunks;
  let failures = 0;
  await blobs.write(name, next * sealedSize(fk), new Uint8Array(0)); // drop any chunk that was not made durable
  /** Makes `count` chunks durable; `state` undefined keeps the stored state (e.g. the user cancelled). */
  const save = async (
    count: number,
    state?: AttachmentRecord['state'],
    error: string | null = null,
  ): Promise<void> => {
    await blobs.flush(name);
    const patch = state === undefined ? { receivedChunks: count } : { receivedChunks: count, state, error };
    hooks.progress(ctx.store.transaction((tx) => updateAttachment(tx, record, patch, ctx.now())));
  };
  const sink = createChunkSink(blobs, name, sealedSize(fk), next, (count) => save(count));
  let checkpointAt = { chunk: next, ms: ctx.now() };
  const checkpointDue = (): boolean =>
    next % PROGRESS_EVERY_CHUNKS === 0 &&
    (ctx.now() - checkpointAt.ms >= PROGRESS_MIN_INTERVAL_MS ||
      next - checkpointAt.chunk >= PROGRESS_MAX_CHUNKS);
  // The whole-file hash: computed on the fly when the download runs from chunk 0 without a break,
  // else (a resumed or retried download) in a second pass over the stored chunks.
  let running: { hash: Sha256Hasher; at: number } | undefined =
    next === 0 ? { hash: ctx.primitives.sha256Hasher(), at: 0 } : undefined;
  while (next < record.chunks) {
    try {
      const source =
        hooks.cached?.(record, next) ??
        ctx.transport.fetchFile(
          hooks.source?.(record) ?? record.peerId,
          { fileId: record.id, fromChunk: next },
          { signal },
        );
      for await (const chunk of source) {
        const isFinal = next === record.chunks - 1;
        // Throws FileError if tampered, truncated or out of place.
        const plain = openChunk(fk, next, chunk, isFinal, ctx.primitives);
        // Hash as we go while the whole file arrives in one unbroken run from chunk 0.
        if (running && running.at === next) {
          running.hash.update(plain);
          running.at++;
        }
        next++;
        failures = 0; // the count is per chunk
        const room = sink.add(chunk);
        if (room) await room;
        if (checkpointDue() && sink.checkpoint(next)) checkpointAt = { chunk: next, ms: ctx.now() };
        if (next === record.chunks) break;
      }
      await sink.settle();
      if (next < record.chunks) throw new TransportError('unreachable', 'the transfer ended early');
    } catch (error) {
      let diskOk = true;
      next = await sink.settle().catch(() => {
        diskOk = false;
        return sink.written(); // what is on disk: the rest is fetched again when the download resumes
      });
      if (signal.aborted) return void (await save(next)); // cancelled or stopping: keep the state
      if (!diskOk) return void (await save(next, 'downloading')); // a write failed: resume later from here
      if (error instanceof FileError && ++failures < CHUNK_MAX_FAILURES) continue; // fetch it again
      if (error instanceof FileError) {
        return void (await save(next, 'failed', `chunk ${next} failed verification ${failures} times`));
      }
      if (error instanceof TransportError && error.code === 'refused') {
        return void (await save(next, 'failed', 'the sender no longer offers this file'));
      }
      await save(next, 'downloading'); // offline or stopped: resume later from here
      return;
    }
  }
  let hash = running?.at === record.chunks ? running.hash : undefined;
  if (!hash) {
    hash = ctx.primitives.sha256Hasher();
    for (let i = 0; i < record.chunks; i++) {
      const sealed = await blobs.read(name, i * sealedSize(fk), sealedSize(fk));
      hash.update(openChunk(fk, i, sealed, i === record.chunks - 1, ctx.primitives));
    }
  }
  running = undefined;
  if (toHex(hash.digest()) !== manifest.sha256) {
    await blobs.delete(name);
    await save(0, 'failed', 'the file does not match the hash its sender announced');
    return;
  }
  // Our own file fetched from our other device is ours to offer again, like one we encrypted here.
  await save(record.chunks, record.direction === 'out' ? 'available' : 'done');
}

/** Where the verified chunks of one download go (see createChunkSink). */
interface ChunkSink {
  /** Queues the next chunk; a promise (to await) when the consumer must wait for the disk. */
  add(chunk: Uint8Array): Promise<void> | undefined;
  /**
   * Makes the first `count` chunks durable in the background (once their
   * writes completed); false (nothing started) while the previous checkpoint runs.
   */
  checkpoint(count: number): boolean;
  /** Writes everything queued and waits for the checkpoint in progress; resolves to the chunks written. */
  settle(): Promise<number>;
  /** Chunks written so far (all writes before the first failure). */
  written(): number;
}

/**
 * Appends chunks from `first` on, in batches of WRITE_BATCH_CHUNKS (one blob
 * write each, one after the other). Up to WRITE_BATCHES_IN_FLIGHT batches may
 * wait for the disk before the consumer waits too: memory stays at that many
 * batches + the one filling. `durable(count)` (fsync + save) runs in the
 * background after the writes of the first `count` chunks completed; one at a
 * time, so they land in order.
 */
function createChunkSink(
  blobs: BlobStore,
  name: string,
  chunkBytes: number,
  first: number,
  durable: (count: number) => Promise<void>,
): ChunkSink {
  let parts: Uint8Array[] = [];
  let queuedFrom = first; // index of parts[0]
  let written = first;
  /** The last queued write (each starts when the one before it is done; a failure fails the rest). */
  let writing: Promise<void> = Promise.resolve();
  /** Queued writes not yet done, oldest first. */
  const flights: Array<Promise<void>> = [];
  let saving: Promise<void> = Promise.resolve();
  let savingNow = false;
  const quiet = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
    return p;
  };
  /** Queues the batch being filled behind the writes already queued. */
  const issue = (): void => {
    if (parts.length === 0) return;
    const batch = parts;
    const at = queuedFrom;
    parts = [];
    queuedFrom += batch.length;
    const done = quiet(
      writing
        .then(() => blobs.write(name, at * chunkBytes, batch))
        .then(() => {
          written = at + batch.length;
        }),
    );
    writing = done;
    flights.push(done);
    void done.then(
      () => flights.splice(flights.indexOf(done), 1),
      () => undefined, // a failed write stays: the consumer sees it when it waits
    );
  };
  /** Waits while too many writes are queued (rethrows a failed write). */
  const room = async (): Promise<void> => {
    while (flights.length > WRITE_BATCHES_IN_FLIGHT) await flights[0];
  };
  return {
    add(chunk) {
      parts.push(chunk);
      if (parts.length < WRITE_BATCH_CHUNKS) return undefined;
      issue();
      return flights.length > WRITE_BATCHES_IN_FLIGHT ? room() : undefined;
    },
    checkpoint(count) {
      if (savingNow) return false;
      savingNow = true;
      issue();
      saving = quiet(
        writing
          .then(() => durable(count))
          .finally(() => {
            savingNow = false;
          }),
      );
      return true;
    },
    async settle() {
      issue();
      await writing;
      await saving;
      return written;
    },
    written: () => written,
  };
}
