/** Paging by sort key, shared by messages and channel posts (MessageQuery semantics, store.ts). */
import type { MessageQuery } from '@parley/core';
import type { Row, SqlValue } from './driver.ts';
import type { Statements } from './statements.ts';

/** Rows returned when a query gives no limit. */
export const DEFAULT_PAGE_LIMIT = 50;

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
  return limit;
}

export interface PagedTable {
  readonly table: 'messages' | 'channel_posts';
  /** The column that scopes the page (a conversation, a channel). */
  readonly scope: 'conversation_id' | 'channel_id';
  /** Columns after sort_key that break ties, in ascending order. */
  readonly tieBreak: readonly string[];
}

/**
 * Rows of one scope in ascending sort_key order: the oldest `limit` when only
 * `after` is set, else the newest `limit` of the range.
 */
export function pageBySortKey(s: Statements, t: PagedTable, id: string, query: MessageQuery): Row[] {
  const { before, after } = query;
  const limit = checkLimit(query.limit ?? DEFAULT_PAGE_LIMIT);
  const where = [`${t.scope} = ?`];
  const params: SqlValue[] = [id];
  if (after !== undefined) {
    where.push('sort_key > ?');
    params.push(after);
  }
  if (before !== undefined) {
    where.push('sort_key < ?');
    params.push(before);
  }
  const oldest = after !== undefined && before === undefined;
  const order = ['sort_key', ...t.tieBreak].map((c) => (oldest ? c : `${c} DESC`)).join(', ');
  const rows = s.all(
    `SELECT * FROM ${t.table} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`,
    ...params,
    limit,
  );
  return oldest ? rows : rows.reverse();
}
