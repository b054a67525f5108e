/**
 * `parley mailbox add LINK | add - | list | remove ID | drain | offer CONTACT | revoke CONTACT
 * | accept CONTACT | offers`: the account's mailboxes, and friends' daemons as mailboxes, through
 * the daemon (docs/CLI.md "Mailboxes"). The link is a secret: `add -` reads it from stdin, so it
 * stays off the command line and out of shell history.
 */
import type { MailboxView } from '@parley/client';
import { usageError } from '../cli-error.ts';
import { connect } from '../client.ts';
import { sanitize } from '../format.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson, readStdin } from '../io.ts';

const ago = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s}s ago` : s < 5400 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

function format(m: MailboxView, now: number): string {
  const who = m.kind === 'friend' ? `held by ${sanitize(m.contact ?? 'a contact')}` : 'mailbox node';
  const state = m.online ? 'online' : 'offline';
  const drained = m.lastDrainAt === null ? 'not drained yet' : `drained ${ago(now - m.lastDrainAt)}`;
  const error = m.lastError ? ` — ${sanitize(m.lastError)}` : '';
  return `${m.id}  ${who}, ${state}, ${drained}${error}\n`;
}

export async function mailboxClient(verb: string, rest: string[], io: Io, global: Global): Promise<number> {
  const client = connect(resolveHome(global.home, io.env));
  switch (verb) {
    case 'add': {
      if (rest.length !== 1)
        throw usageError('usage: parley mailbox add LINK   (or: parley mailbox add - < link.txt)');
      const link = rest[0] === '-' ? (await readStdin(io)).trim() : (rest[0] as string);
      if (link.length === 0) throw usageError('no link on stdin; pipe in what `parley mailbox link` printed');
      const m = await client.call('mailboxes.add', { link });
      if (global.json) printJson(io, m);
      else
        io.stderr(
          `paired with mailbox ${m.id}\nyour contacts learn it with your next message to them; mail waits there while you are away\n`,
        );
      return 0;
    }
    case 'list': {
      if (rest.length !== 0) throw usageError('usage: parley mailbox list');
      const list = await client.call('mailboxes.list', {});
      if (global.json) for (const m of list) printJson(io, m);
      else if (list.length === 0)
        io.stderr(
          'no mailboxes: messages wait in your contacts’ outboxes while you are away (parley mailbox --help)\n',
        );
      else for (const m of list) io.stdout(format(m, Date.now()));
      return 0;
    }
    case 'remove': {
      if (rest.length !== 1) throw usageError('usage: parley mailbox remove ID');
      const { removed } = await client.call('mailboxes.remove', { id: rest[0] as string });
      if (global.json) printJson(io, { removed });
      else io.stderr(`removed mailbox ${removed}\n`);
      return 0;
    }
    case 'drain': {
      if (rest.length !== 0) throw usageError('usage: parley mailbox drain');
      const got = await client.call('mailboxes.drain', {});
      if (global.json) printJson(io, got);
      else io.stderr(`fetched ${got.frames} messages in ${got.envelopes} envelopes\n`);
      return 0;
    }
    case 'offer':
    case 'revoke':
    case 'accept': {
      if (rest.length !== 1) throw usageError(`usage: parley mailbox ${verb} CONTACT`);
      const name = rest[0] as string;
      if (verb === 'accept') {
        const m = await client.call('mailboxes.accept', { contact: name });
        if (global.json) printJson(io, m);
        else io.stderr(`${sanitize(name)}'s daemon now holds your mail while you are away\n`);
        return 0;
      }
      if (verb === 'offer') {
        const r = await client.call('mailboxes.offer', { contact: name });
        if (global.json) printJson(io, r);
        else
          io.stderr(
            `offered to hold ${sanitize(r.contact)}'s mail; they accept with: parley mailbox accept <your name>\n`,
          );
        return 0;
      }
      const r = await client.call('mailboxes.revoke', { contact: name });
      if (global.json) printJson(io, r);
      else
        io.stderr(
          r.revoked
            ? `no longer holding ${sanitize(r.contact)}'s mail (what was held is deleted)\n`
            : `you were not holding ${sanitize(r.contact)}'s mail\n`,
        );
      return 0;
    }
    case 'offers': {
      if (rest.length !== 0) throw usageError('usage: parley mailbox offers');
      const r = await client.call('mailboxes.offers', {});
      if (global.json) printJson(io, r);
      else {
        for (const o of r.offers)
          io.stdout(
            `${sanitize(o.contact)} offers to hold your mail (parley mailbox accept ${sanitize(o.contact)})\n`,
          );
        for (const c of r.hosting) io.stdout(`you hold mail for ${sanitize(c)}\n`);
        if (r.offers.length + r.hosting.length === 0) io.stderr('no offers, and you hold mail for nobody\n');
      }
      return 0;
    }
    default:
      throw usageError(`unknown mailbox command "${sanitize(verb.slice(0, 40))}"; see parley mailbox --help`);
  }
}
