/**
 * Queued messages and restarts: a message to a stopped contact stays queued
 * (send --wait gives up with exit 3), is delivered exactly once when the
 * contact is back, and everything survives restarting both daemons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../apps/cli/src/client.ts';
import { resolveHome } from '../../apps/cli/src/home.ts';
import { type MessageJson, ndjson, sleep } from '../support/cli.ts';
import { type Daemon, eventually, ParleyWorld, printLogsOnFailure, tcpPort } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
let alice = '';
let bob = '';
let aliceD: Daemon;
let bobD: Daemon;
const firstPort = { alice: '', bob: '' };
beforeAll(async () => {
  alice = world.account('alice');
  bob = world.account('bob');
  [aliceD, bobD] = await Promise.all([world.daemon(alice), world.daemon(bob)]);
  await world.befriend(alice, 'alice', bob, 'bob');
  firstPort.alice = tcpPort(aliceD);
  firstPort.bob = tcpPort(bobD);
});
afterAll(() => world.cleanup());

const messagesOf = (home: string, name: string): MessageJson[] => {
  const r = world.run(home, ['--json', 'messages', name, '--limit', '1000']);
  expect(r.code, r.stderr).toBe(0);
  return ndjson<MessageJson>(r.stdout);
};
const online = (home: string, name: string): boolean =>
  ndjson<{ name: string; online: boolean }>(world.run(home, ['--json', 'contacts', 'list']).stdout).find(
    (c) => c.name === name,
  )?.online ?? false;

describe('a contact that is offline', () => {
  let waitedId = '';
  let queuedId = '';

  it('send --wait --timeout 2 → exit 3 after ~2 s, and the message stays queued', async () => {
    await world.stop(bobD);
    await eventually(() => !online(alice, 'bob'), 15_000, 'alice sees bob offline');
    const started = Date.now();
    const r = world.run(alice, ['send', 'bob', 'while you were away', '--wait', '--timeout', '2']);
    const took = Date.now() - started;
    expect(r.code, r.stderr).toBe(3);
    expect(took).toBeGreaterThanOrEqual(2_000);
    expect(took).toBeLessThan(10_000);
    waitedId = r.stdout.trim();
    expect(waitedId).toMatch(/^[0-9a-f]{32}$/);
    expect(r.stderr).toContain('not delivered within 2 s');
    expect(r.stderr).toContain('queued');
    expect(messagesOf(alice, 'bob').find((m) => m.id === waitedId)?.status).toBe('queued');
  });

  it('send without --wait queues, says so on stderr, exits 0', () => {
    const r = world.run(alice, ['send', 'bob', 'another one']);
    expect(r.code, r.stderr).toBe(0);
    queuedId = r.stdout.trim();
    expect(r.stderr).toMatch(/bob is offline; queued/);
    const j = world.run(alice, ['--json', 'send', 'bob', 'third']);
    expect(ndjson<MessageJson>(j.stdout)[0]?.status).toBe('queued');
    const status = ndjson<{ outbox: number }>(world.run(alice, ['--json', 'status']).stdout)[0];
    expect(status?.outbox).toBeGreaterThanOrEqual(3);
  });

  it('delivers the queued messages exactly once when the contact is back', async () => {
    // alice's API tells the outbox draining as `outbox` events
    const outbox: number[] = [];
    const events = await connect(resolveHome(alice, {})).events((e) => {
      if (e.type === 'outbox') outbox.push((e.data as { size: number }).size);
    });
    bobD = await world.daemon(bob);
    await eventually(
      () => {
        const got = messagesOf(bob, 'alice').map((m) => m.text);
        return ['while you were away', 'another one', 'third'].every((t) => got.includes(t));
      },
      30_000,
      'queued messages reach bob',
    );
    await eventually(
      () =>
        messagesOf(alice, 'bob')
          .filter((m) => m.id === waitedId || m.id === queuedId)
          .every((m) => m.status === 'delivered'),
      15_000,
      'receipts',
    );
    await sleep(1_500); // let any duplicate retry land
    const got = messagesOf(bob, 'alice');
    for (const t of ['while you were away', 'another one', 'third'])
      expect(
        got.filter((m) => m.text === t),
        t,
      ).toHaveLength(1);
    expect(got.filter((m) => m.id === waitedId)).toHaveLength(1);
    expect(ndjson<{ outbox: number }>(world.run(alice, ['--json', 'status']).stdout)[0]?.outbox).toBe(0);
    await eventually(() => outbox.at(-1) === 0, 5_000, 'an outbox event saying 0');
    events.close();
  });
});

describe('restarting both daemons', () => {
  it('keeps contacts and messages, and new messages flow both ways', async () => {
    const beforeA = messagesOf(alice, 'bob');
    const beforeB = messagesOf(bob, 'alice');
    const contactsA = world.run(alice, ['--json', 'contacts', 'list']).stdout;
    // Each comes back on the port its contact knows (the one of the invite):
    // contacts' addresses are not updated when a peer comes back on a new
    // port, so without mDNS/DHT two restarted peers could miss each other
    // (reported as a bug; bob already came back once on a new port above).
    const again = (d: Daemon, port: string) =>
      world.daemon(d.home, ['--listen', `/ip4/127.0.0.1/tcp/${port}`]);
    await Promise.all([world.stop(aliceD), world.stop(bobD)]);
    expect(aliceD.process.exitCode).toBe(0);
    [aliceD, bobD] = await Promise.all([again(aliceD, firstPort.alice), again(bobD, firstPort.bob)]);

    const strip = (c: string) =>
      ndjson<{ name: string; peerId: string; state: string; verified: boolean }>(c).map(
        ({ name, peerId, state, verified }) => ({ name, peerId, state, verified }),
      );
    expect(strip(world.run(alice, ['--json', 'contacts', 'list']).stdout)).toEqual(strip(contactsA));
    const key = (m: MessageJson) => `${m.id}/${m.direction}/${m.text}`;
    expect(messagesOf(alice, 'bob').map(key)).toEqual(beforeA.map(key));
    expect(messagesOf(bob, 'alice').map(key)).toEqual(beforeB.map(key));

    const a = world.run(alice, ['send', 'bob', 'after restart from alice', '--wait', '--timeout', '15']);
    expect(a.code, a.stderr).toBe(0);
    const b = world.run(bob, ['send', 'alice', 'after restart from bob', '--wait', '--timeout', '15']);
    expect(b.code, b.stderr).toBe(0);
    expect(messagesOf(bob, 'alice').filter((m) => m.text === 'after restart from alice')).toHaveLength(1);
    expect(messagesOf(alice, 'bob').filter((m) => m.text === 'after restart from bob')).toHaveLength(1);
  });
});
