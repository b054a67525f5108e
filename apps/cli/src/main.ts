/**
 * The `parley` command: global flags, then a command. Client commands load
 * only what they need (no libp2p), so they start fast; `daemon`, `init` and
 * `relay` import the network stack lazily.
 */
import { CliError } from './cli-error.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.ts';
import { type Global, type Io, printJson } from './io.ts';
import { VERSION } from './version.ts';

export type { Io } from './io.ts';

type Command = (argv: string[], io: Io, global: Global) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./commands/init.ts')).init,
  daemon: async () => (await import('./commands/daemon.ts')).daemon,
  status: async () => (await import('./commands/info.ts')).status,
  id: async () => (await import('./commands/info.ts')).id,
  rename: async () => (await import('./commands/profile.ts')).rename,
  passphrase: async () => (await import('./commands/profile.ts')).passphrase,
  invite: async () => (await import('./commands/info.ts')).invite,
  contacts: async () => (await import('./commands/contacts.ts')).contacts,
  verify: async () => (await import('./commands/contacts.ts')).verify,
  send: async () => (await import('./commands/messages.ts')).send,
  messages: async () => (await import('./commands/messages.ts')).messages,
  search: async () => (await import('./commands/search.ts')).search,
  chat: async () => (await import('./commands/chat.ts')).chat,
  group: async () => (await import('./commands/group.ts')).group,
  channel: async () => (await import('./commands/channel.ts')).channel,
  save: async () => (await import('./commands/attachments.ts')).save,
  download: async () => (await import('./commands/attachments.ts')).download,
  relay: async () => (await import('./commands/relay.ts')).relay,
  mailbox: async () => (await import('./commands/mailbox.ts')).mailbox,
  devices: async () => (await import('./commands/devices.ts')).devices,
  ui: async () => (await import('./commands/ui.ts')).ui,
};

const USAGE = `parley ${VERSION} — peer-to-peer, end-to-end encrypted messaging

Usage: parley [--home DIR] [--json] <command> [options]

Account and daemon:
  init --name NAME [--passphrase-stdin | --no-passphrase]   create an account
  init --link - [--name DEVICE] [--network private]          make this a new device of your account
  devices link [--qr] | list | remove ID                     your devices (docs/MULTI-DEVICE.md)
  daemon [--listen MA]... [--bootstrap MA]... [--no-mdns]    run the node (foreground)
  daemon --stop                                              stop the running daemon
  ui [--no-open]                                             open Parley Desktop (starts the daemon)
  ui --install | --uninstall                                 put Parley in the desktop's launcher (XDG)
  status                                                     is the daemon up, contacts, outbox
  id                                                         peer id, fingerprint, addresses
  rename NAME                                                your own name, as new invites carry it
  passphrase [--passphrase-stdin]                            change the passphrase (current, then new)
  relay [--listen MA]...                                     run a relay/bootstrap node (no account)
  mailbox run [--listen MA]... | link                        run a mailbox for accounts away (no account)
  mailbox add LINK | list | remove ID | offer CONTACT        mailboxes that hold your mail while you are away

Contacts:
  invite [--qr] [--reusable] [--ttl 7d]                      print an invite link
  contacts add NAME LINK | list | rename OLD NEW | remove NAME | accept-key NAME
  verify NAME [--confirm]                                    safety number; --confirm marks verified

Messages:
  send NAME [TEXT] [--stdin | --lines] [--wait]              send; prints message ids
  send NAME --file PATH [--caption TEXT] [--wait]            send a photo, video, voice message or file
  download NAME ATTACHMENT_ID [--wait]                       fetch a large attachment NAME offered you
  save NAME ATTACHMENT_ID PATH [--overwrite]                 write an attachment of NAME's conversation, decrypted
  messages NAME [--limit N] [--follow]                       the conversation, oldest first
  search TEXT [--in NAME] [--limit N]                        find messages in every conversation (or one)
  chat NAME                                                  interactive chat

Groups (send, messages and chat take a group's name too):
  group create NAME --member CONTACT...                      create a group; you are its admin
  group add NAME CONTACT... | remove NAME CONTACT            change members (admins)
  group rename NAME NEW | leave NAME | list | show NAME

Channels (one owner posts, followers read; messages takes a channel's name too):
  channel create NAME [--private] | invite NAME [--qr] | follow LINK [--name NAME]
  channel post NAME TEXT | posts NAME [--limit N] | list | show NAME | unfollow NAME | sync [NAME]
  channel approve NAME CONTACT | remove-follower NAME CONTACT   private channels (owner)

Global options:
  --home DIR    data folder (default $PARLEY_HOME, else $XDG_DATA_HOME/parley)
  --json        one JSON object per line on stdout
  --version     print the version
  --help, -h    print this help

Exit codes: 0 ok, 1 error, 2 usage, 3 daemon not running or peer unreachable,
4 the contact's identity key changed and needs confirming. See docs/CLI.md.
`;

/** Splits global flags (anywhere before the command's own arguments) from the rest. */
function globals(argv: readonly string[]): {
  global: Global;
  rest: string[];
  help: boolean;
  version: boolean;
} {
  let json = false;
  let home: string | undefined;
  let help = false;
  let version = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--json') json = true;
    else if (a === '--home') {
      home = argv[++i];
      if (home === undefined) throw new CliError('usage', '--home needs a folder', EXIT_USAGE);
    } else if (a.startsWith('--home=')) home = a.slice(7);
    else if ((a === '--help' || a === '-h') && rest.length === 0) help = true;
    else if (a === '--version' && rest.length === 0) version = true;
    else rest.push(a);
  }
  return { global: { json, home }, rest, help, version };
}

function report(io: Io, json: boolean, error: unknown): number {
  if (error instanceof CliError) {
    if (json) printJson(io, { error: { code: error.code, message: error.message } });
    io.stderr(`parley: ${error.message}\n`);
    return error.exitCode;
  }
  const code = (error as { code?: string }).code;
  if (code?.startsWith('ERR_PARSE_ARGS')) {
    const message = `${(error as Error).message}; run "parley --help"`;
    if (json) printJson(io, { error: { code: 'usage', message } });
    io.stderr(`parley: ${message}\n`);
    return EXIT_USAGE;
  }
  if (json)
    printJson(io, { error: { code: code ?? 'error', message: String((error as Error).message ?? error) } });
  io.stderr(`parley: ${(error as Error).message ?? String(error)}\n`);
  return EXIT_FAILURE;
}

/** Runs the CLI with the given arguments; returns the process exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let json = argv.includes('--json');
  try {
    const { global, rest, help, version } = globals(argv);
    json = global.json;
    if (version || rest[0] === 'version') {
      io.stdout(json ? `${JSON.stringify({ version: VERSION })}\n` : `parley ${VERSION}\n`);
      return EXIT_OK;
    }
    if (help || rest.length === 0 || rest[0] === 'help') {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    const [name, ...args] = rest as [string, ...string[]];
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!load) {
      const what = name.startsWith('-') ? `option "${name}"` : `command "${name}"`;
      throw new CliError(
        'usage',
        `unknown ${what}; run "parley --help" to see what is available`,
        EXIT_USAGE,
      );
    }
    return await (await load())(args, io, global);
  } catch (error) {
    return report(io, json, error);
  }
}
