#!/usr/bin/env node
// The programs the test suite drives besides Node, checked before any test runs:
//   chromium   the desktop app's browser tests (playwright-core drives the system's
//              Chromium; never a Playwright browser download)
//   tmux       `parley chat` in a real terminal
//   a colour emoji font   the desktop app's emoji test (Noto Color Emoji; macOS and Windows have one)
//   iptables, ip   the network-namespace tests (NAT routers), which need root anyway
// Present: nothing to do. Missing: installed when this process may install system
// packages (root, or password-less sudo, with apt-get or dnf); otherwise it stops at
// once, naming the exact command to run, instead of letting dozens of tests fail.
// Runs on any Node >= 18 (before the repo's Node 24 is on PATH). Called by `npm test`
// and `.ci/run`. PARLEY_CHROMIUM=/path/to/chrome points the browser tests elsewhere.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const CHROMIUM_NAMES = ['chromium', 'chromium-browser'];

/** The first executable called `name` on PATH, or undefined. */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {}
  }
  return undefined;
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const chromiumFound = process.env.PARLEY_CHROMIUM
  ? executable(process.env.PARLEY_CHROMIUM)
  : executable('/usr/bin/chromium') || CHROMIUM_NAMES.some((n) => onPath(n));

/** Whether fontconfig knows Noto Color Emoji (test/desktop/emoji-font.test.ts checks emoji are drawn with it). */
function emojiFontFound() {
  if (process.platform !== 'linux') return true;
  const r = spawnSync('fc-list', [':', 'family'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('Noto Color Emoji');
}

/** What is missing, as [program, package name per package manager]. */
const wanted = [
  { program: 'chromium', present: chromiumFound, apt: 'chromium', dnf: 'chromium' },
  { program: 'tmux', present: !!onPath('tmux'), apt: 'tmux', dnf: 'tmux' },
  {
    program: 'a colour emoji font',
    present: emojiFontFound(),
    apt: 'fonts-noto-color-emoji',
    dnf: 'google-noto-color-emoji-fonts',
  },
];
// The network-namespace tests need root to run at all; elsewhere they skip, so
// iptables and ip are only wanted where they can be used.
if (isRoot) {
  const sbin = (n) => onPath(n) || executable(`/usr/sbin/${n}`) || executable(`/sbin/${n}`);
  wanted.push({ program: 'iptables', present: !!sbin('iptables'), apt: 'iptables', dnf: 'iptables' });
  wanted.push({ program: 'ip', present: !!sbin('ip'), apt: 'iproute2', dnf: 'iproute' });
}
const missing = wanted.filter((w) => !w.present);
if (missing.length === 0) process.exit(0);

const names = missing.map((m) => m.program).join(', ');
const manager = onPath('apt-get') ? 'apt' : onPath('dnf') ? 'dnf' : undefined;
const packages = manager ? missing.map((m) => m[manager]) : [];
const installArgs =
  manager === 'apt'
    ? ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]
    : manager === 'dnf'
      ? ['dnf', 'install', '-y', '-q', ...packages]
      : [];

function run(argv, env) {
  const r = spawnSync(argv[0], argv.slice(1), {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env },
  });
  return r.status === 0;
}

function canSudo() {
  if (!onPath('sudo')) return false;
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

function installCommand() {
  if (manager === 'apt')
    return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (manager === 'dnf') return `sudo dnf install -y ${packages.join(' ')}`;
  if (process.platform === 'darwin') {
    const steps = [];
    if (missing.some((m) => m.program === 'tmux')) steps.push('brew install tmux');
    if (missing.some((m) => m.program === 'chromium')) steps.push('brew install --cask chromium');
    return steps.join(' && ');
  }
  return `install ${names} with your system's package manager`;
}

function stop(why) {
  const command = installCommand();
  console.error(`\ntests: the test suite needs ${names}, which this machine does not have (${why}).`);
  console.error('Install it, then run the tests again:\n');
  console.error(`    ${command.trim()}\n`);
  if (missing.some((m) => m.program === 'chromium'))
    console.error(
      'A Chromium or Chrome installed elsewhere works too: PARLEY_CHROMIUM=/path/to/chrome npm test\n',
    );
  process.exit(3);
}

if (!manager) stop('no apt-get or dnf here');
const sudo = isRoot ? [] : canSudo() ? ['sudo', '-n'] : undefined;
if (!sudo) stop('installing system packages needs root');

console.error(`tests: installing ${names} (${packages.join(' ')}) for the test suite…`);
const env = { DEBIAN_FRONTEND: 'noninteractive' };
if (manager === 'apt' && !run([...sudo, 'apt-get', 'update', '-qq'], env)) stop('apt-get update failed');
if (!run([...sudo, ...installArgs], env)) stop(`${installArgs.slice(0, 2).join(' ')} failed`);
