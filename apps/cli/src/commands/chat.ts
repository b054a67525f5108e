/** `parley chat NAME` — an interactive chat in the terminal. */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { MessageView } from '@parley/client';
import { usageError } from '../cli-error.ts';
import { connect } from '../client.ts';
import { formatMessage, sanitize } from '../format.ts';
import { resolveHome } from '../home.ts';
import type { Global, Io } from '../io.ts';

export async function chat(argv: string[], io: Io, global: Global): Promise<number> {
  const { positionals } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw usageError('usage: parley chat NAME');
  const name = positionals[0] as string;
  const client = connect(resolveHome(global.home, io.env));
  const contact = await client.call('contacts.get', { name });
  const rl = createInterface({
    input: io.stdin ?? process.stdin,
    output: process.stdout,
    terminal: io.stdinIsTTY ?? false,
  });
  const shown = new Set<string>();
  const show = (m: MessageView): void => {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    process.stdout.write(`\r\x1b[K${formatMessage(m)}`);
    rl.prompt(true);
  };
  const subscription = await client.events((e) => {
    if (e.type === 'message' && (e.data as MessageView).conversationId === contact.id) {
      show(e.data as MessageView);
      if ((e.data as MessageView).direction === 'in')
        void client.call('conversations.markRead', { contact: name }).catch(() => undefined);
    }
    if (
      e.type === 'typing' &&
      (e.data as { contact: string }).contact === contact.name &&
      (e.data as { active: boolean }).active
    ) {
      process.stdout.write(`\r\x1b[K${sanitize(contact.name)} is typing…\n`);
      rl.prompt(true);
    }
  });
  io.stdout(
    `Chat with ${sanitize(contact.name)} (${contact.online ? 'online' : 'offline: messages will be queued'}). /quit to leave.\n`,
  );
  for (const m of await client.call('messages.list', { contact: name, limit: 20 })) show(m);
  await client.call('conversations.markRead', { contact: name }).catch(() => undefined);
  rl.setPrompt('> ');
  rl.prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (text === '/quit' || text === '/exit') break;
    if (text.length > 0) {
      try {
        show(await client.call('messages.send', { contact: name, text }));
      } catch (error) {
        // The daemon's message may quote untrusted names: one line, no controls.
        process.stdout.write(`! ${sanitize((error as Error).message)}\n`);
      }
    }
    rl.prompt();
  }
  rl.close();
  subscription.close();
  return 0;
}
