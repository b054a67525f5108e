/**
 * The background write of waiting search documents (messenger/search-flush.ts): every second,
 * again at once while batches come back full, never after stop, and a failing store is reported,
 * not thrown.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Ctx } from '../src/context/index.ts';
import {
  SEARCH_FLUSH_BATCH,
  SEARCH_FLUSH_INTERVAL_MS,
  startSearchFlush,
} from '../src/messenger/search-flush.ts';

/** A Ctx whose store has `waiting` documents to write, SEARCH_FLUSH_BATCH at most per call. */
function fakeCtx(waiting: { n: number; fail?: boolean }) {
  const calls: Array<{ limit: number; durable: boolean | undefined }> = [];
  const problems: string[] = [];
  const ctx = {
    store: {
      transaction: (fn: (tx: unknown) => unknown, options?: { durable?: boolean }) =>
        fn({
          flushSearchIndex: (limit: number) => {
            calls.push({ limit, durable: options?.durable });
            if (waiting.fail) throw new Error('disk full');
            const n = Math.min(limit, waiting.n);
            waiting.n -= n;
            return n;
          },
        }),
    },
    events: { emit: (_: string, p: { message: string }) => problems.push(p.message) },
  } as unknown as Ctx;
  return { ctx, calls, problems };
}

describe('the search index flush', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('writes batches back to back while they come back full, then waits a second', () => {
    const waiting = { n: SEARCH_FLUSH_BATCH * 2 + 7 };
    const { ctx, calls } = fakeCtx(waiting);
    const flush = startSearchFlush(ctx);
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(SEARCH_FLUSH_INTERVAL_MS);
    vi.advanceTimersByTime(1); // setTimeout(…, 0) is 1 ms in Node
    vi.advanceTimersByTime(1); // setTimeout(…, 0) is 1 ms in Node
    expect(waiting.n).toBe(0);
    expect(calls.map((c) => c.limit)).toEqual([SEARCH_FLUSH_BATCH, SEARCH_FLUSH_BATCH, SEARCH_FLUSH_BATCH]);
    expect(calls.every((c) => c.durable === false)).toBe(true);
    vi.advanceTimersByTime(SEARCH_FLUSH_INTERVAL_MS - 1);
    expect(calls).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(calls).toHaveLength(4);
    flush.stop();
    vi.advanceTimersByTime(SEARCH_FLUSH_INTERVAL_MS * 10);
    expect(calls).toHaveLength(4);
  });

  it('reports a failing store as a problem and keeps trying', () => {
    const { ctx, calls, problems } = fakeCtx({ n: 10, fail: true });
    const flush = startSearchFlush(ctx);
    vi.advanceTimersByTime(SEARCH_FLUSH_INTERVAL_MS * 3);
    expect(calls).toHaveLength(3);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('disk full');
    flush.stop();
  });
});
