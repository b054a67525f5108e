/**
 * The new device's side of history transfer (devices/history.ts): fetches batches from the device
 * that approved it until the last, each stored with the cursor after it in ONE transaction (a
 * restart resumes there), with progress events; retried with backoff while that device is away.
 */
import { fromUtf8, retryDelayMs, utf8 } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import {
  fetchHistoryBatch,
  HISTORY_BAND,
  HISTORY_CURSOR_META,
  HISTORY_FROM_META,
  type HistoryBatch,
  type HistoryCursor,
} from '../devices/index.ts';
import { indexBody } from '../messaging/index.ts';
import type { ContactRecord, StoreTx } from '../ports/index.ts';
import { sealBody } from '../views/index.ts';

/** On the new device: stores a batch (inside the caller's transaction); returns how many were new. */
export function applyHistory(ctx: Ctx, tx: StoreTx, batch: HistoryBatch): number {
  let added = 0;
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
  }
  return added;
}

/** Fetches the history while there is some to fetch; stop() ends it (it resumes on the next start). */
export function startHistoryTransfer(ctx: Ctx): { stop(): void } {
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
    const added = ctx.store.transaction((tx) => {
      const n = applyHistory(ctx, tx, batch);
      if (batch.next) tx.setMeta(HISTORY_CURSOR_META, utf8(JSON.stringify(batch.next)));
      else {
        tx.deleteMeta(HISTORY_CURSOR_META);
        tx.deleteMeta(HISTORY_FROM_META);
      }
      return n;
    });
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
