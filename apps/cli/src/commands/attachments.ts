/**
 * `parley send NAME --file PATH [--caption TEXT] [--wait]` (called from send),
 * `parley save NAME ATTACHMENT_ID PATH [--overwrite]`, `parley download NAME ATTACHMENT_ID [--wait]`
 * (an attachment id is looked up only in the conversation with NAME: any contact can name any id)
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AttachmentProgress, MessageView } from '@parley/client';
import { CliError, usageError } from '../cli-error.ts';
import { type Client, connect } from '../client.ts';
import { EXIT_UNAVAILABLE } from '../exit-codes.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { progressBar } from '../progress.ts';

const isTTY = (): boolean => process.stderr.isTTY === true;

/** Sends one file; with `wait`, returns once the contact's delivery receipt for it arrived. */
export async function sendFile(
  client: Client,
  io: Io,
  global: Global,
  options: { contact: string; path: string; caption?: string; wait: boolean; timeoutS: number },
): Promise<MessageView> {
  const bar = progressBar(io, isTTY());
  let id: string | undefined;
  let messageId: string | undefined;
  let delivered = false;
  const subscription = await client.events((e) => {
    if (e.type === 'message') {
      const m = e.data as MessageView;
      if (m.id === messageId && (m.status === 'delivered' || m.status === 'read')) delivered = true;
      return;
    }
    if (e.type !== 'attachment') return;
    const p = e.data as AttachmentProgress;
    if (p.direction !== 'out' || (id !== undefined && p.id !== id)) return;
    bar.update(p.transferred, p.size, p.state === 'encrypting' ? 'encrypting' : 'sending');
  });
  try {
    const m = await client.call('messages.sendFile', {
      contact: options.contact,
      path: resolve(options.path),
      ...(options.caption === undefined ? {} : { caption: options.caption }),
    });
    id = m.attachment?.id;
    messageId = m.id;
    if (options.wait) {
      const deadline = Date.now() + options.timeoutS * 1000;
      while (!delivered && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        if (!delivered) {
          const now = await client.call('messages.get', {
            contact: options.contact,
            id: m.id,
            sender: 'self',
          });
          delivered = now.status === 'delivered' || now.status === 'read';
        }
      }
      if (!delivered) {
        throw new CliError(
          'not-delivered',
          `${options.contact} has not received the file's message within ${options.timeoutS} s; it stays queued and will be sent when they are reachable`,
          EXIT_UNAVAILABLE,
        );
      }
    }
    bar.done();
    if (global.json) printJson(io, { ...m, conversation: m.contact });
    else io.stdout(`${m.id}\n`);
    return m;
  } finally {
    bar.done();
    subscription.close();
  }
}

export async function save(argv: string[], io: Io, global: Global): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { overwrite: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  const [contact, id, path, ...extra] = positionals;
  if (!contact || !id || !path || extra.length > 0)
    throw usageError('usage: parley save NAME ATTACHMENT_ID PATH');
  const client = connect(resolveHome(global.home, io.env));
  const saved = await client.call('attachments.save', {
    contact,
    id,
    path: resolve(path),
    overwrite: values.overwrite ?? false,
  });
  if (global.json) printJson(io, saved);
  else io.stdout(`${saved.path}\n`);
  return 0;
}

export async function download(argv: string[], io: Io, global: Global): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { wait: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  const [contact, id, ...extra] = positionals;
  if (!contact || !id || extra.length > 0)
    throw usageError('usage: parley download NAME ATTACHMENT_ID [--wait]');
  const client = connect(resolveHome(global.home, io.env));
  const bar = progressBar(io, isTTY());
  let state: string | undefined;
  const subscription = values.wait
    ? await client.events((e) => {
        const p = e.data as AttachmentProgress;
        if (e.type !== 'attachment' || p.id !== id || p.direction !== 'in') return;
        if (p.contact.toLowerCase() !== contact.trim().toLowerCase()) return; // another conversation's file
        bar.update(p.transferred, p.size, 'downloading');
        state = p.state;
      })
    : undefined;
  try {
    const started = await client.call('attachments.download', { contact, id });
    state = started.state;
    while (values.wait && state === 'downloading') await new Promise((r) => setTimeout(r, 100));
    bar.done();
    const final = await client.call('attachments.get', { contact, id });
    if (global.json) printJson(io, final);
    else io.stderr(`${final.state}${final.error ? `: ${final.error}` : ''}\n`);
    return final.state === 'failed' ? 1 : 0;
  } finally {
    subscription?.close();
  }
}
