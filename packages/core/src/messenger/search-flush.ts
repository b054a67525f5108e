/**
 * Writing the search documents a store keeps aside into its index (SearchTx.flushSearchIndex;
 * docs/DESIGN.md §5.6), in the background: every SEARCH_FLUSH_INTERVAL_MS, SEARCH_FLUSH_BATCH per
 * transaction, again at once while a batch comes back full. A search writes whatever still waits
 * itself, so no result is ever missing; this keeps that rare, and indexing cheap per message
 * (the SQLite store's FTS5 index costs ~300 µs of CPU per one-message transaction against ~40 µs
 * per message in batches).
 */
import type { Ctx } from '../context/index.ts';

/** How often the background flush looks for waiting documents. */
export const SEARCH_FLUSH_INTERVAL_MS = 1_000;
/** Documents written into the index per transaction. */
export const SEARCH_FLUSH_BATCH = 500;

export interface SearchFlush {
  stop(): void;
}

export function startSearchFlush(ctx: Ctx): SearchFlush {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const tick = (): void => {
    timer = undefined;
    if (stopped) return;
    let written = 0;
    try {
      // Not durable on its own: a crash before the next durable commit leaves the documents
      // waiting (the write into the index and its mark are one transaction), to be written again.
      written = ctx.store.transaction((tx) => tx.flushSearchIndex(SEARCH_FLUSH_BATCH), { durable: false });
    } catch (error) {
      if (stopped) return;
      ctx.events.emit('problem', {
        code: 'store',
        message: `updating the search index failed: ${String(error)}`,
      });
    }
    timer = setTimeout(tick, written === SEARCH_FLUSH_BATCH ? 0 : SEARCH_FLUSH_INTERVAL_MS);
  };
  timer = setTimeout(tick, SEARCH_FLUSH_INTERVAL_MS);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
