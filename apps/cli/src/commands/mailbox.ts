/**
 * `parley mailbox …`: run a mailbox, and pair an account with mailboxes.
 *
 *   mailbox run [--listen MA]... [--announce MA]... [--home DIR] [--network …]   a mailbox node (no account)
 *   mailbox link [--qr]                      print this home's mailbox pairing link again
 *   mailbox add LINK | add -                 pair your account with a mailbox (- reads the link from stdin)
 *   mailbox list                             your mailboxes, and friends' offers
 *   mailbox remove ID                        stop using a mailbox
 *   mailbox drain                            fetch what the mailboxes hold now
 *   mailbox offer CONTACT | revoke CONTACT   hold mail for a contact on this daemon (or stop)
 *   mailbox accept CONTACT | offers          use a contact's offer; list offers and whom we hold for
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_MAILBOX_LIMITS } from '@parley/core';
import { usageError } from '../cli-error.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { parseNetwork } from './daemon.ts';
import { NODE_NETWORK_OPTIONS, parseWholeNumber } from './relay.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const MIB = 1024 * 1024;

export const MAILBOX_USAGE = `Usage: parley mailbox <command>

Run a mailbox (on an always-on machine; needs no account):
  run [options]             hold sealed mail for the accounts paired with this mailbox
  link [--qr] [--new]       print the pairing link of the mailbox in --home again;
                            --new replaces it (a leaked link stops working)

Use mailboxes (talks to your daemon):
  add LINK | add -          pair your account with a mailbox (- reads the link from stdin)
  list                      your mailboxes and what they hold for you
  remove ID                 stop using a mailbox (its PeerId, or a prefix of it)
  drain                     fetch what your mailboxes hold now (also done on start and every minute)

Friends as mailboxes (a daemon that is often online holds mail for chosen contacts):
  offer CONTACT             hold mail for a contact on this daemon while they are away
  revoke CONTACT            stop holding mail for them (what is held is deleted)
  accept CONTACT            use a contact's offer to hold your mail
  offers                    offers waiting for your answer, and whom you hold mail for

Options of run:
  --network public|private  public (default) or private (/parley/kad/1.0.0, --bootstrap peers only)
  --bootstrap MA            a peer to join through (repeatable)
  --listen MA               a listen address (repeatable; default QUIC, TCP, WebSocket)
  --announce MA             the public address to advertise instead (repeatable)
  --private-addresses       count private addresses as reachable (LAN-only setups and tests)
  --max-accounts N          accounts served, 1..100000 (default ${DEFAULT_MAILBOX_LIMITS.maxAccounts})
  --quota-mib N             MiB held per account, 1..1048576 (default ${DEFAULT_MAILBOX_LIMITS.maxBytesPerAccount / MIB})
  --quota-messages N        envelopes held per account, 1..10000000 (default ${DEFAULT_MAILBOX_LIMITS.maxItemsPerAccount})
  --expiry-days N           mail older than this is deleted unread, 1..365 (default ${DEFAULT_MAILBOX_LIMITS.expiryMs / DAY_MS})
  --status-interval SECONDS print a status line this often, 0 = never (default 60)

The pairing link is a secret: whoever has it can pair with this mailbox. Each account gets its
own queue, quota and deposit token; contacts deposit mail sealed to you, which this mailbox
cannot read.
`;

export async function mailbox(argv: string[], io: Io, global: Global): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help')) {
    io.stdout(MAILBOX_USAGE);
    return sub === undefined ? 2 : 0;
  }
  switch (sub) {
    case 'run':
      return run(rest, io, global);
    case 'link':
      return link(rest, io, global);
    default: {
      const { mailboxClient } = await import('./mailbox-client.ts');
      return mailboxClient(sub, rest, io, global);
    }
  }
}

async function run(argv: string[], io: Io, global: Global): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...NODE_NETWORK_OPTIONS,
      'max-accounts': { type: 'string' },
      'quota-mib': { type: 'string' },
      'quota-messages': { type: 'string' },
      'expiry-days': { type: 'string' },
      'status-interval': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const network = parseNetwork(values.network ?? io.env.PARLEY_NETWORK);
  const d = DEFAULT_MAILBOX_LIMITS;
  const limits = {
    maxAccounts: parseWholeNumber('max-accounts', values['max-accounts'], d.maxAccounts, 1, 100_000),
    maxBytesPerAccount:
      parseWholeNumber('quota-mib', values['quota-mib'], d.maxBytesPerAccount / MIB, 1, 1_048_576) * MIB,
    maxItemsPerAccount: parseWholeNumber(
      'quota-messages',
      values['quota-messages'],
      d.maxItemsPerAccount,
      1,
      10_000_000,
    ),
    expiryMs: parseWholeNumber('expiry-days', values['expiry-days'], d.expiryMs / DAY_MS, 1, 365) * DAY_MS,
  };
  // One depositor may fill a quarter of a queue, or what the defaults allow if that is more (never
  // more than the queue): one contact cannot take all of it with the defaults.
  const perDepositor = {
    maxBytesPerDepositor: Math.min(
      limits.maxBytesPerAccount,
      Math.max(d.maxBytesPerDepositor, Math.floor(limits.maxBytesPerAccount / 4)),
    ),
    maxItemsPerDepositor: Math.min(
      limits.maxItemsPerAccount,
      Math.max(d.maxItemsPerDepositor, Math.floor(limits.maxItemsPerAccount / 4)),
    ),
  };
  const statusS = parseWholeNumber('status-interval', values['status-interval'], 60, 0, 86_400);
  const home = resolveHome(global.home, io.env);
  mkdirSync(home.dir, { recursive: true, mode: 0o700 });
  const { startMailboxNode } = await import('../mailbox/node.ts');
  const node = await startMailboxNode({
    dir: home.dir,
    network,
    limits: { ...limits, ...perDepositor },
    ...(values.listen ? { listen: values.listen } : {}),
    ...(values.announce ? { announce: values.announce } : {}),
    ...(values.bootstrap ? { bootstrap: values.bootstrap } : {}),
    ...(values['private-addresses'] ? { privateAddresses: true } : {}),
  });
  const addresses = node.addresses();
  if (global.json)
    printJson(io, { event: 'ready', peerId: node.peerId, network, addresses, link: node.link() });
  else {
    io.stdout(`Parley mailbox ${node.peerId}\n`);
    for (const a of addresses) io.stdout(`  ${a}\n`);
    io.stdout(
      `\nPairing link (a secret; give it only to the accounts this mailbox is for):\n${node.link()}\n`,
    );
    io.stderr('on each account: parley mailbox add - < link.txt   (Ctrl+C stops the mailbox)\n');
  }
  const status = (): void => {
    const t = node.store.totals();
    if (global.json)
      printJson(io, { event: 'status', accounts: t.queues, messages: t.items, bytes: t.bytes });
    else
      io.stderr(
        `mailbox: ${t.queues} accounts, ${t.items} envelopes held, ${(t.bytes / MIB).toFixed(1)} MiB\n`,
      );
  };
  const timer = statusS > 0 ? setInterval(status, statusS * 1000) : undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await node.stop();
  return 0;
}

async function link(argv: string[], io: Io, global: Global): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      qr: { type: 'boolean' },
      new: { type: 'boolean' },
      announce: { type: 'string', multiple: true },
    },
    strict: true,
    allowPositionals: false,
  });
  const home = resolveHome(global.home, io.env);
  mkdirSync(home.dir, { recursive: true, mode: 0o700 });
  const { mailboxLink, mailboxPaths, rememberedAddresses } = await import('../mailbox/node.ts');
  const { existsSync } = await import('node:fs');
  if (!existsSync(mailboxPaths(home.dir).key))
    throw usageError(
      `no mailbox in ${home.dir} yet: start one with \`parley mailbox run --home ${home.dir}\``,
    );
  // Addresses come from the running mailbox's last start, or --announce.
  const { peerId, link: text } = await mailboxLink(
    home.dir,
    values.announce ?? rememberedAddresses(home.dir),
    values.new === true,
  );
  if (values.new && !global.json)
    io.stderr('a new pairing link: the old one no longer pairs (accounts already paired stay paired)\n');
  if (global.json) printJson(io, { peerId, link: text });
  else {
    io.stdout(`${text}\n`);
    if (values.qr) {
      const { renderQr } = await import('../qr.ts');
      io.stdout(renderQr(text));
    }
  }
  return 0;
}
