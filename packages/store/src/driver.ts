/**
 * The SQLite driver: better-sqlite3-multiple-ciphers (SQLite 3.53 with
 * SQLite3 Multiple Ciphers, prebuilt for Node 24). Every other file of this
 * package reaches SQLite only through these types, so the driver is one
 * import away from being swapped.
 *
 * Why this build (docs/DESIGN.md §5 "At rest"): it encrypts every page of the
 * database and its WAL (cipher `chacha20`: ChaCha20 + Poly1305 per page, a
 * random 16-byte salt per database), it ships FTS5, it is maintained against
 * current SQLite releases, and it installs from a prebuilt binary (no
 * compiler on the user's machine).
 */
import Database from 'better-sqlite3-multiple-ciphers';

export type Db = Database.Database;
export type Statement = Database.Statement<SqlValue[], Row>;
/** What a statement binds. */
export type SqlValue = string | number | bigint | Uint8Array | null;
/** What a row holds (BLOBs come back as Buffers: rows.ts copies them). */
export type SqlOut = string | number | bigint | Uint8Array | null;
export type Row = Record<string, SqlOut>;

export interface DbOptions {
  /** Busy timeout in ms. */
  readonly timeout: number;
}

/** Opens a connection (creating the file if needed); no key is applied yet. */
export function openDb(path: string, options: DbOptions): Db {
  return new Database(path, { timeout: options.timeout });
}

/** Driver errors are `SqliteError`s whose `code` is SQLite's name (SQLITE_BUSY, SQLITE_NOTADB…). */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}
