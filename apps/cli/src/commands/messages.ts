/**
 * `parley send NAME [TEXT] [--stdin | --lines] [--wait] [--timeout SECONDS]`
 * `parley messages NAME [--limit N] [--follow]`
 */
import { parseArgs } from 'node:util';
import type { MessageView } from '@parley/client';
import { CliError, usageError } from '../cli-error.ts';
import { type Client, connect } from '../client.ts';
import { EXIT_UNAVAILABLE } from '../exit-codes.ts';
import { formatMessage, sanitize } from '../format.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson, readStdin, stdinLines } from '../io.ts';
import { sendFile } from './attachments.ts';
import { conversationOf } from './group.ts';

/** Default wait for delivery receipts with --wait. */
export const SEND_WAIT_DEFAULT_S = 60;

const DELIVERED = new Set(['delivered', 'read']);

/**
 * A message as `--json` prints it: core's view plus the CLI contract's
 * `conversation` (the contact's name, for a 1:1 conversation).
 */
export function messageJson(m: MessageView): MessageView & { readonly conversation: string } {
  return { ...m, conversation: m.contact };
}

async function* texts(
  io: Io,
  text: string | undefined,
  stdin: boolean,
  lines: boolean,
): AsyncGenerator<string> {
  if (text !== undefined) yield text;
  else if (stdin) {
    // Empty stdin sends nothing (the caller reports a usage error, as for --lines).
    const all = (await readStdin(io)).replace(/\r?\n$/, '');
    if (all.length > 0) yield all;
  } else if (lines) {
    for await (const line of stdinLines(io)) if (line.trim().length > 0) yield line;
  }
}

export async function send(argv: string[], io: Io, global: Global): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      stdin: { type: 'boolean' },
      lines: { type: 'boolean' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      file: { type: 'string' },
      caption: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [name, text, ...extra] = positionals;
  if (values.file !== undefined) {
    if (!name || text !== undefined || extra.length > 0 || values.stdin || values.lines) {
      throw usageError("usage: parley send NAME --file PATH [--caption 'TEXT'] [--wait]");
    }
    const timeoutS = values.timeout === undefined ? SEND_WAIT_DEFAULT_S : Number(values.timeout);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw usageError('--timeout takes a number of seconds');
    const client = connect(resolveHome(global.home, io.env));
    await sendFile(client, io, global, {
      contact: name,
      path: values.file,
      ...(values.caption === undefined ? {} : { caption: values.caption }),
      wait: values.wait ?? false,
      timeoutS,
    });
    return 0;
  }
  if (values.caption !== undefined) throw usageError('--caption goes with --file');
  if (!name || extra.length > 0) throw usageError("usage: parley send NAME 'TEXT' (or --stdin, or --lines)");
  const sources = [text !== undefined, values.stdin ?? false, values.lines ?? false].filter(Boolean).length;
  if (sources !== 1) throw usageError('give the text as an argument, or --stdin, or --lines (exactly one)');
  const timeoutS = values.timeout === undefined ? SEND_WAIT_DEFAULT_S : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw usageError('--timeout takes a number of seconds');
  const client = connect(resolveHome(global.home, io.env));
  const contact = await conversationOf(client, name);
  const pending = new Set<string>();
  let wakeUp = (): void => undefined;
  const subscription = values.wait
    ? await client.events((e) => {
        const m = e.data as MessageView;
        if (e.type === 'message' && pending.has(m.id) && DELIVERED.has(m.status)) {
          pending.delete(m.id);
          wakeUp();
        }
      })
    : undefined;
  try {
    let count = 0;
    const sent = (m: MessageView): void => {
      count++;
      if (values.wait && !DELIVERED.has(m.status)) pending.add(m.id);
      if (global.json) printJson(io, messageJson(m));
      else io.stdout(`${m.id}\n`);
    };
    if (values.lines) {
      await sendLines(client, name, stdinLines(io), sent);
    } else {
      for await (const t of texts(io, text, values.stdin ?? false, false)) {
        sent(await client.call('messages.send', { contact: name, text: t }));
      }
    }
    if (count === 0) throw usageError('nothing to send: stdin was empty');
    if (!contact.online && !global.json) {
      io.stderr(
        `${sanitize(contact.name)} is offline; queued, and will be sent when ${sanitize(contact.name)} is reachable\n`,
      );
    }
    if (values.wait) await waitDelivered(client, name, pending, timeoutS, (fn) => (wakeUp = fn));
    return 0;
  } finally {
    subscription?.close();
  }
}

