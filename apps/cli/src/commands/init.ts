/** `parley init --name NAME [--passphrase-stdin | --no-passphrase]` */
import { parseArgs } from 'node:util';
import { CliError, usageError } from '../cli-error.ts';
import { homeHasAccount, PASSPHRASE_MIN_CHARS, setUpAccount } from '../daemon/account-setup.ts';
import { ensureHome, resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { readPassphrase } from './passphrase.ts';

export async function init(argv: string[], io: Io, global: Global): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      'passphrase-stdin': { type: 'boolean' },
      'no-passphrase': { type: 'boolean' },
      // --link: a new device of an account used elsewhere (link-device.ts).
      link: { type: 'string' },
      network: { type: 'string' },
      bootstrap: { type: 'string', multiple: true },
      listen: { type: 'string', multiple: true },
      'private-addresses': { type: 'boolean' },
      'no-mdns': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.link !== undefined)
    return (await import('./link-device.ts')).initByLink(
      {
        link: values.link,
        name: values.name,
        passphraseStdin: values['passphrase-stdin'] ?? false,
        noPassphrase: values['no-passphrase'] ?? false,
        network: values.network,
        bootstrap: values.bootstrap ?? [],
        listen: values.listen ?? [],
        privateAddresses: values['private-addresses'] ?? false,
        mdns: !(values['no-mdns'] ?? false),
      },
      io,
      global,
    );
  if (values.network || values.bootstrap || values.listen)
    throw usageError('--network, --bootstrap and --listen go with --link (a new account needs no network)');
  if (!values.name) throw usageError('parley init needs --name NAME (the name your contacts will see)');
  if (values['passphrase-stdin'] && values['no-passphrase']) {
    throw usageError('choose one of --passphrase-stdin and --no-passphrase');
  }
  const home = resolveHome(global.home, io.env);
  ensureHome(home);
  if (homeHasAccount(home))
    throw new CliError('account-exists', `an account already exists in ${home.dir}; use another --home`);
  let passphrase: string | null = null;
  if (!values['no-passphrase']) {
    passphrase = await readPassphrase(io, values['passphrase-stdin'] ?? false, true);
    if (passphrase.length < PASSPHRASE_MIN_CHARS) {
      throw new CliError('weak-passphrase', `a passphrase needs at least ${PASSPHRASE_MIN_CHARS} characters`);
    }
  }
  const { account, store } = await setUpAccount(home, values.name, passphrase);
  store.close();
  const peerId = account.info.peerId;
  account.vault.lock();
  const protection = values['no-passphrase'] ? 'keyfile' : 'passphrase';
  if (global.json) printJson(io, { peerId, name: account.info.name, home: home.dir, protection });
  else {
    io.stdout(`Created ${account.info.name} (${peerId}) in ${home.dir}\n`);
    io.stderr(
      protection === 'keyfile'
        ? `No passphrase: the key is in ${home.keyFile}; anyone who can read that file can read your messages.\n`
        : 'Protected by your passphrase: you will need it to start the daemon.\n',
    );
    io.stderr('Next: "parley daemon" to go online, then "parley invite" to add a contact.\n');
  }
  return 0;
}
