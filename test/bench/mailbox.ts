/**
 * `pnpm bench:mailbox`: offline delivery through a mailbox (issue 17), with two real `parley
 * daemon` processes and a `parley mailbox run` node on loopback, durable settings (WAL,
 * synchronous=FULL everywhere).
 *
 * 1. deposit: Bob is paired with the mailbox and stopped; the mailbox is stopped too; Alice queues
 *    N 1 KiB messages (1,000 per call). The mailbox comes back on its port; Alice sends one more,
 *    and her daemon deposits everything. Rate = (N + 1) / (that send → the last one `stored`).
 * 2. catch-up: Alice stops; Bob starts with N envelopes' worth of mail waiting. Time from his
 *    daemon's ready line to the last message visible through his API (all decrypted, stored in
 *    his database and ACKed in the same commits), and the same from spawning the process.
 * 3. the mailbox's disk (mailbox.db + WAL) and RSS growth while holding the N messages.
 *
 * Prints ONE JSON object on stdout; progress on stderr. `--messages N` (default 10000).
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MessageView } from '@parley/core';
import { rssOf } from '../support/files.ts';
import { eventually, outboxesEmpty, ParleyWorld, tcpPort } from '../support/parley.ts';

const { values } = parseArgs({ options: { messages: { type: 'string' } } });
const N = Number(values.messages ?? 10_000);
const BATCH = 1000;
const progress = (msg: string): void => void process.stderr.write(`bench:mailbox ${msg}\n`);
const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

const dirBytes = (dir: string): number =>
  readdirSync(dir)
    .filter((f) => f.startsWith('mailbox.db'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

/** SIGTERM, and wait for the exit. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  const world = new ParleyWorld();
  try {
    progress('starting a mailbox and two daemons');
    const alice = world.account('alice');
    const bob = world.account('bob');
    const [aliceD, bobD0, mailbox] = await Promise.all([
      world.daemon(alice),
      world.daemon(bob),
      world.mailbox(),
    ]);
    await world.befriend(alice, 'alice', bob, 'bob');
    await world.rpc(bob, 'mailboxes.add', { link: mailbox.link });
    await outboxesEmpty(world, [alice, bob], 30_000);
    const bobPort = tcpPort(bobD0);
    await world.stop(bobD0);
    const diskBefore = dirBytes(mailbox.home);

    progress(`alice queues ${N} messages of 1 KiB while the mailbox is down`);
    const mailboxPort = /\/tcp\/(\d+)/.exec(mailbox.addresses.join(' '))?.[1] ?? '0';
    await stopProcess(mailbox.process);
    const filler = 'x'.repeat(1024 - 12);
    const t0 = performance.now();
    for (let i = 0; i < N; i += BATCH) {
      const texts = Array.from(
        { length: Math.min(BATCH, N - i) },
        (_, j) => `${String(i + j).padStart(8, '0')} ${filler}`,
      );
      await world.rpc<MessageView[]>(alice, 'messages.sendMany', { contact: 'bob', texts });
    }
    const queuedS = (performance.now() - t0) / 1000;
    progress('the mailbox is back: alice deposits everything');
    const mailbox2 = await world.mailbox(mailbox.home, Number(mailboxPort));
    const mailboxPid = mailbox2.process.pid as number;
    const mailboxRssBefore = rssOf(mailboxPid) as number;
    const t1 = performance.now();
    // One more message: the pump, backing off for Bob, hands everything waiting to the mailbox now.
    const lastSent = await world.rpc<MessageView>(alice, 'messages.send', {
      contact: 'bob',
      text: 'the last one',
    });
    const last = lastSent.id;
    await eventually(
      async () =>
        (await world.rpc<MessageView>(alice, 'messages.get', { contact: 'bob', id: last })).status ===
        'stored',
      600_000,
    );
    const depositS = (performance.now() - t1) / 1000;
    const first = await world.rpc<MessageView[]>(alice, 'messages.list', { contact: 'bob', limit: 1 });
    progress(`stored in ${round(depositS, 2)} s`);
    const mailboxRss = rssOf(mailboxPid) as number;
    const diskHeld = dirBytes(mailbox.home);
    await world.stop(aliceD);

    progress('bob comes back');
    const loadBefore = loadavg()[0] as number;
    const spawned = performance.now();
    const bobD = await world.daemon(bob, ['--listen', `/ip4/127.0.0.1/tcp/${bobPort}`]);
    const ready = performance.now();
    await eventually(async () => {
      try {
        await world.rpc<MessageView>(bob, 'messages.get', { contact: 'alice', id: last, sender: 'peer' });
        return true;
      } catch {
        return false;
      }
    }, 600_000);
    const visible = performance.now();
    const page = (
      await world.rpc<MessageView[]>(bob, 'messages.list', { contact: 'alice', limit: 1000 })
    ).slice(0, -1);
    const inOrder = page.every((m, i) => i === 0 || (page[i - 1] as MessageView).text < m.text);
    const bobRss = rssOf(bobD.process.pid as number) as number;
    const catchUpS = (visible - ready) / 1000;
    const result = {
      node: process.version,
      cpus: cpus().length,
      load_average_1m_before_catch_up: round(loadBefore, 2),
      messages: N,
      message_bytes: 1024,
      deposit: {
        // queuing N messages at the sender (encrypt + commit), the mailbox down meanwhile
        sender_queue_s: round(queuedS, 2),
        sender_queue_msgs_per_s: Math.round(N / queuedS),
        // the mailbox back: from the next send to all N + 1 stored (sealed, deposited, marked)
        all_stored_s: round(depositS, 2),
        msgs_per_s: Math.round((N + 1) / depositS),
        first_status: first[0]?.status ?? null,
      },
      catch_up: {
        ready_to_all_visible_s: round(catchUpS, 2),
        spawn_to_all_visible_s: round((visible - spawned) / 1000, 2),
        msgs_per_s: Math.round((N + 1) / catchUpS),
        last_page_in_order: inOrder,
        receiver_rss_mb: round(bobRss / 1e6),
      },
      mailbox_holding: {
        disk_mb: round((diskHeld - diskBefore) / 1e6, 2),
        disk_bytes_per_message: Math.round((diskHeld - diskBefore) / N),
        rss_growth_mb: round((mailboxRss - mailboxRssBefore) / 1e6),
        rss_mb: round(mailboxRss / 1e6),
      },
      targets: {
        deposit_at_least_5000_per_s: N / depositS >= 5000,
        catch_up_10000_within_5_s: catchUpS * (10_000 / (N + 1)) <= 5,
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await world.cleanup();
  }
}

await main();
