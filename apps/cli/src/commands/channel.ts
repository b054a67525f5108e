/**
 * `parley channel create NAME [--private] | invite NAME [--qr] | follow LINK [--name NAME]
 *  | post NAME TEXT | post NAME --file PATH [--text TEXT] | list | show NAME | posts NAME [--limit N] | approve NAME CONTACT
 *  | remove-follower NAME CONTACT | publisher add|remove NAME CONTACT | unfollow NAME | sync [NAME]`
 *  (docs/CHANNELS.md)
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChannelView, MessageView } from '@parley/client';
import { positionals } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { type Client, connect } from '../client.ts';
import { sanitize } from '../format.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { renderQr } from '../qr.ts';

const USAGE =
  'parley channel create NAME [--private] | invite NAME [--qr] | follow LINK [--name NAME] | post NAME TEXT | post NAME --file PATH [--text TEXT] | list | show NAME | posts NAME [--limit N] | approve NAME CONTACT | remove-follower NAME CONTACT | publisher add|remove NAME CONTACT | unfollow NAME | sync [NAME]';

function format(c: ChannelView): string {
  const kind = c.private ? 'private' : 'public';
  const who = c.role === 'owner' ? 'owner' : c.status;
  const extra =
    (c.role === 'owner' && c.private
      ? `, ${c.followers.length} followers${c.requests.length ? `, requests: ${c.requests.map(sanitize).join(', ')}` : ''}`
      : '') + (c.publishers?.length ? `, publishers: ${c.publishers.map(sanitize).join(', ')}` : '');
  return `${sanitize(c.name)}  ${kind}, ${who}, ${c.posts} posts${extra}\n`;
}

/** A post's file as `parley messages` shows one: name, size, state and the id `parley save` takes. */
const fileOf = (m: MessageView): string =>
  m.attachment
    ? `[file: ${sanitize(m.attachment.name)}, ${(m.attachment.size / 1e6).toFixed(1)} MB, ${m.attachment.status}, id ${m.attachment.id}] `
    : '';

const printPost = (io: Io, global: Global, m: MessageView): void => {
  if (global.json) printJson(io, m);
  else
    io.stdout(
      `${new Date(m.sentAt).toISOString().slice(0, 16).replace('T', ' ')}  ${sanitize(m.from)}: ${fileOf(m)}${sanitize(m.text)}\n`,
    );
};

const POST_USAGE =
  "usage: parley channel post NAME TEXT | parley channel post NAME --file PATH [--text 'TEXT']";

