/**
 * Helpers for the CLI contract tests (test/cli, test/api): NDJSON parsing,
 * line-by-line reading of a spawned command, daemons fed on stdin, and an
 * account "reinstall" that keeps the PeerId but makes a new identity key.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, openAccount } from '@parley/core';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { createAccountDatabase, unlockAccountDatabase } from '@parley/store';
import { type Daemon, type ParleyWorld, TEST_DAEMON_ARGS } from './parley.ts';

/** The contract's message fields (issue 6). */
export interface MessageJson {
  readonly id: string;
  readonly conversation: string;
  readonly direction: 'in' | 'out';
  readonly from: string;
  readonly text: string;
  readonly sentAt: number;
  readonly status: string;
}

/** Parses NDJSON: every non-empty line must be one JSON object. */
export function ndjson<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const v = JSON.parse(l) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`not an object: ${l}`);
      return v as T;
    });
}

/** Collects a child's stdout as lines; `next()` waits for a line matching `pred`. */
export function lineReader(child: ChildProcess): {
  lines: () => string[];
  waitFor: (pred: (line: string) => boolean, timeoutMs?: number) => Promise<string>;
} {
  let buffer = '';
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  child.stdout?.on('data', (d) => {
    buffer += String(d);
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  return {
    lines: () => [...lines],
    waitFor: (pred, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching line within ${timeoutMs} ms; got:\n${lines.join('\n')}`)),
          timeoutMs,
        );
        const check = (): void => {
          const hit = lines.find(pred);
          if (hit !== undefined) {
            clearTimeout(timer);
            resolve(hit);
          } else waiters.push(check);
        };
        check();
      }),
  };
}

/** Resolves with the exit code (or the signal name) of a child; rejects after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs = 15_000): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`process did not exit within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? -1);
    });
  });
}

/** Starts `parley daemon` with `input` on its stdin (e.g. for --passphrase-stdin); waits for ready. */
export async function daemonWithInput(
  world: ParleyWorld,
  home: string,
  input: string,
  extraArgs: readonly string[] = [],
): Promise<Daemon> {
  const child = world.spawn(home, [...TEST_DAEMON_ARGS, ...extraArgs]);
  child.stdin?.end(input);
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const reader = lineReader(child);
  const ready = await Promise.race([
    reader.waitFor((l) => l.includes('"ready"'), 30_000),
    exited(child, 30_000).then((code) => {
      throw new Error(`daemon in ${home} exited with ${code}:\n${stderr}`);
    }),
  ]);
  const info = JSON.parse(ready) as { peerId: string; apiPort: number; addresses: string[] };
  return { home, process: child, ...info, log: () => stderr };
}

/**
 * Simulates a reinstall that keeps the libp2p key (same PeerId) but creates a
 * new identity key: reads the peer key of the (stopped) account in `oldHome`
 * and creates a fresh keyfile account with it in the empty `newHome`.
 */
export async function reinstallKeepingPeerKey(
  oldHome: string,
  newHome: string,
  name: string,
): Promise<string> {
  const files = (home: string) => ({ database: join(home, 'parley.db'), vault: join(home, 'account.vault') });
  const crypto = { primitives: nodePrimitives, random: systemRandom };
  const keyFile = new Uint8Array(readFileSync(join(oldHome, 'account.key')));
  const old = await unlockAccountDatabase(files(oldHome), { keyFile }, crypto);
  let peerKey: Uint8Array;
  let peerId: string;
  try {
    const account = openAccount(old.store, old.vault, nodePrimitives);
    peerKey = account.peerKey;
    peerId = account.info.peerId;
  } finally {
    old.vault.lock();
    old.store.close();
  }
  const key = new Uint8Array(randomBytes(32));
  writeFileSync(join(newHome, 'account.key'), key, { mode: 0o600, flag: 'wx' });
  const fresh = await createAccountDatabase(files(newHome), { keyFile: key }, crypto);
  try {
    await createAccount(fresh.store, {
      name,
      vault: fresh.vault,
      peerId,
      peerKey,
      primitives: nodePrimitives,
      random: systemRandom,
      now: Date.now(),
    });
  } finally {
    fresh.vault.lock();
    fresh.store.close();
  }
  return peerId;
}

/** Reads a home's api.json port and api.token. */
export function apiOf(home: string): { port: number; token: string } {
  const { port } = JSON.parse(readFileSync(join(home, 'api.json'), 'utf8')) as { port: number };
  return { port, token: readFileSync(join(home, 'api.token'), 'utf8').trim() };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
