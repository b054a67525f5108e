/**
 * `pnpm bench:devices`: several devices, one person (issue 19), in ONE process: messengers with
 * real SQLite stores on disk (WAL, synchronous=FULL) linked by core's memory network, so what is
 * measured is core + store, not libp2p (whose stream rate bench:net reports).
 *
 * 1. link: a new device of Alice's — link shown, request, grant, account stored, messenger
 *    started, and Bob holding the new device list — wall time.
 * 2. history: Alice holds N messages (default 50,000) with Bob; a new device links and fetches
 *    them all (batches of 1,000, each committed with its cursor). Rate = N / (link → last batch).
 * 3. fan-out: sender CPU (process.cpuUsage around the synchronous sendTexts: encrypt + store +
 *    queue) per message to a one-device contact, then to the same contact with two more devices,
 *    and with a device of the sender's own (a sync copy per message); the one-device figure is
 *    measured before and after, in the same run.
 * 4. history with attachments, real daemons on loopback (core + net + SQLite + file blobs): Alice's
 *    daemon holds 1,000 messages and `--mib` MiB of photos/files sent to Bob (20 files, each under
 *    the auto-download limit); a laptop links with `parley init --link` and its daemon fetches the
 *    history and every file. Bytes/s = all the files' bytes / (laptop daemon ready → last file
 *    `done`), against a bare libp2p stream measured in the same run, before and after (the higher
 *    is the reference, as in bench:files).
 *
 * Prints ONE JSON object on stdout; progress on stderr. `--messages N`, `--fanout N` (default 2,000),
 * `--mib N` (default 200; 0 skips phase 4).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  completeLink,
  createMemoryBlobStore,
  createMemoryNetwork,
  createMessenger,
  createPendingDevice,
  createVault,
  decodeDeviceLink,
  linkRequest,
  type Messenger,
  requestLink,
  type Store,
} from '@parley/core';
import { createTestAccount, testPeerId } from '@parley/core/testing';
import { bufferedRandom, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { openSqliteStore } from '@parley/store';
import { bareStream } from '../support/bare-stream.ts';
import { MiB, randomFile, sendFile, waitAttachment } from '../support/files.ts';
import { LINK_NODE_ARGS, ParleyWorld } from '../support/parley.ts';

const { values } = parseArgs({
  options: { messages: { type: 'string' }, fanout: { type: 'string' }, mib: { type: 'string' } },
});
const N = Number(values.messages ?? 50_000);
const FANOUT = Number(values.fanout ?? 2_000);
const FILES_MIB = Number(values.mib ?? 200);
const FILES = 20;
const BATCH = 1000;
const progress = (msg: string): void => void process.stderr.write(`bench:devices ${msg}\n`);
const round = (v: number, digits = 1): number => Number(v.toFixed(digits));
const random = bufferedRandom(systemRandom);

const dir = mkdtempSync(join(tmpdir(), 'parley-bench-devices-'));
const network = createMemoryNetwork();
interface Peer {
  readonly name: string;
  readonly peerId: string;
  readonly messenger: Messenger;
  readonly store: Store;
}
const peers: Peer[] = [];

async function start(
  name: string,
  store: Store,
  account: Parameters<typeof createMessenger>[0]['account'],
): Promise<Peer> {
  const peerId = testPeerId(name);
  const messenger = createMessenger({
    store,
    transport: network.createTransport(peerId),
    account,
    primitives: nodePrimitives,
    random,
    blobs: createMemoryBlobStore(),
  });
  await messenger.start();
  const p = { name, peerId, messenger, store };
  peers.push(p);
  return p;
}

async function peer(name: string): Promise<Peer> {
  const store = openSqliteStore(join(dir, `${name}.db`));
  return start(name, store, await createTestAccount(store, name, nodePrimitives));
}

/** A new device `name` of `owner`'s account, linked through the link protocol. */
async function link(owner: Peer, name: string): Promise<Peer> {
  const peerId = testPeerId(name);
  const store = openSqliteStore(join(dir, `${name}.db`));
  const transport = network.createTransport(peerId);
  const now = Date.now();
  const device = createPendingDevice({ peerId, name, now }, random, nodePrimitives);
  const request = linkRequest(device, [], now, nodePrimitives);
  const offer = decodeDeviceLink(owner.messenger.createDeviceLink().link, now);
  const grant = await requestLink({ primitives: nodePrimitives }, transport, offer, request);
  await transport.stop();
  const { vault } = await createVault({ keyFile: systemRandom(32) }, random, nodePrimitives);
  const account = completeLink(
    store,
    {
      vault,
      device,
      peerKey: Uint8Array.of(1),
      request,
      secret: offer.secret,
      grant,
      now,
      random,
      from: owner.peerId,
    },
    nodePrimitives,
  );
  return start(name, store, account);
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function befriend(a: Peer, b: Peer): Promise<void> {
  b.messenger.acceptInvite(a.messenger.createInvite().link);
  await until(
    () => a.messenger.contacts().some((c) => c.peerId === b.peerId && c.state === 'active'),
    10_000,
    `${a.name} and ${b.name}`,
  );
}

const devicesOf = (at: Peer, of: Peer): number =>
  at.store.transaction((tx) => {
    const c = tx.getContactByPeerId(of.peerId);
    return c ? Math.max(1, tx.listDevices(c.id).length) : 0;
  });

/** Sender CPU µs per message of FANOUT texts (sendTexts in batches), the receivers offline. */
function sendCpu(from: Peer, to: string): number {
  const texts = Array.from({ length: 100 }, (_, i) => `fan-out ${i} `.padEnd(1024, 'x'));
  const t0 = process.cpuUsage();
  for (let i = 0; i < FANOUT; i += texts.length) from.messenger.sendTexts(to, texts);
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / FANOUT;
}

/** Phase 4 (see the file comment): the new device's history with FILES_MIB MiB of files, real daemons. */
async function historyWithFiles(): Promise<Record<string, unknown>> {
  const world = new ParleyWorld();
  const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-devices-files-'));
  try {
    const bareBefore = await bareStream(2);
    const alice = world.account('alice');
    const bob = world.account('bob');
    await Promise.all([world.daemon(alice), world.daemon(bob)]);
    await world.befriend(alice, 'alice', bob, 'bob');
    const lines = Array.from({ length: 1000 }, (_, i) => `history ${i}`).join('\n');
    const sent = world.run(alice, ['send', 'bob', '--lines'], { input: `${lines}\n` });
    if (sent.code !== 0) throw new Error(`send --lines failed: ${sent.stderr}`);
    const size = Math.floor((FILES_MIB * MiB) / FILES);
    if (size > 16 * MiB) throw new Error('each file must stay under the 16 MiB auto-download limit');
    progress(`   encrypting ${FILES} files of ${round(size / MiB)} MiB at Alice`);
    const ids: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const path = join(scratch, `photo-${i}.bin`);
      await randomFile(path, size);
      ids.push((await sendFile(world, alice, 'bob', path)).attachment.id);
      rmSync(path, { force: true });
    }
    for (const id of ids)
      await waitAttachment(world, alice, 'bob', id, (a) => a.state === 'available', 120_000);
    const { link } = JSON.parse(world.run(alice, ['--json', 'devices', 'link']).stdout) as { link: string };
    const laptop = world.home('laptop');
    const args = ['init', '--link', '-', '--name', 'Laptop', '--no-passphrase', ...LINK_NODE_ARGS];
    const linked = world.run(laptop, args, { input: `${link}\n` });
    if (linked.code !== 0) throw new Error(`init --link failed: ${linked.stderr}`);
    progress('   the laptop fetches the history and the files');
    await world.daemon(laptop);
    const t0 = performance.now();
    let done = 0;
    while (done < FILES) {
      if (performance.now() - t0 > 600_000) throw new Error(`only ${done} of ${FILES} files after 10 min`);
      await new Promise((r) => setTimeout(r, 100));
      const page = await world
        .rpc<Array<{ attachment: { status: string; transferred: number; size: number } | null }>>(
          laptop,
          'messages.list',
          { contact: 'bob', limit: 100 },
        )
        .catch(() => []);
      // our own file, fetched from the other device: `available` once every byte is here
      done = page.filter(
        (m) => m.attachment?.status === 'available' && m.attachment.transferred === m.attachment.size,
      ).length;
    }
    const seconds = (performance.now() - t0) / 1000;
    const bareAfter = await bareStream(2);
    const bytes = size * FILES;
    const bare = Math.max(bareBefore, bareAfter);
    return {
      files: FILES,
      bytes,
      seconds: round(seconds, 2),
      mbPerSec: round(bytes / 1e6 / seconds),
      bareStreamMbPerSec: round(bare / 1e6),
      bareBeforeMbPerSec: round(bareBefore / 1e6),
      bareAfterMbPerSec: round(bareAfter / 1e6),
      ratioVsBareStream: round(bytes / seconds / bare, 2),
      target: '>= 0.5x the bare stream',
      includes: 'the laptop daemon fetching its 1,000-message history at the same time',
    };
  } finally {
    await world.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [alice, bob] = [await peer('alice'), await peer('bob')];
  await befriend(alice, bob);

  progress('1. link');
  const t0 = performance.now();
  const laptop = await link(alice, 'laptop');
  await until(() => devicesOf(bob, alice) === 2, 10_000, 'Bob to learn the laptop');
  const linkMs = performance.now() - t0;

  progress(`2. history: ${N} messages`);
  network.setOnline(bob.peerId, false);
  network.setOnline(laptop.peerId, false);
  const text = 'history '.padEnd(200, 'h');
  for (let i = 0; i < N; i += BATCH)
    alice.messenger.sendTexts(
      'bob',
      Array.from({ length: Math.min(BATCH, N - i) }, () => text),
    );
  let done = 0;
  const t1 = performance.now();
  const tablet = await link(alice, 'tablet');
  tablet.messenger.events.on('history', (e) => {
    if (e.done) done = performance.now();
  });
  await until(() => done > 0, 600_000, 'the history');
  const historyMs = done - t1;
  const stored = tablet.store.transaction(
    (tx) =>
      tx.listMessages(tx.getContactByPeerId(bob.peerId)?.id ?? '', { after: -(2 ** 52), limit: N + 1 })
        .length,
  );
  if (stored !== N) throw new Error(`the new device holds ${stored} of ${N} messages`);
  progress(`   ${stored} messages in ${round(historyMs)} ms`);

  progress('3. fan-out');
  const [carol, dave, erin] = [await peer('carol'), await peer('dave'), await peer('erin')];
  await befriend(carol, dave);
  await befriend(carol, erin);
  network.setOnline(dave.peerId, false);
  network.setOnline(erin.peerId, false);
  const single1 = sendCpu(carol, 'dave');
  network.setOnline(dave.peerId, true);
  const [dave2, dave3] = [await link(dave, 'dave2'), await link(dave, 'dave3')];
  await until(() => devicesOf(carol, dave) === 3, 20_000, 'Carol to learn Dave’s devices');
  for (const p of [dave, dave2, dave3]) network.setOnline(p.peerId, false);
  const three = sendCpu(carol, 'dave');
  const single2 = sendCpu(carol, 'erin');
  const carol2 = await link(carol, 'carol2');
  network.setOnline(carol2.peerId, false);
  const withSync = sendCpu(carol, 'erin');
  const single = (single1 + single2) / 2;

  progress(`4. history with ${FILES_MIB} MiB of files (real daemons)`);
  const files = FILES_MIB > 0 ? await historyWithFiles() : { skipped: '--mib 0' };

  const result = {
    bench: 'devices',
    cpus: cpus().length,
    loadavg: loadavg().map((l) => round(l, 2)),
    link: { ms: round(linkMs) },
    history: {
      messages: N,
      ms: round(historyMs),
      msgsPerSec: round(N / (historyMs / 1000)),
      target: '>= 5000 msgs/s',
    },
    historyFiles: files,
    fanout: {
      messages: FANOUT,
      singleDeviceCpuUs: { before: round(single1), after: round(single2) },
      threeDevicesCpuUs: round(three),
      perExtraDeviceCpuUs: round((three - single) / 2),
      perExtraDeviceRatio: round((three - single) / 2 / single, 2),
      ownSyncCopyCpuUs: round(withSync - single2),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench:devices failed: ${String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const p of peers) {
      await p.messenger.stop();
      p.store.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });
