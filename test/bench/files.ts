/**
 * `pnpm bench:files`: a 1 GiB attachment between two real `parley daemon`
 * processes on loopback (core + net + SQLite + file blobs).
 *
 * - end to end: MB/s from `attachments.download` to the receiver's state
 *   `done` (its whole-file SHA-256 check included; seen on its /events
 *   stream), the file generated into a temp file and encrypted by the sender
 *   beforehand (timed separately);
 * - bare libp2p stream: two in-process `@parley/net` nodes, one raw stream
 *   pumping 64 KiB writes for ~2 s (as packages/net/bench/run.ts measures
 *   "bare stream"), measured in the same run just before and just after the
 *   transfer (the higher is the reference);
 * - the peak RSS growth of each daemon over its pre-transfer baseline
 *   (/proc/PID/status VmRSS every 100 ms, encryption included for the sender);
 * - the CPU time of each daemon during the download (/proc/PID/stat), which
 *   shows where the time goes when the machine is shared and MB/s are noisy.
 *
 * Prints ONE JSON object on stdout; progress on stderr.
 * `--profile DIR` runs both daemons under `node --cpu-prof` (profiles in DIR).
 * `--node-options '…'` passes NODE_OPTIONS to both daemons (e.g. V8 heap flags).
 * `--mib N` changes the file size (default 1024).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bareStream } from '../support/bare-stream.ts';
import {
  attachmentEvents,
  type CpuSeconds,
  cpuSecondsOf,
  MiB,
  RssSampler,
  randomFile,
  rssOf,
  sendFile,
  sha256File,
  waitAttachment,
} from '../support/files.ts';
import { ParleyWorld } from '../support/parley.ts';

const { values } = parseArgs({
  options: { profile: { type: 'string' }, mib: { type: 'string' }, 'node-options': { type: 'string' } },
});
const SIZE = Number(values.mib ?? 1024) * MiB;
const BARE_SECONDS = 2;
const progress = (msg: string): void => void process.stderr.write(`bench:files ${msg}\n`);
const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

/** CPU seconds spent between two readings, rounded, by kind of thread. */
function cpuSpent(before: CpuSeconds | undefined, after: CpuSeconds | undefined): CpuSeconds {
  const d = (k: keyof CpuSeconds): number => round((after?.[k] ?? 0) - (before?.[k] ?? 0), 2);
  return { total: d('total'), main: d('main'), v8: d('v8'), libuv: d('libuv') };
}

