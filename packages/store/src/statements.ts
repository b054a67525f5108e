/**
 * Prepared statements, compiled once per connection and reused: `sql` is the
 * cache key, so every distinct statement text is prepared exactly once.
 */
import type { Db, Row, SqlValue, Statement } from './driver.ts';

export interface Statements {
  /** Runs a write; returns the number of rows changed. */
  run(sql: string, ...params: SqlValue[]): number;
  get(sql: string, ...params: SqlValue[]): Row | undefined;
  all(sql: string, ...params: SqlValue[]): Row[];
  /** Runs an INSERT and returns the new rowid. */
  insert(sql: string, ...params: SqlValue[]): number;
  /** Forgets every statement (before the connection closes). */
  clear(): void;
  /**
   * Notes that this transaction removed or replaced what a user wrote (a message, an edit, a
   * reaction): after its commit the store folds the WAL into the database and truncates it, so
   * the old bytes are left neither in the WAL nor (secure_delete) in the database's free space.
   */
  scrub(): void;
  /** Whether scrub() was called since the last call; resets the note. */
  takeScrub(): boolean;
}

export function createStatements(db: Db): Statements {
  const cache = new Map<string, Statement>();
  let scrubbing = false;
  const prepared = (sql: string): Statement => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = db.prepare<SqlValue[], Row>(sql);
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
    scrub: () => {
      scrubbing = true;
    },
    takeScrub: () => {
      const was = scrubbing;
      scrubbing = false;
      return was;
    },
  };
}

/** SQLite has no boolean: 1 / 0. */
export const bool = (value: boolean): number => (value ? 1 : 0);
