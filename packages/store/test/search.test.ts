/**
 * The search index on SQLite (schema V9, search-operations.ts): what a deleted message leaves in
 * the files (nothing), the MATCH expression (nothing the user types is syntax), and the triggers'
 * statements using indexes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageRecord, StoreTx } from '@parley/core';
import { indexText, parseQuery } from '@parley/core';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/index.ts';
import { matchExpression } from '../src/search-operations.ts';
import { createSqliteStore, openDatabase } from '../src/sqlite-store.ts';
import { tempDir } from './helpers.ts';

let dirs: Array<ReturnType<typeof tempDir>> = [];
afterEach(() => {
  for (const d of dirs) d.remove();
  dirs = [];
});
const fresh = (): string => {
  const d = tempDir();
  dirs.push(d);
  return join(d.path, 'parley.db');
};

const message = (n: number): MessageRecord => ({
  conversationId: 'conv',
  sender: 'peer',
  id: n.toString(16).padStart(32, '0'),
  ...{ senderSeq: n, kind: 'text', body: new Uint8Array([1]), sentAt: n, receivedAt: n, sortKey: n },
  ...{ status: 'received', error: null, expiresAt: null, editedAt: null, deletedAt: null },
});

/** Every file of the database (main, WAL, shared memory), as one Latin-1 string to search. */
const rawFiles = (path: string): string =>
  ['', '-wal', '-shm', '-journal']
    .filter((suffix) => existsSync(path + suffix))
    .map((suffix) => readFileSync(path + suffix).toString('latin1'))
    .join('\n');

