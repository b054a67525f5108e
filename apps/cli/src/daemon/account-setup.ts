/**
 * Creating and unlocking the account from the daemon (used by `parley init`,
 * by `parley ui`'s onboarding through the local API, and at daemon start).
 * The account's database is encrypted under a key from its vault
 * (@parley/store's account-database.ts); an account from before page
 * encryption is encrypted in place on its first unlock, with progress.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  type Account,
  CoreError,
  createAccount,
  createPendingDevice,
  decodePendingDevice,
  encodePendingDevice,
  openAccount,
  type PendingDevice,
  type Store,
  type Vault,
  type VaultSecret,
} from '@parley/core';
import { bufferedRandom, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { generatePeerKey, peerIdOfKey } from '@parley/net';
import {
  type AccountFiles,
  accountFilesProtection,
  accountFilesState,
  changeAccountSecret,
  createAccountDatabase,
  type EncryptProgress,
  unlockAccountDatabase,
} from '@parley/store';
import { CliError } from '../cli-error.ts';
import type { HomePaths } from '../home.ts';
import { faultsFromEnv, type PassphraseChangeStep } from './faults.ts';

/** Minimum passphrase length (scrypt makes each guess cost ~1 s, but length still matters). */
export const PASSPHRASE_MIN_CHARS = 8;
/** Longest passphrase accepted when one is set or changed (a pasted sentence fits; a file does not). */
export const PASSPHRASE_MAX_CHARS = 1024;

/** The account's randomness (vault nonces for every sealed body): one CSPRNG call per 4 KiB. */
const vaultRandom = bufferedRandom(systemRandom);
const crypto = { primitives: nodePrimitives, random: vaultRandom };
/** bench:core's baseline (PARLEY_FAULTS {"plainDatabase":true}): no page encryption. Never set in use. */
const plainForBenchmarks = (): { plain?: true } =>
  faultsFromEnv(process.env).config.plainDatabase === true ? { plain: true } : {};

/** An unlocked account and its open (encrypted) store. */
export interface OpenAccount {
  readonly account: Account;
  readonly store: Store;
}

/** Progress of a first unlock that encrypts an old database (a percentage a log line can show). */
export type UpgradeProgress = (p: EncryptProgress & { readonly file: string }) => void;

export const accountFiles = (home: HomePaths): AccountFiles => ({
  database: home.database,
  vault: home.vaultFile,
  mailbox: home.mailboxDatabase,
});

/** Whether the home holds an account (nothing is opened or decrypted). */
export function homeHasAccount(home: HomePaths): boolean {
  return accountFilesState(accountFiles(home)) !== 'none';
}

/** Unlocks with the key file, or with `passphrase`; undefined if a passphrase is needed but not given. */
export async function tryUnlock(
  home: HomePaths,
  passphrase: string | undefined,
  onProgress?: UpgradeProgress,
): Promise<OpenAccount | undefined> {
  const secret = homeSecret(home, passphrase);
  if (!secret) return undefined;
  const { store, vault } = await unlockAccountDatabase(accountFiles(home), secret, crypto, {
    ...(onProgress ? { onProgress } : {}),
    ...plainForBenchmarks(),
  });
  try {
    const account = openAccount(store, vault, nodePrimitives);
    // A key file left by a switch to a passphrase that was interrupted: it opens nothing now.
    if (secret.passphrase !== undefined) rmSync(home.keyFile, { force: true });
    return { store, account };
  } catch (error) {
    store.close();
    vault.lock();
    throw error;
  }
}

/** What unlocks the home: its key file, or `passphrase` (undefined: a passphrase is needed). */
function homeSecret(home: HomePaths, passphrase: string | undefined): VaultSecret | undefined {
  if (accountFilesProtection(accountFiles(home)) === 'keyfile') {
    try {
      return { keyFile: new Uint8Array(readFileSync(home.keyFile)) };
    } catch {
      throw new CliError(
        'no-key-file',
        `the account's key file ${home.keyFile} is missing; restore it from your backup`,
      );
    }
  }
  return passphrase === undefined ? undefined : { passphrase };
}

/** Throws bad-input unless `passphrase` is PASSPHRASE_MIN_CHARS..PASSPHRASE_MAX_CHARS long. */
function checkNewPassphrase(passphrase: string): void {
  if (passphrase.length < PASSPHRASE_MIN_CHARS || passphrase.length > PASSPHRASE_MAX_CHARS) {
    throw new CoreError(
      'bad-input',
      `a passphrase needs ${PASSPHRASE_MIN_CHARS} to ${PASSPHRASE_MAX_CHARS} characters; choose another`,
    );
  }
}

/**
 * Sets a new passphrase (docs/API.md `account.changePassphrase`). `current` must open the account
 * (CoreError('wrong-passphrase') otherwise, nothing changed); an account protected by a key file
 * needs none, and its key file is deleted once the new header is in place. Only the vault header
 * is replaced, atomically (store's changeAccountSecret): the running daemon carries on.
 */
