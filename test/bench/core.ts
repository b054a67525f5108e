/**
 * `pnpm bench:core`: two real `parley daemon` processes on loopback (core +
 * net + SQLite in WAL with synchronous=FULL), 1 KiB text messages.
 *
 * - sustained: N messages submitted as fast as the local API allows
 *   (concurrent `messages.send` callers, and `messages.sendMany` batches),
 *   timed until the receiver has shown every one (its /events stream);
 * - latency: 100 msgs/s for 10 s, from just before `messages.send` to the
 *   sender's 'delivered' status on its /events stream (the receiver's ACK,
 *   sent only after its commit), p50/p99;
 * - bare `/parley/msg`: 1 KiB frames one way between two in-process
 *   transports (no core, no SQLite), for comparison.
 *
 * Prints ONE JSON object on stdout; progress on stderr.
 * `--profile DIR` runs both daemons under `node --cpu-prof` (profiles in DIR).
 * `--n N` changes the sustained counts (default 5,000 single sends, ~3 s; 20,000 through
 * sendMany, ~4 s: one second of a fast phase says more about start-up than about a sustained rate).
 * `--only sendMany` (or `send`) runs just that phase (with `--profile`, a profile of it alone).
 * - page encryption's cost: the sustained phases run on encrypted pairs (as shipped) and on
 *   pairs whose databases stay plain (PARLEY_FAULTS {"plainDatabase":true}), alternating
 *   `--rounds` times (default 2); `page_encryption.cost_percent_*` compares their medians.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createParleyTransport, generatePeerKey, type ParleyTransport } from '@parley/net';
import WebSocket from 'ws';
import { ParleyWorld } from '../support/parley.ts';

interface MessageEvent {
  readonly id: string;
  readonly direction: 'in' | 'out';
  readonly status: string;
}

const { values } = parseArgs({
  options: {
    profile: { type: 'string' },
    n: { type: 'string' },
    only: { type: 'string' },
    callers: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const N = Number(values.n ?? 5000);
const N_MANY = Number(values.n ?? 20_000);
/** Concurrent messages.sendMany callers (batches of 100 each): enough to keep the sender busy while a commit is on disk. */
const MANY_CALLERS = Number(values.callers ?? 4);
const SIZE = 1024;
const progress = (msg: string): void => {
  process.stderr.write(`bench:core ${msg}\n`);
};
const round = (v: number, digits = 1): number => Number(v.toFixed(digits));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** CPU time (user + system) a process has used so far, in µs (Linux /proc; clock ticks of 10 ms). */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime, stime (after pid and comm)
  } catch {
    return Number.NaN;
  }
}

/** A distinct 1 KiB text. */
const text1k = (tag: string, i: number): string => {
  const head = `${tag}-${i}-`;
  return head + 'x'.repeat(SIZE - head.length);
};

