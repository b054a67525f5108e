#!/usr/bin/env node
// Installs the workspace through the repo's own files, on any Node >= 18 with npm.
// pnpm comes from the version pinned in package.json ("packageManager"); Node 24
// comes from the root devDependency "node", which puts a real Node 24 binary in
// node_modules/.bin so that every `pnpm run` / `npm run` script runs on it.
// Skips the install when node_modules already matches pnpm-lock.yaml.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = String(pkg.packageManager ?? '').split('+')[0];
if (!/^pnpm@\d+\.\d+\.\d+$/.test(pnpmSpec)) {
  console.error(
    `bootstrap: package.json "packageManager" must pin pnpm exactly, got "${pkg.packageManager}"`,
  );
  process.exit(2);
}

function installedLockMatches() {
  const installed = join(root, 'node_modules', '.pnpm', 'lock.yaml');
  const wanted = join(root, 'pnpm-lock.yaml');
  if (!existsSync(installed) || !existsSync(wanted)) return false;
  if (!existsSync(join(root, 'node_modules', '.bin', 'node'))) return false;
  return readFileSync(installed, 'utf8') === readFileSync(wanted, 'utf8');
}

if (installedLockMatches() && !process.argv.includes('--force')) process.exit(0);

const frozen = process.env.PARLEY_UNFROZEN ? [] : ['--frozen-lockfile'];
console.error(
  `bootstrap: installing dependencies with ${pnpmSpec} (first run only; Node 24 comes with them)…`,
);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const result = spawnSync(npx, ['-y', pnpmSpec, 'install', ...frozen], {
  cwd: root,
  stdio: ['ignore', process.stderr, 'inherit'],
});
if (result.status !== 0) {
  console.error(
    'bootstrap: install failed; see the output above. Check your connection to the npm registry and retry.',
  );
  process.exit(result.status ?? 1);
}
