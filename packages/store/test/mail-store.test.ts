/** The SQLite MailStore (a mailbox's mailbox.db) against the in-memory one, and across a reopen. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailStore } from '@parley/core';
import { createMemoryMailStore } from '@parley/core';
import { afterEach, describe, expect, it } from 'vitest';
import { openMailStore } from '../src/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'parley-mail-'));
  dirs.push(d);
  return join(d, 'mailbox.db');
};

const queue = (id: string, owner: string) => ({
  id,
  owner,
  tokenHash: `t-${id}`,
  kind: 'paired' as const,
  createdAt: 1,
});
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

function exercise(s: MailStore) {
  s.setMeta('k', Uint8Array.of(1, 2));
  s.putQueue(queue('q1', 'bob'));
  s.putQueue(queue('q2', 'carol'));
  const a = s.addItem({ queue: 'q1', depositor: 'd1', receivedAt: 10, envelope: bytes(100, 1) });
  const b = s.addItem({ queue: 'q1', depositor: 'd2', receivedAt: 20, envelope: bytes(50, 2) });
  const c = s.addItem({ queue: 'q2', depositor: 'd1', receivedAt: 30, envelope: bytes(10, 3) });
  const out = {
    meta: s.getMeta('k'),
    byOwner: s.getQueueByOwner('bob')?.id,
    byToken: s.getQueueByToken('t-q2')?.owner,
    usage: s.usage('q1'),
    usageD1: s.usage('q1', 'd1'),
    listed: s.listItems('q1', a, 10).map((i) => [i.id - a, i.depositor, i.receivedAt, i.envelope.length]),
    wrongQueueDelete: s.deleteItems('q2', [a, b]),
    expired: s.expire(15),
    totals: s.totals(),
  };
  s.putQueue({ ...queue('q3', 'bob') }); // bob re-keyed under a new queue: the old one goes
  s.deleteQueue('q2');
  return { ...out, after: s.listQueues().map((q) => q.id), left: s.totals(), c: c - a };
}

describe('openMailStore', () => {
  it('behaves like the in-memory MailStore', () => {
    const path = fresh();
    const sqlite = openMailStore(path);
    expect(exercise(sqlite)).toEqual(exercise(createMemoryMailStore()));
    sqlite.close();
  });

  it('keeps what it holds across a reopen', () => {
    const path = fresh();
    const s = openMailStore(path);
    s.putQueue(queue('q1', 'bob'));
    const id = s.addItem({ queue: 'q1', depositor: 'd', receivedAt: 1, envelope: bytes(64, 7) });
    s.close();
    const again = openMailStore(path);
    expect(again.listItems('q1', 0, 10).map((i) => i.id)).toEqual([id]);
    expect(again.getQueueByOwner('bob')?.tokenHash).toBe('t-q1');
    again.close();
  });
});
