/**
 * A small internet in network namespaces, for the reachability tests (issue 15).
 *
 *   public host ─┐                              ┌─ wan [router <home>-gw] lan ─┬─ home host
 *   public host ─┼─ br0 in namespace "internet" ┤   NAT + stateful firewall    └─ home host
 *                │  (the core router, .0.1)     └─ wan [router …] …
 *
 * Addresses, all in the benchmark block 198.18.0.0/15 (RFC 2544, never routed on the real internet):
 * - the public segment 198.18.0.0/16: core 198.18.0.1, public host k 198.18.1.(k+1), the router of
 *   home i 198.18.2.(i+1); everything on it has a default route via the core.
 * - home i with NAT: a private LAN 10.(i+1).0.0/24 (or `lan`), router .1, host j .(10+j).
 * - home i without NAT (`nat: 'none'`): a routed public LAN 198.19.(i+1).0/24 with no firewall.
 * The lab has no link to the machine's own network, so nothing in it can reach a real address.
 *
 * Namespaces are named `plab<4 hex>-<host>`; every link lives inside them and goes with them.
 * `/run/parley-netlab/<id>.json` records the owning pid, so `cleanupStaleLabs()` (also run by
 * `createLab`) removes only labs whose process is gone. `destroy()` runs in afterAll, and on
 * process exit or SIGINT/SIGTERM/SIGHUP for labs still standing.
 */
import { type ChildProcess, type StdioOptions, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Daemon, PARLEY_BIN, TEST_ENV } from './parley.ts';

export type Nat = 'cone' | 'symmetric' | 'none';
export type HostRole = 'public' | 'router' | 'home';

export interface HomeSpec {
  readonly name: string;
  /** cone: MASQUERADE; symmetric: MASQUERADE --random-fully; none: routed public LAN, no firewall. */
  readonly nat: Nat;
  /** Hosts behind the router (default: one host named like the home). Its router is `<name>-gw`. */
  readonly hosts?: readonly string[];
  /** First three octets of a NAT home's private /24, e.g. '192.168.1' (two homes may share one). */
  readonly lan?: string;
}

export interface LabSpec {
  readonly name: string;
  readonly homes?: readonly HomeSpec[];
  readonly publicHosts?: readonly string[];
}

export interface HostInfo {
  readonly name: string;
  readonly role: HostRole;
  readonly namespace: string;
  /** Public hosts and home hosts: eth0's address; routers: the WAN address. */
  readonly address: string;
  /** The home a router or home host belongs to. */
  readonly home?: string;
}

export interface ExecResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export interface Lab {
  readonly id: string;
  /** Every namespace of this lab is named `${prefix}<host>`. */
  readonly prefix: string;
  /** A temporary folder removed by destroy() (sockets, relay homes). */
  readonly dir: string;
  hosts(): readonly HostInfo[];
  host(name: string): HostInfo;
  addressOf(host: string): string;
  /** The router's address on the public segment (what the internet sees of a NAT home). */
  wanOf(home: string): string;
  /** Runs a command to completion inside a host's namespace. */
  exec(host: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Starts a command inside a host's namespace. `ip netns exec` replaces itself with the command,
   * so `child.pid` is the command's own pid and `child.kill()` reaches it. Start node as
   * `process.execPath`: node_modules/.bin/node is a shell wrapper that does not pass signals on.
   */
  spawn(
    host: string,
    argv: readonly string[],
    options?: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions },
  ): ChildProcess;
  /** Takes the host's uplink (a router's WAN) down or up: peers see silence, not a reset. */
  setLink(host: string, state: 'up' | 'down'): Promise<void>;
  /** SIGKILLs every process in the host's namespace (a crash: the kernel closes its sockets). */
  stopHost(host: string): Promise<void>;
  /** Kills everything in the lab and removes it; idempotent, bounded by DESTROY_TIMEOUT_MS. */
  destroy(): Promise<void>;
}

export const LAB_PREFIX = 'plab';
const LAB_NAME = /^plab([0-9a-f]{4})-/;
const HOST_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const RECORD_DIR = '/run/parley-netlab';
const CORE = 'internet';
const CORE_ADDRESS = '198.18.0.1';
const COMMAND_TIMEOUT_MS = 10_000;
export const DESTROY_TIMEOUT_MS = 10_000;
/** A namespace without a record is left alone this long (its lab may be writing it). */
const ORPHAN_GRACE_MS = 60_000;
/** No lab lives longer; an older one is stale even if its pid was reused. */
const MAX_LAB_AGE_MS = 3_600_000;

