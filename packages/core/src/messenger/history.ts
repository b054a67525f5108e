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
  GROUP_HISTORY_PREFIX,
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
  const places = new Map<string, Place | undefined>();
  for (const m of batch.messages) {
    if (!places.has(m.peer)) places.set(m.peer, placeOf(tx, m.peer));
    const place = places.get(m.peer);
    if (!place) continue; // a contact this device does not have
    const sender = m.mine ? 'self' : (place.contact?.peerId ?? m.from);
    if (!sender || sender.length > 128) continue; // (a group message names its author)
    const key = { conversationId: place.conversationId, sender, id: m.id };
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
    for (const r of m.reactions) {
      const reactor = r.mine ? 'self' : place.contact ? place.contact.peerId : r.by;
      if (!reactor || reactor.length > 128) continue;
      tx.putReaction({
        conversationId: place.conversationId,
        targetSender: key.sender,
        targetId: m.id,
        reactor,
        emoji: r.emoji,
        at: r.at,
      });
    }
    const shown = m.body?.attachment;
    if (m.file && shown && m.deletedAt === null) {
      // A file's record is named by its contact (1:1), or in a group by the group (ours) or by
      // its author (a member's): groups/files.ts.
      const owner = place.contact?.peerId ?? (m.mine ? place.conversationId : sender);
      const record = historyAttachment(ctx, tx, owner, key, shown.id, m);
      if (record?.state === 'downloading') downloads.push(record);
    }
  }
  return { added, downloads };
}

/** Where a history message goes: a contact's conversation, or a group's (by its id). */
interface Place {
  readonly conversationId: string;
  readonly contact: ContactRecord | undefined;
}

function placeOf(tx: StoreTx, peer: string): Place | undefined {
  if (!peer.startsWith(GROUP_HISTORY_PREFIX)) {
    const contact = tx.getContactByPeerId(peer);
    return contact ? { conversationId: contact.id, contact } : undefined;
  }
  // The group's state reaches this device from our other device (own-state), maybe after its
  // history: the messages wait under the group's id, which is the same on every device.
  const id = peer.slice(GROUP_HISTORY_PREFIX.length);
  return /^[0-9a-f]{32}$/.test(id) ? { conversationId: id, contact: undefined } : undefined;
}

/** The attachment record of a history message: a received file to fetch, or one of ours. */
function historyAttachment(
  ctx: Ctx,
  tx: StoreTx,
  owner: string,
  key: MessageKey,
  id: string,
  m: HistoryMessage,
): AttachmentRecord | undefined {
  const file = m.file;
  const direction = m.mine ? 'out' : 'in';
  if (!file || tx.getAttachment(direction, owner, id)) return undefined;
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
    peerId: owner,
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

/** A conversation the history sends: a contact's, or a group's (its key after every PeerId). */
interface Source {
  readonly key: string;
  readonly conversationId: string;
  readonly contact: ContactRecord | undefined;
}

function sources(tx: StoreTx): Source[] {
  const contacts: Source[] = tx
    .listContacts()
    .filter((c) => c.state !== 'pending')
    .map((c) => ({ key: c.peerId, conversationId: c.id, contact: c }));
  const groups: Source[] = tx
    .listConversations()
    .filter((c) => c.kind === 'group')
    .map((c) => ({ key: `${GROUP_HISTORY_PREFIX}${c.id}`, conversationId: c.id, contact: undefined }));
  return [...contacts, ...groups].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function historyBatch(ctx: Ctx, tx: StoreTx, cursor: HistoryCursor): HistoryBatch {
  const all = sources(tx);
  const messages: HistoryMessage[] = [];
  let bytes = 0;
  let i = all.findIndex((c) => c.key >= cursor.peer);
  if (i < 0) i = all.length;
  let after = all[i]?.key === cursor.peer ? cursor.after : null;
  while (i < all.length) {
    const c = all[i] as Source;
    const room = HISTORY_BATCH_MESSAGES - messages.length;
    // (`after` always set: without a bound the store returns the newest, not the oldest)
    const page = tx.listMessages(c.conversationId, { after: after ?? FIRST_SORT_KEY, limit: room });
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
        next: { peer: c.key, after },
        conversations: all.length,
        conversationsDone: i,
      };
    i++;
    after = null;
  }
  return { v: 1, messages, next: null, conversations: all.length, conversationsDone: all.length };
}

function historyMessage(
  ctx: Ctx,
  tx: StoreTx,
  c: Source,
  m: ReturnType<StoreTx['listMessages']>[number],
): HistoryMessage {
  const deleted = m.deletedAt !== null || m.body.length === 0;
  const body = deleted ? null : openBody(ctx.account.vault, m);
  const mine = m.sender === 'self';
  const group = c.contact === undefined;
  return {
    peer: c.key,
    mine,
    ...(group && !mine ? { from: m.sender } : {}),
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
    reactions: tx.listReactions(c.conversationId, m.sender, m.id).map((r) => ({
      mine: r.reactor === 'self',
      emoji: r.emoji,
      at: r.at,
      ...(group && r.reactor !== 'self' ? { by: r.reactor } : {}),
    })),
    ...(body?.attachment
      ? historyFile(
          ctx,
          tx,
          // (see applyHistory: whose name a file's record is under)
          c.contact?.peerId ?? (mine ? c.conversationId : m.sender),
          mine ? 'out' : 'in',
          body.attachment.id,
        )
      : {}),
  };
}

/** The manifest of an attachment we hold whole (sent, or received in full), for the new device. */
function historyFile(
  ctx: Ctx,
  tx: StoreTx,
  owner: string,
  direction: 'in' | 'out',
  id: string,
): Pick<HistoryMessage, 'file'> {
  const record = tx.getAttachment(direction, owner, id);
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