export async function changePassphrase(
  home: HomePaths,
  current: string | undefined,
  next: string,
  onStep?: (step: PassphraseChangeStep) => void,
): Promise<'passphrase'> {
  checkNewPassphrase(next);
  const files = accountFiles(home);
  const byKeyFile = accountFilesProtection(files) === 'keyfile';
  const secret = homeSecret(home, byKeyFile ? undefined : current);
  if (!secret || (secret.passphrase?.length ?? 0) > PASSPHRASE_MAX_CHARS) {
    throw new CoreError('wrong-passphrase', 'give your current passphrase to choose a new one');
  }
  await changeAccountSecret(files, secret, { passphrase: next }, crypto, onStep ? { onStep } : {});
  if (byKeyFile) {
    onStep?.('key-file');
    rmSync(home.keyFile, { force: true });
    syncFolder(home.dir);
  }
  return 'passphrase';
}

function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A new encrypted database: with a passphrase, or (null) with a new key file beside it. */
async function setUpDatabase(
  home: HomePaths,
  passphrase: string | null,
): Promise<{ readonly store: Store; readonly vault: Vault }> {
  if (passphrase !== null && passphrase.length < PASSPHRASE_MIN_CHARS) {
    throw new CoreError('bad-input', `a passphrase needs at least ${PASSPHRASE_MIN_CHARS} characters`);
  }
  if (homeHasAccount(home))
    throw new CoreError('account-exists', 'an account already exists in this data folder');
  let secret: VaultSecret;
  if (passphrase === null) {
    if (existsSync(home.keyFile)) throw new CoreError('account-exists', `${home.keyFile} already exists`);
    const key = new Uint8Array(randomBytes(32));
    writeFileSync(home.keyFile, key, { mode: 0o600, flag: 'wx' });
    secret = { keyFile: key };
  } else {
    secret = { passphrase };
  }
  return createAccountDatabase(accountFiles(home), secret, crypto, plainForBenchmarks());
}

/** Creates the account: with a passphrase, or (null) with a key file beside the database. */
export async function setUpAccount(
  home: HomePaths,
  name: string,
  passphrase: string | null,
): Promise<OpenAccount> {
  const { store, vault } = await setUpDatabase(home, passphrase);
  try {
    const peerKey = generatePeerKey();
    const account = await createAccount(store, {
      name,
      vault,
      peerId: peerIdOfKey(peerKey),
      peerKey,
      primitives: nodePrimitives,
      random: vaultRandom,
      now: Date.now(),
    });
    return { store, account };
  } catch (error) {
    store.close();
    vault.lock();
    throw error;
  }
}

/** A new device on its way into an account (`parley init --link`): its store and its own keys. */
export interface LinkingDevice {
  readonly store: Store;
  readonly vault: Vault;
  readonly device: PendingDevice;
  readonly peerKey: Uint8Array;
}

const PENDING_META = 'link-pending';

/**
 * Starts (or, after an interrupted attempt, resumes) linking this home to an account: creates the
 * encrypted database and this device's own keys, kept sealed in it until the grant arrives, so a
 * device killed mid-link asks again as the same device. An account already here is refused.
 */
export async function startLinking(
  home: HomePaths,
  name: string,
  passphrase: string | null,
): Promise<LinkingDevice> {
  if (!homeHasAccount(home)) {
    const { store, vault } = await setUpDatabase(home, passphrase);
    try {
      const peerKey = generatePeerKey();
      const device = createPendingDevice(
        { peerId: peerIdOfKey(peerKey), name, now: Date.now() },
        vaultRandom,
        nodePrimitives,
      );
      store.transaction((tx) =>
        tx.setMeta(PENDING_META, vault.seal(PENDING_META, encodePendingDevice(device, peerKey))),
      );
      return { store, vault, device, peerKey };
    } catch (error) {
      store.close();
      vault.lock();
      throw error;
    }
  }
  const secret = homeSecret(home, passphrase ?? undefined);
  if (!secret)
    throw new CliError(
      'passphrase-required',
      'this data folder is protected by a passphrase; give it with --passphrase-stdin',
    );
  const { store, vault } = await unlockAccountDatabase(accountFiles(home), secret, crypto);
  const { done, sealed } = store.transaction((tx) => ({
    done: tx.getMeta('account'),
    sealed: tx.getMeta(PENDING_META),
  }));
  if (done || !sealed) {
    store.close();
    vault.lock();
    throw new CliError('account-exists', `an account already exists in ${home.dir}; use another --home`);
  }
  const { device, peerKey } = decodePendingDevice(vault.open(PENDING_META, sealed), nodePrimitives);
  return { store, vault, device, peerKey };
}

/** The linking is done (completeLink stored the account): the pending keys go. */
export function finishLinking(linking: LinkingDevice): void {
  linking.store.transaction((tx) => tx.deleteMeta(PENDING_META));
}
