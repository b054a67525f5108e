/**
 * `parley devices link [--qr] | list | remove ID`: this account's devices, through the daemon
 * (docs/CLI.md "Devices"). The link is a one-time secret valid 10 minutes: open it on the new
 * device with `parley init --link -` (it reads the link from stdin).
 */
import { parseArgs } from 'node:util';
import type { DeviceView } from '@parley/client';
import { usageError } from '../cli-error.ts';
import { connect } from '../client.ts';
import { sanitize } from '../format.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { renderQr } from '../qr.ts';

export const DEVICES_USAGE = `Usage: parley devices <command>

  link [--qr]     print a one-time link (valid 10 minutes) for a new device of yours;
                  on the new device: parley init --link - --name DEVICE   (paste the link)
  list            your devices (--json: one per line {id, name, peerId, current, lastSeen})
  remove ID       remove a device: nothing sent from now on is encrypted to it
`;

function line(d: DeviceView): string {
  const seen = d.current
    ? 'this device'
    : d.lastSeen === null
      ? 'not seen here'
      : `seen ${new Date(d.lastSeen).toISOString()}`;
  return `${d.id}  ${sanitize(d.name)}  ${seen}  added ${new Date(d.addedAt).toISOString().slice(0, 10)}\n`;
}

export async function devices(argv: string[], io: Io, global: Global): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h') {
    io.stdout(DEVICES_USAGE);
    return verb === undefined ? 2 : 0;
  }
  const client = connect(resolveHome(global.home, io.env));
  switch (verb) {
    case 'link': {
      const { values } = parseArgs({ args: rest, options: { qr: { type: 'boolean' } }, strict: true });
      const { link, expiresAt } = await client.call('devices.link', {});
      if (global.json) printJson(io, { link, expiresAt });
      else {
        io.stdout(`${link}\n`);
        if (values.qr) io.stdout(renderQr(link, io.env.NO_COLOR === undefined));
        io.stderr(
          `Valid until ${new Date(expiresAt).toLocaleTimeString()}, once. On the new device run:\n  parley init --link - --name "My laptop"\nand paste this link. It is a secret: whoever has it can join your account.\n`,
        );
      }
      return 0;
    }
    case 'list': {
      if (rest.length !== 0) throw usageError('usage: parley devices list');
      const list = await client.call('devices.list', {});
      if (global.json)
        for (const d of list)
          printJson(io, {
            id: d.id,
            name: d.name,
            peerId: d.peerId,
            current: d.current,
            lastSeen: d.lastSeen,
          });
      else for (const d of list) io.stdout(line(d));
      return 0;
    }
    case 'remove': {
      if (rest.length !== 1) throw usageError('usage: parley devices remove ID   (see parley devices list)');
      const d = await client.call('devices.remove', { id: rest[0] as string });
      if (global.json) printJson(io, d);
      else io.stderr(`removed ${sanitize(d.name)} (${d.id}): nothing new is encrypted to it\n`);
      return 0;
    }
    default:
      throw usageError(`unknown devices command "${sanitize(verb.slice(0, 40))}"; see parley devices --help`);
  }
}
