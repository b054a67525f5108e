/**
 * Your own profile from the command line (issue 20): `parley rename NAME` and `parley passphrase`.
 * Real processes, loopback only: the new name is what `status` shows and what a new invite
 * carries, after a restart too; a passphrase change needs the current one (a wrong one changes
 * nothing), and the next start takes only the new one. The crash safety of the change is in
 * test/durability/passphrase-kills.test.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { daemonWithInput, ndjson } from '../support/cli.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);
afterAll(() => world.cleanup());

const OLD = 'correct horse battery staple';
const NEW = 'a new and longer passphrase';

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const errorCode = (stdout: string): unknown => ndjson<{ error?: { code: string } }>(stdout)[0]?.error?.code;

describe('parley rename', () => {
  it('changes the name status shows and new invites carry, and keeps it across a restart', async () => {
    const home = world.account('rename-me');
    const friend = world.account('rename-friend');
    let d = await world.daemon(home);
    const f = await world.daemon(friend);

    const bad = world.run(home, ['--json', 'rename', ' ']);
    expect(bad.code).toBe(1);
    expect(errorCode(bad.stdout)).toBe('bad-name');
    expect(world.run(home, ['rename']).code).toBe(2);
    expect(world.run(home, ['rename', 'a', 'b']).code).toBe(2);

    const r = world.run(home, ['--json', 'rename', '  Zoë Renamed ']);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)).toEqual([
      { peerId: d.peerId, name: 'Zoë Renamed', fingerprint: expect.any(String), protection: 'keyfile' },
    ]);
    const status = ndjson(world.run(home, ['--json', 'status']).stdout)[0];
    expect(status?.name).toBe('Zoë Renamed');

    // A new invite carries the new name: accepted without a local name, the contact is named by it.
    const link = world.run(home, ['invite']).stdout.trim();
    const added = await world.rpc<{ name: string }>(friend, 'contacts.add', { link });
    expect(added.name).toBe('Zoë Renamed');

    await world.stop(d);
    d = await world.daemon(home);
    expect(ndjson(world.run(home, ['--json', 'id']).stdout)[0]?.name).toBe('Zoë Renamed');
    await world.stop(d);
    await world.stop(f);
  });
});

describe('parley passphrase', () => {
  const home = world.home('pass-change');

  it('needs a running daemon (exit 3) and never takes a passphrase from argv (exit 2)', () => {
    const init = world.run(home, ['init', '--name', 'pat', '--passphrase-stdin'], { input: `${OLD}\n` });
    expect(init.code).toBe(0);
    expect(world.run(home, ['passphrase', '--passphrase-stdin'], { input: `${OLD}\n${NEW}\n` }).code).toBe(3);
    expect(world.run(home, ['passphrase', OLD, NEW]).code).toBe(2);
  });

  it('a wrong current passphrase, a short or a missing new one: exit 1 or 2, nothing changed', async () => {
    const d = await daemonWithInput(world, home, `${OLD}\n`, ['--passphrase-stdin']);
    const before = digest(join(home, 'account.vault'));
    const wrong = world.run(home, ['--json', 'passphrase', '--passphrase-stdin'], {
      input: `not the passphrase\n${NEW}\n`,
    });
    expect(wrong.code).toBe(1);
    expect(errorCode(wrong.stdout)).toBe('wrong-passphrase');
    const short = world.run(home, ['--json', 'passphrase', '--passphrase-stdin'], {
      input: `${OLD}\nshort\n`,
    });
    expect(short.code).toBe(1);
    expect(errorCode(short.stdout)).toBe('bad-input');
    const long = world.run(home, ['--json', 'passphrase', '--passphrase-stdin'], {
      input: `${OLD}\n${'x'.repeat(1025)}\n`,
    });
    expect(long.code).toBe(1);
    expect(errorCode(long.stdout)).toBe('bad-input');
    const oneLine = world.run(home, ['passphrase', '--passphrase-stdin'], { input: `${OLD}\n` });
    expect(oneLine.code).toBe(2);
    expect(oneLine.stderr).toContain('two lines');
    const noTty = world.run(home, ['passphrase']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('--passphrase-stdin');
    expect(digest(join(home, 'account.vault'))).toBe(before);
    await world.stop(d);
  });

  it('the right one changes it: the daemon carries on, and the next start takes only the new one', async () => {
    const d = await daemonWithInput(world, home, `${OLD}\n`, ['--passphrase-stdin']);
    const before = digest(join(home, 'account.vault'));
    const ok = world.run(home, ['--json', 'passphrase', '--passphrase-stdin'], { input: `${OLD}\n${NEW}\n` });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ndjson(ok.stdout)).toEqual([{ changed: true, protection: 'passphrase' }]);
    expect(digest(join(home, 'account.vault'))).not.toBe(before);
    expect(existsSync(join(home, 'account.vault.tmp'))).toBe(false);
    // Still running and unlocked.
    expect(world.run(home, ['status']).code).toBe(0);
    await world.stop(d);

    const withOld = world.run(home, ['daemon', '--network', 'private', '--no-mdns', '--passphrase-stdin'], {
      input: `${OLD}\n`,
    });
    expect(withOld.code).toBe(1);
    expect(withOld.stderr).toMatch(/wrong passphrase/);
    const again = await daemonWithInput(world, home, `${NEW}\n`, ['--passphrase-stdin']);
    expect(ndjson(world.run(home, ['--json', 'id']).stdout)[0]?.name).toBe('pat');
    // And back: a header written by a change is changed again the same way.
    const back = world.run(home, ['passphrase', '--passphrase-stdin'], { input: `${NEW}\n${OLD}\n` });
    expect(back.code).toBe(0);
    expect(back.stderr).toContain('passphrase changed');
    await world.stop(again);
    const d2 = await daemonWithInput(world, home, `${OLD}\n`, ['--passphrase-stdin']);
    await world.stop(d2);
  });

  it('an account protected by a key file gets a passphrase, and its key file goes', async () => {
    const keyed = world.account('keyed');
    const d = await world.daemon(keyed);
    const r = world.run(keyed, ['--json', 'passphrase', '--passphrase-stdin'], { input: `${NEW}\n` });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)).toEqual([{ changed: true, protection: 'passphrase' }]);
    expect(existsSync(join(keyed, 'account.key'))).toBe(false);
    await world.stop(d);
    const locked = world.run(keyed, ['daemon', '--network', 'private', '--no-mdns'], {
      env: { PARLEY_PASSPHRASE: undefined },
    });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain('this account has a passphrase');
    const again = await daemonWithInput(world, keyed, `${NEW}\n`, ['--passphrase-stdin']);
    await world.stop(again);
  });
});
