/**
 * Schema V13 (issue 20, drafts and "mark as unread"): a schema-12 database's conversations come
 * out not marked unread, and drafts can be stored in it.
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

describe('drafts schema', () => {
  it('migrates a schema-12 database: conversations not marked unread, drafts stored', () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const path = join(dir.path, 'parley.db');
    const old = openDatabase(path);
    old.exec(`DROP TABLE drafts; ALTER TABLE conversations DROP COLUMN marked_unread; PRAGMA user_version = 12;
      INSERT INTO conversations (id, kind, disappearing_ms, read_up_to, created_at) VALUES ('c', 'direct', NULL, 4, 1);`);
    old.close();
    const store = openSqliteStore(path);
    expect(store.transaction((tx) => tx.getConversation('c'))).toEqual({
      id: 'c',
      kind: 'direct',
      disappearingMs: null,
      readUpTo: 4,
      markedUnread: false,
      createdAt: 1,
    });
    const draft = { conversationId: 'c', body: Uint8Array.of(1), updatedAt: 2 };
    store.transaction((tx) => tx.putDraft(draft));
    expect(store.transaction((tx) => tx.listDrafts())).toEqual([draft]);
    store.close();
  });
});
