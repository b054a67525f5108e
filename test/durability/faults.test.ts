/**
 * D1, D2, D4, D5, D7 under injected faults (PARLEY_FAULTS, apps/cli/src/daemon/faults.ts):
 * lost ACKs, replayed ciphertexts, frames overtaken by their successors, a poison message, a full
 * disk. Real daemons and SQLite files on loopback.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  befriendedPair,
  conversation,
  duplicates,
  faultsEnv,
  fixedListen,
  freePort,
  type MessageView,
  outboxDrains,
  receivedCount,
  receivedTexts,
  sendText,
  sleep,
  status,
} from '../support/durability.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
afterAll(() => world.cleanup());

const texts = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix} ${String(i).padStart(3, '0')}`);

async function sendAll(home: string, list: readonly string[]): Promise<MessageView[]> {
  const out: MessageView[] = [];
  for (const t of list) out.push(await sendText(world, home, 'alice', t));
  return out;
}

const count = (log: string, needle: string): number => log.split(needle).length - 1;

describe('injected faults', () => {
  it('half of all ACKs dropped: exactly once, and the sender outbox drains', async () => {
    const alicePort = await freePort();
    const pair = await befriendedPair(world, { aliceArgs: fixedListen(alicePort) });
    await world.stop(pair.aliceDaemon);
    // a new seed per start: the same seed would drop the very same ACKs again
    const env = (seed: number) => faultsEnv({ dropAckRatio: 0.5, seed });
    pair.aliceDaemon = await world.daemon(pair.alice, fixedListen(alicePort), env(7));
    const list = texts('ack-drop', 100);
    await sendAll(pair.bob, list);
    await receivedCount(world, pair.alice, 'bob', 100, 20_000);

    // Unacked frames are resent after ACK_TIMEOUT_MS (15 s) or at once when
    // the peer reconnects: restart alice (fault still on) until bob's outbox drains.
    let restarts = 0;
    let dropped = 0;
    for (; restarts < 12; restarts++) {
      await sleep(1_000);
      if ((await status(world, pair.bob)).outbox === 0) break;
      dropped += count(pair.aliceDaemon.log(), 'fault: dropped an ACK');
      await world.stop(pair.aliceDaemon);
      pair.aliceDaemon = await world.daemon(pair.alice, fixedListen(alicePort), env(8 + restarts));
    }
    dropped += count(pair.aliceDaemon.log(), 'fault: dropped an ACK');
    expect(dropped).toBeGreaterThan(0);
    await outboxDrains(world, pair.bob, 5_000);
    const shown = await receivedTexts(world, pair.alice, 'bob');
    expect(duplicates(shown)).toEqual([]);
    expect(shown).toEqual(list);
    const mine = (await conversation(world, pair.bob, 'alice')).filter((m) => m.direction === 'out');
    expect(mine.every((m) => m.status === 'delivered')).toBe(true);
  }, 90_000);

  it('old ciphertexts replayed: not shown again, re-acked (outbox drains)', async () => {
    const pair = await befriendedPair(world);
    await world.stop(pair.bobDaemon);
    pair.bobDaemon = await world.daemon(pair.bob, [], faultsEnv({ replayAfterMs: 1_500 }));
    const list = texts('replay', 40);
    await sendAll(pair.bob, list);
    await receivedCount(world, pair.alice, 'bob', 40, 20_000);
    await outboxDrains(world, pair.bob, 20_000);
    // every frame is replayed once, 1.5 s after its first send
    await eventually(
      () => count(pair.bobDaemon.log(), 'fault: replaying MSG frame') >= 40,
      10_000,
      'all replays',
    );
    await sleep(1_000); // let alice process the replays
    const shown = await receivedTexts(world, pair.alice, 'bob');
    expect(duplicates(shown)).toEqual([]);
    expect(shown).toEqual(list);
    expect((await status(world, pair.bob)).outbox).toBe(0);
    expect((await status(world, pair.alice)).parked).toBe(0);
  }, 60_000);

  it('a run of 70 MSG frames overtaken by its successors: shown in the sender’s order (D4)', async () => {
    const pair = await befriendedPair(world);
    await world.stop(pair.bobDaemon);
    // Frames #41…#110 reach alice only after #130: a resend overtaken after a reconnect, as when
    // a receiver is killed mid-stream (kills.test.ts), but on purpose and every time.
    const hold = { holdMsgFrom: 41, holdMsgCount: 70, holdMsgUntil: 130 };
    pair.bobDaemon = await world.daemon(pair.bob, [], faultsEnv(hold));
    const list = texts('overtaken', 150);
    await world.rpc(pair.bob, 'messages.sendMany', { contact: 'alice', texts: list });
    await receivedCount(world, pair.alice, 'bob', 150, 20_000);
    expect(count(pair.bobDaemon.log(), 'fault: sending 70 held MSG frames after #130')).toBe(1);
    const shown = await conversation(world, pair.alice, 'bob');
    expect(shown.map((m) => m.text)).toEqual(list);
    expect(shown.filter((m) => m.gapBefore)).toEqual([]);
    await outboxDrains(world, pair.bob, 20_000);
  }, 90_000);

  it('one poison message: parked at the receiver, failed with an error at the sender, the rest delivered', async () => {
    // Both on fixed ports: a restarted alice dials bob at once, and that reconnect (not bob's
    // retry clock, which backs off while alice is away) is what makes bob resend.
    const alicePort = await freePort();
    const bobPort = await freePort();
    const pair = await befriendedPair(world, {
      aliceArgs: fixedListen(alicePort),
      bobArgs: fixedListen(bobPort),
    });
    await world.stop(pair.bobDaemon);
    pair.bobDaemon = await world.daemon(pair.bob, fixedListen(bobPort), faultsEnv({ corruptMsgNth: 3 }));
    const list = texts('poison', 10);
    const sent = await sendAll(pair.bob, list);
    await receivedCount(world, pair.alice, 'bob', 9, 20_000);
    // Each delivery of the poison frame is one processing failure; a
    // reconnect makes bob resend it at once. The third failure parks it.
    for (let i = 0; i < 4 && (await status(world, pair.alice)).parked === 0; i++) {
      await world.stop(pair.aliceDaemon);
      pair.aliceDaemon = await world.daemon(pair.alice, fixedListen(alicePort));
      await sleep(1_500);
    }
    await eventually(async () => (await status(world, pair.alice)).parked === 1, 10_000, 'parked');
    await outboxDrains(world, pair.bob, 10_000);
    const poison = sent[2] as MessageView;
    const after = await world.rpc<MessageView>(pair.bob, 'messages.get', { contact: 'alice', id: poison.id });
    expect(after.status).toBe('failed');
    expect(after.error).toMatch(/could not decrypt/);
    const shown = await receivedTexts(world, pair.alice, 'bob');
    expect(shown).toEqual(list.filter((_, i) => i !== 2));
    expect((await status(world, pair.alice)).parked).toBe(1);
    const others = (await conversation(world, pair.bob, 'alice')).filter(
      (m) => m.direction === 'out' && m.id !== poison.id,
    );
    expect(others.map((m) => m.status)).toEqual(Array(9).fill('delivered'));
  }, 90_000);

  it('disk full at the receiver: no ACK for unstored messages; all delivered once after a restart', async () => {
    const alicePort = await freePort();
    const pair = await befriendedPair(world, { aliceArgs: fixedListen(alicePort) });
    await world.stop(pair.aliceDaemon);
    const budget = Number(process.env.PARLEY_TEST_STARTUP_WRITES ?? 3) + 5;
    pair.aliceDaemon = await world.daemon(
      pair.alice,
      fixedListen(alicePort),
      faultsEnv({ storeFailAfterWrites: budget }),
    );
    const list = texts('disk-full', 20);
    // Each message must reach alice on its own: if bob queued them while alice was still starting,
    // they would all arrive in one batch, one transaction, and the "disk" would never fill up.
    await eventually(async () => (await status(world, pair.bob)).online === 1, 20_000, 'bob to see alice');
    for (const t of list) {
      await sendAll(pair.bob, [t]);
      await sleep(100);
    }
    await eventually(() => pair.aliceDaemon.log().includes('fault: disk full'), 10_000, 'disk full');
    await sleep(2_000);
    const stored = await receivedTexts(world, pair.alice, 'bob');
    expect(stored.length).toBeLessThan(20);
    expect(stored).toEqual(list.slice(0, stored.length));
    // exactly the unstored ones are still in bob's outbox
    expect((await status(world, pair.bob)).outbox).toBe(20 - stored.length);

    await world.stop(pair.aliceDaemon);
    pair.aliceDaemon = await world.daemon(pair.alice, fixedListen(alicePort));
    await receivedCount(world, pair.alice, 'bob', 20, 20_000);
    await outboxDrains(world, pair.bob, 20_000);
    const shown = await receivedTexts(world, pair.alice, 'bob');
    expect(duplicates(shown)).toEqual([]);
    expect(shown).toEqual(list);
  }, 90_000);
});
