/**
 * Attachments (photos, videos, files, voice messages), peer to peer.
 *
 * The sender encrypts the file with a fresh key (@parley/crypto's STREAM
 * file encryption) into a blob of sealed chunks, and sends the manifest (name,
 * type, size, SHA-256, key) inside an ordinary ratchet message. The receiver
 * pulls the sealed chunks over `/parley/file/1.0.0` (attachments/downloads.ts), verifies
 * each one as it arrives (a tampered, truncated or reordered chunk is rejected
 * and fetched again), keeps them encrypted at rest, resumes after any
 * disconnect or restart from the last durable chunk, and finally checks the
 * whole file's hash. Memory is bounded by a few blocks of chunks (about 1 MiB
 * a side per transfer), whatever the file size.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  createFileKey,
  decodeFileKey,
  encodeFileKey,
  type FileKey,
  fileChunkCount,
  openChunk,
  sealChunk,
} from '@parley/crypto';
import { CoreError, toHex, utf8 } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { ownerOf } from '../devices/index.ts';
import { openManifest } from '../messaging/index.ts';
import type { AttachmentRecord, AttachmentsTx, BlobStore, FileRequest, StoreTx } from '../ports/index.ts';

// (the manifest's parts every conversation shares live in messaging/files.ts)
export { openManifest, sanitizeFileName, sealManifest, shownAttachment } from '../messaging/index.ts';

/** Largest attachment sent or accepted unless configured otherwise: 2 GiB. */
export const ATTACHMENT_MAX_BYTES_DEFAULT: number = 2 * 1024 ** 3;
/** Received attachments up to this size download by themselves; larger ones wait for the user. */
export const AUTO_DOWNLOAD_MAX_BYTES: number = 16 * 1024 ** 2;
/** Chunks the sender reads from its blob in one call (512 KiB at 64 KiB chunks). */
export const READ_BLOCK_CHUNKS = 8;
/** Blocks the sender reads ahead of the network (bounds memory: 2 × 512 KiB per transfer). */
export const READ_AHEAD_BLOCKS = 2;
/** The sender reports its progress every this many chunks (4 MiB). */
const SERVE_PROGRESS_EVERY_CHUNKS = 64;
const TAG_BYTES = 16;

