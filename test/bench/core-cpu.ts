/**
 * A profiling aid for bench:core: two messengers in ONE process, each with a
 * real SQLite store on disk (WAL, synchronous=FULL), linked by core's memory
 * network (no libp2p), so the CPU cost per message of core + store on each
 * side can be measured and profiled without the noise of three processes.
 *
 * `node test/bench/core-cpu.ts [--n 5000] [--batch 100]`; prints JSON:
 * sender compose time per message (inside sendTexts) and the whole pipeline
 * (compose → frame → receiver commit → ACK → sender bookkeeping) per message.
 * Run under `node --cpu-prof` to see where the time goes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createMemoryBlobStore,
  createMemoryNetwork,
  createMessenger,
  type Messenger,
  type Store,
} from '@parley/core';
import { createTestAccount, testPeerId } from '@parley/core/testing';
import { bufferedRandom, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { openSqliteStore } from '@parley/store';

const { values } = parseArgs({
  options: { n: { type: 'string' }, batch: { type: 'string' }, 'compose-only': { type: 'boolean' } },
});
const N = Number(values.n ?? 5000);
const BATCH = Number(values.batch ?? 100);
const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

const dir = mkdtempSync(join(tmpdir(), 'parley-core-cpu-'));
const network = createMemoryNetwork();

async function peer(name: string): Promise<{ messenger: Messenger; store: Store }> {
  const store = openSqliteStore(join(dir, `${name}.db`));
  const peerId = testPeerId(name);
  const account = await createTestAccount(store, name, nodePrimitives);
  const messenger = createMessenger({
    store,
    transport: network.createTransport(peerId),
    account,
    primitives: nodePrimitives,
    random: bufferedRandom(systemRandom),
    blobs: createMemoryBlobStore(),
  });
  await messenger.start();
  return { messenger, store };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

try {
  const alice = await peer('alice');
  const bob = await peer('bob');
  bob.messenger.acceptInvite(alice.messenger.createInvite().link);
  while (!alice.messenger.contacts().some((c) => c.state === 'active')) await sleep(5);
  while (!bob.messenger.contacts().some((c) => c.state === 'active')) await sleep(5);
  const to = bob.messenger.contacts()[0]?.name as string;
  let received = 0;
  let delivered = 0;
  alice.messenger.events.on('message', (m) => {
    if (m.direction === 'in' && m.status === 'delivered') received++;
  });
  bob.messenger.events.on('message', (m) => {
    if (m.direction === 'out' && m.status === 'delivered') delivered++;
  });
  const text = (i: number): string => `m-${i}-`.padEnd(1024, 'x');
  // warm-up
  for (let i = 0; i < 5; i++)
    bob.messenger.sendTexts(
      to,
      Array.from({ length: BATCH }, (_, k) => text(k)),
    );
  while (delivered < 5 * BATCH) await sleep(5);
  received = 0;
  delivered = 0;
  if (values['compose-only']) {
    // The receiver goes away: only composing (encrypt, seal, store, commit) is measured.
    await alice.messenger.stop();
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    for (let sent = 0; sent < N; sent += BATCH)
      bob.messenger.sendTexts(
        to,
        Array.from({ length: Math.min(BATCH, N - sent) }, (_, k) => text(sent + k)),
      );
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(
      `${JSON.stringify({ bench: 'core-cpu', only: 'compose', n: N, batch: BATCH, compose_us_per_msg: round((1000 * ms) / N), cpu_us_per_msg: round((cpu.user + cpu.system) / N) })}\n`,
    );
    await bob.messenger.stop();
    alice.store.close();
    bob.store.close();
    process.exit(0);
  }

  let composeMs = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let sent = 0; sent < N; sent += BATCH) {
    const t = performance.now();
    bob.messenger.sendTexts(
      to,
      Array.from({ length: Math.min(BATCH, N - sent) }, (_, k) => text(sent + k)),
    );
    composeMs += performance.now() - t;
    await new Promise((r) => setImmediate(r)); // let the pipeline run, as a daemon would between requests
  }
  while (received < N) await sleep(1);
  const receivedMs = performance.now() - start;
  while (delivered < N) await sleep(1);
  const allMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'core-cpu',
      n: N,
      batch: BATCH,
      compose_us_per_msg: round((1000 * composeMs) / N),
      received_us_per_msg: round((1000 * receivedMs) / N),
      delivered_us_per_msg: round((1000 * allMs) / N),
      msgs_per_s_one_process: round(N / (allMs / 1000)),
      // CPU time (user + system) of this process per message, both sides together: steadier than
      // wall time on a busy machine.
      cpu_us_per_msg: round((cpu.user + cpu.system) / N),
    })}\n`,
  );
  await alice.messenger.stop();
  await bob.messenger.stop();
  alice.store.close();
  bob.store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
