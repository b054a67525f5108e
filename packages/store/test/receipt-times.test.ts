/**
 * Schema V12 (issue 20, message info): receipts keep when each recipient got our message besides
 * when they read it. A schema-11 database's delivered rows get their time; its read rows keep NULL
 * (the delivery time was not kept).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/index.ts';
import { openDatabase } from '../src/sqlite-store.ts';
import { tempDir } from './helpers.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const key = { conversationId: 'conv', sender: 'self', id: 'a'.repeat(32) };

describe('receipt times', () => {
  it('migrates a schema-11 database: delivered rows get their time, read rows none', () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const path = join(dir.path, 'parley.db');
    const old = openDatabase(path);
    old.exec(`DROP TABLE drafts; ALTER TABLE conversations DROP COLUMN marked_unread;
      ALTER TABLE receipts DROP COLUMN delivered_at; PRAGMA user_version = 11;
      INSERT INTO receipts (conversation_id, sender, id, peer_id, status, at) VALUES
        ('conv', 'self', '${key.id}', 'peer-a', 'delivered', 5),
        ('conv', 'self', '${key.id}', 'peer-b', 'read', 7);`);
    old.close();
    const store = openSqliteStore(path);
    expect(
      store.transaction((tx) => tx.listReceipts(key)).map((r) => [r.peerId, r.status, r.at, r.deliveredAt]),
    ).toEqual([
      ['peer-a', 'delivered', 5, 5],
      ['peer-b', 'read', 7, null],
    ]);
    store.transaction((tx) =>
      tx.putReceipt({ ...key, peerId: 'peer-a', status: 'read', at: 9, deliveredAt: 5 }),
    );
    expect(store.transaction((tx) => tx.listReceipts(key))[0]).toMatchObject({
      status: 'read',
      at: 9,
      deliveredAt: 5,
    });
    store.close();
  });
});
