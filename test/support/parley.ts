/**
 * Drives the real `parley` binary for cross-package tests: temporary homes,
 * daemons on loopback, JSON-RPC against their local API. Every process is
 * killed in `cleanup()` (call it in afterEach/afterAll).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export const PARLEY_BIN: string = new URL('../../apps/cli/bin/parley.js', import.meta.url).pathname;

/**
 * Tests never join the public network (issue 15): every process they start gets
 * PARLEY_NETWORK=private, and a daemon or relay started without `--network private`
 * is refused here before it could dial the default bootstrap list.
 */
export const TEST_ENV: NodeJS.ProcessEnv = { PARLEY_NETWORK: 'private' };

/** `parley daemon` as every test starts it: closed network, loopback, no mDNS. */
export const TEST_DAEMON_ARGS: readonly string[] = [
  '--json',
  'daemon',
  '--network',
  'private',
  '--listen',
  '/ip4/127.0.0.1/tcp/0',
  '--no-mdns',
  '--private-addresses',
];

/** The node options of `parley init --link` in tests: closed network, loopback, no mDNS. */
export const LINK_NODE_ARGS: readonly string[] = TEST_DAEMON_ARGS.slice(2);

/** Throws unless a `parley daemon`/`parley relay` command line stays on the private network. */
export function assertPrivateNetwork(args: readonly string[]): void {
  const rest = [...args];
  while (rest[0] === '--json' || rest[0] === '--home') rest.splice(0, rest[0] === '--home' ? 2 : 1);
  const command =
    rest[0] === 'mailbox' && rest[1] === 'run'
      ? 'mailbox run'
      : rest[0] === 'init' && rest.includes('--link')
        ? 'init --link'
        : rest[0];
  const nodes = ['daemon', 'relay', 'mailbox run', 'init --link'];
  if (!nodes.includes(command ?? '') || rest.includes('--stop') || rest.includes('--help')) return;
  const i = args.indexOf('--network');
  if (i < 0 || args[i + 1] !== 'private')
    throw new Error(`a test started "parley ${command}" without --network private: ${args.join(' ')}`);
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `parley mailbox run` node started by a test. */
export interface MailboxNode {
  readonly home: string;
  readonly process: ChildProcess;
  readonly peerId: string;
  readonly addresses: readonly string[];
  /** The pairing link (a secret). */
  readonly link: string;
  log(): string;
}

export interface Daemon {
  readonly home: string;
  readonly process: ChildProcess;
  readonly peerId: string;
  readonly apiPort: number;
  readonly addresses: readonly string[];
  /** stderr so far (logs). */
  log(): string;
}

export class ParleyWorld {
  readonly #homes: string[] = [];
  readonly #processes: ChildProcess[] = [];
  readonly #daemons: Daemon[] = [];
  #trace = false;

  /** Daemons started from now on trace every frame and peer event in their log (PARLEY_TRACE, no content). */
  trace(): void {
    this.#trace = true;
  }

  /** A fresh empty data folder. */
  home(label = 'parley'): string {
    const dir = mkdtempSync(join(tmpdir(), `${label}-`));
    this.#homes.push(dir);
    return dir;
  }

  /** Runs a client command to completion. */
  run(
    home: string,
    args: readonly string[],
    options: { input?: string; env?: NodeJS.ProcessEnv } = {},
  ): RunResult {
    assertPrivateNetwork(args);
    const r = spawnSync(process.execPath, [PARLEY_BIN, '--home', home, ...args], {
      encoding: 'utf8',
      input: options.input ?? '',
      env: { ...process.env, NO_COLOR: '1', ...TEST_ENV, ...options.env },
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs a client command asynchronously (for --follow, --wait…). */
  spawn(home: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    assertPrivateNetwork(args);
    const child = spawn(process.execPath, [PARLEY_BIN, '--home', home, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...TEST_ENV, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#processes.push(child);
    return child;
  }

  /** `parley init --no-passphrase` in a new home; returns the home. */
  account(name: string): string {
    const home = this.home(name);
    const r = this.run(home, ['init', '--name', name, '--no-passphrase']);
    if (r.code !== 0) throw new Error(`init ${name} failed: ${r.stderr}`);
    return home;
  }

  /** Starts `parley daemon` on loopback and waits for its ready line. */
  async daemon(
    home: string,
    extraArgs: readonly string[] = [],
    env: NodeJS.ProcessEnv = {},
  ): Promise<Daemon> {
    const args = [...TEST_DAEMON_ARGS, ...extraArgs];
    const child = this.spawn(home, args, this.#trace ? { PARLEY_TRACE: '1', ...env } : env);
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const ready = await readyLine<{ peerId: string; apiPort: number; addresses: string[] }>(
      child,
      `daemon in ${home}`,
      () => stderr,
    );
    const daemon: Daemon = { home, process: child, ...ready, log: () => stderr };
    this.#daemons.push(daemon);
    return daemon;
  }

  /**
   * Starts `parley mailbox run` on loopback in `home` (a new one by default) and waits for its
   * ready line. `port` fixes its TCP port (so a restarted mailbox keeps its address).
   */
  async mailbox(
    home = this.home('mailbox'),
    port = 0,
    extraArgs: readonly string[] = [],
  ): Promise<MailboxNode> {
    const args = [
      '--json',
      'mailbox',
      'run',
      '--network',
      'private',
      '--listen',
      `/ip4/127.0.0.1/tcp/${port}`,
    ];
    const child = this.spawn(home, [...args, '--private-addresses', ...extraArgs]);
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const ready = await readyLine<{ peerId: string; addresses: string[]; link: string }>(
      child,
      `mailbox in ${home}`,
      () => stderr,
    );
    return { home, process: child, ...ready, log: () => stderr };
  }

  /** Every daemon's log so far (the last `maxChars` of each), headed by its folder and PeerId. */
  logs(maxChars = 20_000): string {
    return this.#daemons
      .map((d) => {
        const log = d.log();
        const tail = log.length > maxChars ? `…${log.slice(-maxChars)}` : log;
        return `----- daemon ${d.home} (${d.peerId}, pid ${d.process.pid}) -----\n${tail}`;
      })
      .join('\n');
  }

  /** JSON-RPC call to a home's running daemon. */
  async rpc<T = unknown>(home: string, method: string, params: Record<string, unknown> = {}): Promise<T> {
    const { port } = JSON.parse(readFileSync(join(home, 'api.json'), 'utf8')) as { port: number };
    const token = readFileSync(join(home, 'api.token'), 'utf8').trim();
    const res = await fetch(`http://127.0.0.1:${port}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(body.error.message);
    return body.result as T;
  }

  /** Stops a daemon gracefully (SIGTERM) and waits for it to exit. */
  async stop(daemon: Daemon): Promise<void> {
    if (daemon.process.exitCode !== null) return;
    const exited = new Promise((r) => daemon.process.once('exit', r));
    daemon.process.kill('SIGTERM');
    await exited;
  }

  /** kill -9. */
  async kill(daemon: Daemon): Promise<void> {
    if (daemon.process.exitCode !== null || daemon.process.signalCode !== null) return;
    const exited = new Promise((r) => daemon.process.once('exit', r));
    daemon.process.kill('SIGKILL');
    await exited;
  }

  /** Makes two accounts contacts of each other (a invites, b accepts). */
  async befriend(a: string, aName: string, b: string, bName: string): Promise<void> {
    const invite = this.run(a, ['invite']);
    if (invite.code !== 0) throw new Error(invite.stderr);
    const add = this.run(b, ['contacts', 'add', aName, invite.stdout.trim()]);
    if (add.code !== 0) throw new Error(add.stderr);
    await eventually(async () => {
      const list = (await this.rpc<Array<{ name: string; state: string }>>(a, 'contacts.list')).concat(
        await this.rpc<Array<{ name: string; state: string }>>(b, 'contacts.list'),
      );
      return (
        list.length === 2 && list.every((c) => c.state === 'active') && list.some((c) => c.name === bName)
      );
    }, 20_000);
  }

  async cleanup(): Promise<void> {
    for (const p of this.#processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    for (const h of this.#homes.splice(0)) rmSync(h, { recursive: true, force: true });
    this.#processes.length = 0;
  }
}

/** Waits for a node's `{"event":"ready",…}` line on stdout (30 s), or fails with its stderr. */
function readyLine<T>(child: ChildProcess, what: string, stderr: () => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${stderr()}`)), 30_000);
    child.stdout?.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as T);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${stderr()}`));
    });
  });
}

/** A daemon's loopback TCP port: a restart that listens there again is found by its contacts. */
export function tcpPort(d: { readonly addresses: readonly string[] }): string {
  const port = /\/ip4\/127\.0\.0\.1\/tcp\/(\d+)\//.exec(d.addresses.join(' '))?.[1];
  if (!port) throw new Error(`no loopback TCP address in ${d.addresses.join(' ')}`);
  return port;
}

/** Resolves once every one of these homes' daemons reports an empty outbox. */
export async function outboxesEmpty(
  world: ParleyWorld,
  homes: readonly string[],
  timeoutMs = 20_000,
): Promise<void> {
  await eventually(
    async () =>
      (await Promise.all(homes.map((h) => world.rpc<{ outbox: number }>(h, 'status')))).every(
        (s) => s.outbox === 0,
      ),
    timeoutMs,
    'outboxes to empty',
  );
}

/**
 * Turns on the world's tracing and registers an afterEach that prints the logs of every daemon it
 * started (those already stopped included) when a test failed.
 */
export function printLogsOnFailure(world: ParleyWorld): void {
  world.trace();
  afterEach((context) => {
    if (context.task.result?.state === 'fail') console.error(world.logs());
  });
}

/** Polls an async predicate until true, or throws after `timeoutMs`. */
export async function eventually(
  predicate: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await predicate()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