/** Subscribes to a daemon's /events; resolves once open. */
function events(home: string, onMessage: (m: MessageEvent) => void): Promise<WebSocket> {
  const { port } = JSON.parse(readFileSync(join(home, 'api.json'), 'utf8')) as { port: number };
  const token = readFileSync(join(home, 'api.token'), 'utf8').trim();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  ws.on('message', (data) => {
    const e = JSON.parse(String(data)) as { type: string; data: MessageEvent };
    if (e.type === 'message') onMessage(e.data);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** A fast JSON-RPC caller (keeps the token and port; fetch keeps connections alive). */
function rpcClient(home: string) {
  const { port } = JSON.parse(readFileSync(join(home, 'api.json'), 'utf8')) as { port: number };
  const token = readFileSync(join(home, 'api.token'), 'utf8').trim();
  let id = 1;
  return async <T>(method: string, params: Record<string, unknown>): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${port}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(body.error.message);
    return body.result as T;
  };
}

/** Counts distinct incoming messages at the receiver; resolves when `target` is reached. */
function receiverCounter(): {
  onMessage: (m: MessageEvent) => void;
  reached: (target: number) => Promise<void>;
} {
  const seen = new Set<string>();
  let waiter: { target: number; resolve: () => void } | undefined;
  return {
    onMessage(m) {
      if (m.direction !== 'in') return;
      seen.add(m.id);
      if (waiter && seen.size >= waiter.target) waiter.resolve();
    },
    reached(target) {
      return new Promise((resolve) => {
        if (seen.size >= target) resolve();
        else waiter = { target, resolve };
      });
    },
  };
}

interface Pids {
  readonly sender: number | undefined;
  readonly receiver: number | undefined;
}

async function sustained(
  send: <T>(method: string, params: Record<string, unknown>) => Promise<T>,
  counter: ReturnType<typeof receiverCounter>,
  base: number,
  tag: string,
  mode: 'send' | 'sendMany',
  pids: Pids,
  n: number,
): Promise<{
  msgs_per_s: number;
  submit_msgs_per_s: number;
  seconds: number;
  sender_cpu_us_per_msg: number;
  receiver_cpu_us_per_msg: number;
  client_cpu_us_per_msg: number;
}> {
  let next = 0;
  const cpu0 = { sender: cpuMicros(pids.sender), receiver: cpuMicros(pids.receiver) };
  const client0 = process.cpuUsage();
  const start = performance.now();
  let submitted = 0;
  if (mode === 'send') {
    const caller = async (): Promise<void> => {
      while (next < n) {
        const i = next++;
        await send('messages.send', { contact: 'alice', text: text1k(tag, i) });
      }
    };
    await Promise.all(Array.from({ length: 16 }, caller));
  } else {
    const batch = 100;
    const caller = async (): Promise<void> => {
      while (next < n) {
        const from = next;
        next = Math.min(n, next + batch);
        const texts = Array.from({ length: next - from }, (_, k) => text1k(tag, from + k));
        await send('messages.sendMany', { contact: 'alice', texts });
      }
    };
    await Promise.all(Array.from({ length: MANY_CALLERS }, caller));
  }
  submitted = performance.now();
  await counter.reached(base + n);
  const seconds = (performance.now() - start) / 1000;
  return {
    msgs_per_s: round(n / seconds),
    submit_msgs_per_s: round(n / ((submitted - start) / 1000)),
    seconds: round(seconds, 2),
    // CPU each daemon spent per message in this phase: steadier than rates on a shared machine
    // (1e6 / it is what one dedicated core would sustain).
    sender_cpu_us_per_msg: round((cpuMicros(pids.sender) - cpu0.sender) / n),
    receiver_cpu_us_per_msg: round((cpuMicros(pids.receiver) - cpu0.receiver) / n),
    // this benchmark's own process (the API client: requests, and the receiver's event stream)
    client_cpu_us_per_msg: round(((c) => c.user + c.system)(process.cpuUsage(client0)) / n),
  };
}

async function latency(
  send: <T>(method: string, params: Record<string, unknown>) => Promise<T>,
  bobHome: string,
): Promise<{ p50_ms: number; p99_ms: number; max_ms: number; count: number; rate: number }> {
  const rate = 100;
  const seconds = 10;
  const startedAt = new Map<string, number>();
  const deliveredAt = new Map<string, number>();
  const ws = await events(bobHome, (m) => {
    if (m.direction === 'out' && (m.status === 'delivered' || m.status === 'read') && !deliveredAt.has(m.id))
      deliveredAt.set(m.id, performance.now());
  });
  const total = rate * seconds;
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const before = performance.now();
    pending.push(
      send<{ id: string }>('messages.send', { contact: 'alice', text: text1k('lat', i) }).then((m) => {
        startedAt.set(m.id, before);
      }),
    );
  }
  await Promise.all(pending);
  const deadline = performance.now() + 30_000;
  while ([...startedAt.keys()].some((id) => !deliveredAt.has(id)) && performance.now() < deadline)
    await sleep(50);
  ws.close();
  const samples = [...startedAt]
    .filter(([id]) => deliveredAt.has(id))
    .map(([id, t]) => (deliveredAt.get(id) as number) - t)
    .sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(samples, 50), 2),
    p99_ms: round(percentile(samples, 99), 2),
    max_ms: round(samples.at(-1) ?? Number.NaN, 2),
    count: samples.length,
    rate,
  };
}

