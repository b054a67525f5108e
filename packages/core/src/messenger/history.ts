/**
 * The new device's side of history transfer (devices/history.ts): fetches batches from the device
 * that approved it until the last, each stored with the cursor after it in ONE transaction (a
 * restart resumes there), with progress events; retried with backoff while that device is away.
 */

import { openManifest, sealManifest } from '../attachments/index.ts';
import { fromBase64Url, fromUtf8, retryDelayMs, toBase64Url, utf8 } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import {
  FIRST_SORT_KEY,
  fetchHistoryBatch,
  HISTORY_BAND,
  HISTORY_BATCH_BYTES,
  HISTORY_BATCH_MESSAGES,
  HISTORY_CURSOR_META,
  HISTORY_FROM_META,
  type HistoryBatch,
  type HistoryCursor,
  type HistoryMessage,
  historyAnswer,
  isHistoryRequest,
  ownerOf,
  readHistoryRequest,
  SELF,
} from '../devices/index.ts';
import { DELETED_FOR_ME_MARK, indexBody } from '../messaging/index.ts';
import type { AttachmentRecord, ContactRecord, MessageKey, StoreTx } from '../ports/index.ts';
import { NOTICE_SENDER, openBody, sealBody } from '../views/index.ts';
import type { FileManifest } from '../wire/index.ts';

/**
 * On the new device: stores a batch (inside the caller's transaction). Returns how many messages
 * were new, and the attachments to download after commit (received files, fetched from their
 * sender, who serves every device of ours: attachments/attachments.ts serveFile).
 */
export function applyHistory(
  ctx: Ctx,
  tx: StoreTx,
  batch: HistoryBatch,
): { readonly added: number; readonly downloads: AttachmentRecord[] } {
  let added = 0;
  const downloads: AttachmentRecord[] = [];
  const contacts = new Map<string, ContactRecord | undefined>();
  for (const m of batch.messages) {
    if (!contacts.has(m.peer)) contacts.set(m.peer, tx.getContactByPeerId(m.peer));
    const contact = contacts.get(m.peer);
    if (!contact) continue; // a contact this device does not have
    const key = { conversationId: contact.id, sender: m.mine ? 'self' : contact.peerId, id: m.id };
    const inserted = tx.insertMessage({
      ...key,
      senderSeq: m.seq,
      kind: m.kind,
      body: m.body ? sealBody(ctx.account.vault, key, m.body) : new Uint8Array(0),
      sentAt: m.sentAt,
      receivedAt: m.receivedAt,
      sortKey: m.sortKey - HISTORY_BAND,
      status: m.status,
      error: null,
      expiresAt: m.expiresAt,
      editedAt: m.editedAt,
      deletedAt: m.deletedAt,
    });
    if (inserted !== 'inserted') continue;
    added++;
    if (m.body && m.deletedAt === null) indexBody(tx, key, m.body, m.receivedAt);
    for (const r of m.reactions)
      tx.putReaction({
        conversationId: contact.id,
        targetSender: key.sender,
        targetId: m.id,
        reactor: r.mine ? 'self' : contact.peerId,
        emoji: r.emoji,
        at: r.at,
      });
    const shown = m.body?.attachment;
    if (m.file && shown && m.deletedAt === null) {
      const record = historyAttachment(ctx, tx, contact, key, shown.id, m);
      if (record?.state === 'downloading') downloads.push(record);
    }
  }
  return { added, downloads };
}

/** The attachment record of a history message: a received file to fetch, or one of ours. */
function historyAttachment(
  ctx: Ctx,
  tx: StoreTx,
  contact: ContactRecord,
  key: MessageKey,
  id: string,
  m: HistoryMessage,
): AttachmentRecord | undefined {
  const file = m.file;
  const direction = m.mine ? 'out' : 'in';
  if (!file || tx.getAttachment(direction, contact.peerId, id)) return undefined;
  const raw = file.manifest as Record<string, unknown>;
  const manifest = { ...raw, key: fromBase64Url(String(raw.key ?? '')) } as unknown as FileManifest;
  if (manifest.id !== id || !Number.isSafeInteger(manifest.size) || !Number.isSafeInteger(file.chunks))
    return undefined;
  const now = ctx.now();
  // Fetched from the device that sent the history (our own files too: it holds them whole).
  const state = manifest.size <= ctx.limits.autoDownloadMaxBytes ? 'downloading' : 'offered';
  const record: AttachmentRecord = {
    id,
    direction,
    peerId: contact.peerId,
    message: key,
    manifest: new Uint8Array(0),
    size: manifest.size,
    chunks: file.chunks,
    receivedChunks: 0,
    state,
    error: null,
    createdAt: now,
    updatedAt: now,
  };
  const sealed = { ...record, manifest: sealManifest(ctx, record, manifest) };
  tx.putAttachment(sealed);
  return sealed;
}

/** On the device asked: the next batch after `request`'s cursor, for our own devices only. */
export function answerHistory(ctx: Ctx, peer: string, request: Uint8Array): Uint8Array | undefined {
  if (!isHistoryRequest(request)) return undefined;
  let cursor: HistoryCursor;
  try {
    cursor = readHistoryRequest(request);
  } catch {
    return historyAnswer(undefined);
  }
  return historyAnswer(
    ctx.store.transaction((tx) =>
      ownerOf(ctx, tx, peer)?.kind === SELF ? historyBatch(ctx, tx, cursor) : undefined,
    ),
  );
}

