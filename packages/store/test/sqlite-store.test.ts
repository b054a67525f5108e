import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore, SCHEMA_VERSION, StoreVersionError } from '../src/index.ts';
import { createSqliteStore, openDatabase } from '../src/sqlite-store.ts';
import { tempDir } from './helpers.ts';

const mode = (path: string): number => statSync(path).mode & 0o777;
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('openSqliteStore', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.remove());
  const fresh = (): string => {
    dir = tempDir();
    return join(dir.path, 'parley', 'data', 'parley.db');
  };

  it('creates the data directory 0700 and the database, -wal and -shm files 0600, whatever the umask', () => {
    const path = fresh();
    const umask = process.umask(0);
    try {
      const store = openSqliteStore(path);
      store.transaction((tx) => tx.setMeta('k', bytes(1)));
      expect(mode(join(dir.path, 'parley'))).toBe(0o700);
      expect(mode(join(dir.path, 'parley', 'data'))).toBe(0o700);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file)).toBe(0o600);
      store.close();
    } finally {
      process.umask(umask);
    }
  });

  it('tightens an existing database file to 0600 and leaves an existing directory alone', () => {
    dir = tempDir();
    chmodSync(dir.path, 0o755);
    const path = join(dir.path, 'parley.db');
    writeFileSync(path, '', { mode: 0o644 });
    openSqliteStore(path).close();
    expect(mode(path)).toBe(0o600);
    expect(mode(dir.path)).toBe(0o755);
  });

  it('puts the connection in WAL mode with synchronous=FULL, foreign keys on and a busy timeout', () => {
    const db = openDatabase(fresh(), { busyTimeoutMs: 1234 });
    const pragma = (name: string): unknown => Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
    expect(pragma('journal_mode')).toBe('wal');
    expect(pragma('synchronous')).toBe(2); // FULL
    expect(pragma('foreign_keys')).toBe(1);
    expect(pragma('busy_timeout')).toBe(1234);
    expect(pragma('user_version')).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('a transaction that need not be durable skips only its own fsync: synchronous is FULL again after it', () => {
    const db = openDatabase(fresh());
    const store = createSqliteStore(db);
    const synchronous = (): unknown => Object.values(db.prepare('PRAGMA synchronous').get() ?? {})[0];
    const seen = store.transaction(() => synchronous(), { durable: false });
    expect(seen).toBe(1); // NORMAL while it runs
    expect(synchronous()).toBe(2);
    expect(() =>
      store.transaction(
        () => {
          throw new Error('boom');
        },
        { durable: false },
      ),
    ).toThrow('boom');
    expect(synchronous()).toBe(2);
    // nested calls join the outer transaction and cannot relax it
    expect(store.transaction(() => store.transaction(() => synchronous(), { durable: false }))).toBe(2);
    store.close();
  });

  it('records read in a transaction are frozen (one cached copy may serve several callers)', () => {
    const store = openSqliteStore(fresh());
    store.transaction((tx) =>
      tx.putConversation({
        id: 'c',
        kind: 'direct',
        disappearingMs: null,
        readUpTo: 0,
        markedUnread: false,
        createdAt: 1,
      }),
    );
    store.transaction((tx) => {
      const c = tx.getConversation('c') as { readUpTo: number };
      expect(() => {
        c.readUpTo = 5;
      }).toThrow(TypeError);
      expect(tx.getConversation('c')?.readUpTo).toBe(0);
    });
    store.close();
  });

  it('refuses a database from a newer schema version, without changing it', () => {
    const path = fresh();
    openSqliteStore(path).close();
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const error = (() => {
      try {
        openSqliteStore(path);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(StoreVersionError);
    expect(error).toMatchObject({
      code: 'store-version',
      found: SCHEMA_VERSION + 1,
      supported: SCHEMA_VERSION,
    });
    const check = new DatabaseSync(path);
    expect(check.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION + 1 });
    check.close();
  });

  it('close() checkpoints the WAL into the database file', () => {
    const path = fresh();
    const store = openSqliteStore(path);
    store.transaction((tx) => tx.setMeta('k', new Uint8Array(100_000)));
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    store.close();
    // The last connection's close removes the WAL once it has been folded in.
    expect(() => statSync(`${path}-wal`)).toThrow();
  });

  it("opens ':memory:' as a private in-memory database", () => {
    const store = openSqliteStore(':memory:');
    store.transaction((tx) => tx.setMeta('k', bytes(1)));
    expect(store.transaction((tx) => tx.getMeta('k'))).toEqual(bytes(1));
    store.close();
  });

  it('answers every query from an index (no table scan with a WHERE, no temporary sort)', () => {
    const db = openDatabase(fresh());
    const seen = new Set<string>();
    const prepare = db.prepare.bind(db);
    db.prepare = (sql: string) => {
      seen.add(sql);
      return prepare(sql);
    };
    const store = createSqliteStore(db);
    store.transaction((tx) => exerciseEverything(tx));
    const bad: string[] = [];
    for (const sql of seen) {
      if (!/^\s*(SELECT|UPDATE|DELETE)/i.test(sql)) continue;
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...new Array<null>(sql.split('?').length - 1).fill(null))
        .map((r) => String((r as { detail: unknown }).detail));
      const scans = plan.some((d) => /^SCAN \w+$/.test(d)) && /\bWHERE\b/i.test(sql);
      if (scans || plan.some((d) => d.includes('TEMP B-TREE'))) bad.push(`${sql}\n  ${plan.join('\n  ')}`);
    }
    expect(bad).toEqual([]);
    expect(seen.size).toBeGreaterThan(40);
    store.close();
  });
});

type Tx = Parameters<Parameters<ReturnType<typeof openSqliteStore>['transaction']>[0]>[0];
/** Calls every StoreTx method at least once, so that its statements get prepared. */
function exerciseEverything(tx: Tx): void {
  const key = { conversationId: 'c', sender: 's', id: 'i' };
  tx.getMeta('k');
  tx.setMeta('k', bytes(1));
  tx.deleteMeta('k');
  const contact = { id: 'c', peerId: 'p', name: 'n', identityKey: bytes(), card: bytes(), addresses: [] };
  tx.putContact({
    ...contact,
    verified: false,
    state: 'active',
    pendingIdentityKey: null,
    createdAt: 1,
    updatedAt: 1,
  });
  tx.getContact('c');
  tx.getContactByPeerId('p');
  tx.getContactByName('n');
  tx.listContacts();
  tx.deleteContact('c');
  tx.putSession('c', bytes());
  tx.getSession('c');
  tx.deleteSession('c');
  tx.putPrekey({ kind: 'signed', id: 1, secret: bytes(), createdAt: 1 });
  tx.getPrekey('signed', 1);
  tx.listPrekeys('signed');
  tx.deletePrekey('signed', 1);
  tx.putInvite({
    tokenHash: 'h',
    createdAt: 1,
    expiresAt: null,
    reusable: false,
    uses: 0,
    oneTimePrekeyId: null,
  });
  tx.getInvite('h');
  tx.listInvites();
  tx.deleteInvite('h');
  tx.putConversation({
    id: 'c',
    kind: 'direct',
    disappearingMs: null,
    readUpTo: 0,
    markedUnread: false,
    createdAt: 1,
  });
  tx.getConversation('c');
  tx.listConversations();
  tx.insertMessage({
    ...key,
    ...{ senderSeq: 1, kind: 'text', body: bytes(), sentAt: 1, receivedAt: 1, sortKey: 1, status: 'sent' },
    ...{ error: null, expiresAt: 1, editedAt: null, deletedAt: null },
  });
  tx.getMessage(key);
  tx.updateMessage(key, { status: 'read' });
  tx.updateMessage(key, {});
  for (const q of [{}, { before: 1 }, { after: 1 }, { before: 5, after: 1 }]) tx.listMessages('c', q);
  tx.getMessageBySeq('c', 's', 1);
  tx.maxSortKey('c');
  tx.maxSenderSeq('c', 's');
  tx.countMessagesAfter('c', 0);
  tx.listExpired(10, 10);
  tx.putReaction({ conversationId: 'c', targetSender: 's', targetId: 'i', reactor: 'r', emoji: 'x', at: 1 });
  tx.listReactions('c', 's', 'i');
  tx.deleteReaction('c', 's', 'i', 'r');
  tx.indexMessage(key, 'word', 1);
  tx.indexMessage(key, 'again', 1);
  const match = { terms: [{ tokens: ['wo'], prefix: true }] };
  tx.findMessages({ match, limit: 5 });
  tx.findMessages({ match, scope: 'c', before: 1e15, limit: 5 });
  tx.putPost({ channelId: 'ch', publisher: 'p', seq: 1, sortKey: 1, receivedAt: 1, post: bytes() });
  tx.indexPost('ch', 'p', 1, 'word', 1);
  tx.indexPost('ch', 'p', 1, 'again', 1);
  tx.deleteChannel('ch');
  tx.deleteMessage(key);
  tx.deleteConversation('c');
  const seq = tx.enqueueOutbox({
    ...{ peerId: 'p', kind: 'msg', frame: bytes(), digest: 'd', message: key, createdAt: 1 },
    ...{ attempts: 0, nextAttemptAt: 0, lastError: null },
  });
  tx.listOutbox();
  tx.listOutbox('p');
  tx.getOutboxByDigest('p', 'd');
  tx.updateOutbox(seq, { attempts: 1, nextAttemptAt: 1, lastError: null });
  tx.countOutbox();
  tx.countOutbox('p');
  tx.deleteOutbox(seq);
  tx.markReceived('p', 'd', 1);
  tx.hasReceived('p', 'd');
  tx.pruneReceived(1);
  tx.recordFailure('p', 'd', 1);
  tx.clearFailure('p', 'd');
  tx.park({ peerId: 'p', digest: 'd', frame: bytes(), error: 'e', failures: 3, parkedAt: 1 });
  tx.listParked();
  tx.deleteParked('p', 'd');
}
