/**
 * An account's files at rest (docs/DESIGN.md §5 "At rest"): the SQLite
 * database, every page of it and of its WAL encrypted under a key the vault
 * derives ("database"), and beside it the vault header (scrypt parameters,
 * salt, a sealed check value: not secret, and needed before the database can
 * be opened). An account from before page encryption keeps its header in the
 * plain database's meta; its first unlock encrypts the database in place
 * (encrypt.ts) and writes the header file.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CoreError,
  createVault,
  rewrapVault,
  SEARCH_BACKFILL_META,
  type Store,
  unlockVault,
  type Vault,
  type VaultKdf,
  type VaultSecret,
  vaultKdf,
} from '@parley/core';
import { openDb } from './driver.ts';
import {
  cleanUpEncryption,
  databaseFileKind,
  type EncryptProgress,
  encryptDatabaseFile,
  removeDatabaseFiles,
} from './encrypt.ts';
import { StoreSetupError } from './errors.ts';
import { prepareDirectory } from './files.ts';
import { openMailDatabase } from './mail-store.ts';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  openDatabase,
  openSqliteStore,
  type SqliteStoreOptions,
} from './sqlite-store.ts';

/** The vault key's purpose for the account database's page key. */
const DATABASE_KEY_PURPOSE = 'database';
/** … and for the mail the account holds for friends (mailbox.db). */
const MAILBOX_KEY_PURPOSE = 'mailbox-database';
/** A vault header is ~100 bytes; anything far larger is not one. */
const HEADER_MAX_BYTES = 4096;

export interface AccountFiles {
  /** The SQLite database (parley.db). */
  readonly database: string;
  /** The vault header (account.vault). */
  readonly vault: string;
  /** The mail held for friends (mailbox.db), encrypted like the database. */
  readonly mailbox?: string;
}

export interface AccountCrypto {
  readonly primitives: Parameters<typeof createVault>[2];
  readonly random: Parameters<typeof createVault>[1];
}

export interface UnlockedDatabase {
  readonly store: Store;
  readonly vault: Vault;
}

export interface CreateOptions extends SqliteStoreOptions {
  /**
   * Benchmarks' baseline only (bench:core compares the cost of page encryption): the database
   * stays plain SQLite. A later unlock without `plain` encrypts it like any old database.
   */
  readonly plain?: boolean;
}

export interface UnlockOptions extends CreateOptions {
  /** Called while an old plain database is encrypted (its first unlock). */
  readonly onProgress?: (p: EncryptProgress & { readonly file: string }) => void;
}

/**
 * Whether `files` hold an account, and in which form: 'none' (create one), 'encrypted',
 * or 'plain' (from before page encryption: its first unlock encrypts it).
 * @throws StoreSetupError when the database is encrypted but its vault header file is missing, or
 *   the header is there without its database.
 */
export function accountFilesState(files: AccountFiles): 'none' | 'encrypted' | 'plain' {
  const kind = databaseFileKind(files.database);
  const header = readHeaderFile(files.vault);
  if (kind === 'plain') return header || legacyHeader(files.database) ? 'plain' : 'none';
  if (kind === 'encrypted' && !header) {
    throw new StoreSetupError(
      `${files.vault} is missing: without it ${files.database} cannot be opened; restore the whole data folder from a backup`,
    );
  }
  if (kind === 'none' && header) {
    // Opening would create an empty database beside the header: an account that cannot unlock.
    throw new StoreSetupError(
      `${files.database} is missing but ${files.vault} is there: restore the database from a backup, or remove ${files.vault} to start a new account`,
    );
  }
  return header ? 'encrypted' : 'none';
}

/** Which secret unlocks the account (from its vault header). */
export function accountFilesProtection(files: AccountFiles): VaultKdf {
  return vaultKdf(vaultHeader(files));
}

/**
 * Creates the vault and an empty encrypted database for a new account (the caller then writes the
 * account into the store with createAccount({vault})).
 */
export async function createAccountDatabase(
  files: AccountFiles,
  secret: VaultSecret,
  crypto: AccountCrypto,
  options: CreateOptions = {},
): Promise<UnlockedDatabase> {
  if (accountFilesState(files) !== 'none') {
    throw new CoreError('account-exists', 'an account already exists in this data folder');
  }
  const { vault, header } = await createVault(secret, crypto.random, crypto.primitives);
  // Nothing of ours is in an account-less database file (a daemon started before `init` may have
  // left an empty one): start from nothing, then write the header before the database exists.
  removeDatabaseFiles(files.database);
  writeFileDurably(files.vault, header);
  return { vault, store: openWithVault(files, vault, options) };
}

/**
 * Unlocks the account's vault with `secret` (a wrong one throws CoreError('wrong-passphrase')
 * and changes nothing), encrypts a plain database first if needed, and opens the store.
 */
