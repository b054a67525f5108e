/**
 * `parley ui [--no-open] | --install | --uninstall`: opens Parley Desktop (or puts it in the
 * desktop's launcher: ui-install.ts). Starts the daemon in the
 * background if it is not running (`daemon --allow-locked`, its log in the
 * data folder's daemon.log), asks it for a launch file — a 0600 page in the
 * data folder holding a one-time ticket — and opens that file in a Chromium
 * app window (else the default browser); `--no-open` prints its path instead.
 * The page POSTs the ticket, which the daemon trades for an HttpOnly session
 * cookie, once (desktop-launch.ts). No secret is ever put in a command line
 * (/proc/PID/cmdline is readable by every local user), a URL or the terminal.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.ts';
import { connect, daemonAddress } from '../client.ts';
import { EXIT_UNAVAILABLE } from '../exit-codes.ts';
import { ensureHome, type HomePaths, resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';

/** How long to wait for a daemon we started to write api.json and answer. */
export const DAEMON_START_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;

const PARLEY_BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));
const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

async function isRunning(home: HomePaths): Promise<boolean> {
  try {
    await connect(home).call('daemon.state');
    return true;
  } catch {
    return false;
  }
}

function startDaemonInBackground(home: HomePaths): void {
  const log = openSync(home.logFile, 'a', 0o600);
  try {
    // stderr (the log) only: stdout's "running as NAME (PEERID)" is for a terminal, not a file.
    const child = spawn(process.execPath, [PARLEY_BIN, '--home', home.dir, 'daemon', '--allow-locked'], {
      detached: true,
      stdio: ['ignore', 'ignore', log],
      env: process.env,
    });
    child.unref();
  } finally {
    closeSync(log);
  }
}

async function waitForDaemon(home: HomePaths): Promise<void> {
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (existsSync(home.apiFile) && (await isRunning(home))) return;
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
  throw new CliError(
    'daemon-not-running',
    `the Parley daemon did not start within ${DAEMON_START_TIMEOUT_MS / 1000} s; see ${home.logFile}`,
    EXIT_UNAVAILABLE,
  );
}

/** Asks the running daemon for a launch file (its one-time ticket stays inside); returns its path. */
export async function launchFile(home: HomePaths): Promise<string> {
  const { port, token } = daemonAddress(home);
  const res = await fetch(`http://127.0.0.1:${port}/ui/launch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok)
    throw new CliError('ticket-refused', `the daemon refused a desktop launch file (HTTP ${res.status})`);
  const { file } = (await res.json()) as { file: string };
  return file;
}

function onPath(command: string, env: Io['env']): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, command);
    if (existsSync(full)) return full;
  }
  return undefined;
}

/** Opens the launch file: its path (no secret) is all that goes on the command line. */
function openLaunchFile(file: string, env: Io['env']): string | undefined {
  const browser = BROWSERS.map((b) => onPath(b, env)).find((p) => p !== undefined);
  const [command, args] = browser
    ? [browser, [`--app=${pathToFileURL(file).href}`]]
    : onPath('xdg-open', env)
      ? ['xdg-open', [file]]
      : [undefined, []];
  if (!command) return undefined;
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  return command;
}

export async function ui(argv: string[], io: Io, global: Global): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'no-open': { type: 'boolean' }, install: { type: 'boolean' }, uninstall: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  const home = resolveHome(global.home, io.env);
  if (values.install || values.uninstall) {
    const { installDesktopEntry, uninstallDesktopEntry } = await import('./ui-install.ts');
    const files = values.install ? installDesktopEntry(home, io.env) : uninstallDesktopEntry(io.env);
    if (global.json) printJson(io, { installed: values.install === true, ...files });
    else if (values.install)
      io.stderr(`installed ${files.desktopEntry} and its icon: Parley is in your launcher now\n`);
    else io.stderr(`removed ${files.desktopEntry} and its icon\n`);
    return 0;
  }
  ensureHome(home);
  let started = false;
  if (!(await isRunning(home))) {
    io.stderr('starting the Parley daemon…\n');
    startDaemonInBackground(home);
    started = true;
    await waitForDaemon(home);
  }
  const file = await launchFile(home);
  // No graphical session: print the file's path (not its secret); docs/CLI.md says how to use it.
  const noOpen = values['no-open'] || !hasDisplay(io.env);
  const opener = noOpen ? undefined : openLaunchFile(file, io.env);
  if (global.json) printJson(io, { launchFile: file, opened: opener !== undefined, daemonStarted: started });
  else if (opener) io.stderr(`opened Parley Desktop (${opener}); the launch page works once, for 60 s\n`);
  else {
    if (!values['no-open']) io.stderr('no display or browser found; ');
    io.stderr(
      'open this file in a browser on this machine, as this user (it works once, for 60 s; keep it private):\n',
    );
    io.stdout(`${file}\n`);
  }
  return 0;
}

/** True when a graphical session is available to open a window in. */
export function hasDisplay(env: Io['env']): boolean {
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}
