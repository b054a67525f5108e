/**
 * `parley chat NAME` in a real terminal: driven through tmux (send-keys in,
 * capture-pane out) against two daemons on loopback.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MessageJson, ndjson, sleep } from '../support/cli.ts';
import { eventually, PARLEY_BIN, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
const SOCKET = `parley-test-${process.pid}`;
const SESSION = 'chat';
let alice = '';
let bob = '';

function tmux(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const pane = (): string => tmux('capture-pane', '-p', '-t', SESSION).stdout;

beforeAll(async () => {
  if (!hasTmux) return;
  alice = world.account('alice');
  bob = world.account('bob');
  await Promise.all([world.daemon(alice), world.daemon(bob)]);
  await world.befriend(alice, 'alice', bob, 'bob');
});
afterAll(async () => {
  if (hasTmux) {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { timeout: 10_000 });
    // tmux leaves its socket file behind when the last session ends.
    const dir = process.env.TMUX_TMPDIR ?? '/tmp';
    rmSync(join(dir, `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
  }
  await world.cleanup();
});

describe('parley chat in tmux', () => {
  it('tmux is installed', () => {
    expect(hasTmux, 'tmux is missing: run scripts/ci-system-deps.sh (installs it with apt-get)').toBe(true);
  });

  it.runIf(hasTmux)('sends what is typed and shows what arrives; /quit leaves', async () => {
    const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const command = [process.execPath, PARLEY_BIN, '--home', alice, 'chat', 'bob'].map(quote).join(' ');
    const started = tmux(
      'new-session',
      '-d',
      '-s',
      SESSION,
      '-x',
      '120',
      '-y',
      '30',
      `NO_COLOR=1 ${command}`,
    );
    expect(started.code, started.stderr).toBe(0);
    await eventually(() => pane().includes('Chat with bob'), 15_000, 'the chat to start');
    expect(pane()).toContain('/quit');

    tmux('send-keys', '-t', SESSION, 'hello from tmux', 'Enter');
    const onBob = (): MessageJson[] =>
      ndjson<MessageJson>(world.run(bob, ['--json', 'messages', 'alice']).stdout);
    await eventually(
      () => onBob().some((m) => m.text === 'hello from tmux' && m.direction === 'in'),
      15_000,
      "bob's daemon to get the typed line",
    );
    await eventually(() => /me: hello from tmux/.test(pane()), 10_000, 'the echo of our own line');

    expect(world.run(bob, ['send', 'alice', 'reply from bob']).code).toBe(0);
    await eventually(() => /bob: reply from bob/.test(pane()), 15_000, "bob's reply on screen");
    // The incoming line is not mixed into the prompt line.
    expect(
      pane()
        .split('\n')
        .some((l) => /^\[\d\d:\d\d\] bob: reply from bob$/.test(l)),
    ).toBe(true);

    tmux('send-keys', '-t', SESSION, '/quit', 'Enter');
    await eventually(() => tmux('has-session', '-t', SESSION).code !== 0, 10_000, 'chat to exit on /quit');
    await sleep(100);
    expect(onBob().filter((m) => m.text === '/quit')).toEqual([]);
  });
});
