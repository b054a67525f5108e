/**
 * The account's files at rest (account-database.ts, encrypt.ts): a new account's database is
 * encrypted from its first byte; a wrong passphrase or key changes nothing; a populated schema-7
 * database (plain, from before page encryption) is encrypted in place on its first unlock, with
 * progress, and survives kill -9 at several points of that migration.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreError, createAccount, openAccount } from '@parley/core';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AccountFiles,
  accountFilesProtection,
  accountFilesState,
  createAccountDatabase,
  databaseFileKind,
  type EncryptProgress,
  openSqliteStore,
  StoreKeyError,
  StoreSetupError,
  unlockAccountDatabase,
} from '../src/index.ts';
import { V7_CONTACT_NAME, V7_CONVERSATION, V7_TEXT_CANARY, writeV7Account } from './fixtures/v7-account.ts';
import { tempDir } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./fixtures/encrypt-child.ts', import.meta.url));
const crypto = { primitives: nodePrimitives, random: systemRandom };
const dir = tempDir();
afterAll(() => dir.remove());

let n = 0;
function files(): AccountFiles {
  const home = join(dir.path, `home-${++n}`);
  return { database: join(home, 'parley.db'), vault: join(home, 'account.vault') };
}

/** sha256 of every file in the folder (what "nothing changed" means). */
function fingerprint(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(folder).sort())
    out[f] = createHash('sha256')
      .update(readFileSync(join(folder, f)))
      .digest('hex');
  return out;
}

const folderOf = (f: AccountFiles): string => join(f.database, '..');

function rawBytes(f: AccountFiles): Buffer {
  return Buffer.concat(readdirSync(folderOf(f)).map((name) => readFileSync(join(folderOf(f), name))));
}

describe('a new account', () => {
  it('is encrypted from the first byte; its vault header sits beside it', async () => {
    const f = files();
    const { store, vault } = await createAccountDatabase(f, { passphrase: 'a long passphrase' }, crypto);
    await createAccount(store, {
      name: 'Canary Name Q7',
      vault,
      peerId: '12D3KooWcanarypeer',
      peerKey: Uint8Array.of(9),
      primitives: nodePrimitives,
      random: systemRandom,
      now: Date.now(),
    });
    store.transaction((tx) => tx.setMeta('note', new TextEncoder().encode('canary-meta-value')));
    expect(databaseFileKind(f.database)).toBe('encrypted');
    const bytes = rawBytes(f);
    for (const canary of ['Canary Name Q7', '12D3KooWcanarypeer', 'canary-meta-value', 'SQLite format 3'])
      expect(bytes.includes(Buffer.from(canary))).toBe(false);
    store.close();
    vault.lock();
    expect(accountFilesState(f)).toBe('encrypted');
    expect(accountFilesProtection(f)).toBe('scrypt');

    const again = await unlockAccountDatabase(f, { passphrase: 'a long passphrase' }, crypto);
    expect(openAccount(again.store, again.vault, nodePrimitives).info.name).toBe('Canary Name Q7');
    again.store.close();
  }, 30_000);

  it('a wrong passphrase throws wrong-passphrase and changes no byte', async () => {
    const f = files();
    const created = await createAccountDatabase(f, { passphrase: 'the right one' }, crypto);
    created.store.close();
    const before = fingerprint(folderOf(f));
    const error = await unlockAccountDatabase(f, { passphrase: 'the wrong one' }, crypto).catch((e) => e);
    expect(error).toBeInstanceOf(CoreError);
    expect(error).toMatchObject({ code: 'wrong-passphrase' });
    expect(fingerprint(folderOf(f))).toEqual(before);
  }, 30_000);

  it('the database opened without its key, or with another, throws StoreKeyError and changes nothing', async () => {
    const f = files();
    const created = await createAccountDatabase(f, { keyFile: systemRandom(32) }, crypto);
    created.store.close();
    const before = fingerprint(folderOf(f));
    expect(() => openSqliteStore(f.database)).toThrow(StoreKeyError);
    expect(() => openSqliteStore(f.database, { key: systemRandom(32) })).toThrow(StoreKeyError);
    expect(fingerprint(folderOf(f))).toEqual(before);
  }, 30_000);

  it('without its vault header file the database is refused with a clear error', async () => {
    const f = files();
    const created = await createAccountDatabase(f, { keyFile: systemRandom(32) }, crypto);
    created.store.close();
    rmSync(f.vault);
    expect(() => accountFilesState(f)).toThrow(StoreSetupError);
    expect(() => accountFilesState(f)).toThrow(/account\.vault is missing/);
  }, 30_000);

  it('without its database, the vault header alone is a clear error (nothing is created)', async () => {
    const f = files();
    const created = await createAccountDatabase(f, { keyFile: systemRandom(32) }, crypto);
    created.store.close();
    rmSync(f.database);
    expect(() => accountFilesState(f)).toThrow(/parley\.db is missing but .*account\.vault is there/);
    await expect(unlockAccountDatabase(f, { keyFile: systemRandom(32) }, crypto)).rejects.toThrow(
      StoreSetupError,
    );
    expect(existsSync(f.database)).toBe(false);
  }, 30_000);

  it('refuses to create a second account over an existing one', async () => {
    const f = files();
    const created = await createAccountDatabase(f, { keyFile: systemRandom(32) }, crypto);
    created.store.close();
    await expect(createAccountDatabase(f, { keyFile: systemRandom(32) }, crypto)).rejects.toMatchObject({
      code: 'account-exists',
    });
  }, 30_000);
});

