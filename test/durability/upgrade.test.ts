/**
 * The first start after an upgrade encrypts an account's plain database in place (issue 18):
 * a pair whose databases are plain (the benchmarks' baseline knob writes them like a database
 * from before page encryption: plain SQLite, no key) exchanges messages; the next normal start
 * logs its progress, the files become encrypted, and every message, contact and the
 * conversation's order are still there, in both directions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseFileKind } from '@parley/store';
import { afterAll, describe, expect, it } from 'vitest';
import { conversation, fixedListen, freePort, sendText } from '../support/durability.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);
afterAll(() => world.cleanup());

const PLAIN = { PARLEY_FAULTS: JSON.stringify({ plainDatabase: true }) };

describe('upgrading a plain database', () => {
  it('is encrypted on the next start, with progress, and keeps every message in order', async () => {
    // Bodies are sealed in a plain database too; names are not: they are the control.
    const names = ['alice-upgrade-name', 'bob-upgrade-name'] as const;
    const homes = names.map((name) => {
      const home = world.home(name);
      expect(world.run(home, ['init', '--name', name, '--no-passphrase'], { env: PLAIN }).code).toBe(0);
      return home;
    }) as [string, string];
    const [alice, bob] = homes;
    // Fixed ports: after the restart each finds the other where it was.
    const [aPort, bPort] = [await freePort(), await freePort()];
    let [a, b] = await Promise.all([
      world.daemon(alice, fixedListen(aPort), PLAIN),
      world.daemon(bob, fixedListen(bPort), PLAIN),
    ]);
    await world.befriend(alice, 'alice', bob, names[1]);
    const canary = 'upgrade-canary-text';
    for (let i = 0; i < 40; i++) await sendText(world, bob, 'alice', `${canary} ${i}`);
    await eventually(async () => (await conversation(world, alice, names[1])).length === 40, 30_000);
    await world.stop(a);
    await world.stop(b);
    for (const home of homes) {
      expect(databaseFileKind(join(home, 'parley.db'))).toBe('plain');
      expect(readFileSync(join(home, 'parley.db')).includes(names[0])).toBe(true); // the control
    }

    [a, b] = await Promise.all([
      world.daemon(alice, fixedListen(aPort)),
      world.daemon(bob, fixedListen(bPort)),
    ]);
    for (const d of [a, b])
      expect(d.log()).toMatch(/encrypting the database \(first start of this version\): 100% of \d+ rows/);
    const texts = (await conversation(world, alice, names[1])).map((m) => m.text);
    expect(texts).toEqual(Array.from({ length: 40 }, (_, i) => `${canary} ${i}`));
    // The search index is rebuilt inside the encrypted database (it is not copied).
    await eventually(async () => {
      const found = world.run(alice, ['--json', 'search', `${canary} 39`]);
      return found.code === 0 && found.stdout.includes(`${canary} 39`);
    }, 30_000);
    await sendText(world, alice, names[1], 'after the upgrade');
    await eventually(
      async () => (await conversation(world, bob, 'alice')).some((m) => m.text === 'after the upgrade'),
      30_000,
    );
    await world.stop(a);
    await world.stop(b);
    for (const home of homes) {
      expect(databaseFileKind(join(home, 'parley.db'))).toBe('encrypted');
      expect(readFileSync(join(home, 'parley.db')).includes(names[0])).toBe(false);
    }
  }, 120_000);
});
