/**
 * core's Store on SQLite (driver.ts), its pages encrypted when a key is given.
 *
 * Durability (DESIGN.md §5): WAL journal with synchronous=FULL, so a
 * transaction that returned has been fsynced to the WAL and survives a crash
 * or power loss; every transaction() is one BEGIN IMMEDIATE … COMMIT, so
 * "message + outbox frame + ratchet state" land together or not at all.
 */

import { type Store, StoreClosedError, type StoreTx, type TransactionOptions } from '@parley/core';
import { attachmentOperations } from './attachment-operations.ts';
import { channelOperations } from './channel-operations.ts';
import { type Db, openDb, type Row, type SqlValue, type Statement, sqliteCode } from './driver.ts';
import { StoreKeyError, StoreSetupError } from './errors.ts';
import { prepareDatabaseFile, prepareDirectory, tightenCompanionFiles } from './files.ts';
import { groupOperations } from './group-operations.ts';
import {
  conversationOperations,
  draftOperations,
  messageOperations,
  reactionOperations,
} from './message-operations.ts';
import {
  accountOperations,
  contactOperations,
  deviceOperations,
  inboxOperations,
  inviteOperations,
  outboxOperations,
} from './record-operations.ts';
import { migrate } from './schema.ts';
import { searchOperations } from './search-operations.ts';
import { createStatements, type Statements } from './statements.ts';
import { withTxCache } from './tx-cache.ts';

/** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
const IN_MEMORY = ':memory:';

/** Bytes of a database key. */
export const DATABASE_KEY_BYTES = 32;

export interface SqliteStoreOptions {
  /** Busy timeout in ms (default DEFAULT_BUSY_TIMEOUT_MS). */
  readonly busyTimeoutMs?: number;
  /**
   * The database key (32 bytes): every page of the database and its WAL is
   * encrypted under it (ChaCha20-Poly1305, SQLite3 Multiple Ciphers' `chacha20`
   * cipher). Without a key the file is plain SQLite (tests, benchmarks'
   * baseline); an encrypted file opened without its key throws StoreKeyError.
   */
  readonly key?: Uint8Array;
}

/**
 * Opens (creating if needed) the database at `path` and migrates it to the
 * current schema. `':memory:'` gives a private in-memory database (no WAL).
 *
 * @example
 *   const store = openSqliteStore(join(dataDir, 'parley.db'));
 *   store.transaction((tx) => tx.setMeta('hello', new Uint8Array([1])));
 *   store.close();
 * @throws StoreVersionError if the database was written by a newer schema.
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  return createSqliteStore(openDatabase(path, options));
}

/** Opens, configures and migrates the database (internal; exported for the tests that read PRAGMAs back). */
export function openDatabase(path: string, options: SqliteStoreOptions = {}): Db {
  return openConfigured(path, options, migrate);
}

/**
 * Opens `path` (creating it 0600 in a 0700 folder if needed), applies the key, sets the durable
 * PRAGMAs and runs `migrateDb`; closes the connection again if any step fails.
 */
