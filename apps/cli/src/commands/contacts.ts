/**
 * `parley contacts add NAME LINK | list | rename OLD NEW | remove NAME | accept-key NAME`
 * `parley verify NAME [--confirm]`
 */
import { parseArgs } from 'node:util';
import type { ContactView } from '@parley/client';
import { positionals } from '../args.ts';
import { CliError, usageError } from '../cli-error.ts';
import { connect } from '../client.ts';
import { EXIT_IDENTITY_CHANGED } from '../exit-codes.ts';
import { formatContact, sanitize } from '../format.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { renderQr } from '../qr.ts';

export async function contacts(argv: string[], io: Io, global: Global): Promise<number> {
  const [verb, ...rest] = argv;
  const client = connect(resolveHome(global.home, io.env));
  const show = (c: ContactView, what: string): void => {
    if (global.json) printJson(io, c);
    else io.stderr(`${what} ${sanitize(c.name)} (${c.peerId})\n`);
  };
  switch (verb) {
    case 'add': {
      const [name, link] = positionals(rest, 2, 2, "parley contacts add NAME 'parley://invite/…'");
      const c = await client.call('contacts.add', { name, link });
      show(c, 'added');
      if (!global.json)
        io.stderr(`${sanitize(c.name)} will see you as a contact as soon as their Parley is reachable\n`);
      return 0;
    }
    case 'list':
    case undefined: {
      positionals(rest, 0, 0, 'parley contacts list');
      const list = await client.call('contacts.list');
      if (global.json) for (const c of list) printJson(io, c);
      else if (list.length === 0)
        io.stderr('no contacts yet: "parley invite" makes an invite link to send to someone\n');
      else for (const c of list) io.stdout(formatContact(c));
      return 0;
    }
    case 'rename': {
      const [name, newName] = positionals(rest, 2, 2, 'parley contacts rename OLD NEW');
      show(await client.call('contacts.rename', { name, newName }), 'renamed to');
      return 0;
    }
    case 'remove': {
      const [name] = positionals(rest, 1, 1, 'parley contacts remove NAME');
      show(await client.call('contacts.remove', { name }), 'removed');
      return 0;
    }
    case 'accept-key': {
      const [name] = positionals(rest, 1, 1, 'parley contacts accept-key NAME');
      show(await client.call('contacts.acceptKey', { name }), 'accepted the new key of');
      if (!global.json) io.stderr(`compare the new safety number with "parley verify ${name}"\n`);
      return 0;
    }
    default:
      throw usageError(`unknown "contacts ${verb}"; use add, list, rename, remove or accept-key`);
  }
}

export async function verify(argv: string[], io: Io, global: Global): Promise<number> {
  const { values, positionals: p } = parseArgs({
    args: argv,
    options: { confirm: { type: 'boolean' }, qr: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  if (p.length !== 1) throw usageError('usage: parley verify NAME [--confirm]');
  const name = p[0] as string;
  const client = connect(resolveHome(global.home, io.env));
  const contact = await client.call('contacts.get', { name });
  const sn = await client.call('contacts.safetyNumber', { name });
  if (values.confirm) {
    if (contact.identityChanged) {
      throw new CliError(
        'identity-changed',
        `${name}'s key changed: compare the new number in person, then run "parley contacts accept-key ${name}" and verify again`,
        EXIT_IDENTITY_CHANGED,
      );
    }
    await client.call('contacts.verify', { name, verified: true });
  }
  const verified = values.confirm ? true : contact.verified;
  if (global.json)
    printJson(io, { contact: contact.name, safetyNumber: sn.digits, groups: sn.groups, qr: sn.qr, verified });
  else {
    io.stdout(`Safety number with ${sanitize(contact.name)}:\n`);
    for (let i = 0; i < sn.groups.length; i += 4) io.stdout(`  ${sn.groups.slice(i, i + 4).join(' ')}\n`);
    if (values.qr) io.stdout(renderQr(sn.qr, io.env.NO_COLOR === undefined));
    io.stderr(
      verified
        ? `${sanitize(contact.name)} is verified.\n`
        : `Compare these digits with ${sanitize(contact.name)} in person or on a call; if they match, run "parley verify ${name} --confirm".\n`,
    );
  }
  return 0;
}