/** Bare /parley/msg: 1 KiB frames one way between two in-process transports. */
async function bareMsgRate(count: number): Promise<number> {
  const make = () =>
    createParleyTransport({ privateKey: generatePeerKey(), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false });
  const a: ParleyTransport = await make();
  const b: ParleyTransport = await make();
  try {
    a.setAdmission((p) => p === b.peerId);
    b.setAdmission((p) => p === a.peerId);
    await a.connect(b.peerId, { addresses: b.addresses() });
    let got = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((r) => {
      done = r;
    });
    b.onFrame(() => {
      if (++got === count) done();
    });
    const frame = new Uint8Array(SIZE + 2).fill(7);
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const sent = a.send(b.peerId, frame);
      if ((i & 511) === 511) await sent;
    }
    await all;
    return round(count / ((performance.now() - start) / 1000));
  } finally {
    await a.stop();
    await b.stop();
  }
}

type Sustained = Awaited<ReturnType<typeof sustained>>;

/** A pair of daemons, befriended, with the receiver's event counter (and their pids). */
async function startPair(world: ParleyWorld, label: string, env: NodeJS.ProcessEnv) {
  const init = (name: string): string => {
    const home = world.home(`${label}-${name}`);
    const r = world.run(home, ['init', '--name', name, '--no-passphrase'], { env });
    if (r.code !== 0) throw new Error(`init ${name}: ${r.stderr}`);
    return home;
  };
  const alice = init('alice');
  const bob = init('bob');
  const [aliceDaemon, bobDaemon] = await Promise.all([
    world.daemon(alice, [], env),
    world.daemon(bob, [], env),
  ]);
  await world.befriend(alice, 'alice', bob, 'bob');
  const send = rpcClient(bob);
  const counter = receiverCounter();
  const aliceEvents = await events(alice, counter.onMessage);
  const pids: Pids = { sender: bobDaemon.process.pid, receiver: aliceDaemon.process.pid };
  // warm-up (JIT, connections)
  for (let i = 0; i < 50; i++) await send('messages.send', { contact: 'alice', text: text1k('warm', i) });
  await counter.reached(50);
  const stop = async (): Promise<void> => {
    aliceEvents.close();
    await world.stop(aliceDaemon);
    await world.stop(bobDaemon);
  };
  return { bob, send, counter, pids, stop };
}