export async function unlockAccountDatabase(
  files: AccountFiles,
  secret: VaultSecret,
  crypto: AccountCrypto,
  options: UnlockOptions = {},
): Promise<UnlockedDatabase> {
  const state = accountFilesState(files);
  if (state === 'none')
    throw new CoreError('no-account', 'no account here yet; create one with "parley init"');
  const header = vaultHeader(files);
  const vault = await unlockVault(header, secret, crypto.random, crypto.primitives);
  try {
    if (state === 'plain' && options.plain) return { vault, store: openSqliteStore(files.database, options) };
    if (state === 'plain') {
      writeFileDurably(files.vault, header); // first: the encrypted database cannot be opened without it
      withKey(vault, DATABASE_KEY_PURPOSE, (key) =>
        encryptDatabaseFile(
          files.database,
          key,
          openDatabase,
          (p) => options.onProgress?.({ ...p, file: files.database }),
          // The search index is not copied: the messenger indexes every message again.
          (db) => db.prepare('DELETE FROM main.meta WHERE key = ?').run(SEARCH_BACKFILL_META),
        ),
      );
    }
    cleanUpEncryption(files.database);
    rmSync(`${files.vault}.tmp`, { force: true }); // a header whose change was interrupted
    if (files.mailbox) encryptMailboxIfPlain(files.mailbox, vault, options);
    return { vault, store: openWithVault(files, vault, options) };
  } catch (error) {
    vault.lock();
    throw error;
  }
}

/** Where a change of the vault header stands (ChangeSecretOptions.onStep). */
export type HeaderWriteStep = 'temp-written' | 'renamed';

export interface ChangeSecretOptions {
  /** Called at each step of the header's replacement (the durability tests kill the process there). */
  readonly onStep?: (step: HeaderWriteStep) => void;
}

/**
 * Makes `next` open the account instead of `current` (a wrong `current` throws
 * CoreError('wrong-passphrase') and changes nothing). Only the vault header changes (core's
 * rewrapVault): the new one is written beside the old, fsynced and renamed over it, so a crash at
 * any moment leaves a header that opens with one of the two, never neither. The open database and
 * its key are untouched: no restart needed.
 */
export async function changeAccountSecret(
  files: AccountFiles,
  current: VaultSecret,
  next: VaultSecret,
  crypto: AccountCrypto,
  options: ChangeSecretOptions = {},
): Promise<VaultKdf> {
  const header = readHeaderFile(files.vault);
  if (!header) {
    throw new CoreError('no-account', 'no account here yet; create one with "parley init"');
  }
  const rewrapped = await rewrapVault(header, current, next, crypto.random, crypto.primitives);
  writeFileDurably(files.vault, rewrapped, options.onStep);
  return vaultKdf(rewrapped);
}

/** The key of the account's mailbox.db (mail held for friends). */
export function mailboxDatabaseKey(vault: Vault): Uint8Array {
  return vault.deriveKey(MAILBOX_KEY_PURPOSE);
}

function openWithVault(files: AccountFiles, vault: Vault, options: CreateOptions): Store {
  if (options.plain) return openSqliteStore(files.database, options);
  return withKey(vault, DATABASE_KEY_PURPOSE, (key) => openSqliteStore(files.database, { ...options, key }));
}

function encryptMailboxIfPlain(path: string, vault: Vault, options: UnlockOptions): void {
  if (databaseFileKind(path) === 'plain') {
    withKey(vault, MAILBOX_KEY_PURPOSE, (key) =>
      encryptDatabaseFile(path, key, openMailDatabase, (p) => options.onProgress?.({ ...p, file: path })),
    );
  }
  cleanUpEncryption(path);
}

function withKey<T>(vault: Vault, purpose: string, fn: (key: Uint8Array) => T): T {
  const key = vault.deriveKey(purpose);
  try {
    return fn(key);
  } finally {
    key.fill(0);
  }
}

function vaultHeader(files: AccountFiles): Uint8Array {
  const header = readHeaderFile(files.vault) ?? legacyHeader(files.database);
  if (!header) throw new CoreError('no-account', 'no account here yet; create one with "parley init"');
  return header;
}

function readHeaderFile(path: string): Uint8Array | undefined {
  try {
    const bytes = readFileSync(path);
    if (bytes.length === 0 || bytes.length > HEADER_MAX_BYTES) {
      throw new StoreSetupError(`${path} is damaged; restore the data folder from a backup`);
    }
    return new Uint8Array(bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The vault header in a plain database's meta (an account from before page encryption). */
function legacyHeader(path: string): Uint8Array | undefined {
  const db = openDb(path, { timeout: DEFAULT_BUSY_TIMEOUT_MS });
  try {
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get();
    if (!hasMeta) return undefined;
    const value = db.prepare("SELECT value FROM meta WHERE key = 'vault'").pluck().get();
    return value instanceof Uint8Array ? new Uint8Array(value) : undefined;
  } finally {
    db.close();
  }
}

/** Writes a small file atomically and durably (temporary file, fsync, rename, fsync the folder). */
function writeFileDurably(path: string, bytes: Uint8Array, onStep?: (step: HeaderWriteStep) => void): void {
  prepareDirectory(path);
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  onStep?.('temp-written');
  renameSync(tmp, path);
  onStep?.('renamed');
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
