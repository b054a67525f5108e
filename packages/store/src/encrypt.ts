/**
 * Encrypting a plain database file in place (an account from before page
 * encryption, upgraded on its first unlock), crash-safe at every step:
 *
 *  1. the plain file is migrated to the current schema and its WAL folded in;
 *  2. a new encrypted file `<db>.encrypting` gets the current schema, then
 *     every row of every table, in chunks of CHUNK_ROWS per transaction,
 *     reporting progress; it is checked (quick_check, row counts) and closed;
 *  3. the plain file is hard-linked to `<db>.plain-old`, the encrypted file
 *     renamed over `<db>` (atomic) and the folder fsynced;
 *  4. `<db>.plain-old` is overwritten with zeros and removed.
 *
 * A kill before the rename leaves the plain database untouched (the next
 * unlock starts again and deletes the half-written copy); a kill after it
 * leaves the encrypted one, and cleanUpEncryption() wipes what is left of the
 * plain file. Search indexes (FTS5 tables and `search_*` tables) are not
 * copied: the messenger rebuilds them from the messages (`finish` lets the
 * caller forget that they were built).
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from './driver.ts';
import { StoreSetupError } from './errors.ts';
import type { SqliteStoreOptions } from './sqlite-store.ts';

/** Rows copied per transaction: a progress step, and a bound on the copy's memory. */
export const CHUNK_ROWS = 5_000;
const WIPE_CHUNK = 1 << 20;
const PLAIN_MAGIC = 'SQLite format 3\u0000';

export interface EncryptProgress {
  readonly done: number;
  readonly total: number;
}

export type OpenDatabase = (path: string, options: SqliteStoreOptions) => Db;

/** What the first 16 bytes say: no file (or an empty one), plain SQLite, or anything else (encrypted). */
export function databaseFileKind(path: string): 'none' | 'plain' | 'encrypted' {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw error;
  }
  try {
    const head = Buffer.alloc(16);
    const n = readFully(fd, head);
    if (n === 0) return 'none';
    return n === 16 && head.toString('latin1') === PLAIN_MAGIC ? 'plain' : 'encrypted';
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, into: Buffer): number {
  let n = 0;
  for (;;) {
    const r = readSync(fd, into, n, into.length - n, n);
    if (r === 0) return n;
    n += r;
    if (n === into.length) return n;
  }
}

/**
 * Encrypts the plain database at `path` under `key` (steps above); `open` opens and migrates a
 * database of this kind (the account's or a mailbox's).
 */