describe('search on SQLite', () => {
  it('leaves no token of a deleted message anywhere in the files (FTS5 secure-delete)', () => {
    const path = fresh();
    const canary = 'zqxcanaryvwk';
    const store = openSqliteStore(path); // plain (no key): the bytes can be read
    const index = (tx: StoreTx, n: number, text: string): void => {
      tx.insertMessage(message(n));
      tx.indexMessage(message(n), indexText(text), n);
    };
    // Enough other documents that the index has segments, and the canary lands among them.
    store.transaction((tx) => {
      for (let n = 1; n <= 300; n++) index(tx, n, `filler word number ${n}`);
    });
    store.transaction((tx) => index(tx, 1000, `the ${canary} sings`));
    store.transaction((tx) => {
      for (let n = 301; n <= 400; n++) index(tx, n, `more filler ${n}`);
    });
    expect(store.transaction((tx) => tx.findMessages({ match: parseQuery(canary), limit: 5 }))).toHaveLength(
      1,
    );
    store.close();
    expect(rawFiles(path)).toContain(canary); // the test can see the token when it is there

    const again = openSqliteStore(path);
    // An edit re-indexes: the old words go the same way.
    again.transaction((tx) => index(tx, 2000, `an ${canary}x before the edit`));
    expect(again.transaction((tx) => tx.flushSearchIndex(100))).toBe(1); // the old words are in the index
    again.transaction((tx) => tx.indexMessage(message(2000), indexText('after the edit'), 2000));
    again.transaction((tx) => tx.deleteMessage(message(1000)));
    expect(again.transaction((tx) => tx.findMessages({ match: parseQuery(canary), limit: 5 }))).toEqual([]);
    again.close();
    expect(rawFiles(path)).not.toContain(canary);
  });

  it('writes documents into the index in batches; what waits is found, and may change or go first', () => {
    const path = fresh();
    const store = openSqliteStore(path);
    const find = (q: string) =>
      store.transaction((tx) => tx.findMessages({ match: parseQuery(q), limit: 50 }).map((r) => r.doc));
    store.transaction((tx) => {
      for (let n = 1; n <= 10; n++) {
        tx.insertMessage(message(n));
        tx.indexMessage(message(n), indexText(`waiting word${n}`), n);
      }
    });
    // Before any flush: five go (deleted), two change; none of them reached the index yet.
    store.transaction((tx) => {
      for (let n = 1; n <= 5; n++) tx.deleteMessage(message(n));
      tx.indexMessage(message(6), indexText('changed six'), 6);
      tx.indexMessage(message(7), indexText('changed seven'), 7);
    });
    expect(store.transaction((tx) => tx.flushSearchIndex(3))).toBe(3);
    // A search writes whatever still waits first, so nothing is missing from it.
    expect(find('waiting').length).toBe(3);
    expect(find('changed').length).toBe(2);
    expect(find('word6')).toEqual([]);
    expect(store.transaction((tx) => tx.flushSearchIndex(100))).toBe(0);
    // Then a written document changes and goes: the index stays consistent throughout.
    store.transaction((tx) => tx.indexMessage(message(8), indexText('eight again'), 8));
    store.transaction((tx) => tx.deleteMessage(message(9)));
    expect(find('waiting').length).toBe(1);
    expect(find('again').length).toBe(1);
    store.close();
    // FTS5's own check of its index structures (a contentless table: rank 0).
    const db = openDatabase(path);
    expect(() =>
      db.exec("INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 0)"),
    ).not.toThrow();
    db.close();
  });

  it('migrates a schema-8 database: its messages stay, unindexed until core indexes them', () => {
    const path = fresh();
    const old = openDatabase(path);
    // A schema-8 database: this version's schema without V9's (and later versions') objects.
    old.exec(`DROP TABLE drafts; ALTER TABLE conversations DROP COLUMN marked_unread;
      ALTER TABLE receipts DROP COLUMN delivered_at; DROP TABLE read_marks; DROP TABLE devices; DROP TABLE device_lists;
      DROP TRIGGER messages_unindex; DROP TRIGGER messages_unindex_deleted;
      DROP TRIGGER channel_posts_unindex; DROP TRIGGER search_docs_unindex;
      DROP TABLE search_index; DROP TABLE search_docs; PRAGMA user_version = 8;`);
    createSqliteStore(old).transaction((tx) => tx.insertMessage(message(1)));
    old.close();
    const store = openSqliteStore(path);
    const find = () => store.transaction((tx) => tx.findMessages({ match: parseQuery('hello'), limit: 5 }));
    expect(store.transaction((tx) => tx.getMessage(message(1)))?.senderSeq).toBe(1);
    expect(find()).toEqual([]);
    store.transaction((tx) => tx.indexMessage(message(1), indexText('hello there'), 1));
    expect(find()).toEqual([
      { doc: 1024, kind: 'message', key: { conversationId: 'conv', sender: 'peer', id: message(1).id } },
    ]);
    store.transaction((tx) => tx.deleteConversation('conv'));
    expect(find()).toEqual([]);
    store.close();
  });

  it('quotes every term: FTS5 syntax in a query is plain text', () => {
    expect(matchExpression(parseQuery('a"b* NEAR(x) -y col:z'))).toBe(
      'text : ("a"* AND "b"* AND "near"* AND "x"* AND "y"* AND "col"* AND "z"*)',
    );
    expect(matchExpression(parseQuery('你好 🎉'), 'c1')).toBe(
      'text : ("你 好" AND "🎉") AND scope : "s6331"',
    );
    expect(matchExpression({ terms: [{ tokens: ['a"b'], prefix: false }] })).toBe('text : ("a""b")');
    expect(matchExpression({ terms: [] })).toBeUndefined();
  });

  it("the triggers' statements use indexes", () => {
    const db = openDatabase(fresh());
    const triggers = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger'").all() as Array<{
      sql: string;
    }>;
    expect(triggers).toHaveLength(4);
    for (const sql of [
      'DELETE FROM search_docs WHERE message_pk = ?',
      'DELETE FROM search_docs WHERE channel_id = ? AND publisher = ? AND seq = ?',
    ]) {
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...new Array<null>(sql.split('?').length - 1).fill(null))
        .map((r) => String((r as { detail: unknown }).detail));
      expect(plan.some((d) => /^SCAN \w+$/.test(d))).toBe(false);
    }
    createSqliteStore(db).close();
  });
});
