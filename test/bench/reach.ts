/**
 * Reachability figures in the namespace lab (issue 15), per NAT type (both homes alike): one
 * public host running `parley relay --network private`, two daemons at home with `--network
 * private --bootstrap <relay>`. Prints one JSON object:
 * - `firstMessageMs`: both daemons started → invite, accept, first message delivered (target ≤ 5 s);
 * - `directAfterMs`: until the contact connection became direct (target ≤ 30 s on cone), or null;
 * - `directShare`: share of contact connections direct after DIRECT_WAIT_MS (target 1 on cone);
 * - `latencyMsP50` by connection kind: one message at a time, sent → seen by the receiver
 *   (polled every POLL_MS over the daemon's local API, so ± POLL_MS).
 * Needs root (network namespaces); prints {skipped: reason} otherwise.
 *
 *   pnpm bench:reach            (DIRECT_WAIT_MS=60000 LATENCY_RUNS=20 by default;
 *                                BENCH_REACH_LOG=1 prints the daemons' hole-punch lines,
 *                                BENCH_REACH_NATS=cone measures one NAT type)
 */
import {
  createLab,
  type Lab,
  type LabDaemon,
  labAvailable,
  type Nat,
  startLabDaemon,
  startLabRelay,
} from '../support/netlab.ts';
import { eventually, ParleyWorld } from '../support/parley.ts';

const DIRECT_WAIT_MS = Number(process.env.DIRECT_WAIT_MS ?? 60_000);
const LATENCY_RUNS = Number(process.env.LATENCY_RUNS ?? 20);
const POLL_MS = 10;

interface ContactJson {
  name: string;
  connection: 'direct' | 'relayed' | null;
}

const kindOf = async (d: LabDaemon, name: string): Promise<ContactJson['connection']> =>
  (await d.rpc<ContactJson[]>('contacts.list')).find((c) => c.name === name)?.connection ?? null;

const count = async (d: LabDaemon, contact: string, prefix: string): Promise<number> =>
  (await d.rpc<Array<{ text?: string; direction: string }>>('messages.list', { contact, limit: 500 })).filter(
    (m) => m.direction === 'in' && m.text?.startsWith(prefix),
  ).length;

async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return false;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function latencies(alice: LabDaemon, bob: LabDaemon, tag: string): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const kind = String(await kindOf(alice, 'bob'));
    const started = Date.now();
    await alice.rpc('messages.send', { contact: 'bob', text: `${tag} ${i}` });
    if (await waitFor(async () => (await count(bob, 'alice', `${tag} `)) > i, 10_000))
      out[kind] = [...(out[kind] ?? []), Date.now() - started];
  }
  return out;
}

async function measure(nat: Exclude<Nat, 'none'>): Promise<Record<string, unknown>> {
  const world = new ParleyWorld();
  let lab: Lab | undefined;
  try {
    lab = await createLab({
      name: `bench-reach-${nat}`,
      homes: [
        { name: 'alice', nat },
        { name: 'bob', nat },
      ],
      publicHosts: ['relay'],
    });
    const relay = await startLabRelay(lab, 'relay');
    const homes = [world.account('alice'), world.account('bob')] as const;
    const started = Date.now();
    const start = (host: string, home: string): Promise<LabDaemon> =>
      startLabDaemon(lab as Lab, host, { home, bootstrap: relay.addresses });
    const [alice, bob] = await Promise.all([start('alice', homes[0]), start('bob', homes[1])]);
    const invite = await alice.run(['invite']);
    await bob.run(['contacts', 'add', 'alice', invite.stdout.trim()]);
    await bob.rpc('messages.send', { contact: 'alice', text: 'first' });
    await eventually(async () => (await count(alice, 'bob', 'first')) === 1, 60_000, 'the first message');
    const firstMessageMs = Date.now() - started;
    const relayedLatency = await latencies(alice, bob, 'early');
    const direct = await waitFor(async () => (await kindOf(alice, 'bob')) === 'direct', DIRECT_WAIT_MS);
    const directAfterMs = direct ? Date.now() - started : null;
    const lateLatency = await latencies(alice, bob, 'late');
    const all: Record<string, number[]> = {};
    for (const [k, v] of [...Object.entries(relayedLatency), ...Object.entries(lateLatency)])
      all[k] = [...(all[k] ?? []), ...v];
    if (process.env.BENCH_REACH_LOG)
      for (const d of [alice, bob])
        for (const line of d.log().split('\n'))
          if (/punch/.test(line)) process.stderr.write(`${d.host}: ${line}\n`);
    await Promise.all([alice.stop(), bob.stop()]);
    return {
      firstMessageMs,
      directAfterMs,
      directShare: direct ? 1 : 0,
      latencyMsP50: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, median(v)])),
      latencySamples: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.length])),
    };
  } finally {
    await world.cleanup();
    await lab?.destroy();
  }
}

const available = labAvailable();
if (!available.ok) {
  process.stdout.write(`${JSON.stringify({ skipped: available.reason })}\n`);
} else {
  const results: Record<string, unknown> = {};
  const nats = (process.env.BENCH_REACH_NATS ?? 'cone,symmetric').split(',') as Array<Exclude<Nat, 'none'>>;
  for (const nat of nats) {
    process.stderr.write(`bench:reach ${nat}…\n`);
    results[nat] = await measure(nat);
  }
  process.stdout.write(
    `${JSON.stringify({ ...results, directWaitMs: DIRECT_WAIT_MS, latencyRuns: LATENCY_RUNS, node: process.version })}\n`,
  );
}
