/**
 * Creating and unlocking the account from the daemon (used by `parley init`,
 * by `parley ui`'s onboarding through the local API, and at daemon start).
 * The account's database is encrypted under a key from its vault
 * (@parley/store's account-database.ts); an account from before page
 * encryption is encrypted in place on its first unlock, with progress.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  type Account,
  CoreError,
  createAccount,
  openAccount,
  type Store,
  type VaultSecret,
} from '@parley/core';
import { bufferedRandom, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { generatePeerKey, peerIdOfKey } from '@parley/net';
import {
  type AccountFiles,
  accountFilesProtection,
  accountFilesState,
  createAccountDatabase,
  type EncryptProgress,
  unlockAccountDatabase,
} from '@parley/store';
import { CliError } from '../cli-error.ts';
import type { HomePaths } from '../home.ts';
import { faultsFromEnv } from './faults.ts';

/** Minimum passphrase length (scrypt makes each guess cost ~1 s, but length still matters). */
export const PASSPHRASE_MIN_CHARS = 8;

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
  let secret: VaultSecret;
  if (accountFilesProtection(accountFiles(home)) === 'keyfile') {
    try {
      secret = { keyFile: new Uint8Array(readFileSync(home.keyFile)) };
    } catch {
      throw new CliError(
        'no-key-file',
        `the account's key file ${home.keyFile} is missing; restore it from your backup`,
      );
    }
  } else if (passphrase === undefined) return undefined;
  else secret = { passphrase };
  const { store, vault } = await unlockAccountDatabase(accountFiles(home), secret, crypto, {
    ...(onProgress ? { onProgress } : {}),
    ...plainForBenchmarks(),
  });
  try {
    return { store, account: openAccount(store, vault, nodePrimitives) };
  } catch (error) {
    store.close();
    vault.lock();
    throw error;
  }
}

/** Creates the account: with a passphrase, or (null) with a key file beside the database. */
export async function setUpAccount(
  home: HomePaths,
  name: string,
  passphrase: string | null,
): Promise<OpenAccount> {
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
  const { store, vault } = await createAccountDatabase(
    accountFiles(home),
    secret,
    crypto,
    plainForBenchmarks(),
  );
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
