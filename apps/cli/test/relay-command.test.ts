/**
 * `parley relay`: its limit options (a usage error that names the option and its range, exit
 * code 2) and its status line, from a real relay process on loopback. Every relay here runs on
 * the private network: no test dials the public bootstrap list.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELAY_MAX_CONNECTIONS, RELAY_MAX_RESERVATIONS } from '@parley/net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCircuitBytes, RELAY_USAGE } from '../src/commands/relay.ts';
import { EXIT_OK, EXIT_USAGE } from '../src/exit-codes.ts';
import { main } from '../src/main.ts';

/** test/support/parley.ts's PARLEY_BIN (that folder is outside this package's tsconfig). */
const PARLEY_BIN = new URL('../bin/parley.js', import.meta.url).pathname;

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    env: { PARLEY_NETWORK: 'private' },
  });
  return { code, out, err };
}

describe('parley relay options', () => {
  it('--help lists every option', async () => {
    const r = await run(['relay', '--help']);
    expect(r.code).toBe(EXIT_OK);
    for (const option of [
      '--network public|private',
      '--bootstrap MA',
      '--listen MA',
      '--announce MA',
      '--private-addresses',
      '--max-reservations N',
      '--max-connections N',
      '--max-connections-per-ip N',
      '--circuit-duration SECONDS',
      '--circuit-bytes BYTES',
      '--status-interval SECONDS',
    ])
      expect(r.out).toContain(option);
    expect(r.out).toBe(RELAY_USAGE);
  });

  // [option, value, the range the error names]
  const bad: ReadonlyArray<readonly [string, string, string]> = [
    ['--max-reservations', '-1', 'from 1 to 100000'],
    ['--max-reservations', 'abc', 'from 1 to 100000'],
    ['--max-reservations', '0', 'from 1 to 100000'],
    ['--max-reservations', '100001', 'from 1 to 100000'],
    ['--max-connections', '0', 'from 1 to 100000'],
    ['--max-connections', '1e3', 'from 1 to 100000'],
    ['--max-connections', '99999999999999999999999', 'from 1 to 100000'],
    ['--max-connections-per-ip', '-5', 'from 1 to 100000'],
    ['--max-connections-per-ip', '0', 'from 1 to 100000'],
    ['--max-connections-per-ip', '2.5', 'from 1 to 100000'],
    ['--circuit-duration', '0', 'from 1 to 86400'],
    ['--circuit-duration', '-60', 'from 1 to 86400'],
    ['--circuit-duration', '1h', 'from 1 to 86400'],
    ['--circuit-duration', '86401', 'from 1 to 86400'],
    ['--circuit-bytes', '0', 'from 1KiB to 1TiB'],
    ['--circuit-bytes', '-1MiB', 'from 1KiB to 1TiB'],
    ['--circuit-bytes', '64MB', 'from 1KiB to 1TiB'],
    ['--circuit-bytes', 'lots', 'from 1KiB to 1TiB'],
    ['--circuit-bytes', '2TiB', 'from 1KiB to 1TiB'],
    ['--circuit-bytes', '123456789012345678901234567890', 'from 1KiB to 1TiB'],
    ['--status-interval', '-1', 'from 0 to 86400'],
    ['--status-interval', 'often', 'from 0 to 86400'],
    ['--status-interval', '86401', 'from 0 to 86400'],
  ];
  it.each(bad)('%s %s is a usage error naming the option and its range', async (option, value, range) => {
    const r = await run(['relay', '--network', 'private', option, value]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.out).toBe('');
    expect(r.err).toContain(`${option} takes`);
    expect(r.err).toContain(range);
  });

  it('reports a bad value as a usage error in --json too', async () => {
    const r = await run(['--json', 'relay', '--network', 'private', '--max-connections', '0']);
    expect(r.code).toBe(EXIT_USAGE);
    expect(JSON.parse(r.out)).toMatchObject({ error: { code: 'usage' } });
  });

  it('reads --circuit-bytes plain or with a binary unit', () => {
    expect(parseCircuitBytes(undefined)).toBe(64n * 1024n * 1024n);
    expect(parseCircuitBytes('65536')).toBe(65_536n);
    expect(parseCircuitBytes('128KiB')).toBe(128n * 1024n);
    expect(parseCircuitBytes('64MiB')).toBe(64n * 1024n * 1024n);
    expect(parseCircuitBytes('1gib')).toBe(1024n ** 3n);
    expect(parseCircuitBytes('1TiB')).toBe(1024n ** 4n);
  });
});

describe('parley relay status line', () => {
  const homes: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });

  it('prints the ready line, then a status event every --status-interval, and exits 0 on SIGTERM', async () => {
    const home = mkdtempSync(join(tmpdir(), 'parley-relay-'));
    homes.push(home);
    const child = spawn(
      process.execPath,
      [
        PARLEY_BIN,
        '--home',
        home,
        '--json',
        'relay',
        '--network',
        'private',
        '--status-interval',
        '1',
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
      ],
      {
        env: { ...process.env, NO_COLOR: '1', PARLEY_NETWORK: 'private' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const events: Array<Record<string, unknown>> = [];
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) events.push(JSON.parse(line));
    });

    const deadline = Date.now() + 30_000;
    while (!events.some((e) => e.event === 'ready')) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`relay did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const readyAt = Date.now();
    while (!events.some((e) => e.event === 'status')) {
      if (Date.now() - readyAt > 5_000) throw new Error(`no status event within 5 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(events[0]?.event).toBe('ready');
    expect(events.find((e) => e.event === 'status')).toEqual({
      event: 'status',
      reservations: 0,
      maxReservations: RELAY_MAX_RESERVATIONS,
      circuits: 0,
      connections: 0,
      maxConnections: RELAY_MAX_CONNECTIONS,
      peers: 0,
    });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