/** `post NAME TEXT`, or `post NAME --file PATH [--text TEXT]` (a photo, video, voice message or file). */
async function postCommand(client: Client, args: string[]): Promise<MessageView> {
  const { values, positionals: p } = parseArgs({
    args,
    options: { file: { type: 'string' }, text: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  const [name, positionalText, ...extra] = p;
  if (!name || extra.length > 0 || (positionalText !== undefined && values.text !== undefined))
    throw usageError(POST_USAGE);
  const text = values.text ?? positionalText;
  if (values.file === undefined) {
    if (text === undefined) throw usageError(POST_USAGE);
    return client.call('channels.post', { name, text });
  }
  return client.call('channels.postFile', {
    name,
    path: resolve(values.file),
    ...(text === undefined ? {} : { text }),
  });
}

export async function channel(argv: string[], io: Io, global: Global): Promise<number> {
  const [verb, ...rest] = argv;
  const client = connect(resolveHome(global.home, io.env));
  const show = (c: ChannelView, what: string): void => {
    if (global.json) printJson(io, c);
    else io.stderr(`${what} ${sanitize(c.name)}\n`);
  };
  switch (verb) {
    case 'create': {
      const { values, positionals: p } = parseArgs({
        args: rest,
        options: { private: { type: 'boolean' } },
        strict: true,
        allowPositionals: true,
      });
      if (p.length !== 1) throw usageError('usage: parley channel create NAME [--private]');
      const c = await client.call('channels.create', {
        name: p[0] as string,
        private: values.private ?? false,
      });
      show(c, `created ${c.private ? 'private' : 'public'} channel`);
      if (!global.json) io.stderr(`share it: parley channel invite ${sanitize(c.name)}\n`);
      return 0;
    }
    case 'invite': {
      const { values, positionals: p } = parseArgs({
        args: rest,
        options: { qr: { type: 'boolean' } },
        strict: true,
        allowPositionals: true,
      });
      if (p.length !== 1) throw usageError('usage: parley channel invite NAME [--qr]');
      const { link } = await client.call('channels.invite', { name: p[0] as string });
      if (global.json) printJson(io, { link });
      else {
        if (values.qr) io.stdout(renderQr(link, io.env.NO_COLOR === undefined));
        io.stdout(`${link}\n`);
        io.stderr(`followers run: parley channel follow '<link>'\n`);
      }
      return 0;
    }
    case 'follow': {
      const { values, positionals: p } = parseArgs({
        args: rest,
        options: { name: { type: 'string' } },
        strict: true,
        allowPositionals: true,
      });
      if (p.length !== 1) throw usageError('usage: parley channel follow LINK [--name NAME]');
      const c = await client.call('channels.follow', {
        link: p[0] as string,
        ...(values.name ? { name: values.name } : {}),
      });
      show(c, c.status === 'requested' ? 'asked the owner to follow' : 'following');
      return 0;
    }
    case 'post': {
      const m = await postCommand(client, rest);
      if (global.json) printJson(io, m);
      else io.stdout(`${m.id}\n`);
      return 0;
    }
    case 'posts': {
      const { values, positionals: p } = parseArgs({
        args: rest,
        options: { limit: { type: 'string' } },
        strict: true,
        allowPositionals: true,
      });
      if (p.length !== 1) throw usageError('usage: parley channel posts NAME [--limit N]');
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw usageError('--limit is 1..1000');
      for (const m of await client.call('channels.posts', { name: p[0] as string, limit }))
        printPost(io, global, m);
      return 0;
    }
    case 'approve': {
      const [name, contact] = positionals(rest, 2, 2, 'parley channel approve NAME CONTACT');
      show(await client.call('channels.approve', { name, contact }), `${sanitize(contact)} may read`);
      return 0;
    }
    case 'remove-follower': {
      const [name, contact] = positionals(rest, 2, 2, 'parley channel remove-follower NAME CONTACT');
      show(
        await client.call('channels.removeFollower', { name, contact }),
        `removed ${sanitize(contact)} (new key) from`,
      );
      return 0;
    }
    case 'publisher': {
      const usage = 'parley channel publisher add|remove NAME CONTACT';
      const [how, name, contact] = positionals(rest, 3, 3, usage);
      if (how !== 'add' && how !== 'remove') throw usageError(`usage: ${usage}`);
      const method = how === 'add' ? 'channels.addPublisher' : 'channels.removePublisher';
      show(
        await client.call(method, { name, contact }),
        how === 'add' ? `${sanitize(contact)} may now post in` : `${sanitize(contact)} no longer posts in`,
      );
      return 0;
    }
    case 'unfollow': {
      const [name] = positionals(rest, 1, 1, 'parley channel unfollow NAME');
      show(await client.call('channels.unfollow', { name }), 'unfollowed');
      return 0;
    }
    case 'sync': {
      const [name] = positionals(rest, 0, 1, 'parley channel sync [NAME]');
      const r = await client.call('channels.sync', name ? { name } : {});
      if (global.json) printJson(io, r);
      else io.stderr(`${r.stored} new posts\n`);
      return 0;
    }
    case 'show': {
      const [name] = positionals(rest, 1, 1, 'parley channel show NAME');
      const c = await client.call('channels.get', { name });
      if (global.json) printJson(io, c);
      else io.stdout(format(c));
      return 0;
    }
    case 'list':
    case undefined: {
      positionals(rest, 0, 0, 'parley channel list');
      const list = await client.call('channels.list');
      if (global.json) for (const c of list) printJson(io, c);
      else if (list.length === 0)
        io.stderr('no channels yet: "parley channel create NAME" or "parley channel follow LINK"\n');
      else for (const c of list) io.stdout(format(c));
      return 0;
    }
    default:
      throw usageError(`unknown "channel ${verb}"; usage: ${USAGE}`);
  }
}
