/**
 * `parley init`, passphrase-protected accounts, and the exit codes of commands
 * that fail before (or without) a daemon. Real processes, loopback only.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { daemonWithInput, ndjson } from '../support/cli.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
afterAll(() => world.cleanup());

const PEER_ID = /^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/;
const PASSPHRASE = 'correct horse battery staple';

describe('parley init', () => {
  it('creates an account: text output names it on stdout, hints on stderr', () => {
    const home = world.home('init-text');
    const r = world.run(home, ['init', '--name', 'alice', '--no-passphrase']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Created alice \\(12D3KooW\\w+\\) in ${home}\\n$`));
    expect(r.stderr).toContain('parley daemon');
    expect(existsSync(join(home, 'account.key'))).toBe(true);
  });

  it('--json prints exactly one object with the peer id; init twice exits 1 with account-exists', () => {
    const home = world.home('init-json');
    const r = world.run(home, ['--json', 'init', '--name', 'bob', '--no-passphrase']);
    expect(r.code).toBe(0);
    const out = ndjson(r.stdout);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ name: 'bob', home, protection: 'keyfile' });
    expect(out[0]?.peerId).toMatch(PEER_ID);

    const again = world.run(home, ['--json', 'init', '--name', 'bob', '--no-passphrase']);
    expect(again.code).toBe(1);
    expect(ndjson(again.stdout)).toEqual([
      { error: { code: 'account-exists', message: expect.any(String) } },
    ]);
    expect(again.stderr).toContain('already exists');
    const text = world.run(home, ['init', '--name', 'bob', '--no-passphrase']);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
  });

  it('without --name is a usage error (exit 2)', () => {
    const home = world.home('init-noname');
    const r = world.run(home, ['init', '--no-passphrase']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--name');
    expect(r.stdout).toBe('');
    expect(existsSync(join(home, 'parley.db'))).toBe(false);
  });
});

describe('a passphrase-protected account', () => {
  const home = world.home('pass');
  const fingerprint = (): Record<string, string> => {
    const out: Record<string, string> = {};
    // Files only: launch/ holds the desktop's launch files, if any.
    for (const f of readdirSync(home).sort())
      if (statSync(join(home, f)).isFile())
        out[f] = createHash('sha256')
          .update(readFileSync(join(home, f)))
          .digest('hex');
    return out;
  };

  it('is created from the first line of stdin', () => {
    const r = world.run(home, ['--json', 'init', '--name', 'carol', '--passphrase-stdin'], {
      input: `${PASSPHRASE}\n`,
    });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)[0]).toMatchObject({ name: 'carol', protection: 'passphrase' });
    expect(existsSync(join(home, 'account.key'))).toBe(false);
  });

  it('the daemon without a passphrase exits 1 with a clear message', () => {
    const r = world.run(
      home,
      ['daemon', '--network', 'private', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'],
      {
        env: { PARLEY_PASSPHRASE: undefined },
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('this account has a passphrase');
    expect(r.stderr).toContain('--passphrase-stdin');
    expect(existsSync(join(home, 'daemon.lock'))).toBe(false);
  });

  it('a wrong passphrase exits 1 and changes nothing', () => {
    const before = fingerprint();
    const r = world.run(
      home,
      [
        'daemon',
        '--network',
        'private',
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--no-mdns',
        '--passphrase-stdin',
      ],
      { input: 'not the passphrase\n' },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/passphrase/i);
    expect(fingerprint()).toEqual(before);
    expect(existsSync(join(home, 'api.json'))).toBe(false);
  });

  it('the right passphrase on stdin starts the daemon', async () => {
    const d = await daemonWithInput(world, home, `${PASSPHRASE}\n`, ['--passphrase-stdin']);
    expect(d.peerId).toMatch(PEER_ID);
    const id = world.run(home, ['--json', 'id']);
    expect(id.code).toBe(0);
    expect(ndjson(id.stdout)[0]).toMatchObject({ peerId: d.peerId, name: 'carol' });
    await world.stop(d);
    expect(d.process.exitCode).toBe(0);
  });
});

describe('exit codes without a daemon', () => {
  const home = world.account('nodaemon');

  it('unknown command and unknown flag → 2, with a hint on stderr', () => {
    const cmd = world.run(home, ['frobnicate']);
    expect(cmd.code).toBe(2);
    expect(cmd.stdout).toBe('');
    expect(cmd.stderr).toContain('parley --help');
    const flag = world.run(home, ['send', 'bob', 'hi', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--bogus');
    const global = world.run(home, ['--bogus', 'status']);
    expect(global.code).toBe(2);
    const missing = world.run(home, ['send']);
    expect(missing.code).toBe(2);
  });

  it.each(
    [
      ['status'],
      ['id'],
      ['invite'],
      ['contacts', 'list'],
      ['send', 'bob', 'hi'],
      ['messages', 'bob'],
      ['verify', 'bob'],
      ['daemon', '--stop'],
    ].map((a) => [a.join(' '), a] as const),
  )('%s → 3 and says how to start the daemon', (_, args) => {
    const r = world.run(home, args);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('daemon is not running');
    expect(r.stderr).toContain(`parley daemon --home ${home}`);
    const j = world.run(home, ['--json', ...args]);
    expect(j.code).toBe(3);
    expect(ndjson(j.stdout)).toEqual([
      { error: { code: 'daemon-not-running', message: expect.any(String) } },
    ]);
  });

  it('--version and --help need no account and no daemon', () => {
    const empty = world.home('empty');
    expect(world.run(empty, ['--version']).stdout).toMatch(/^parley \d+\.\d+\.\d+\n$/);
    const help = world.run(empty, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes');
  });
});
