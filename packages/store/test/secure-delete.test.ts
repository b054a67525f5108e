/**
 * A deleted or replaced message leaves no copy in the files (issue 18): with secure_delete the
 * database's freed bytes are zeroed, and the commit of a delete or an edit folds the WAL into the
 * database and truncates it, so the old page images are not left in the WAL either. Checked on a
 * PLAIN database (no key), where a left-over copy would be readable, right after the commit,
 * with the store still open.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageRecord } from '@parley/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/index.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir();
afterAll(() => dir.remove());

const message = (id: string, text: string): MessageRecord => ({
  conversationId: 'conv',
  sender: 'peer',
  id,
  senderSeq: Number.parseInt(id, 16),
  kind: 'text',
  body: new TextEncoder().encode(text),
  sentAt: 1,
  receivedAt: 1,
  sortKey: Number.parseInt(id, 16),
  status: 'received',
  error: null,
  expiresAt: null,
  editedAt: null,
  deletedAt: null,
});

/** Database + WAL bytes, read while the store is open. */
const files = (path: string): Buffer =>
  Buffer.concat(
    ['', '-wal'].map((s) => {
      try {
        return readFileSync(path + s);
      } catch {
        return Buffer.alloc(0);
      }
    }),
  );

describe('secure delete', () => {
  let n = 0;
  const fresh = () => join(dir.path, `db-${++n}`, 'parley.db');

  for (const [what, remove] of [
    ['a deleted message', (tx, k) => tx.deleteMessage(k)],
    [
      'a message deleted for everyone',
      (tx, k) => void tx.updateMessage(k, { body: new Uint8Array(0), deletedAt: 5 }),
    ],
    [
      'the old text of an edited message',
      (tx, k) => void tx.updateMessage(k, { body: new Uint8Array(3), editedAt: 5 }),
    ],
    ['a deleted conversation', (tx) => tx.deleteConversation('conv')],
  ] as const satisfies ReadonlyArray<
    readonly [
      string,
      (
        tx: Parameters<Parameters<ReturnType<typeof openSqliteStore>['transaction']>[0]>[0],
        k: MessageRecord,
      ) => void,
    ]
  >) {
    it(`${what} is in neither the database nor its WAL after the commit`, () => {
      const path = fresh();
      const store = openSqliteStore(path);
      const canary = `secret-canary-${n}-${'x'.repeat(40)}`;
      const target = message('1', canary);
      store.transaction((tx) => {
        tx.insertMessage(target);
        for (let i = 2; i < 50; i++)
          tx.insertMessage(message(i.toString(16), `filler ${i} ${'y'.repeat(200)}`));
      });
      // Positive control: before the delete the canary is in the files.
      expect(files(path).includes(canary)).toBe(true);
      store.transaction((tx) => remove(tx, target));
      expect(files(path).includes(canary)).toBe(false);
      store.close();
      expect(files(path).includes(canary)).toBe(false);
    });
  }

  it('a rolled-back delete keeps the message and does not scrub a later ordinary commit', () => {
    const path = fresh();
    const store = openSqliteStore(path);
    const target = message('1', 'kept-canary');
    store.transaction((tx) => tx.insertMessage(target));
    expect(() =>
      store.transaction((tx) => {
        tx.deleteMessage(target);
        throw new Error('undo');
      }),
    ).toThrow('undo');
    store.transaction((tx) => tx.insertMessage(message('2', 'another')));
    expect(store.transaction((tx) => tx.getMessage(target))?.body).toEqual(target.body);
    // The WAL was not truncated by the ordinary commit: it still holds frames.
    expect(readFileSync(`${path}-wal`).length).toBeGreaterThan(0);
    store.close();
  });
});