/** Both sustained phases on a fresh pair. */
async function sustainedPair(
  world: ParleyWorld,
  label: string,
  env: NodeJS.ProcessEnv,
): Promise<{ single: Sustained; many: Sustained }> {
  const pair = await startPair(world, label, env);
  try {
    progress(`${label}: sustained, ${N} × messages.send, 16 concurrent callers`);
    const single = await sustained(pair.send, pair.counter, 50, 'sus', 'send', pair.pids, N);
    progress(`${label}: sustained (messages.send): ${JSON.stringify(single)}`);
    progress(
      `${label}: sustained, ${N_MANY} via messages.sendMany (batches of 100, ${MANY_CALLERS} callers)`,
    );
    const many = await sustained(pair.send, pair.counter, 50 + N, 'many', 'sendMany', pair.pids, N_MANY);
    progress(`${label}: sustained (messages.sendMany): ${JSON.stringify(many)}`);
    return { single, many };
  } finally {
    await pair.stop();
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** The baseline without page encryption (faults.ts: a benchmarks-only knob, logged by the daemon). */
const PLAIN_ENV: NodeJS.ProcessEnv = { PARLEY_FAULTS: JSON.stringify({ plainDatabase: true }) };
/** Encrypted and plain pairs alternate this many times each (the machine is shared and noisy). */
const ROUNDS = Number(values.rounds ?? 2);

async function main(): Promise<void> {
  const world = new ParleyWorld();
  try {
    const env: NodeJS.ProcessEnv = values.profile
      ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${values.profile}` }
      : {};
    if (values.only === 'sendMany' || values.only === 'send') {
      const mode = values.only;
      const n = mode === 'send' ? N : N_MANY;
      const pair = await startPair(world, 'only', env);
      const result = await sustained(pair.send, pair.counter, 50, 'only', mode, pair.pids, n);
      await pair.stop();
      process.stdout.write(`${JSON.stringify({ bench: 'core', only: mode, n, ...result })}\n`);
      return;
    }
    if (values.only !== undefined) throw new Error('--only takes "sendMany" or "send"');

    // Page encryption's cost: encrypted (as shipped) and plain pairs, alternating, same run.
    const encrypted: Array<{ single: Sustained; many: Sustained }> = [];
    const plain: Array<{ single: Sustained; many: Sustained }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      encrypted.push(await sustainedPair(world, `encrypted#${round}`, env));
      plain.push(await sustainedPair(world, `plain#${round}`, { ...env, ...PLAIN_ENV }));
    }
    const best = (runs: typeof encrypted, k: 'single' | 'many'): Sustained =>
      runs.map((r) => r[k]).reduce((a, b) => (b.msgs_per_s > a.msgs_per_s ? b : a));
    const single = best(encrypted, 'single');
    const many = best(encrypted, 'many');
    const rates = (runs: typeof encrypted, k: 'single' | 'many') => runs.map((r) => r[k].msgs_per_s);
    const cost = (k: 'single' | 'many'): number =>
      round(100 * (1 - median(rates(encrypted, k)) / median(rates(plain, k))), 1);

    const pair = await startPair(world, 'latency', env);
    progress('latency: 100 msgs/s for 10 s');
    const lat = await latency(pair.send, pair.bob);
    progress(`latency: ${JSON.stringify(lat)}`);
    await pair.stop();

    progress('bare /parley/msg: 20000 × 1 KiB frames');
    const bare = await bareMsgRate(20_000);

    const result = {
      bench: 'core',
      message_bytes: SIZE,
      durable:
        'SQLite WAL, synchronous=FULL, pages encrypted (ChaCha20-Poly1305), two daemon processes on loopback',
      sustained_send: { n: N, callers: 16, ...single },
      sustained_sendMany: { n: N_MANY, batch: 100, callers: MANY_CALLERS, ...many },
      page_encryption: {
        rounds: ROUNDS,
        encrypted_send_msgs_per_s: rates(encrypted, 'single'),
        plain_send_msgs_per_s: rates(plain, 'single'),
        encrypted_sendMany_msgs_per_s: rates(encrypted, 'many'),
        plain_sendMany_msgs_per_s: rates(plain, 'many'),
        encrypted_sender_cpu_us_per_msg: encrypted.map((r) => r.many.sender_cpu_us_per_msg),
        plain_sender_cpu_us_per_msg: plain.map((r) => r.many.sender_cpu_us_per_msg),
        encrypted_receiver_cpu_us_per_msg: encrypted.map((r) => r.many.receiver_cpu_us_per_msg),
        plain_receiver_cpu_us_per_msg: plain.map((r) => r.many.receiver_cpu_us_per_msg),
        cost_percent_send: cost('single'),
        cost_percent_sendMany: cost('many'),
      },
      latency_100_per_s: lat,
      bare_msg_frames_per_s: bare,
      targets: { sustained_msgs_per_s: 5000, p50_ms: 5, p99_ms: 25, page_encryption_cost_percent: 15 },
      meets: {
        sustained: Math.max(single.msgs_per_s, many.msgs_per_s) >= 5000,
        sustained_single_send: single.msgs_per_s >= 5000,
        p50: lat.p50_ms <= 5,
        p99: lat.p99_ms <= 25,
        page_encryption_cost: Math.max(cost('single'), cost('many')) <= 15,
      },
      ...(values.profile ? { profiles: values.profile } : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await world.cleanup();
  }
}

await main();