export function encryptDatabaseFile(
  path: string,
  key: Uint8Array,
  open: OpenDatabase,
  onProgress: (p: EncryptProgress) => void = () => {},
  finish: (db: Db) => void = () => {},
): void {
  if (databaseFileKind(path) !== 'plain') throw new StoreSetupError(`${path} is not a plain SQLite database`);
  const next = `${path}.encrypting`;
  removeDatabaseFiles(next);
  const plain = open(path, {});
  plain.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  plain.close();

  const db = open(next, { key });
  try {
    db.prepare("ATTACH DATABASE ? AS old KEY ''").run(path);
    const tables = copiedTables(db);
    const total = tables.reduce((sum, t) => sum + t.rows, 0);
    let done = 0;
    onProgress({ done, total });
    for (const table of tables) {
      db.exec(`DELETE FROM main.${table.quoted}`); // a fresh schema may have seeded rows (none today)
      done = copyTable(db, table, done, total, onProgress);
      const copied = Number(db.prepare(`SELECT count(*) AS n FROM main.${table.quoted}`).pluck().get());
      if (copied !== table.rows) {
        throw new StoreSetupError(
          `encrypting ${path}: ${table.name} has ${copied} rows, expected ${table.rows}`,
        );
      }
    }
    copySequences(db);
    finish(db);
    db.exec('DETACH DATABASE old');
    const check = db.prepare('PRAGMA quick_check').pluck().get();
    if (check !== 'ok') throw new StoreSetupError(`encrypting ${path}: the copy failed its check (${check})`);
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  fsyncFile(next);

  const old = `${path}.plain-old`;
  rmSync(old, { force: true });
  linkSync(path, old);
  renameSync(next, path);
  fsyncFile(dirname(path));
  cleanUpEncryption(path);
}

/**
 * Finishes or undoes an interrupted encryption: deletes a half-written `<db>.encrypting`, and
 * wipes `<db>.plain-old` once the database is encrypted (before that it is a second name of the
 * live plain file, and is only unlinked).
 */
export function cleanUpEncryption(path: string): void {
  removeDatabaseFiles(`${path}.encrypting`);
  const old = `${path}.plain-old`;
  if (!existsSync(old)) return;
  const live = existsSync(path) ? statSync(path) : undefined;
  const stale = statSync(old);
  if (!live || live.ino !== stale.ino || live.dev !== stale.dev) wipeFile(old, stale.size);
  rmSync(old, { force: true });
  fsyncFile(dirname(path));
}

/** Removes a database file and its companions. */
export function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

interface Table {
  readonly name: string;
  readonly quoted: string;
  readonly columns: string;
  readonly withRowid: boolean;
  readonly rows: number;
}

/** The ordinary tables of `old`, without SQLite's own and without search indexes. */
function copiedTables(db: Db): Table[] {
  const all = db
    .prepare("SELECT name, sql FROM old.sqlite_schema WHERE type = 'table' ORDER BY name")
    .all() as Array<{ name: string; sql: string }>;
  const virtual = all.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql)).map((t) => t.name);
  return all
    .filter(
      (t) =>
        !t.name.startsWith('sqlite_') &&
        !t.name.startsWith('search_') &&
        !virtual.some((v) => t.name === v || t.name.startsWith(`${v}_`)),
    )
    .map((t) => {
      const quoted = `"${t.name.replaceAll('"', '""')}"`;
      const columns = (
        db.prepare('SELECT name FROM pragma_table_info(?, ?)').pluck().all(t.name, 'old') as string[]
      )
        .map((c) => `"${c.replaceAll('"', '""')}"`)
        .join(', ');
      return {
        name: t.name,
        quoted,
        columns,
        withRowid: !/WITHOUT\s+ROWID\s*;?\s*$/i.test(t.sql),
        rows: Number(db.prepare(`SELECT count(*) FROM old.${quoted}`).pluck().get()),
      };
    });
}

function copyTable(
  db: Db,
  t: Table,
  doneBefore: number,
  total: number,
  onProgress: (p: EncryptProgress) => void,
): number {
  let done = doneBefore;
  if (!t.withRowid) {
    db.exec(`INSERT INTO main.${t.quoted} (${t.columns}) SELECT ${t.columns} FROM old.${t.quoted}`);
    done += t.rows;
    onProgress({ done, total });
    return done;
  }
  // The implicit rowid goes along (an INTEGER PRIMARY KEY column is the rowid, and copied as itself).
  const insert = db.prepare(
    `INSERT INTO main.${t.quoted} (rowid, ${t.columns}) SELECT rowid, ${t.columns} FROM old.${t.quoted}
     WHERE rowid > ? ORDER BY rowid LIMIT ${CHUNK_ROWS}`,
  );
  const last = db.prepare(`SELECT max(rowid) FROM main.${t.quoted}`).pluck();
  let after: number | bigint = Number.MIN_SAFE_INTEGER;
  for (;;) {
    db.exec('BEGIN IMMEDIATE');
    let copied: number;
    try {
      copied = insert.run(after).changes;
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
    if (copied === 0) return done;
    after = last.get() as number | bigint;
    done += copied;
    onProgress({ done, total });
  }
}

/** AUTOINCREMENT counters, so ids handed out before are never handed out again. */
function copySequences(db: Db): void {
  const has = (schema: string): boolean =>
    db.prepare(`SELECT 1 FROM ${schema}.sqlite_schema WHERE name = 'sqlite_sequence'`).get() !== undefined;
  if (!has('old') || !has('main')) return;
  db.exec('DELETE FROM main.sqlite_sequence');
  db.exec('INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM old.sqlite_sequence');
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Overwrites a file with zeros (best effort on flash and copy-on-write filesystems) and syncs it. */
function wipeFile(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    const zeros = Buffer.alloc(Math.min(WIPE_CHUNK, Math.max(size, 1)));
    for (let at = 0; at < size; at += zeros.length)
      writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
