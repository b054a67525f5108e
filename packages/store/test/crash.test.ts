/**
 * Durability under SIGKILL with real processes (DESIGN.md §5, D1): a child
 * commits "message + outbox frame + session" transactions in a loop and
 * reports each counter after its commit; we kill it mid-stream, reopen the
 * database and check that every reported commit is there and that no
 * transaction is partially there. Three kills at different points, on the
 * same database (each run recovers the previous crash first).
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import type { Store } from '@parley/core';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/index.ts';
import { BODY_BYTES, CONVERSATION, encodeCounter, PEER } from './fixtures/commit-loop.ts';
import { tempDir } from './helpers.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/commit-loop.ts', import.meta.url));
/** Commits (reported by the child) after which each run is killed. */
const KILL_AFTER = [200, 350, 500] as const;

/** Runs the child until it has reported `killAfter` commits, SIGKILLs it; returns the last counter it reported. */
async function runAndKill(path: string, killAfter: number): Promise<number> {
  const child = spawn(process.execPath, ['--no-warnings', FIXTURE, path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  let pending = '';
  let reported = 0;
  let last = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      last = Number(line);
      if (++reported === killAfter) child.kill('SIGKILL');
    }
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  if (signal !== 'SIGKILL') throw new Error(`child exited (${code}) before it was killed:\n${stderr}`);
  return last;
}

/** Asserts that the committed transactions are exactly 1..n, each one whole; returns n. */
function checkConsistent(store: Store, reportedUpTo: number): number {
  return store.transaction((tx) => {
    const n = tx.maxSenderSeq(CONVERSATION, PEER);
    expect(n).toBeGreaterThanOrEqual(reportedUpTo);
    const messages = tx.listMessages(CONVERSATION, { limit: n + 1 });
    expect(messages.map((m) => m.senderSeq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    for (const m of messages) expect(m.body).toEqual(encodeCounter(m.senderSeq, BODY_BYTES));
    const outbox = tx.listOutbox(PEER);
    expect(outbox.map((o) => o.digest)).toEqual(messages.map((m) => String(m.senderSeq)));
    for (const o of outbox) expect(o.frame).toEqual(encodeCounter(Number(o.digest), 512));
    expect(tx.getSession(PEER)).toEqual(n === 0 ? undefined : encodeCounter(n, 256));
    return n;
  });
}

describe('crash safety (SIGKILL a committing process)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('keeps every reported commit, and every transaction whole, across three kills', {
    timeout: 120_000,
  }, async () => {
    const path = join(dir.path, 'data', 'parley.db');
    let before = 0;
    for (const killAfter of KILL_AFTER) {
      const reported = await runAndKill(path, killAfter);
      // Lines arrive in chunks: the child may have reported a few more commits before the kill landed.
      expect(reported).toBeGreaterThanOrEqual(before + killAfter);
      const store = openSqliteStore(path);
      before = checkConsistent(store, reported);
      store.close();
      const raw = new DatabaseSync(path);
      expect(raw.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
      raw.close();
    }
    expect(before).toBeGreaterThanOrEqual(KILL_AFTER.reduce((a: number, b) => a + b, 0));
  });
});
