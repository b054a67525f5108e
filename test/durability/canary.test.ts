/**
 * At rest (DESIGN.md §5): no plaintext message text in any file of either
 * data folder (database, -wal, -shm, key file…) nor in the daemons' logs,
 * while running and after a clean stop.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { befriendedPair, receivedCount, sendText } from '../support/durability.ts';
import { filesUnder } from '../support/files.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
afterAll(() => world.cleanup());

/** Files under `dirs` whose bytes contain any of `needles`, with the count of files scanned. */
function scan(dirs: readonly string[], needles: readonly Buffer[]): { hits: string[]; scanned: string[] } {
  const hits: string[] = [];
  const scanned: string[] = [];
  for (const dir of dirs) {
    for (const path of filesUnder(dir)) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch {
        continue;
      }
      scanned.push(path);
      if (needles.some((n) => bytes.includes(n))) hits.push(path);
    }
  }
  return { hits, scanned };
}

describe('no plaintext at rest', () => {
  it('a canary sent 1,000 times never appears in any file of either data dir, nor in the logs', async () => {
    const pair = await befriendedPair(world);
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    // The canary itself, and its UTF-16 form; a 12-byte prefix catches fragments.
    const needles = [canary, canary.slice(0, 19)].flatMap((s) => [
      Buffer.from(s, 'utf8'),
      Buffer.from(s, 'utf16le'),
    ]);
    // positive control: the scanner does find the canary in a file
    const control = world.home('canary-control');
    writeFileSync(join(control, 'x.bin'), Buffer.concat([randomBytes(100), Buffer.from(canary)]));
    expect(scan([control], needles).hits).toHaveLength(1);
    const homes = [pair.alice, pair.bob];
    const hitsWhileRunning: string[] = [];
    const scannedWhileRunning = new Set<string>();
    let next = 0;
    const caller = async (): Promise<void> => {
      while (next < 1000) {
        next++;
        await sendText(world, pair.bob, 'alice', canary);
        if (next % 250 === 0) {
          const { hits, scanned } = scan(homes, needles);
          hitsWhileRunning.push(...hits);
          for (const s of scanned) scannedWhileRunning.add(s);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, caller));
    await receivedCount(world, pair.alice, 'bob', 1000, 60_000);

    const running = scan(homes, needles);
    hitsWhileRunning.push(...running.hits);
    for (const s of running.scanned) scannedWhileRunning.add(s);
    expect([...scannedWhileRunning].some((p) => p.endsWith('-wal'))).toBe(true);
    expect([...scannedWhileRunning].some((p) => p.endsWith('-shm'))).toBe(true);
    expect(hitsWhileRunning).toEqual([]);

    const logs = [pair.aliceDaemon.log(), pair.bobDaemon.log()];
    await world.stop(pair.aliceDaemon);
    await world.stop(pair.bobDaemon);
    const stopped = scan(homes, needles);
    expect(stopped.scanned.length).toBeGreaterThan(2);
    expect(stopped.hits).toEqual([]);
    for (const log of [...logs, pair.aliceDaemon.log(), pair.bobDaemon.log()])
      expect(log.includes(canary.slice(0, 19))).toBe(false);
  }, 120_000);
});
