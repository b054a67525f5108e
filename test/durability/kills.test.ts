/**
 * D1, D2, D4 under `kill -9`: real daemons, real SQLite files, real libp2p on
 * loopback. One side is SIGKILLed at seeded random moments while messages
 * flow, and restarted on the same data folder.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  befriendedPair,
  duplicates,
  fixedListen,
  freePort,
  outboxDrains,
  receivedCount,
  receivedTexts,
  seeded,
  sendText,
  sleep,
} from '../support/durability.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
afterAll(() => world.cleanup());

const SEED = Number(process.env.PARLEY_TEST_SEED ?? 0x5eed);

describe('kill -9 while messages flow', () => {
  it('receiver killed 10 times (new port on every restart): all 500 shown exactly once, in order', async () => {
    const random = seeded(SEED);
    const pair = await befriendedPair(world);
    const texts = Array.from({ length: 500 }, (_, i) => `receiver-kill ${String(i).padStart(3, '0')}`);

    let submitted = 0;
    const submitting = (async () => {
      for (const text of texts) {
        await sendText(world, pair.bob, 'alice', text);
        submitted++;
        await sleep(15);
      }
    })();

    for (let k = 0; k < 10; k++) {
      await sleep(150 + random() * 600);
      await world.kill(pair.aliceDaemon);
      await sleep(random() * 300);
      // harness default: /tcp/0, so alice comes back on a NEW port; bob's
      // stored address for her is stale, she must dial him.
      pair.aliceDaemon = await world.daemon(pair.alice);
    }
    await submitting;
    expect(submitted).toBe(500);

    await receivedCount(world, pair.alice, 'bob', 500, 60_000);
    await outboxDrains(world, pair.bob, 30_000);
    const shown = await receivedTexts(world, pair.alice, 'bob');
    expect(duplicates(shown)).toEqual([]);
    expect(shown).toEqual(texts);
  }, 150_000);

  it('sender killed 10 times while submitting: every accepted message arrives once, nothing else', async () => {
    const random = seeded(SEED + 1);
    const bobPort = await freePort();
    const pair = await befriendedPair(world, { bobArgs: fixedListen(bobPort) });
    const accepted: string[] = [];
    const attempted: string[] = [];
    let next = 0;
    let running = true;

    // One submitter that keeps going across bob's deaths: a call that fails
    // (daemon dead) leaves its text "attempted" but not "accepted".
    const submitting = (async () => {
      while (running) {
        const text = `sender-kill ${String(next++).padStart(4, '0')}`;
        attempted.push(text);
        try {
          await sendText(world, pair.bob, 'alice', text);
          accepted.push(text);
        } catch {
          await sleep(50); // daemon down or restarting
        }
      }
    })();

    for (let k = 0; k < 10; k++) {
      await sleep(200 + random() * 600);
      await world.kill(pair.bobDaemon);
      await sleep(random() * 200);
      pair.bobDaemon = await world.daemon(pair.bob, fixedListen(bobPort));
    }
    await sleep(300);
    running = false;
    await submitting;
    expect(accepted.length).toBeGreaterThan(50);

    await outboxDrains(world, pair.bob, 60_000);
    await receivedCount(world, pair.alice, 'bob', accepted.length, 30_000);
    const shown = await receivedTexts(world, pair.alice, 'bob');
    expect(duplicates(shown)).toEqual([]);
    // Nothing else appears: only texts bob was asked to send (an in-flight
    // call whose daemon died may or may not have committed).
    const attemptedSet = new Set(attempted);
    expect(shown.filter((t) => !attemptedSet.has(t))).toEqual([]);
    // Every accepted one arrived.
    const shownSet = new Set(shown);
    expect(accepted.filter((t) => !shownSet.has(t))).toEqual([]);
    // In the order they were submitted.
    expect(shown).toEqual([...shown].sort());
  }, 150_000);
});
