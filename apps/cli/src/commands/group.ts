/**
 * `parley group create NAME --member CONTACT... | add NAME CONTACT... | remove NAME CONTACT
 *  | promote NAME MEMBER | demote NAME MEMBER | leave NAME | rename NAME NEW | picture NAME PATH|--clear | accept NAME|ID | decline NAME|ID
 *  | list | show NAME`
 * Sending and reading use `parley send NAME` and `parley messages NAME` with the group's name.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ContactView, GroupView } from '@parley/client';
import { GROUP_PICTURE_MAX_BYTES } from '@parley/core';
import { positionals } from '../args.ts';
import { CliError, usageError } from '../cli-error.ts';
import { type Client, connect } from '../client.ts';
import { sanitize } from '../format.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';

const USAGE =
  'parley group create NAME --member CONTACT... | add NAME CONTACT... | remove NAME CONTACT | promote NAME MEMBER | demote NAME MEMBER | leave NAME | rename NAME NEW | picture NAME PATH|--clear | accept NAME|ID | decline NAME|ID | list | show NAME';

/** The --json line of a group: what scripts need, stable. */
const summary = (g: GroupView) => ({
  id: g.id,
  name: g.name,
  epoch: g.epoch,
  status: g.status,
  invitedBy: g.invitedBy,
  admin: g.admin,
  members: g.members.map((m) => ({ name: m.name, peerId: m.peerId, role: m.role })),
  picture: g.picture,
  pending: g.pending,
});

function format(g: GroupView): string {
  const people = g.members
    .map((m) => `${sanitize(m.me ? 'me' : m.name)}${m.role === 'admin' ? ' (admin)' : ''}`)
    .join(', ');
  const status =
    g.status === 'invited'
      ? ` [invited by ${sanitize(g.invitedBy ?? '?')}: parley group accept ${g.id}]`
      : g.status === 'active'
        ? ''
        : ` [${g.status}]`;
  const picture = g.picture ? `  picture: ${g.picture.type}, ${g.picture.bytes} bytes` : '';
  const pending = g.pending > 0 ? `  (telling ${g.pending} of them about the last change)` : '';
  return `${sanitize(g.name)}${status}  ${g.members.length} members: ${people}${picture}${pending}\n`;
}

