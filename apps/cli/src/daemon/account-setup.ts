/**
 * Creating and unlocking the account from the daemon (used by `parley ui`'s
 * onboarding through the local API, and at daemon start).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  type Account,
  accountProtection,
  CoreError,
  createAccount,
  type Store,
  unlockAccount,
} from '@parley/core';
import { bufferedRandom, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { generatePeerKey, peerIdOfKey } from '@parley/net';
import { CliError } from '../cli-error.ts';
import type { HomePaths } from '../home.ts';

/** Minimum passphrase length (scrypt makes each guess cost ~1 s, but length still matters). */
export const PASSPHRASE_MIN_CHARS = 8;

/** The account's randomness (vault nonces for every sealed body): one CSPRNG call per 4 KiB. */
const vaultRandom = bufferedRandom(systemRandom);

/** Unlocks with the key file, or with `passphrase`; undefined if a passphrase is needed but not given. */
export async function tryUnlock(
  store: Store,
  home: HomePaths,
  passphrase: string | undefined,
): Promise<Account | undefined> {
  if (accountProtection(store) === 'keyfile') {
    let keyFile: Uint8Array;
    try {
      keyFile = new Uint8Array(readFileSync(home.keyFile));
    } catch {
      throw new CliError(
        'no-key-file',
        `the account's key file ${home.keyFile} is missing; restore it from your backup`,
      );
    }
    return unlockAccount(store, { keyFile }, nodePrimitives, vaultRandom);
  }
  if (passphrase === undefined) return undefined;
  return unlockAccount(store, { passphrase }, nodePrimitives, vaultRandom);
}

/** Creates the account: with a passphrase, or (null) with a key file beside the database. */
export async function setUpAccount(
  store: Store,
  home: HomePaths,
  name: string,
  passphrase: string | null,
): Promise<Account> {
  if (passphrase !== null && passphrase.length < PASSPHRASE_MIN_CHARS) {
    throw new CoreError('bad-input', `a passphrase needs at least ${PASSPHRASE_MIN_CHARS} characters`);
  }
  let secret: { passphrase: string } | { keyFile: Uint8Array };
  if (passphrase === null) {
    if (existsSync(home.keyFile)) throw new CoreError('account-exists', `${home.keyFile} already exists`);
    const key = new Uint8Array(randomBytes(32));
    writeFileSync(home.keyFile, key, { mode: 0o600, flag: 'wx' });
    secret = { keyFile: key };
  } else {
    secret = { passphrase };
  }
  const peerKey = generatePeerKey();
  return createAccount(store, {
    name,
    secret,
    peerId: peerIdOfKey(peerKey),
    peerKey,
    primitives: nodePrimitives,
    random: vaultRandom,
    now: Date.now(),
  });
}
