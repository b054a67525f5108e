/**
 * The daemon's life cycle: one per data folder, clean stop on SIGTERM/SIGINT
 * and `daemon --stop` (api.json, api.token and daemon.lock removed, exit 0),
 * and recovery from a kill -9.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, lineReader, ndjson } from '../support/cli.ts';
import {
  assertPrivateNetwork,
  type Daemon,
  PARLEY_BIN,
  ParleyWorld,
  printLogsOnFailure,
} from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
afterAll(() => world.cleanup());

const FILES = ['api.json', 'api.token', 'daemon.lock'];
const present = (home: string): string[] => FILES.filter((f) => existsSync(join(home, f)));
const listen = ['--network', 'private', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'];

/** Stops with a signal; returns the exit code and the NDJSON the daemon printed after ready. */
async function signal(d: Daemon, sig: NodeJS.Signals): Promise<{ code: number | string; lines: string[] }> {
  const reader = lineReader(d.process);
  d.process.kill(sig);
  const code = await exited(d.process, 15_000);
  return { code, lines: reader.lines() };
}

describe('parley daemon', () => {
  it('refuses to start twice on one data folder; the first keeps serving', async () => {
    const home = world.account('twice');
    const first = await world.daemon(home);
    const token = readFileSync(join(home, 'api.token'), 'utf8');
    const api = readFileSync(join(home, 'api.json'), 'utf8');

    const second = world.run(home, ['daemon', ...listen]);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain(
      `a Parley daemon is already running for ${home} (pid ${first.process.pid})`,
    );
    expect(second.stderr).toContain('parley daemon --stop');
    const json = world.run(home, ['--json', 'daemon', ...listen]);
    expect(json.code).toBe(1);
    expect(ndjson(json.stdout)[0]).toMatchObject({ error: { code: 'daemon-running' } });

    expect(readFileSync(join(home, 'api.token'), 'utf8')).toBe(token);
    expect(readFileSync(join(home, 'api.json'), 'utf8')).toBe(api);
    const status = world.run(home, ['--json', 'status']);
    expect(status.code).toBe(0);
    expect(ndjson(status.stdout)[0]).toMatchObject({
      running: true,
      pid: first.process.pid,
      peerId: first.peerId,
    });
    expect(first.process.exitCode).toBeNull();

    const stopped = await signal(first, 'SIGTERM');
    expect(stopped.code).toBe(0);
    expect(present(home)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s stops it cleanly: files removed, "stopped" event, exit 0',
    async (sig) => {
      const home = world.account(sig.toLowerCase());
      const d = await world.daemon(home);
      expect(present(home)).toEqual(FILES);
      // Not straight after "ready": daemon.ts installs its signal handlers only
      // after printing it, so a signal in that window kills it uncleanly (reported).
      expect(world.run(home, ['status']).code).toBe(0);
      const { code, lines } = await signal(d, sig);
      expect(code).toBe(0);
      expect(lines.map((l) => JSON.parse(l))).toContainEqual({ event: 'stopped' });
      expect(present(home)).toEqual([]);
      expect(d.log()).toContain('stopping');
      // And it can start again right away.
      const again = await world.daemon(home);
      expect(again.peerId).toBe(d.peerId);
      await world.stop(again);
    },
  );

  it('daemon --stop stops the running daemon', async () => {
    const home = world.account('stop');
    const d = await world.daemon(home);
    const r = world.run(home, ['daemon', '--stop']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('stopping');
    expect(await exited(d.process, 15_000)).toBe(0);
    expect(present(home)).toEqual([]);
    const again = world.run(home, ['--json', 'daemon', '--stop']);
    expect(again.code).toBe(3);
    expect(ndjson(again.stdout)[0]).toMatchObject({ error: { code: 'daemon-not-running' } });
  });

  it('after kill -9: clients say the daemon is not running (exit 3) and a new daemon takes over the stale lock', async () => {
    const home = world.account('kill9');
    const d = await world.daemon(home);
    await world.kill(d);
    expect(present(home)).toEqual(FILES); // left behind by the dead process
    const status = world.run(home, ['status']);
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('daemon is not running');
    const again = await world.daemon(home);
    expect(again.peerId).toBe(d.peerId);
    expect(world.run(home, ['status']).code).toBe(0);
    await world.stop(again);
    expect(present(home)).toEqual([]);
  });

  it('daemon --help and relay --help list the network flags', () => {
    const home = world.home('help');
    const daemonHelp = world.run(home, ['daemon', '--help']);
    expect(daemonHelp.code).toBe(0);
    for (const flag of ['--network public|private', '--bootstrap MA', '--relay MA', '--listen MA'])
      expect(daemonHelp.stdout).toContain(flag);
    const relayHelp = world.run(home, ['relay', '--help']);
    expect(relayHelp.code).toBe(0);
    for (const flag of ['--network public|private', '--bootstrap MA', '--announce MA', '--listen MA'])
      expect(relayHelp.stdout).toContain(flag);
    // Past the helpers' guard (a bad value starts nothing): a usage error.
    const bad = spawnSync(
      process.execPath,
      [PARLEY_BIN, '--home', home, '--json', 'daemon', '--network', 'x'],
      {
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(2);
    expect(ndjson(bad.stdout)[0]).toMatchObject({ error: { code: 'usage' } });
  });

  it('tests never start a daemon or relay that could dial the default bootstrap list', () => {
    expect(process.env.PARLEY_NETWORK).toBe('private'); // vitest.config.ts: inherited by every child
    expect(() => assertPrivateNetwork(['--json', 'daemon', '--listen', '/ip4/127.0.0.1/tcp/0'])).toThrow(
      /without --network private/,
    );
    expect(() => assertPrivateNetwork(['relay', '--network', 'public'])).toThrow(/without --network private/);
    expect(() => assertPrivateNetwork(['daemon', '--network', 'private'])).not.toThrow();
    expect(() => assertPrivateNetwork(['send', 'relay', 'hi'])).not.toThrow(); // a contact named relay
    expect(() => world.run(world.home('guard'), ['daemon'])).toThrow(/without --network private/);
  });
});