/** The v7 database's contents, read through the Store API. */
function checkV7Contents(
  f: AccountFiles,
  unlocked: Awaited<ReturnType<typeof unlockAccountDatabase>>,
  rows: number,
) {
  const { store, vault } = unlocked;
  expect(openAccount(store, vault, nodePrimitives).info.name).toBe('Old Account');
  store.transaction((tx) => {
    expect(tx.listContacts().map((c) => c.name)).toEqual([V7_CONTACT_NAME]);
    const all = tx.listMessages(V7_CONVERSATION, { limit: rows + 10 });
    expect(all).toHaveLength(rows);
    expect(all.map((m) => m.senderSeq)).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
    expect(new TextDecoder().decode(all[rows - 1]?.body)).toBe(`${V7_TEXT_CANARY} ${rows}`);
  });
  expect(databaseFileKind(f.database)).toBe('encrypted');
  expect(rawBytes(f).includes(Buffer.from(V7_TEXT_CANARY))).toBe(false);
  expect(existsSync(`${f.database}.plain-old`)).toBe(false);
  expect(existsSync(`${f.database}.encrypting`)).toBe(false);
}

describe('an account from before page encryption (schema 7, plain)', () => {
  it('is encrypted in place on its first unlock, with progress up to every row', async () => {
    const f = files();
    const rows = 12_345;
    const keyFile = await writeV7Account(mkdirFor(f), rows);
    expect(databaseFileKind(f.database)).toBe('plain');
    expect(accountFilesState(f)).toBe('plain');
    expect(existsSync(f.vault)).toBe(false);
    const progress: EncryptProgress[] = [];
    const unlocked = await unlockAccountDatabase(f, { keyFile }, crypto, {
      onProgress: (p) => progress.push(p),
    });
    checkV7Contents(f, unlocked, rows);
    unlocked.store.close();
    expect(existsSync(f.vault)).toBe(true);
    const last = progress.at(-1);
    expect(last?.done).toBe(last?.total);
    expect(last?.total).toBeGreaterThanOrEqual(rows);
    expect(progress.length).toBeGreaterThan(3); // 5,000 rows a step
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]?.done).toBeGreaterThanOrEqual(progress[i - 1]?.done ?? 0);
  }, 60_000);

  it('a wrong key leaves the plain database exactly as it was', async () => {
    const f = files();
    await writeV7Account(mkdirFor(f), 100);
    const before = fingerprint(folderOf(f));
    await expect(unlockAccountDatabase(f, { keyFile: systemRandom(32) }, crypto)).rejects.toMatchObject({
      code: 'wrong-passphrase',
    });
    expect(fingerprint(folderOf(f))).toEqual(before);
  }, 30_000);

  it('survives kill -9 at several points of the migration, and then completes', async () => {
    const f = files();
    const rows = 30_000;
    const keyFile = await writeV7Account(mkdirFor(f), rows);
    const keyPath = join(folderOf(f), 'account.key');
    writeFileSync(keyPath, keyFile);
    // Killed after the 1st, 3rd and 5th progress report (0, 10,000 and 20,000 rows copied).
    for (const killAfter of [1, 3, 5]) {
      const reports = await runAndKill(f, keyPath, killAfter);
      expect(reports).toBeGreaterThanOrEqual(killAfter);
      // Until the rename the plain database is the database: untouched, still plain.
      expect(databaseFileKind(f.database)).toBe('plain');
    }
    const unlocked = await unlockAccountDatabase(f, { keyFile }, crypto);
    checkV7Contents(f, unlocked, rows);
    unlocked.store.close();
  }, 120_000);

  it('a kill between the hard link and the rename leaves the plain database usable', async () => {
    const f = files();
    const keyFile = await writeV7Account(mkdirFor(f), 500);
    linkSync(f.database, `${f.database}.plain-old`); // what step 3 does first
    writeFileSync(`${f.database}.encrypting`, 'half-written'); // and a leftover copy
    const unlocked = await unlockAccountDatabase(f, { keyFile }, crypto);
    checkV7Contents(f, unlocked, 500);
    unlocked.store.close();
  }, 30_000);

  it('a kill after the rename: the plain file left aside is wiped on the next unlock', async () => {
    const f = files();
    const keyFile = await writeV7Account(mkdirFor(f), 500);
    (await unlockAccountDatabase(f, { keyFile }, crypto)).store.close();
    const old = `${f.database}.plain-old`;
    writeFileSync(old, `plain leftover ${V7_TEXT_CANARY}`);
    const before = statSync(old).ino;
    expect(before).not.toBe(statSync(f.database).ino);
    const unlocked = await unlockAccountDatabase(f, { keyFile }, crypto);
    checkV7Contents(f, unlocked, 500);
    unlocked.store.close();
  }, 30_000);
});

function mkdirFor(f: AccountFiles): string {
  const folder = folderOf(f);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true, mode: 0o700 }); // 0700 like a real data folder
  return f.database;
}

/** Runs the migration in a child process and SIGKILLs it after its `killAfter`-th progress line. */
async function runAndKill(f: AccountFiles, keyPath: string, killAfter: number): Promise<number> {
  const child = spawn(process.execPath, ['--no-warnings', CHILD, f.database, f.vault, keyPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  let reports = 0;
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const _ of lines) if (++reports === killAfter) child.kill('SIGKILL');
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  if (signal !== 'SIGKILL') throw new Error(`the child exited (${code}) before it was killed:\n${stderr}`);
  return reports;
}