/** A file to send: its bytes are read chunk by chunk, never all at once. */
export interface FileSource {
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface SendFileExtras {
  readonly caption?: string;
  readonly thumbnail?: Uint8Array;
  readonly durationMs?: number;
  readonly waveform?: Uint8Array;
}

/** Our own files: `out-<id>` (ids are ours, random). */
export const outBlobName = (id: string): string => `out-${id}`;

/**
 * A received file: `in-<tag>-<id>`, the tag a keyed hash of the sender's PeerId (HMAC-SHA256 under
 * a vault key, 8 bytes), so that two senders' ids never meet and the folder's file names say
 * nothing about who sent what to someone who holds a list of PeerIds (an unkeyed hash did).
 */
export function inBlobName(ctx: Ctx, peerId: string, id: string): string {
  return `in-${toHex(ctx.primitives.hmacSha256(blobNameKey(ctx), utf8(peerId)).subarray(0, 8))}-${id}`;
}

const blobNameKeys = new WeakMap<Ctx['account'], Uint8Array>();
function blobNameKey(ctx: Ctx): Uint8Array {
  let key = blobNameKeys.get(ctx.account);
  if (!key) {
    key = ctx.account.vault.deriveKey('blob-names');
    blobNameKeys.set(ctx.account, key);
  }
  return key;
}

/** Before page encryption, an unkeyed hash: still read, and still resumed into, where such a file exists. */
const legacyInBlobName = (peerId: string, id: string): string =>
  `in-${toHex(sha256(utf8(peerId)).subarray(0, 8))}-${id}`;

/** Where a record's bytes are: its file under today's name, or under the name of before page encryption. */
export async function blobNameOf(
  ctx: Ctx,
  blobs: BlobStore,
  record: Pick<AttachmentRecord, 'direction' | 'peerId' | 'id'>,
): Promise<string> {
  if (record.direction === 'out') return outBlobName(record.id);
  const name = inBlobName(ctx, record.peerId, record.id);
  if ((await blobs.size(name)) > 0) return name;
  const legacy = legacyInBlobName(record.peerId, record.id);
  return (await blobs.size(legacy)) > 0 ? legacy : name;
}

/** Bytes of a sealed chunk (all but the last): chunk size + tag. */
export const sealedSize = (fk: FileKey): number => fk.chunkSize + TAG_BYTES;

/** Encrypts `source` into the outgoing blob, chunk by chunk; returns the manifest fields. */
export async function encryptFile(
  ctx: Ctx,
  blobs: BlobStore,
  id: string,
  source: FileSource,
  progress: (done: number) => void,
): Promise<{ key: Uint8Array; sha256: string }> {
  const fk = createFileKey(ctx.random);
  const name = outBlobName(id);
  const hash = ctx.primitives.sha256Hasher();
  const chunks = fileChunkCount(source.size, fk.chunkSize);
  for (let i = 0; i < chunks; i++) {
    const length = i === chunks - 1 ? source.size - i * fk.chunkSize : fk.chunkSize;
    const plain = await source.read(i * fk.chunkSize, length);
    if (plain.length !== length)
      throw new CoreError('bad-input', `${source.name} changed while it was being sent`);
    hash.update(plain);
    await blobs.write(name, i * sealedSize(fk), sealChunk(fk, i, plain, i === chunks - 1, ctx.primitives));
    progress(i * fk.chunkSize + length);
  }
  await blobs.flush(name);
  return { key: encodeFileKey(fk), sha256: toHex(hash.digest()) };
}

/**
 * `/parley/file/1.0.0` server: only the peer the file was sent to gets its chunks. `shared` finds
 * a file sent to several people at once that `peer` is one of (a group's: groups/files.ts), and
 * names its conversation.
 */
export function serveFile(
  ctx: Ctx,
  blobs: BlobStore,
  peer: string,
  request: FileRequest,
  shared?: {
    find(tx: StoreTx, peer: string, fileId: string): AttachmentRecord | undefined;
    /** Its conversation's name, told in progress events (the group's). */
    name(record: AttachmentRecord): string | undefined;
  },
): AsyncIterable<Uint8Array> | undefined {
  const record = ctx.store.transaction((tx) => {
    const sent = tx.getAttachment('out', peer, request.fileId) ?? shared?.find(tx, peer, request.fileId);
    if (sent) return sent;
    // A file sent to a person may be fetched by any device of theirs (docs/MULTI-DEVICE.md).
    const owner = ownerOf(ctx, tx, peer);
    if (owner?.kind === 'contact' && owner.linked)
      return tx.getAttachment('out', owner.contact.peerId, request.fileId);
    // Our own new device, fetching the history's files: any file we hold whole.
    if (owner?.kind !== 'self') return undefined;
    return tx
      .listAttachments()
      .find((a) => a.id === request.fileId && (a.state === 'available' || a.state === 'done'));
  });
  const whole = record?.state === 'available' || record?.state === 'done';
  if (!record || !whole || request.fromChunk >= record.chunks) return undefined;
  const fk = decodeFileKey(openManifest(ctx, record).key);
  const blobName = blobNameOf(ctx, blobs, record);
  const contact =
    shared?.name(record) ?? ctx.store.transaction((tx) => tx.getContactByPeerId(peer))?.name ?? peer;
  const progress = (chunk: number): void =>
    ctx.events.emit('attachment', {
      id: record.id,
      direction: 'out',
      contact,
      state: 'available',
      transferred: Math.min(record.size, chunk * fk.chunkSize),
      size: record.size,
      error: null,
    });
  const sealed = sealedSize(fk);
  return (async function* () {
    // Read a block of chunks per call, a block or two ahead, so the disk is not idle while the
    // network sends (bounded memory). Chunks are views into the block, which is never reused.
    const reads: Array<Promise<Uint8Array>> = [];
    let ahead = request.fromChunk;
    const fill = (): void => {
      while (ahead < record.chunks && reads.length < READ_AHEAD_BLOCKS) {
        const count = Math.min(READ_BLOCK_CHUNKS, record.chunks - ahead);
        const offset = ahead * sealed;
        const read = blobName.then((name) => blobs.read(name, offset, count * sealed));
        read.catch(() => undefined); // awaited in order below
        reads.push(read);
        ahead += count;
      }
    };
    try {
      for (let i = request.fromChunk; i < record.chunks; ) {
        fill();
        const block = await (reads.shift() as Promise<Uint8Array>);
        fill();
        const end = Math.min(i + READ_BLOCK_CHUNKS, record.chunks);
        for (let at = 0; i < end; i++, at += sealed) {
          yield block.subarray(at, at + sealed);
          if ((i + 1) % SERVE_PROGRESS_EVERY_CHUNKS === 0 || i + 1 === record.chunks) progress(i + 1);
        }
      }
    } finally {
      await Promise.allSettled(reads); // the requester went away: let pending reads finish quietly
    }
  })();
}

export function updateAttachment(
  tx: AttachmentsTx,
  record: AttachmentRecord,
  patch: Partial<Pick<AttachmentRecord, 'receivedChunks' | 'state' | 'error'>>,
  now: number,
): AttachmentRecord {
  const current = tx.getAttachment(record.direction, record.peerId, record.id) ?? record;
  const updated = { ...current, ...patch, updatedAt: now };
  tx.putAttachment(updated);
  return updated;
}

/** Decrypts a stored attachment chunk by chunk into `sink`. */
export async function decryptFile(
  ctx: Ctx,
  blobs: BlobStore,
  record: AttachmentRecord,
  sink: (bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const ready = record.direction === 'out' ? record.state === 'available' : record.state === 'done';
  if (!ready) throw new CoreError('not-allowed', 'this attachment has not been downloaded yet');
  const fk = decodeFileKey(openManifest(ctx, record).key);
  const name = await blobNameOf(ctx, blobs, record);
  for (let i = 0; i < record.chunks; i++) {
    const sealed = await blobs.read(name, i * sealedSize(fk), sealedSize(fk));
    await sink(openChunk(fk, i, sealed, i === record.chunks - 1, ctx.primitives));
  }
}
