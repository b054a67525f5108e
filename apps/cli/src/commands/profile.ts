/** `parley rename NAME`, `parley passphrase [--passphrase-stdin]`: your own profile (docs/CLI.md). */
import { parseArgs } from 'node:util';
import type { Profile } from '@parley/client';
import { positionals } from '../args.ts';
import { connect } from '../client.ts';
import { sanitize } from '../format.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { readPassphraseChange } from './passphrase.ts';

export async function rename(argv: string[], io: Io, global: Global): Promise<number> {
  const [name] = positionals(argv, 1, 1, 'parley rename NAME');
  const me = await connect(resolveHome(global.home, io.env)).call('account.rename', { name });
  if (global.json) printJson(io, me);
  else {
    io.stdout(`${sanitize(me.name)}\n`);
    io.stderr('new invites carry this name; contacts see it with the next card you send them\n');
  }
  return 0;
}

export async function passphrase(argv: string[], io: Io, global: Global): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'passphrase-stdin': { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  const client = connect(resolveHome(global.home, io.env));
  const before: Profile = await client.call('account.get');
  const change = await readPassphraseChange(
    io,
    values['passphrase-stdin'] ?? false,
    before.protection === 'passphrase',
  );
  const me = await client.call('account.changePassphrase', {
    passphrase: change.current ?? null,
    newPassphrase: change.next,
  });
  if (global.json) printJson(io, { changed: true, protection: me.protection });
  else
    io.stderr(
      before.protection === 'keyfile'
        ? 'a passphrase protects this account now, and its key file is deleted; the daemon will ask for it at its next start\n'
        : 'passphrase changed; the daemon will ask for the new one at its next start\n',
    );
  return 0;
}