async function main(): Promise<void> {
  const world = new ParleyWorld();
  const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-files-'));
  const nodeOptions = [
    values['node-options'] ?? '',
    values.profile ? `--cpu-prof --cpu-prof-dir=${resolve(values.profile)}` : '',
  ]
    .join(' ')
    .trim();
  const env: NodeJS.ProcessEnv = nodeOptions ? { NODE_OPTIONS: nodeOptions } : {};
  try {
    progress(`generating ${SIZE / MiB} MiB`);
    const source = join(scratch, 'big.bin');
    const sourceHash = await randomFile(source, SIZE);

    progress('bare libp2p stream (before)');
    const bareBefore = await bareStream(BARE_SECONDS);

    progress('starting two daemons');
    const alice = world.account('alice');
    const bob = world.account('bob');
    const [aliceDaemon, bobDaemon] = await Promise.all([
      world.daemon(alice, [], env),
      world.daemon(bob, [], env),
    ]);
    await world.befriend(alice, 'alice', bob, 'bob');
    const alicePid = aliceDaemon.process.pid as number;
    const bobPid = bobDaemon.process.pid as number;
    const base = { receiver: rssOf(alicePid) as number, sender: rssOf(bobPid) as number };
    const receiverRss = new RssSampler(() => alicePid);
    const senderRss = new RssSampler(() => bobPid);

    progress('sender encrypting');
    let t = performance.now();
    const sent = await sendFile(world, bob, 'alice', source);
    const encryptS = (performance.now() - t) / 1000;
    const id = sent.attachment.id;
    await waitAttachment(world, alice, 'bob', id, (a) => a.state === 'offered', 60_000);
    const senderAfterEncrypt = senderRss.peak;

    progress('downloading');
    // the end is the receiver's 'attachment' event with a final state, pushed on its /events stream
    // (polling attachments.get every few ms would load the daemon being measured)
    const aliceEvents = await attachmentEvents(world, alice);
    const loadBefore = loadavg()[0] as number;
    const cpuBefore = { receiver: cpuSecondsOf(alicePid), sender: cpuSecondsOf(bobPid) };
    t = performance.now();
    await world.rpc(alice, 'attachments.download', { contact: 'bob', id });
    const end = await aliceEvents.until('bob', id, (a) => a.state !== 'downloading', 600_000);
    const downloadS = (performance.now() - t) / 1000;
    aliceEvents.close();
    const cpuS = {
      receiver: cpuSpent(cpuBefore.receiver, cpuSecondsOf(alicePid)),
      sender: cpuSpent(cpuBefore.sender, cpuSecondsOf(bobPid)),
    };
    receiverRss.stop();
    senderRss.stop();
    if (end.state !== 'done') throw new Error(`download ended ${end.state}: ${end.error}`);

    progress('bare libp2p stream (after)');
    const bareAfter = await bareStream(BARE_SECONDS);

    progress('saving and checking the hash');
    const saved = join(scratch, 'saved.bin');
    await world.rpc(alice, 'attachments.save', { contact: 'bob', id, path: saved });
    const verified = (await sha256File(saved)) === sourceHash;
    rmSync(saved, { force: true });
    if (values.profile) {
      await world.stop(aliceDaemon);
      await world.stop(bobDaemon);
    }

    const mbPerS = SIZE / 1e6 / downloadS;
    const bareMbPerS = Math.max(bareBefore, bareAfter) / 1e6;
    const growth = {
      receiver: (receiverRss.peak - base.receiver) / 1e6,
      sender: (senderRss.peak - base.sender) / 1e6,
    };
    const result = {
      node: process.version,
      cpus: cpus().length,
      file_bytes: SIZE,
      sender_encrypt_s: round(encryptS, 2),
      download_s: round(downloadS, 2),
      end_to_end_mb_per_s: round(mbPerS),
      bare_libp2p_stream_mb_per_s_64KiB_writes: round(bareMbPerS),
      bare_before_mb_per_s: round(bareBefore / 1e6),
      bare_after_mb_per_s: round(bareAfter / 1e6),
      ratio_vs_bare_stream: round(mbPerS / bareMbPerS, 2),
      // CPU seconds each daemon spent during the download, by thread (main = JavaScript, v8 = the
      // garbage collector's workers, libuv = file system): steadier than MB/s on a shared machine.
      // busy = total / download_s (1.0 = one core fully used)
      download_cpu_s: cpuS,
      download_busy: {
        receiver: round(cpuS.receiver.total / downloadS, 2),
        sender: round(cpuS.sender.total / downloadS, 2),
      },
      load_average_1m_before_download: round(loadBefore, 2),
      peak_rss_growth_mb: {
        receiver: round(growth.receiver),
        sender: round(growth.sender),
        sender_during_encrypt: round((senderAfterEncrypt - base.sender) / 1e6),
      },
      baseline_rss_mb: { receiver: round(base.receiver / 1e6), sender: round(base.sender / 1e6) },
      rss_samples: { receiver: receiverRss.samples, sender: senderRss.samples },
      sha256_verified: verified,
      targets: {
        at_least_0_7x_bare_stream: mbPerS / bareMbPerS >= 0.7,
        peak_rss_growth_at_most_100MB_per_side: growth.receiver <= 100 && growth.sender <= 100,
      },
      ...(values.profile ? { profiles: resolve(values.profile) } : {}),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await world.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
