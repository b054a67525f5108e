/**
 * Prepared statements, compiled once per connection and reused: `sql` is the
 * cache key, so every distinct statement text is prepared exactly once.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { Row } from './rows.ts';

export interface Statements {
  /** Runs a write; returns the number of rows changed. */
  run(sql: string, ...params: SQLInputValue[]): number;
  get(sql: string, ...params: SQLInputValue[]): Row | undefined;
  all(sql: string, ...params: SQLInputValue[]): Row[];
  /** Runs an INSERT and returns the new rowid. */
  insert(sql: string, ...params: SQLInputValue[]): number;
  /** Forgets every statement (before the connection closes). */
  clear(): void;
}

export function createStatements(db: DatabaseSync): Statements {
  const cache = new Map<string, StatementSync>();
  const prepared = (sql: string): StatementSync => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
  return {
    run: (sql, ...params) => Number(prepared(sql).run(...params).changes),
    get: (sql, ...params) => prepared(sql).get(...params),
    all: (sql, ...params) => prepared(sql).all(...params),
    insert: (sql, ...params) => Number(prepared(sql).run(...params).lastInsertRowid),
    clear: () => cache.clear(),
  };
}

/** SQLite has no boolean: 1 / 0. */
export const bool = (value: boolean): number => (value ? 1 : 0);
