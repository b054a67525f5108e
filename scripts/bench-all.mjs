#!/usr/bin/env node
// Runs every workspace package's `bench` script and prints one JSON object
// { "<package>": <its JSON output>, ... } on stdout; progress goes to stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const results = {};
let failed = false;
// Every workspace package with a `bench` script (packages/*, apps/*, and test/ itself).
const workspaces = ['packages', 'apps'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group))
        .sort()
        .map((name) => join(group, name))
    : [],
);
workspaces.push('test');
for (const rel of workspaces) {
  const pkgFile = join(root, rel, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  if (!pkg.scripts?.bench) continue;
  console.error(`bench: ${pkg.name}…`);
  const run = spawnSync('pnpm', ['-s', 'run', 'bench'], {
    cwd: join(root, rel),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  try {
    if (run.status !== 0) throw new Error(`exit ${run.status}`);
    results[pkg.name] = JSON.parse(run.stdout);
  } catch (error) {
    failed = true;
    results[pkg.name] = { error: String(error) };
  }
}
console.log(JSON.stringify(results, null, 2));
process.exitCode = failed ? 1 : 0;
