/**
 * Indexing what was stored before search existed (a database upgraded from schema 8; docs/DESIGN.md
 * §5.6): in the background after start, SEARCH_BACKFILL_BATCH messages or posts per transaction,
 * yielding to other work between batches. Conversation by conversation (by id), each newest
 * first, then channel by channel: recent messages become searchable first. A cursor in the meta
 * table makes it resume where it stopped after a restart, and marks it done so it never runs
 * again; indexing twice is harmless (a message's document is replaced, keeping its place).
 * Progress is the `searchIndex` event.
 */
import { fromUtf8, utf8 } from '../base/index.ts';
import { indexPostsBefore } from '../channels/index.ts';
import type { Ctx } from '../context/index.ts';
import { indexBody } from '../messaging/index.ts';
import type { StoreTx } from '../ports/index.ts';
import { openBody } from '../views/index.ts';

/** Messages (or posts) indexed per transaction. */
export const SEARCH_BACKFILL_BATCH = 500;
/** The meta key of the cursor. */
export const SEARCH_BACKFILL_META = 'search.backfill';

/** Where the backfill is: in a conversation (or channel), below a sortKey; or done. */
type Cursor =
  | { readonly phase: 'messages' | 'posts'; readonly id: string; readonly before?: number }
  | { readonly phase: 'done' };

const START: Cursor = { phase: 'messages', id: '' };

function readCursor(tx: StoreTx): Cursor {
  const raw = tx.getMeta(SEARCH_BACKFILL_META);
  if (!raw) return START;
  try {
    return JSON.parse(fromUtf8(raw)) as Cursor;
  } catch {
    return START;
  }
}

/** Conversation ids with messages: 1:1 (contacts and conversations) and groups, sorted. */
function conversationIds(tx: StoreTx): string[] {
  const ids = new Set([
    ...tx.listConversations().map((c) => c.id),
    ...tx.listContacts().map((c) => c.id),
    ...tx.listGroups().map((g) => g.id),
  ]);
  return [...ids].sort();
}

/** Indexes one page of conversation `id` below `before`; the sortKey to continue below, or undefined when done. */
function indexMessagesBefore(
  ctx: Ctx,
  tx: StoreTx,
  id: string,
  before: number | undefined,
  limit: number,
): { readonly count: number; readonly next: number | undefined } {
  const page = tx.listMessages(id, before === undefined ? { limit } : { before, limit });
  const now = ctx.now();
  for (const m of page) {
    if (m.deletedAt !== null || (m.expiresAt !== null && m.expiresAt <= now) || m.body.length === 0) continue;
    try {
      indexBody(tx, m, openBody(ctx.account.vault, m), m.receivedAt);
    } catch {
      // A body that does not open shows as nothing; it is not searchable either.
    }
  }
  return { count: page.length, next: page.length < limit ? undefined : page[0]?.sortKey };
}

/** One batch: up to SEARCH_BACKFILL_BATCH records from `cursor` on; how many, and the cursor after. */
function step(ctx: Ctx, tx: StoreTx, cursor: Cursor): { indexed: number; cursor: Cursor } {
  let indexed = 0;
  let at = cursor;
  while (at.phase !== 'done' && indexed < SEARCH_BACKFILL_BATCH) {
    const ids =
      at.phase === 'messages'
        ? conversationIds(tx)
        : tx
            .listChannels()
            .map((c) => c.id)
            .sort();
    const { phase, id } = at;
    const current = ids.find((x) => x >= id); // the cursor's, or the next one if it went away
    if (current === undefined) {
      at = phase === 'messages' ? { phase: 'posts', id: '' } : { phase: 'done' };
      continue;
    }
    const before = current === id ? at.before : undefined;
    const budget = SEARCH_BACKFILL_BATCH - indexed;
    const { count, next } =
      phase === 'messages'
        ? indexMessagesBefore(ctx, tx, current, before, budget)
        : indexPostsBefore(ctx, tx, current, before, budget);
    indexed += count;
    // Past the end of this one: the next id is the first above `current` + NUL.
    at = next === undefined ? { phase, id: `${current}\u0000` } : { phase, id: current, before: next };
  }
  tx.setMeta(SEARCH_BACKFILL_META, utf8(JSON.stringify(at)));
  return { indexed, cursor: at };
}

/** The running backfill: `stop()` ends it after the batch in progress (the next start resumes). */
export interface SearchBackfill {
  stop(): void;
}

/** Starts the backfill unless it is done; `yieldMs` between batches. */
export function startSearchBackfill(ctx: Ctx, yieldMs = 0): SearchBackfill {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let total = 0;
  const run = (): void => {
    timer = undefined;
    if (stopped) return;
    let result: { indexed: number; cursor: Cursor };
    try {
      result = ctx.store.transaction((tx) => step(ctx, tx, readCursor(tx)));
    } catch (error) {
      if (!stopped)
        ctx.events.emit('problem', {
          code: 'store',
          message: `indexing old messages for search failed: ${String(error)}`,
        });
      return; // the next start tries again from the cursor
    }
    total += result.indexed;
    const done = result.cursor.phase === 'done';
    ctx.events.emit('searchIndex', { indexed: total, done });
    if (!done) timer = setTimeout(run, yieldMs);
  };
  const pending = ctx.store.transaction((tx) => readCursor(tx)).phase !== 'done';
  if (pending) timer = setTimeout(run, yieldMs);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
