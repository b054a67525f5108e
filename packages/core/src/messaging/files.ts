/**
 * What every conversation shares about a file's manifest (docs/PROTOCOL.md "Attachments"): the
 * name made safe, what a message shows of it, the manifest sealed at rest, and the record of an
 * incoming file. Here, below attachments/ and groups/, because a 1:1 message and a group message
 * carry the same manifest (attachments/receive.ts, groups/inbox.ts).
 */
import { decodeFileKey, fileChunkCount } from '@parley/crypto';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { AttachmentRecord, AttachmentsTx, MessageKey } from '../ports/index.ts';
import type { StoredAttachment } from '../views/index.ts';
import type { FileManifest } from '../wire/index.ts';

/** Makes a peer's file name safe to show and to use as a file name: no paths, no control characters. */
export function sanitizeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const clean = base
    // Control characters, and format characters such as U+202E (a right-to-left override can make
    // "invoice\u202Efdp.exe" look like "invoiceexe.pdf").
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .normalize('NFC');
  // Truncate by code point (never leaving half a surrogate pair) to at most 200 UTF-8 bytes.
  const points = [...clean];
  while (utf8(points.join('')).length > 200) points.pop();
  const out = points.join('');
  return out.length === 0 ? 'attachment' : out;
}

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

const manifestLabel = (r: Pick<AttachmentRecord, 'direction' | 'peerId' | 'id'>): string =>
  `attachment:${r.direction}:${r.peerId}:${r.id}`;

export function sealManifest(
  ctx: Ctx,
  r: Pick<AttachmentRecord, 'direction' | 'peerId' | 'id'>,
  m: FileManifest,
): Uint8Array {
  const json = { ...m, key: toBase64Url(m.key), thumbnail: undefined, waveform: undefined };
  return ctx.account.vault.seal(manifestLabel(r), utf8(JSON.stringify(json)));
}

export function openManifest(ctx: Ctx, r: AttachmentRecord): FileManifest & { key: Uint8Array } {
  const json = JSON.parse(fromUtf8(ctx.account.vault.open(manifestLabel(r), r.manifest))) as FileManifest & {
    key: string;
  };
  return { ...json, key: fromBase64Url(json.key) };
}

/**
 * Stores the record of a file we send and serve ourselves (a group message's, a channel post's),
 * whole and `available` from the start: `peerId` names the group or channel, `message` the
 * message or post that carries it.
 */
export function storeOwnFile(
  ctx: Ctx,
  tx: AttachmentsTx,
  file: { readonly peerId: string; readonly message: MessageKey; readonly manifest: FileManifest },
): void {
  const { peerId, message, manifest: m } = file;
  const chunks = fileChunkCount(m.size, decodeFileKey(m.key).chunkSize);
  const now = ctx.now();
  const record: AttachmentRecord = {
    id: m.id,
    direction: 'out',
    peerId,
    message,
    manifest: new Uint8Array(0),
    size: m.size,
    chunks,
    receivedChunks: chunks,
    state: 'available',
    error: null,
    createdAt: now,
    updatedAt: now,
  };
  tx.putAttachment({ ...record, manifest: sealManifest(ctx, record, m) });
}

/**
 * Stores the record of a file that arrived in `message` (once: undefined if it is already there):
 * fetched from `peerId` — `direction` 'out' for our own file told by our other device, fetched
 * from one of ours. Small ones are `downloading` (the caller starts them after commit), larger
 * ones `offered`, ones over the limit `failed`.
 */
export function storeIncomingFile(
  ctx: Ctx,
  tx: AttachmentsTx,
  file: {
    readonly direction: AttachmentRecord['direction'];
    readonly peerId: string;
    readonly message: MessageKey;
    readonly manifest: FileManifest;
  },
): AttachmentRecord | undefined {
  const { direction, peerId, message, manifest: m } = file;
  if (tx.getAttachment(direction, peerId, m.id)) return undefined;
  const now = ctx.now();
  const tooLarge = m.size > ctx.limits.attachmentMaxBytes;
  const record: AttachmentRecord = {
    id: m.id,
    direction,
    peerId,
    message,
    manifest: new Uint8Array(0),
    size: m.size,
    chunks: fileChunkCount(m.size, decodeFileKey(m.key).chunkSize),
    receivedChunks: 0,
    state: tooLarge ? 'failed' : m.size <= ctx.limits.autoDownloadMaxBytes ? 'downloading' : 'offered',
    error: tooLarge ? `larger than the ${ctx.limits.attachmentMaxBytes}-byte limit for attachments` : null,
    createdAt: now,
    updatedAt: now,
  };
  const name = sanitizeFileName(m.name);
  const sealed = { ...record, manifest: sealManifest(ctx, record, { ...m, name }) };
  tx.putAttachment(sealed);
  return sealed;
}