export function openConfigured(
  path: string,
  options: SqliteStoreOptions,
  migrateDb: (db: Db, path: string) => void,
): Db {
  const onDisk = path !== IN_MEMORY;
  if (onDisk) {
    prepareDirectory(path);
    prepareDatabaseFile(path);
  }
  const db = openDb(path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    if (options.key) applyKey(db, options.key, path);
    else checkReadable(db, path);
    configure(db, onDisk);
    migrateDb(db, path);
    if (onDisk) tightenCompanionFiles(path);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Selects the cipher and applies the key before anything is read, then reads
 * the schema: a wrong key (or a damaged first page) fails here with
 * StoreKeyError, before a byte is written.
 */
function applyKey(db: Db, key: Uint8Array, path: string): void {
  if (key.length !== DATABASE_KEY_BYTES)
    throw new RangeError(`a database key is ${DATABASE_KEY_BYTES} bytes`);
  // chacha20: ChaCha20 page encryption with a Poly1305 tag per page (sqleet's scheme), a random
  // 16-byte salt per database in its first bytes, the key run through PBKDF2-SHA256 (64,007
  // rounds, the cipher's default) with that salt.
  db.pragma("cipher = 'chacha20'");
  const buffer = Buffer.from(key);
  try {
    db.key(buffer);
  } finally {
    buffer.fill(0);
  }
  checkReadable(db, path);
}

/** Reads the schema once: SQLITE_NOTADB means the key is wrong, or the file is encrypted and we have none. */
function checkReadable(db: Db, path: string): void {
  try {
    db.prepare('SELECT count(*) AS n FROM sqlite_schema').get();
  } catch (error) {
    if (sqliteCode(error) === 'SQLITE_NOTADB') throw new StoreKeyError(path);
    throw error;
  }
}

/** WAL with synchronous=FULL and foreign keys: the durable settings every Parley database uses. */
export function configure(db: Db, onDisk: boolean): void {
  if (onDisk) {
    const mode = db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string };
    if (mode.journal_mode !== 'wal') {
      throw new StoreSetupError(`SQLite refused WAL mode (got ${mode.journal_mode}); use a local filesystem`);
    }
  }
  // FULL: fsync the WAL on every commit. NORMAL (the usual WAL pairing) can
  // lose the last commits on power loss, which would break D1.
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  // A deleted row's bytes are overwritten with zeros, not left in a free page or cell.
  db.exec('PRAGMA secure_delete = ON');
}

/** The Store over an open, migrated connection (internal; see openSqliteStore). */
export function createSqliteStore(db: Db): Store {
  const statements = createStatements(db);
  let depth = 0;
  let closed = false;
  // BEGIN/COMMIT/SAVEPOINT/RELEASE run for every batch and every message in it: prepared once.
  const controls = new Map<string, Statement>();
  const control = (sql: string): void => {
    let statement = controls.get(sql);
    if (!statement) {
      statement = db.prepare<SqlValue[], Row>(sql);
      controls.set(sql, statement);
    }
    statement.run();
  };
  const cache = withTxCache(createOperations(statements), {
    anyFailure: () => statements.get('SELECT 1 AS n FROM failures LIMIT 1') !== undefined,
  });
  const tx = guardTx(cache.tx, () => {
    if (closed) throw new StoreClosedError();
    if (depth === 0) throw new Error('a StoreTx was used outside its transaction callback');
  });
  return {
    transaction<T>(fn: (tx: StoreTx) => T, options: TransactionOptions = {}): T {
      if (closed) throw new StoreClosedError();
      const level = depth;
      // Not durable: this one commit skips its fsync (WAL + NORMAL: it survives a crash of the
      // process, and the next FULL commit's fsync covers its frames too).
      const relaxed = level === 0 && options.durable === false;
      if (relaxed) db.exec('PRAGMA synchronous = NORMAL');
      // Depth 0: IMMEDIATE takes the write lock up front, so the transaction
      // cannot fail half-way with SQLITE_BUSY on its first write. Nested:
      // a savepoint, so an inner callback that throws undoes only its own writes.
      control(level === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT s${level}`);
      if (level === 0) cache.clear();
      depth = level + 1;
      try {
        const result = fn(tx);
        if (isThenable(result)) {
          // An async callback would keep writing after COMMIT, outside any transaction.
          Promise.resolve(result).catch(() => {});
          throw new TypeError('the transaction callback must be synchronous (it returned a promise)');
        }
        control(level === 0 ? 'COMMIT' : `RELEASE s${level}`);
        // Something the user wrote was deleted or replaced: its old pages leave the WAL now.
        if (level === 0 && statements.takeScrub()) db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
        return result;
      } catch (error) {
        cache.clear(); // the rolled-back writes may have advanced cached values
        if (level === 0) statements.takeScrub();
        rollback(db, level);
        throw error;
      } finally {
        depth = level;
        if (level === 0) cache.clear();
        if (relaxed) db.exec('PRAGMA synchronous = FULL');
      }
    },
    close(): void {
      if (closed) return;
      if (depth > 0) throw new Error('the store cannot be closed from inside a transaction');
      closed = true;
      statements.clear();
      controls.clear();
      try {
        // Fold the WAL into the database so the files at rest are just one.
        db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
    },
  };
}

/** Undoes a failed (nested) transaction; never hides the error that caused it. */
function rollback(db: Db, level: number): void {
  // Some errors (SQLITE_FULL, IOERR) already rolled the whole transaction back.
  if (!db.inTransaction) return;
  try {
    if (level === 0) db.exec('ROLLBACK');
    else db.exec(`ROLLBACK TO s${level}; RELEASE s${level}`);
  } catch {
    // The original error is the one worth reporting.
  }
}

function createOperations(s: Statements): StoreTx {
  return {
    ...accountOperations(s),
    ...contactOperations(s),
    ...deviceOperations(s),
    ...inviteOperations(s),
    ...conversationOperations(s),
    ...messageOperations(s),
    ...reactionOperations(s),
    ...outboxOperations(s),
    ...inboxOperations(s),
    ...attachmentOperations(s),
    ...groupOperations(s),
    ...channelOperations(s),
    ...draftOperations(s),
    ...searchOperations(s),
  };
}

/** Wraps every operation so that it first runs `check` (closed store, stale tx). */
function guardTx(ops: StoreTx, check: () => void): StoreTx {
  const guarded: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(ops) as Array<[string, (...args: unknown[]) => unknown]>) {
    guarded[name] = (...args: unknown[]) => {
      check();
      return op(...args);
    };
  }
  return guarded as unknown as StoreTx;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
