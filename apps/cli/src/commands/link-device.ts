/**
 * `parley init --link LINK [--name DEVICE] [--passphrase-stdin | --no-passphrase] [--network …]`:
 * makes this home a new device of an account already used on another device (docs/MULTI-DEVICE.md
 * "Linking"). `--link -` reads the link (a secret) from stdin's first line, so it stays out of the
 * shell's history; with --passphrase-stdin the passphrase is the second line.
 */
import { hostname } from 'node:os';
import { decodeDeviceLink } from '@parley/core';
import { CliError, usageError } from '../cli-error.ts';
import { PASSPHRASE_MIN_CHARS } from '../daemon/account-setup.ts';
import { linkThisDevice } from '../daemon/link-device.ts';
import { ensureHome, resolveHome } from '../home.ts';
import { type Global, type Io, printJson, readStdin } from '../io.ts';
import { progressBar } from '../progress.ts';
import { parseNetwork } from './daemon.ts';
import { readPassphrase } from './passphrase.ts';

export interface LinkOptions {
  readonly link: string;
  readonly name?: string | undefined;
  readonly passphraseStdin: boolean;
  readonly noPassphrase: boolean;
  readonly network?: string | undefined;
  readonly bootstrap: readonly string[];
  readonly listen: readonly string[];
  readonly privateAddresses: boolean;
  readonly mdns: boolean;
}

export async function initByLink(o: LinkOptions, io: Io, global: Global): Promise<number> {
  if (o.passphraseStdin && o.noPassphrase)
    throw usageError('choose one of --passphrase-stdin and --no-passphrase');
  let link = o.link;
  let passphrase: string | null = null;
  if (link === '-') {
    const lines = (await readStdin(io)).split(/\r?\n/);
    link = (lines[0] ?? '').trim();
    if (link.length === 0) throw usageError('--link - reads the link from stdin, which was empty');
    if (o.passphraseStdin) passphrase = lines[1] ?? '';
  } else if (o.passphraseStdin) passphrase = await readPassphrase(io, true, false);
  const offer = (() => {
    try {
      return decodeDeviceLink(link, Date.now());
    } catch (error) {
      throw new CliError((error as { code?: string }).code ?? 'bad-link', (error as Error).message);
    }
  })();
  if (!o.noPassphrase && passphrase === null) passphrase = await readPassphrase(io, false, true);
  if (passphrase !== null && passphrase.length < PASSPHRASE_MIN_CHARS)
    throw new CliError('weak-passphrase', `a passphrase needs at least ${PASSPHRASE_MIN_CHARS} characters`);
  const home = resolveHome(global.home, io.env);
  ensureHome(home);
  const name = o.name ?? (hostname().slice(0, 64) || 'New device');
  const network = parseNetwork(o.network ?? io.env.PARLEY_NETWORK);
  const bar = progressBar(io, io.stdoutIsTTY === true && !global.json);
  if (!global.json) io.stderr(`Linking ${name} to the account (waiting for your other device)…\n`);
  const { account, store, contacts } = await linkThisDevice(
    home,
    offer,
    name,
    passphrase,
    { network, bootstrap: o.bootstrap, listen: o.listen, privateAddresses: o.privateAddresses, mdns: o.mdns },
    (got, total) => bar.update(got, total, 'receiving the account'),
  ).finally(() => bar.done());
  try {
    if (global.json)
      printJson(io, {
        peerId: account.info.peerId,
        accountId: account.info.accountId,
        name: account.info.name,
        device: name,
        contacts,
        home: home.dir,
        protection: passphrase === null ? 'keyfile' : 'passphrase',
      });
    else {
      io.stdout(
        `Linked ${name} (${account.info.peerId}) to ${account.info.name}'s account, with ${contacts} contacts\n`,
      );
      io.stderr(
        'Next: "parley daemon" on this device; your contacts learn about it from your other device.\n',
      );
    }
    return 0;
  } finally {
    store.close();
    account.vault.lock();
  }
}
