/**
 * Startup figures of the `parley` client (wall time, median of RUNS runs):
 * `parley --version`, and `parley messages NAME` against a running daemon
 * with 100 messages in the conversation. Prints one JSON object.
 * Targets: --version <= 150 ms, messages <= 300 ms.
 *
 *   cd test && node bench/cli-startup.ts
 */
import { spawnSync } from 'node:child_process';
import { eventually, PARLEY_BIN, ParleyWorld } from '../support/parley.ts';

const RUNS = Number(process.env.RUNS ?? 10);

function wallMs(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [PARLEY_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 30_000,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`parley ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function measure(args: readonly string[]): number {
  wallMs(args); // warm the file cache
  return Math.round(median(Array.from({ length: RUNS }, () => wallMs(args))) * 10) / 10;
}

const world = new ParleyWorld();
try {
  const alice = world.account('alice');
  const bob = world.account('bob');
  await Promise.all([world.daemon(alice), world.daemon(bob)]);
  await world.befriend(alice, 'alice', bob, 'bob');
  const lines = Array.from({ length: 100 }, (_, i) => `benchmark message ${i + 1}`).join('\n');
  const sent = world.run(alice, ['send', 'bob', '--lines'], { input: `${lines}\n` });
  if (sent.code !== 0) throw new Error(sent.stderr);
  await eventually(
    async () =>
      (await world.rpc<unknown[]>(bob, 'messages.list', { contact: 'alice', limit: 1000 })).length >= 100,
    60_000,
    '100 messages at bob',
  );
  const versionMsP50 = measure(['--version']);
  const messagesMsP50 = measure(['--home', alice, 'messages', 'bob']);
  const messagesAll100MsP50 = measure(['--home', alice, 'messages', 'bob', '--limit', '100']);
  process.stdout.write(
    `${JSON.stringify({ versionMsP50, messagesMsP50, messagesAll100MsP50, runs: RUNS, node: process.version })}\n`,
  );
} finally {
  await world.cleanup();
}
