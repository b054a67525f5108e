/**
 * `parley search` between two real daemons on loopback (--network private): JSON and human
 * output, the --in filter, and the errors a script sees (docs/CLI.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson } from '../support/cli.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);
let alice = '';
let bob = '';

interface HitJson {
  readonly kind: string;
  readonly conversation: string;
  readonly snippet: string;
  readonly highlights: Array<[number, number]>;
  readonly message: { readonly text: string; readonly direction: string };
}

const search = (home: string, args: string[]): HitJson[] => {
  const r = world.run(home, ['--json', 'search', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return ndjson<HitJson>(r.stdout);
};

beforeAll(async () => {
  alice = world.account('alice');
  bob = world.account('bob');
  await Promise.all([world.daemon(alice), world.daemon(bob)]);
  await world.befriend(alice, 'alice', bob, 'bob');
  for (const [home, to, text] of [
    [alice, 'bob', 'Das Frühstück ist fertig'],
    [alice, 'bob', 'an unrelated note'],
    [bob, 'alice', 'FRÜHSTÜCK in ten minutes?'],
  ] as const) {
    const r = world.run(home, ['send', to, text]);
    expect(r.code, r.stderr).toBe(0);
  }
  for (const args of [
    ['channel', 'create', 'news'],
    ['channel', 'post', 'news', 'Frühstück news at eight'],
  ]) {
    const r = world.run(alice, args);
    expect(r.code, r.stderr).toBe(0);
  }
  await eventually(() => search(alice, ['fruhst']).length === 3, 20_000, 'alice to find three');
});
afterAll(() => world.cleanup());

describe('parley search', () => {
  it('--json: one hit per line, newest first, with the snippet and its highlighted ranges', () => {
    const hits = search(alice, ['FRUH']);
    expect(hits.map((h) => h.message.text)).toEqual([
      'Frühstück news at eight',
      'FRÜHSTÜCK in ten minutes?',
      'Das Frühstück ist fertig',
    ]);
    expect(hits.map((h) => [h.kind, h.conversation])).toEqual([
      ['channel', 'news'],
      ['direct', 'bob'],
      ['direct', 'bob'],
    ]);
    const last = hits[2] as HitJson;
    expect(last.highlights.map(([a, b]) => last.snippet.slice(a, b))).toEqual(['Früh']);
    expect(search(alice, ['--limit', '1', 'fruh']).map((h) => h.message.text)).toEqual([
      'Frühstück news at eight',
    ]);
  });

  it('--in keeps one conversation (a contact or a channel)', () => {
    expect(search(alice, ['--in', 'news', 'fruhstuck']).map((h) => h.kind)).toEqual(['channel']);
    expect(search(alice, ['--in', 'bob', 'fruhstuck']).map((h) => h.message.direction)).toEqual([
      'in',
      'out',
    ]);
  });

  it('prints hits for a person, the matched terms between « » when stdout is no terminal', () => {
    const r = world.run(alice, ['search', 'fertig']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^bob · \d{4}-\d\d-\d\d \d\d:\d\d · me\n {8}│ Das Frühstück ist «fertig»\n$/);
    const onBob = world.run(bob, ['search', 'fertig']);
    expect(onBob.stdout).toMatch(/^alice · .* · alice\n/);
    const none = world.run(alice, ['search', 'zebra']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('No messages match "zebra".\n');
  });

  it('a bad query, limit or conversation fails with a clear error and a non-zero exit', () => {
    const empty = world.run(alice, ['search', '***']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/nothing to search for/);
    const json = world.run(alice, ['--json', 'search', '"*"']);
    expect(json.code).toBe(1);
    expect(ndjson<{ error: { code: string } }>(json.stdout)[0]?.error.code).toBe('bad-input');
    const long = world.run(alice, ['search', 'x'.repeat(300)]);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/1\.\.256 characters/);
    expect(world.run(alice, ['search']).code).toBe(2);
    expect(world.run(alice, ['search', 'x', '--limit', '0']).code).toBe(2);
    const nobody = world.run(alice, ['search', 'x', '--in', 'nobody']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no contact named "nobody"/);
  });
});