export async function group(argv: string[], io: Io, global: Global): Promise<number> {
  const [verb, ...rest] = argv;
  const client = connect(resolveHome(global.home, io.env));
  const show = (g: GroupView, what: string): void => {
    if (global.json) printJson(io, summary(g));
    else io.stderr(`${what} ${sanitize(g.name)}\n`);
  };
  switch (verb) {
    case 'create': {
      const { values, positionals: p } = parseArgs({
        args: rest,
        options: { member: { type: 'string', multiple: true, short: 'm' } },
        strict: true,
        allowPositionals: true,
      });
      if (p.length !== 1 || !values.member?.length)
        throw usageError('usage: parley group create NAME --member CONTACT [--member CONTACT]...');
      const g = await client.call('groups.create', { name: p[0] as string, members: values.member });
      show(g, `created group (${g.members.length} members)`);
      return 0;
    }
    case 'add': {
      const [name, ...members] = positionals(
        rest,
        2,
        Number.POSITIVE_INFINITY,
        'parley group add NAME CONTACT...',
      );
      show(await client.call('groups.add', { name, members }), 'added to');
      return 0;
    }
    case 'remove': {
      const [name, member] = positionals(rest, 2, 2, 'parley group remove NAME CONTACT');
      show(await client.call('groups.remove', { name, member }), `removed ${sanitize(member)} from`);
      return 0;
    }
    case 'promote':
    case 'demote': {
      const [name, member] = positionals(rest, 2, 2, `parley group ${verb} NAME MEMBER`);
      const role = verb === 'promote' ? 'admin' : 'member';
      const done =
        verb === 'promote'
          ? `made ${sanitize(member)} an admin of`
          : `${sanitize(member)} is no longer an admin of`;
      show(await client.call('groups.setRole', { name, member, role }), done);
      return 0;
    }
    case 'leave': {
      const [name] = positionals(rest, 1, 1, 'parley group leave NAME');
      show(await client.call('groups.leave', { name }), 'left');
      return 0;
    }
    case 'rename': {
      const [name, newName] = positionals(rest, 2, 2, 'parley group rename NAME NEW');
      show(await client.call('groups.rename', { name, newName }), 'renamed to');
      return 0;
    }
    case 'picture': {
      const { values, positionals: p } = parseArgs({
        args: rest,
        options: { clear: { type: 'boolean' } },
        strict: true,
        allowPositionals: true,
      });
      const usage = 'usage: parley group picture NAME PATH | parley group picture NAME --clear';
      if (p.length !== (values.clear ? 1 : 2)) throw usageError(usage);
      const [name, path] = p as [string, string | undefined];
      let data: string | null = null;
      if (path !== undefined) {
        const size = await stat(path).then(
          (s) => s.size,
          () => {
            throw new CliError('bad-input', `cannot read "${sanitize(path)}"`);
          },
        );
        if (size > GROUP_PICTURE_MAX_BYTES)
          throw new CliError(
            'bad-input',
            `"${sanitize(path)}" is ${size} bytes; a group picture is at most ${GROUP_PICTURE_MAX_BYTES / 1024} KiB (e.g. a 256×256 JPEG)`,
          );
        data = (await readFile(path)).toString('base64');
      }
      const g = await client.call('groups.setPicture', { name, data });
      show(g, data === null ? 'removed the picture of' : 'set the picture of');
      return 0;
    }
    case 'accept': {
      const [name] = positionals(rest, 1, 1, 'parley group accept NAME|ID');
      const g = await client.call('groups.accept', { group: name });
      show(g, `joined group (${g.members.length} members)`);
      return 0;
    }
    case 'decline': {
      const [name] = positionals(rest, 1, 1, 'parley group decline NAME|ID');
      show(await client.call('groups.decline', { group: name }), 'declined the invitation to');
      return 0;
    }
    case 'show': {
      const [name] = positionals(rest, 1, 1, 'parley group show NAME');
      const g = await client.call('groups.get', { name });
      if (global.json) printJson(io, g);
      else {
        io.stdout(format(g));
        for (const m of g.members)
          io.stdout(
            `  ${sanitize(m.me ? 'me' : m.name)}  ${m.role}${m.online ? '  online' : ''}${m.keyReceived ? '' : '  (key pending)'}\n`,
          );
      }
      return 0;
    }
    case 'list':
    case undefined: {
      positionals(rest, 0, 0, 'parley group list');
      const list = await client.call('groups.list');
      if (global.json) for (const g of list) printJson(io, summary(g));
      else if (list.length === 0) io.stderr('no groups yet: "parley group create NAME --member CONTACT"\n');
      else for (const g of list) io.stdout(format(g));
      return 0;
    }
    default:
      throw usageError(`unknown "group ${verb}"; usage: ${USAGE}`);
  }
}

/**
 * What `send` and `messages` need of the conversation NAME names: a contact's,
 * else a group's (contacts first, as the daemon resolves them).
 */
export async function conversationOf(
  client: Client,
  name: string,
): Promise<Pick<ContactView, 'id' | 'name' | 'online'>> {
  try {
    return await client.call('contacts.get', { name });
  } catch (error) {
    if (!(error instanceof CliError) || error.code !== 'unknown-contact') throw error;
  }
  try {
    const g = await client.call('groups.get', { name });
    return { id: g.id, name: g.name, online: g.members.some((m) => !m.me && m.online) };
  } catch (error) {
    if (!(error instanceof CliError) || error.code !== 'unknown-contact') throw error;
  }
  // Channels last: contacts, then groups, then channels (the same order as core's resolution).
  const c = await client.call('channels.get', { name }).catch((error: unknown) => {
    if (error instanceof CliError && error.code === 'bad-input') {
      throw new CliError(
        'unknown-contact',
        `no contact, group or channel named "${name}"; see "parley contacts list", "parley group list" and "parley channel list"`,
      );
    }
    throw error;
  });
  return { id: c.id, name: c.name, online: true };
}
