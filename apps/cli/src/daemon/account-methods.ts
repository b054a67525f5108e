/**
 * JSON-RPC methods for your own profile (docs/API.md "Daemon and account"): your name, and the
 * passphrase that protects the account at rest. The passphrase change replaces only the vault
 * header, atomically (account-setup.ts `changePassphrase`): the running daemon carries on.
 */
import type { Account, Messenger } from '@parley/core';
import { accountFilesProtection } from '@parley/store';
import type { HomePaths } from '../home.ts';
import { accountFiles, changePassphrase } from './account-setup.ts';
import type { PassphraseChangeStep } from './faults.ts';
import { handlers, type Method } from './rpc-methods.ts';

export interface ProfileDeps {
  readonly home: HomePaths;
  readonly account: Account;
  /** This account's half of every safety number (6 groups of 5 digits). */
  readonly fingerprint: () => string;
  /** Called at each step of a passphrase change (the durability tests kill the daemon there). */
  readonly onPassphraseStep?: (step: PassphraseChangeStep) => void;
}

export function accountMethods(m: Messenger, deps: ProfileDeps): Record<string, Method> {
  const { home, account } = deps;
  const profile = () => ({
    peerId: account.info.peerId,
    name: account.info.name,
    fingerprint: deps.fingerprint(),
    protection: accountFilesProtection(accountFiles(home)) === 'scrypt' ? 'passphrase' : 'keyfile',
  });
  // One change at a time: two at once would each re-wrap the header they read.
  let changing: Promise<unknown> = Promise.resolve();
  return handlers({
    'account.get': profile,
    'account.rename': (p) => {
      m.renameSelf(p.name); // (and every active contact gets our card with the new name)
      return profile();
    },
    'account.changePassphrase': (p) => {
      const run = changing.then(() =>
        changePassphrase(home, p.passphrase ?? undefined, p.newPassphrase, deps.onPassphraseStep),
      );
      changing = run.catch(() => undefined);
      return run.then(profile);
    },
  });
}
