import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_OK, EXIT_USAGE } from '../src/exit-codes.ts';
import { main } from '../src/main.ts';
import { VERSION } from '../src/version.ts';

function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {} });
  return code.then((c) => ({ code: c, out, err }));
}

describe('parley CLI entry', () => {
  it('prints help with exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toContain('Usage: parley');
    expect(r.err).toBe('');
  });

  it('prints the version as text and as JSON', async () => {
    expect((await run(['--version'])).out).toBe(`parley ${VERSION}\n`);
    const j = await run(['--version', '--json']);
    expect(JSON.parse(j.out)).toEqual({ version: VERSION });
  });

  it('keeps VERSION in step with package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.version).toBe(VERSION);
  });

  it('rejects an unknown command with the usage exit code and a hint on stderr', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.out).toBe('');
    expect(r.err).toContain('unknown command "frobnicate"');
    expect(r.err).toContain('parley --help');
  });

  it('runs as a real process on the repo-pinned Node with nothing but its output on stdout', () => {
    const bin = new URL('../bin/parley.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [bin, '--version', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ version: VERSION });
  });
});