/** Lines sent in one request (one transaction) at most. */
export const LINES_BATCH_MAX = 500;

/**
 * `send --lines`: lines that arrive while a request is in flight go out together in the next one
 * (messages.sendMany: one transaction for the lot), so a bot piping thousands of lines is not
 * limited by one commit per line. Order is kept; each id is printed once its batch is stored.
 */
async function sendLines(
  client: Client,
  contact: string,
  lines: AsyncIterable<string>,
  sent: (m: MessageView) => void,
): Promise<void> {
  const queue: string[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  const reading = (async () => {
    for await (const line of lines) {
      if (line.trim().length === 0) continue;
      queue.push(line);
      wake?.();
    }
    done = true;
    wake?.();
  })();
  let batched = true; // channels take posts one by one: fall back on the first refusal
  while (!done || queue.length > 0) {
    if (queue.length === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
      continue;
    }
    const batch = queue.splice(0, batched ? LINES_BATCH_MAX : 1);
    if (batch.length > 1 && batched) {
      try {
        for (const m of await client.call('messages.sendMany', { contact, texts: batch })) sent(m);
        continue;
      } catch (error) {
        if (!(error instanceof CliError) || (error.code !== 'unknown-contact' && error.code !== 'bad-input'))
          throw error;
        batched = false;
      }
    }
    for (const t of batch) sent(await client.call('messages.send', { contact, text: t }));
  }
  await reading;
}

async function waitDelivered(
  client: Client,
  contact: string,
  pending: Set<string>,
  timeoutS: number,
  onWake: (fn: () => void) => void,
): Promise<void> {
  // Catch receipts that arrived between send and subscribe.
  for (const id of [...pending]) {
    const m = await client.call('messages.get', { contact, id, sender: 'self' });
    if (DELIVERED.has(m.status)) pending.delete(id);
  }
  const deadline = Date.now() + timeoutS * 1000;
  while (pending.size > 0) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new CliError(
        'not-delivered',
        `${pending.size} message(s) not delivered within ${timeoutS} s; they stay queued and will be sent when ${contact} is reachable`,
        EXIT_UNAVAILABLE,
      );
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(left, 1000));
      onWake(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export async function messages(argv: string[], io: Io, global: Global): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { limit: { type: 'string' }, follow: { type: 'boolean', short: 'f' } },
    strict: true,
    allowPositionals: true,
  });
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw usageError('usage: parley messages NAME [--limit N] [--follow]');
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw usageError('--limit takes a whole number from 1 to 1000');
  const client = connect(resolveHome(global.home, io.env));
  const contact = await conversationOf(client, name);
  const seen = new Map<string, string>();
  const print = (m: MessageView): void => {
    const before = seen.get(m.id);
    const state = `${m.status}/${m.edited}/${m.deleted}/${m.reactions.length}`;
    if (before === state) return;
    seen.set(m.id, state);
    if (global.json) printJson(io, messageJson(m));
    else if (before === undefined) io.stdout(formatMessage(m));
  };
  // Events that arrive while the history loads wait for it (see catchUp).
  let waiting: Map<string, MessageView> | null = new Map();
  const subscription = values.follow
    ? await client.events((e) => {
        const m = e.data as MessageView;
        if (e.type !== 'message' || m.conversationId !== contact.id) return;
        if (waiting) waiting.set(m.id, m);
        else print(m);
      })
    : undefined;
  const history = await client.call('messages.list', { contact: name, limit });
  const newer = waiting;
  waiting = null;
  for (const m of catchUp(history, newer)) print(m);
  if (subscription) await subscription.closed;
  return 0;
}

/**
 * What `messages --follow` prints once the history arrived: each message of the history in
 * place, but as the newest event about it said if one came while the history loaded (the list's
 * view may be older: docs/API.md, "Order"; --json must never step a status back), then the
 * messages new in those events, in the order they first came. `events` maps id → newest view,
 * in the order the ids first came.
 */
export function catchUp(
  history: readonly MessageView[],
  events: ReadonlyMap<string, MessageView>,
): MessageView[] {
  const inHistory = new Set(history.map((m) => m.id));
  return [
    ...history.map((m) => events.get(m.id) ?? m),
    ...[...events.values()].filter((m) => !inHistory.has(m.id)),
  ];
}