type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };
let availability: Availability | undefined;

/** Whether this machine can build labs (root, ip, iptables, namespaces); cached. */
export function labAvailable(): Availability {
  availability ??= probeAvailability();
  return availability;
}

function probeAvailability(): Availability {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux` };
  if (process.getuid?.() !== 0) return { ok: false, reason: `network namespaces need root` };
  for (const [tool, pkg] of [
    ['ip', 'iproute2'],
    ['iptables', 'iptables'],
    ['iptables-restore', 'iptables'],
  ] as const) {
    if (spawnSync(tool, ['--version']).error)
      return { ok: false, reason: `${tool} is missing (apt-get install -y ${pkg})` };
  }
  const ns = `plabprobe${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) return { ok: false, reason: `ip netns add failed: ${add.stderr.trim()}` };
  const nat = spawnSync('ip', ['netns', 'exec', ns, 'iptables', '-w', '5', '-t', 'nat', '-S'], {
    encoding: 'utf8',
  });
  spawnSync('ip', ['netns', 'del', ns]);
  if (nat.status !== 0) return { ok: false, reason: `iptables -t nat fails: ${nat.stderr.trim()}` };
  return { ok: true };
}

/** Runs a command in the machine's namespace; resolves with its outcome, kills it after the timeout. */
function run(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv as [string, ...string[]];
    const child = spawn(cmd, args, { env: { ...process.env, ...options.env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? COMMAND_TIMEOUT_MS);
    child.on('error', (e) => {
      stderr += String(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // a command that exits without reading its input
    child.stdin.end(options.input ?? '');
  });
}

async function must(argv: readonly string[], input?: string): Promise<string> {
  const r = await run(argv, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** What createLab builds: hosts, then `ip` batches (the machine's, then one per namespace). */
interface Plan {
  readonly hosts: Map<string, HostInfo & { readonly uplink: string }>;
  readonly namespaces: string[];
  readonly rootBatch: string[];
  readonly batches: Map<string, string[]>;
  readonly routers: Array<{ readonly namespace: string; readonly nat: Nat }>;
}

function plan(spec: LabSpec, prefix: string): Plan {
  const p: Plan = { hosts: new Map(), namespaces: [], rootBatch: [], batches: new Map(), routers: [] };
  const core = `${prefix}${CORE}`;
  const ns = (name: string): string => {
    if (!HOST_NAME.test(name) || name === CORE) throw new Error(`bad or reserved host name "${name}"`);
    if (p.hosts.has(name)) throw new Error(`host "${name}" twice in lab ${spec.name}`);
    p.namespaces.push(`${prefix}${name}`);
    p.rootBatch.push(`netns add ${prefix}${name}`);
    p.batches.set(`${prefix}${name}`, ['link set lo up']);
    return `${prefix}${name}`;
  };
  const lines = (namespace: string): string[] => p.batches.get(namespace) as string[];
  p.namespaces.push(core);
  p.rootBatch.push(`netns add ${core}`, `link add br0 netns ${core} type bridge`);
  p.batches.set(core, ['link set lo up', 'link set br0 up', `addr add ${CORE_ADDRESS}/16 dev br0`]);
  let port = 0;
  // A veth from `namespace` (named `iface`) to a port of the core's bridge.
  const uplink = (namespace: string, iface: string, address: string): void => {
    const peer = `p${port++}`;
    p.rootBatch.push(`link add ${iface} netns ${namespace} type veth peer name ${peer} netns ${core}`);
    lines(core).push(`link set ${peer} master br0 up`);
    lines(namespace).push(
      `link set ${iface} up`,
      `addr add ${address}/16 dev ${iface}`,
      `route add default via ${CORE_ADDRESS}`,
    );
  };
  (spec.publicHosts ?? []).forEach((name, k) => {
    const address = `198.18.1.${k + 1}`;
    uplink(ns(name), 'eth0', address);
    p.hosts.set(name, { name, role: 'public', namespace: `${prefix}${name}`, address, uplink: 'eth0' });
  });
  for (const [i, home] of (spec.homes ?? []).entries()) planHome(p, home, i, ns, lines, uplink, core);
  return p;
}

function planHome(
  p: Plan,
  home: HomeSpec,
  i: number,
  ns: (name: string) => string,
  lines: (namespace: string) => string[],
  uplink: (namespace: string, iface: string, address: string) => void,
  core: string,
): void {
  if (i > 250) throw new Error('at most 250 homes');
  const gw = `${home.name}-gw`;
  const router = ns(gw);
  const wan = `198.18.2.${i + 1}`;
  const lan = home.nat === 'none' ? `198.19.${i + 1}` : (home.lan ?? `10.${i + 1}.0`);
  uplink(router, 'wan', wan);
  p.hosts.set(gw, {
    name: gw,
    role: 'router',
    namespace: router,
    address: wan,
    home: home.name,
    uplink: 'wan',
  });
  p.routers.push({ namespace: router, nat: home.nat });
  p.rootBatch.push(`link add lan netns ${router} type bridge`);
  lines(router).push('link set lan up', `addr add ${lan}.1/24 dev lan`);
  if (home.nat === 'none') lines(core).push(`route add ${lan}.0/24 via ${wan}`);
  (home.hosts ?? [home.name]).forEach((name, j) => {
    const namespace = ns(name);
    const address = `${lan}.${10 + j}`;
    p.rootBatch.push(`link add eth0 netns ${namespace} type veth peer name h${j} netns ${router}`);
    lines(router).push(`link set h${j} master lan up`);
    lines(namespace).push(
      'link set eth0 up',
      `addr add ${address}/24 dev eth0`,
      `route add default via ${lan}.1`,
    );
    p.hosts.set(name, { name, role: 'home', namespace, address, home: home.name, uplink: 'eth0' });
  });
}

/**
 * A home router's tables: LAN → WAN allowed, only ESTABLISHED,RELATED back in, nothing unsolicited
 * to the router itself from the WAN. The NAT rule is the issue's: MASQUERADE, `--random-fully` for
 * a symmetric NAT (a new random external port per destination).
 */
export function routerRules(nat: Nat): string {
  const filter =
    nat === 'none'
      ? ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT']
      : [
          '*filter',
          ':INPUT DROP [0:0]',
          ':FORWARD DROP [0:0]',
          ':OUTPUT ACCEPT [0:0]',
          '-A INPUT -i lo -j ACCEPT',
          '-A INPUT -i lan -j ACCEPT',
          '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
          '-A FORWARD -i lan -j ACCEPT',
          '-A FORWARD -o lan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
          'COMMIT',
        ];
  const masquerade = `-A POSTROUTING -o wan -j MASQUERADE${nat === 'symmetric' ? ' --random-fully' : ''}`;
  const natTable = nat === 'none' ? [] : ['*nat', masquerade, 'COMMIT'];
  return `${[...filter, ...natTable].join('\n')}\n`;
}

const live = new Set<NetLab>();

/** Builds a lab; on any failure what was built is removed before the error is thrown. */
export async function createLab(spec: LabSpec): Promise<Lab> {
  const available = labAvailable();
  if (!available.ok) throw new Error(`cannot build a network lab: ${available.reason}`);
  await cleanupStaleLabs();
  const id = randomBytes(2).toString('hex');
  const prefix = `${LAB_PREFIX}${id}-`;
  const p = plan(spec, prefix);
  mkdirSync(RECORD_DIR, { recursive: true });
  writeFileSync(recordPath(id), JSON.stringify({ pid: process.pid, name: spec.name, createdAt: Date.now() }));
  const lab = new NetLab(id, prefix, p);
  live.add(lab);
  installExitHandlers();
  try {
    await must(['ip', '-batch', '-'], `${p.rootBatch.join('\n')}\n`);
    await Promise.all(
      [...p.batches].map(([namespace, batch]) =>
        must(['ip', '-n', namespace, '-batch', '-'], `${batch.join('\n')}\n`),
      ),
    );
    const sysctl = ['sysctl', '-q', '-e', '-w', 'net.bridge.bridge-nf-call-iptables=0'];
    await Promise.all([
      must(['ip', 'netns', 'exec', `${prefix}${CORE}`, ...sysctl, 'net.ipv4.ip_forward=1']),
      ...p.routers.map(async (r) => {
        await must(['ip', 'netns', 'exec', r.namespace, ...sysctl, 'net.ipv4.ip_forward=1']);
        await must(['ip', 'netns', 'exec', r.namespace, 'iptables-restore', '-w', '5'], routerRules(r.nat));
      }),
    ]);
  } catch (error) {
    await lab.destroy();
    throw error;
  }
  return lab;
}

const recordPath = (id: string): string => join(RECORD_DIR, `${id}.json`);

class NetLab implements Lab {
  readonly id: string;
  readonly prefix: string;
  readonly dir: string;
  readonly #plan: Plan;
  readonly #children = new Set<ChildProcess>();
  #destroyed: Promise<void> | undefined;

  constructor(id: string, prefix: string, p: Plan) {
    this.id = id;
    this.prefix = prefix;
    this.#plan = p;
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  hosts(): readonly HostInfo[] {
    return [...this.#plan.hosts.values()].map(({ uplink: _, ...info }) => info);
  }

  host(name: string): HostInfo & { readonly uplink: string } {
    const h = this.#plan.hosts.get(name);
    if (!h) throw new Error(`no host "${name}" in this lab (${[...this.#plan.hosts.keys()].join(', ')})`);
    return h;
  }

  addressOf(host: string): string {
    return this.host(host).address;
  }

  wanOf(home: string): string {
    return this.addressOf(`${home}-gw`);
  }

  exec(host: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return run(['ip', 'netns', 'exec', this.host(host).namespace, ...argv], options);
  }

  spawn(
    host: string,
    argv: readonly string[],
    options: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions } = {},
  ): ChildProcess {
    if (this.#destroyed) throw new Error(`lab ${this.id} is destroyed`);
    const child = spawn('ip', ['netns', 'exec', this.host(host).namespace, ...argv], {
      env: { ...process.env, ...options.env },
      stdio: options.stdio ?? 'pipe',
    });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  async setLink(host: string, state: 'up' | 'down'): Promise<void> {
    const h = this.host(host);
    await must(['ip', '-n', h.namespace, 'link', 'set', h.uplink, state]);
    // Taking a link down drops its routes; bring the default route back with it.
    if (state === 'up' && h.role !== 'home')
      await must(['ip', '-n', h.namespace, 'route', 'replace', 'default', 'via', CORE_ADDRESS]);
    if (state === 'up' && h.role === 'home')
      await must(['ip', '-n', h.namespace, 'route', 'replace', 'default', 'via', gatewayOf(h.address)]);
  }

  async stopHost(host: string): Promise<void> {
    const namespace = this.host(host).namespace;
    const mine = [...this.#children].filter((c) => c.spawnargs[3] === namespace);
    const exits = mine.map(
      (c) => new Promise((r) => ((c.exitCode ?? c.signalCode) !== null ? r(0) : c.once('exit', r))),
    );
    await killNamespace(namespace);
    await Promise.all(exits);
  }

  destroy(): Promise<void> {
    this.#destroyed ??= this.#destroy();
    return this.#destroyed;
  }

  async #destroy(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`lab ${this.id} not destroyed within ${DESTROY_TIMEOUT_MS} ms`)),
        DESTROY_TIMEOUT_MS,
      );
    });
    try {
      for (const c of this.#children) c.kill('SIGKILL');
      await Promise.race([Promise.all(this.#plan.namespaces.map(removeNamespace)), timeout]);
      rmSync(recordPath(this.id), { force: true });
      rmSync(this.dir, { recursive: true, force: true });
    } finally {
      clearTimeout(timer);
      live.delete(this);
    }
  }

  /** For exit handlers: no promises, nothing left behind. */
  destroySync(): void {
    for (const c of this.#children) c.kill('SIGKILL');
    for (const namespace of this.#plan.namespaces) {
      const pids = spawnSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8', timeout: 2_000 });
      for (const pid of (pids.stdout ?? '').split(/\s+/).filter(Boolean)) killQuietly(Number(pid));
      spawnSync('ip', ['netns', 'del', namespace], { timeout: 2_000 });
    }
    rmSync(recordPath(this.id), { force: true });
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}

const gatewayOf = (address: string): string => address.replace(/\.\d+$/, '.1');

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function killNamespace(namespace: string): Promise<void> {
  const pids = await run(['ip', 'netns', 'pids', namespace], { timeoutMs: 2_000 });
  for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) killQuietly(Number(pid));
}

/** Kills the namespace's processes, then deletes it (its links go with it). */
async function removeNamespace(namespace: string): Promise<void> {
  await killNamespace(namespace);
  const r = await run(['ip', 'netns', 'del', namespace], { timeoutMs: 5_000 });
  if (r.code !== 0 && !/No such file/.test(r.stderr))
    throw new Error(`ip netns del ${namespace}: ${r.stderr.trim()}`);
}

let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const destroyAll = (): void => {
    for (const lab of [...live]) lab.destroySync();
  };
  process.once('exit', destroyAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      destroyAll();
      // Keep the signal's default meaning unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether lab `id` is left over from a run that is gone. */
function isStale(id: string, namespaceAgeMs: number): boolean {
  let record: { pid: number; createdAt: number };
  try {
    record = JSON.parse(readFileSync(recordPath(id), 'utf8')) as typeof record;
  } catch {
    return namespaceAgeMs > ORPHAN_GRACE_MS;
  }
  return !pidAlive(record.pid) || Date.now() - record.createdAt > MAX_LAB_AGE_MS;
}

const ageMs = (path: string): number => {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0; // already gone
  }
};

const listDir = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/**
 * Removes what crashed runs left: namespaces named `plab<id>-…` whose lab's process is gone (or
 * without a record and older than a minute), links with the prefix in the machine's namespace,
 * temporary folders and records. Labs of live processes (parallel test files) are kept. Returns
 * the namespaces and links it removed.
 */
export async function cleanupStaleLabs(): Promise<string[]> {
  const listed = await run(['ip', 'netns', 'list'], { timeoutMs: 5_000 });
  const namespaces = listed.stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
  const links = (await run(['ip', '-o', 'link', 'show'], { timeoutMs: 5_000 })).stdout
    .split('\n')
    .map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1] ?? '');
  const stale = (name: string, age: number): boolean => {
    const id = LAB_NAME.exec(name)?.[1];
    return id !== undefined && isStale(id, age);
  };
  const doomedNamespaces = namespaces.filter((n) => stale(n, ageMs(`/run/netns/${n}`)));
  const doomedLinks = links.filter((l) => stale(l, Number.POSITIVE_INFINITY));
  // A folder whose record is gone is only removed once no lab could still be using it.
  const doomedDirs = listDir(tmpdir()).filter((d) => stale(d, ageMs(join(tmpdir(), d)) - MAX_LAB_AGE_MS));
  const doomedRecords = listDir(RECORD_DIR).filter((f) => stale(`${LAB_PREFIX}${f.slice(0, 4)}-`, 0));
  for (const n of doomedNamespaces) await removeNamespace(n);
  for (const l of doomedLinks) await run(['ip', 'link', 'del', l], { timeoutMs: 5_000 });
  for (const d of doomedDirs) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  for (const f of doomedRecords) rmSync(join(RECORD_DIR, f), { force: true });
  return [...doomedNamespaces, ...doomedLinks];
}

// ---------------------------------------------------------------------------------------------
// Parley processes inside a lab.

export interface LabDaemon extends Daemon {
  readonly host: string;
  /** A client command (`parley --home H …`) run inside the daemon's namespace. */
  run(args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** JSON-RPC to the daemon's local API (which listens on the namespace's loopback). */
  rpc<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export interface LabDaemonOptions {
  /** A home made by `parley init` (e.g. ParleyWorld.account); the caller removes it. */
  readonly home: string;
  /** Lab addresses only. Given, it replaces any default bootstrap list. */
  readonly bootstrap: readonly string[];
  /** Default: /ip4/0.0.0.0/tcp/0, as a user's daemon listens. */
  readonly listen?: readonly string[];
  /**
   * `--network`: `private` (default); `public` (the Amino DHT's protocol) needs a lab bootstrap
   * peer, so the default list is never dialled.
   */
  readonly network?: 'private' | 'public';
  /**
   * Default true: passes --private-addresses, because libp2p counts the whole lab range
   * (198.18.0.0/15) as private (@libp2p/utils private-ip.ts) and would drop it from peer records.
   */
  readonly privateAddresses?: boolean;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** PARLEY_TRACE=1: one line per frame and peer event in log(). */
  readonly trace?: boolean;
}

/** Starts `parley daemon` inside a host and waits for its ready line. */
export async function startLabDaemon(lab: Lab, host: string, options: LabDaemonOptions): Promise<LabDaemon> {
  const network = options.network ?? 'private';
  if (network === 'public' && options.bootstrap.length === 0)
    throw new Error('a public-network lab daemon needs --bootstrap (lab addresses), never the default list');
  const args = [PARLEY_BIN, '--home', options.home, '--json', 'daemon'];
  for (const listen of options.listen ?? ['/ip4/0.0.0.0/tcp/0']) args.push('--listen', listen);
  for (const peer of options.bootstrap) args.push('--bootstrap', peer);
  args.push('--network', network);
  if (options.privateAddresses ?? true) args.push('--private-addresses');
  args.push(...(options.args ?? []));
  const env = { NO_COLOR: '1', ...TEST_ENV, ...(options.trace ? { PARLEY_TRACE: '1' } : {}), ...options.env };
  const child = lab.spawn(host, [process.execPath, ...args], { env });
  const ready = await readyLine(child, `daemon on ${host}`);
  const info = JSON.parse(ready.line) as { peerId: string; apiPort: number; addresses: string[] };
  let bridge: Promise<string> | undefined;
  return {
    host,
    home: options.home,
    process: child,
    ...info,
    log: ready.log,
    run: (client, runOptions) =>
      lab.exec(host, [process.execPath, PARLEY_BIN, '--home', options.home, ...client], {
        ...runOptions,
        env: { NO_COLOR: '1', ...runOptions?.env },
      }),
    rpc: async (method, params = {}) => {
      bridge ??= apiBridge(lab, host, info.apiPort);
      return rpcOverSocket(await bridge, info.apiPort, options.home, method, params);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Starts `parley relay --network private` on a public host, listening on its lab address (TCP + QUIC). */
export async function startLabRelay(
  lab: Lab,
  host: string,
  options: {
    port?: number;
    /** Also listen on QUIC (UDP, same port number). Default true. */
    quic?: boolean;
    args?: readonly string[];
    bootstrap?: readonly string[];
  } = {},
): Promise<{ readonly process: ChildProcess; readonly peerId: string; readonly addresses: string[] }> {
  const home = join(lab.dir, `relay-${host}`);
  const port = options.port ?? 4001;
  const argv = [process.execPath, PARLEY_BIN, '--home', home, '--json', 'relay'];
  argv.push('--listen', `/ip4/${lab.addressOf(host)}/tcp/${port}`);
  if (options.quic ?? true) argv.push('--listen', `/ip4/${lab.addressOf(host)}/udp/${port}/quic-v1`);
  // Lab addresses are 198.18.0.0/15, private to libp2p: keep them in DHT records.
  argv.push('--network', 'private', '--private-addresses');
  for (const peer of options.bootstrap ?? []) argv.push('--bootstrap', peer);
  const child = lab.spawn(host, [...argv, ...(options.args ?? [])], { env: { NO_COLOR: '1', ...TEST_ENV } });
  const ready = await readyLine(child, `relay on ${host}`);
  const info = JSON.parse(ready.line) as { peerId: string; addresses: string[] };
  return { process: child, ...info };
}

/** Waits for a `"ready"` JSON line on stdout; rejects with the log if the process exits first. */
function readyLine(child: ChildProcess, what: string): Promise<{ line: string; log: () => string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const log = (): string => stderr;
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${stderr}`)), 30_000);
    child.stdout?.on('data', (d) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve({ line, log });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code ?? signal}:\n${out}${stderr}`));
    });
  });
}

// A Unix socket is not bound to a network namespace: this forwarder, run inside the host, lets
// the test process reach the daemon's loopback-only API.
const BRIDGE_SOURCE = `const net=require('node:net');const [sock,port]=process.argv.slice(1);
net.createServer((c)=>{const u=net.connect(Number(port),'127.0.0.1');c.pipe(u).pipe(c);
u.on('error',()=>c.destroy());c.on('error',()=>u.destroy());}).listen(sock,()=>console.log('"ready"'));`;

async function apiBridge(lab: Lab, host: string, apiPort: number): Promise<string> {
  const socket = join(lab.dir, `api-${host}-${apiPort}.sock`);
  const child = lab.spawn(host, [process.execPath, '-e', BRIDGE_SOURCE, socket, String(apiPort)]);
  await readyLine(child, `API bridge on ${host}`);
  return socket;
}

function rpcOverSocket<T>(
  socketPath: string,
  port: number,
  home: string,
  method: string,
  params: Record<string, unknown>,
): Promise<T> {
  const token = readFileSync(join(home, 'api.token'), 'utf8').trim();
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method: 'POST',
        path: '/rpc',
        headers: {
          host: `127.0.0.1:${port}`,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
        });
        res.on('end', () => {
          try {
            const reply = JSON.parse(text) as { result?: T; error?: { message: string } };
            if (reply.error) reject(new Error(reply.error.message));
            else resolve(reply.result as T);
          } catch {
            reject(new Error(`${method}: HTTP ${res.statusCode}: ${text}`));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
