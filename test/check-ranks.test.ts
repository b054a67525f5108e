/**
 * scripts/check-ranks.mjs, the CI guard of core's layering: it passes on the real tree and fails,
 * naming file:line and why, on a fixture that imports a sibling, a higher rank or internals.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = path.join(import.meta.dirname, '..', 'scripts', 'check-ranks.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

/** A src folder laid out from `files` (path → contents). */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'check-ranks-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  roots.push(root);
  return root;
}
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const clean = {
  'index.ts': "export { groups } from './groups/index.ts';\n",
  'base/index.ts': "export { soon } from './soon.ts';\n",
  'base/soon.ts': 'export const soon = 1;\n',
  'groups/index.ts': "export { groups } from './groups.ts';\n",
  'groups/groups.ts': "import { soon } from '../base/index.ts';\nexport const groups = soon;\n",
  'channels/index.ts': 'export const channels = 2;\n',
};

describe('check-ranks', () => {
  it('passes on packages/core/src', () => {
    const result = run();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes on a fixture that only imports down, through faces', () => {
    expect(run(fixture(clean)).status).toBe(0);
  });

  it('fails on a sibling, a higher rank, internals and its own face, naming file and line', () => {
    const root = fixture({
      ...clean,
      'channels/index.ts':
        "// a comment: import { x } from '../groups/index.ts';\nexport const channels = 2;\n",
      'channels/feed.ts':
        "\nimport type { groups } from '../groups/index.ts';\nexport type G = typeof groups;\n",
      'base/up.ts': "export { channels } from '../channels/index.ts';\n",
      'groups/deep.ts': "import { soon } from '../base/soon.ts';\nexport const deep = soon;\n",
      'groups/own.ts': "import { groups } from './index.ts';\nexport const own = groups;\n",
    });
    const result = run(root);
    expect(result.status).toBe(1);
    const lines = result.stderr.split('\n');
    const about = (file: string) => lines.filter((l) => l.includes(`${file}:`));
    expect(about('channels/feed.ts')).toEqual([
      expect.stringMatching(/feed\.ts:2: .*sibling of the same rank/),
    ]);
    expect(about('base/up.ts')).toEqual([expect.stringMatching(/up\.ts:1: .*a higher rank/)]);
    expect(about('groups/deep.ts')).toEqual([expect.stringMatching(/deep\.ts:1: .*import base\/index\.ts/)]);
    expect(about('groups/own.ts')).toEqual([
      expect.stringMatching(/own\.ts:1: .*its own folder's index\.ts/),
    ]);
    expect(about('channels/index.ts')).toEqual([]); // commented-out imports do not count
  });

  it('fails on a folder without a rank or without an index.ts', () => {
    const { 'base/index.ts': _face, ...faceless } = clean;
    const root = fixture({ ...faceless, 'misc/thing.ts': 'export const x = 1;\n' });
    const result = run(root);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/folder "misc" has no rank/);
    expect(result.stderr).toMatch(/base: has no index\.ts/);
  });
});