function historyBatch(ctx: Ctx, tx: StoreTx, cursor: HistoryCursor): HistoryBatch {
  const contacts = tx
    .listContacts()
    .filter((c) => c.state !== 'pending')
    .sort((a, b) => (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0));
  const messages: HistoryMessage[] = [];
  let bytes = 0;
  let i = contacts.findIndex((c) => c.peerId >= cursor.peer);
  if (i < 0) i = contacts.length;
  let after = contacts[i]?.peerId === cursor.peer ? cursor.after : null;
  while (i < contacts.length) {
    const c = contacts[i] as ContactRecord;
    const room = HISTORY_BATCH_MESSAGES - messages.length;
    // (`after` always set: without a bound the store returns the newest, not the oldest)
    const page = tx.listMessages(c.id, { after: after ?? FIRST_SORT_KEY, limit: room });
    for (const m of page) {
      after = m.sortKey;
      if (m.sender === NOTICE_SENDER) continue; // this device's own notices: the new one makes its own
      if (m.error === DELETED_FOR_ME_MARK) continue; // deleted on this device: not brought back on the new one
      const item = historyMessage(ctx, tx, c, m);
      messages.push(item);
      bytes += JSON.stringify(item).length;
      if (bytes >= HISTORY_BATCH_BYTES) break;
    }
    const full = messages.length >= HISTORY_BATCH_MESSAGES || bytes >= HISTORY_BATCH_BYTES;
    if (!full && page.length === room) continue; // (notices were skipped: the rest of this conversation)
    if (full && (page.length === room || bytes >= HISTORY_BATCH_BYTES))
      return {
        v: 1,
        messages,
        next: { peer: c.peerId, after },
        conversations: contacts.length,
        conversationsDone: i,
      };
    i++;
    after = null;
  }
  return { v: 1, messages, next: null, conversations: contacts.length, conversationsDone: contacts.length };
}

function historyMessage(
  ctx: Ctx,
  tx: StoreTx,
  c: ContactRecord,
  m: ReturnType<StoreTx['listMessages']>[number],
): HistoryMessage {
  const deleted = m.deletedAt !== null || m.body.length === 0;
  const body = deleted ? null : openBody(ctx.account.vault, m);
  return {
    peer: c.peerId,
    mine: m.sender === 'self',
    id: m.id,
    seq: m.senderSeq,
    kind: m.kind,
    body,
    sentAt: m.sentAt,
    receivedAt: m.receivedAt,
    sortKey: m.sortKey,
    status: m.status,
    editedAt: m.editedAt,
    deletedAt: m.deletedAt,
    expiresAt: m.expiresAt,
    reactions: tx
      .listReactions(c.id, m.sender, m.id)
      .map((r) => ({ mine: r.reactor === 'self', emoji: r.emoji, at: r.at })),
    ...(body?.attachment
      ? historyFile(ctx, tx, c, m.sender === 'self' ? 'out' : 'in', body.attachment.id)
      : {}),
  };
}

/** The manifest of an attachment we hold whole (sent, or received in full), for the new device. */
function historyFile(
  ctx: Ctx,
  tx: StoreTx,
  c: ContactRecord,
  direction: 'in' | 'out',
  id: string,
): Pick<HistoryMessage, 'file'> {
  const record = tx.getAttachment(direction, c.peerId, id);
  if (!record || (record.state !== 'available' && record.state !== 'done')) return {};
  const m = openManifest(ctx, record);
  return { file: { manifest: { ...m, key: toBase64Url(m.key) }, chunks: record.chunks } };
}

/** Fetches the history while there is some to fetch; stop() ends it (it resumes on the next start). */
export function startHistoryTransfer(
  ctx: Ctx,
  download: (records: readonly AttachmentRecord[], from: string) => void,
): { stop(): void } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const state = () =>
    ctx.store.transaction((tx) => {
      const from = tx.getMeta(HISTORY_FROM_META);
      const cursor = tx.getMeta(HISTORY_CURSOR_META);
      return from
        ? {
            from: fromUtf8(from),
            cursor: cursor ? (JSON.parse(fromUtf8(cursor)) as HistoryCursor) : { peer: '', after: null },
          }
        : undefined;
    });
  let received = 0;
  let failures = 0;
  const step = async (): Promise<void> => {
    const s = state();
    if (!s || stopped) return;
    let batch: HistoryBatch;
    try {
      batch = await fetchHistoryBatch(ctx.transport, s.from, s.cursor);
    } catch {
      failures++;
      if (!stopped) timer = setTimeout(() => void step(), retryDelayMs(failures, Math.random()));
      return;
    }
    failures = 0;
    if (stopped) return;
    const { added, downloads } = ctx.store.transaction((tx) => {
      const n = applyHistory(ctx, tx, batch);
      if (batch.next) tx.setMeta(HISTORY_CURSOR_META, utf8(JSON.stringify(batch.next)));
      else {
        tx.deleteMeta(HISTORY_CURSOR_META);
        tx.deleteMeta(HISTORY_FROM_META);
      }
      return n;
    });
    download(downloads, s.from);
    received += batch.messages.length;
    ctx.events.emit('history', {
      received,
      added,
      conversations: batch.conversations,
      conversationsDone: batch.conversationsDone,
      done: batch.next === null,
    });
    if (batch.next) timer = setTimeout(() => void step(), 0);
  };
  void step();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
