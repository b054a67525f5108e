/**
 * core's MailStore on SQLite: what a mailbox holds (`parley mailbox run`'s mailbox.db, and a
 * daemon's mailbox.db when it holds mail for friends). Its own file and schema, apart from any
 * account. Same durability as the account store (WAL, synchronous=FULL): a deposit is answered
 * only after its commit. `secure_delete` is on, so fetched-and-deleted mail does not linger in
 * free pages. Nothing in it is readable: envelopes are sealed to their recipients, and
 * depositors are keyed hashes.
 */
import type { MailItem, MailQueue, MailStore, MailUsage } from '@parley/core';
import type { Db } from './driver.ts';
import { blob, num, type Row, text } from './rows.ts';
import { runMigrations } from './schema.ts';
import { openConfigured, type SqliteStoreOptions } from './sqlite-store.ts';
import { createStatements } from './statements.ts';

const MAIL_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
CREATE TABLE queues (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('paired', 'offered')),
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
  depositor TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  envelope BLOB NOT NULL
) STRICT;
CREATE INDEX items_by_queue ON items (queue, id);
CREATE INDEX items_by_depositor ON items (queue, depositor);
CREATE INDEX items_by_age ON items (received_at);
`;
const MAIL_MIGRATIONS: readonly string[] = [MAIL_V1];

const toQueue = (r: Row): MailQueue => ({
  id: text(r.id),
  owner: text(r.owner),
  tokenHash: text(r.token_hash),
  kind: text(r.kind) as MailQueue['kind'],
  createdAt: num(r.created_at),
});

const toItem = (r: Row): MailItem => ({
  id: num(r.id),
  queue: text(r.queue),
  depositor: text(r.depositor),
  receivedAt: num(r.received_at),
  envelope: blob(r.envelope),
});

const usageOf = (r: Row | undefined): MailUsage => ({ items: num(r?.n ?? 0), bytes: num(r?.bytes ?? 0) });

/**
 * Opens (creating if needed) a mailbox's database at `path`; with `key`, its pages are encrypted
 * as the account store's are (a daemon's mailbox.db uses a key from the account's vault).
 * @example const mail = openMailStore(join(home, 'mailbox.db'));
 */
export function openMailStore(path: string, options: SqliteStoreOptions = {}): MailStore {
  const db = openMailDatabase(path, options);
  const s = createStatements(db);
  const atomically = <T>(fn: () => T): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      db.exec('COMMIT');
      return out;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };
  return {
    getMeta: (key) => {
      const row = s.get('SELECT value FROM meta WHERE key = ?', key);
      return row === undefined ? undefined : blob(row.value);
    },
    setMeta: (key, value) =>
      void s.run(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        key,
        value,
      ),
    putQueue: (q) =>
      atomically(() => {
        s.run('DELETE FROM queues WHERE owner = ? AND id <> ?', q.owner, q.id);
        s.run(
          `INSERT INTO queues (id, owner, token_hash, kind, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, token_hash = excluded.token_hash, kind = excluded.kind`,
          ...[q.id, q.owner, q.tokenHash, q.kind, q.createdAt],
        );
      }),
    getQueue: (id) => {
      const row = s.get('SELECT * FROM queues WHERE id = ?', id);
      return row === undefined ? undefined : toQueue(row);
    },
    getQueueByOwner: (owner) => {
      const row = s.get('SELECT * FROM queues WHERE owner = ?', owner);
      return row === undefined ? undefined : toQueue(row);
    },
    getQueueByToken: (hash) => {
      const row = s.get('SELECT * FROM queues WHERE token_hash = ?', hash);
      return row === undefined ? undefined : toQueue(row);
    },
    listQueues: () => s.all('SELECT * FROM queues ORDER BY created_at, id').map(toQueue),
    deleteQueue: (id) => void s.run('DELETE FROM queues WHERE id = ?', id),
    usage: (queue, depositor) =>
      usageOf(
        depositor === undefined
          ? s.get('SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM items WHERE queue = ?', queue)
          : s.get(
              'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM items WHERE queue = ? AND depositor = ?',
              queue,
              depositor,
            ),
      ),
    addItem: (i) =>
      s.insert(
        'INSERT INTO items (queue, depositor, received_at, size, envelope) VALUES (?, ?, ?, ?, ?)',
        ...[i.queue, i.depositor, i.receivedAt, i.envelope.length, i.envelope],
      ),
    listItems: (queue, after, limit) =>
      s
        .all('SELECT * FROM items WHERE queue = ? AND id > ? ORDER BY id LIMIT ?', queue, after, limit)
        .map(toItem),
    deleteItems: (queue, ids) =>
      atomically(() => {
        let n = 0;
        for (const id of new Set(ids)) n += s.run('DELETE FROM items WHERE id = ? AND queue = ?', id, queue);
        return n;
      }),
    expire: (before) => s.run('DELETE FROM items WHERE received_at < ?', before),
    totals: () => {
      const u = usageOf(s.get('SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM items'));
      return { ...u, queues: num(s.get('SELECT count(*) AS n FROM queues')?.n) };
    },
    close: () => {
      s.clear();
      db.close();
    },
  };
}

/** The mailbox's connection, migrated to the current mail schema (also used to encrypt an old file). */
export function openMailDatabase(path: string, options: SqliteStoreOptions = {}): Db {
  return openConfigured(path, options, migrateMail);
}

function migrateMail(db: Db, path: string): void {
  runMigrations(db, path, MAIL_MIGRATIONS);
}
