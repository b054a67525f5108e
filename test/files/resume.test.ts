/**
 * Issue 8: a 200 MB attachment between two real daemons on loopback, with
 * the receiver `kill -9`'d midway (the download must resume from its last
 * durable chunk, not from 0) and the sender `kill -9`'d once later (the
 * receiver resumes when it comes back); the saved file's SHA-256 matches the
 * original. Both daemons' RSS is sampled every 100 ms from /proc during the
 * whole transfer: growth over the pre-transfer baseline stays bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { befriendedPair, fixedListen, freePort, sleep } from '../support/durability.ts';
import {
  type AttachmentInfo,
  attachmentOrNothing,
  MiB,
  RssSampler,
  randomFile,
  rssOf,
  sendFile,
  sha256File,
  waitAttachment,
} from '../support/files.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
const scratch = mkdtempSync(join(tmpdir(), 'parley-files-'));
afterAll(async () => {
  await world.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const SIZE = 200 * 1000 * 1000; // the "200 MB"
/** Progress is made durable every 16 chunks (1 MiB): a resume may redo at most that much. */
const DURABLE_SLACK = MiB;
const RSS_GROWTH_MAX = 120 * 1000 * 1000;
const report = (line: string): void => void process.stderr.write(`[files/resume] ${line}\n`);

describe('200 MB attachment under kill -9', () => {
  it('receiver and sender killed midway: resumes, completes, SHA-256 matches; RSS bounded', async () => {
    const [alicePort, bobPort] = await Promise.all([freePort(), freePort()]);
    // alice receives, bob sends
    const pair = await befriendedPair(world, {
      aliceArgs: fixedListen(alicePort),
      bobArgs: fixedListen(bobPort),
    });
    const source = join(scratch, 'big.bin');
    let t = performance.now();
    const sourceHash = await randomFile(source, SIZE);
    report(`generated ${SIZE} bytes in ${Math.round(performance.now() - t)} ms`);

    const aliceBase = rssOf(pair.aliceDaemon.process.pid as number) as number;
    const bobBase = rssOf(pair.bobDaemon.process.pid as number) as number;
    const aliceRss = new RssSampler(() => pair.aliceDaemon.process.pid);
    const bobRss = new RssSampler(() => pair.bobDaemon.process.pid);
    try {
      t = performance.now();
      const sent = await sendFile(world, pair.bob, 'alice', source);
      const id = sent.attachment.id;
      report(`sender encrypted + queued in ${Math.round(performance.now() - t)} ms`);

      // > 16 MiB: offered, waits for the user
      const offered = await waitAttachment(world, pair.alice, 'bob', id, () => true, 30_000);
      expect(offered.state).toBe('offered');
      expect(offered.size).toBe(SIZE);
      t = performance.now();
      await world.rpc(pair.alice, 'attachments.download', { contact: 'bob', id });

      const seen: Array<{ at: string; transferred: number }> = [];
      const observe = async (at: string): Promise<AttachmentInfo | undefined> => {
        const a = await attachmentOrNothing(world, pair.alice, 'bob', id);
        if (a) seen.push({ at, transferred: a.transferred });
        return a;
      };

      // --- receiver kill -9 between 30 % and 70 % ---------------------------------
      let beforeKill: AttachmentInfo | undefined;
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(20)) {
        beforeKill = await observe('receiver-1');
        if (beforeKill && beforeKill.transferred >= 0.3 * SIZE) break;
      }
      expect(beforeKill?.state).toBe('downloading');
      const killedAt = beforeKill?.transferred as number;
      expect(killedAt / SIZE).toBeGreaterThanOrEqual(0.3);
      expect(killedAt / SIZE).toBeLessThanOrEqual(0.7);
      await world.kill(pair.aliceDaemon);
      report(`receiver killed at ${(killedAt / 1e6).toFixed(1)} MB durable`);
      pair.aliceDaemon = await world.daemon(pair.alice, fixedListen(alicePort));
      const firstAfter = (await observe('receiver-2')) as AttachmentInfo;
      report(`receiver restarted: first progress ${(firstAfter.transferred / 1e6).toFixed(1)} MB`);
      expect(firstAfter.transferred).toBeGreaterThanOrEqual(killedAt - DURABLE_SLACK);
      expect(['downloading', 'done']).toContain(firstAfter.state);

      // --- sender kill -9 once, later --------------------------------------------
      const senderKillMark = Math.min(0.9 * SIZE, firstAfter.transferred + 0.15 * SIZE);
      let beforeSenderKill: AttachmentInfo | undefined;
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(20)) {
        beforeSenderKill = await observe('receiver-2');
        if (beforeSenderKill && beforeSenderKill.transferred >= senderKillMark) break;
      }
      expect(beforeSenderKill?.state).toBe('downloading');
      await world.kill(pair.bobDaemon);
      report(`sender killed at ${((beforeSenderKill?.transferred as number) / 1e6).toFixed(1)} MB`);
      await sleep(500);
      // while the sender is down the download does not fail: it waits
      const whileDown = (await observe('sender-down')) as AttachmentInfo;
      expect(whileDown.state).toBe('downloading');
      pair.bobDaemon = await world.daemon(pair.bob, fixedListen(bobPort));

      const done = await waitAttachment(
        world,
        pair.alice,
        'bob',
        id,
        (a) => {
          seen.push({ at: 'after', transferred: a.transferred });
          return a.state === 'done' || a.state === 'failed';
        },
        150_000,
      );
      report(`download (with 2 kills) took ${Math.round(performance.now() - t)} ms`);
      expect(done.error).toBeNull();
      expect(done.state).toBe('done');
      expect(done.transferred).toBe(SIZE);

      // progress never went back by more than one durable step (never restarted from 0)
      for (let i = 1; i < seen.length; i++) {
        const back = (seen[i - 1]?.transferred as number) - (seen[i]?.transferred as number);
        expect(back, `progress went back at ${seen[i]?.at}`).toBeLessThanOrEqual(DURABLE_SLACK);
      }

      const saved = join(scratch, 'saved.bin');
      await world.rpc(pair.alice, 'attachments.save', { contact: 'bob', id, path: saved });
      expect(await sha256File(saved)).toBe(sourceHash);
    } finally {
      aliceRss.stop();
      bobRss.stop();
    }
    const aliceGrowth = aliceRss.peak - aliceBase;
    const bobGrowth = bobRss.peak - bobBase;
    report(
      `RSS receiver base ${(aliceBase / 1e6).toFixed(0)} MB peak ${(aliceRss.peak / 1e6).toFixed(0)} MB ` +
        `(+${(aliceGrowth / 1e6).toFixed(1)} MB, ${aliceRss.samples} samples); sender base ${(bobBase / 1e6).toFixed(0)} MB ` +
        `peak ${(bobRss.peak / 1e6).toFixed(0)} MB (+${(bobGrowth / 1e6).toFixed(1)} MB, ${bobRss.samples} samples)`,
    );
    expect(aliceGrowth).toBeLessThan(RSS_GROWTH_MAX);
    expect(bobGrowth).toBeLessThan(RSS_GROWTH_MAX);
  }, 240_000);
});
