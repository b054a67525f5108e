/**
 * Where an account's data lives: `--home DIR`, else `$PARLEY_HOME`, else
 * `$XDG_DATA_HOME/parley`, else `~/.local/share/parley`. The folder is 0700 and
 * every file in it 0600 (DESIGN.md §5 "At rest").
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HomePaths {
  readonly dir: string;
  /** The SQLite database (messages, contacts, sealed keys), every page encrypted. */
  readonly database: string;
  /** The vault header (scrypt salt and parameters, a check value): needed to open the database. */
  readonly vaultFile: string;
  /** The mail this account holds for friends (`parley mailbox offer`), encrypted like the database. */
  readonly mailboxDatabase: string;
  /** The key file of an account created without a passphrase. */
  readonly keyFile: string;
  /** The running daemon's API address: JSON {pid, port}. */
  readonly apiFile: string;
  /** The running daemon's API token (0600). */
  readonly tokenFile: string;
  /** Held while a daemon runs (pid inside). */
  readonly lockFile: string;
  /** The daemon's log (no message contents, no keys; PeerIds shortened). */
  readonly logFile: string;
  /** Parley Desktop's launch files (0700; each 0600, one-time, deleted after use or 60 s). */
  readonly launchDir: string;
}

export function resolveHome(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): HomePaths {
  const dir = resolve(
    flag ??
      env.PARLEY_HOME ??
      join(env.XDG_DATA_HOME ?? join(env.HOME ?? homedir(), '.local', 'share'), 'parley'),
  );
  return {
    dir,
    database: join(dir, 'parley.db'),
    vaultFile: join(dir, 'account.vault'),
    mailboxDatabase: join(dir, 'mailbox.db'),
    keyFile: join(dir, 'account.key'),
    apiFile: join(dir, 'api.json'),
    tokenFile: join(dir, 'api.token'),
    lockFile: join(dir, 'daemon.lock'),
    logFile: join(dir, 'daemon.log'),
    launchDir: join(dir, 'launch'),
  };
}

/** Creates the data folder (0700) if needed. */
export function ensureHome(home: HomePaths): void {
  mkdirSync(home.dir, { recursive: true, mode: 0o700 });
  chmodSync(home.dir, 0o700);
}
