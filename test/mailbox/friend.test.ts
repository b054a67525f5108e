/**
 * A friend's daemon as a mailbox (issue 17), with real processes: Carol offers to hold Bob's
 * mail, Bob accepts; Alice (no contact of Carol's) writes while Bob is away; Bob, back while
 * Alice is away, has every message once, in order, fetched from Carol's daemon. Carol revokes:
 * Bob is told and stops using it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson } from '../support/cli.ts';
import { receivedTexts } from '../support/durability.ts';
import {
  type Daemon,
  eventually,
  outboxesEmpty,
  ParleyWorld,
  printLogsOnFailure,
  tcpPort,
} from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);

let alice = '';
let bob = '';
let carol = '';
let aliceD: Daemon;
let bobD: Daemon;

const restart = (home: string, d: Daemon): Promise<Daemon> =>
  world.daemon(home, ['--listen', `/ip4/127.0.0.1/tcp/${tcpPort(d)}`]);
beforeAll(async () => {
  alice = world.account('alice');
  bob = world.account('bob');
  carol = world.account('carol');
  [aliceD, bobD] = await Promise.all([world.daemon(alice), world.daemon(bob), world.daemon(carol)]);
  await world.befriend(alice, 'alice', bob, 'bob');
  // (world.befriend expects two fresh accounts; Bob already knows Alice)
  const invite = world.run(carol, ['invite']);
  expect(world.run(bob, ['contacts', 'add', 'carol', invite.stdout.trim()]).code).toBe(0);
  await eventually(
    async () =>
      (await world.rpc<Array<{ name: string; state: string }>>(carol, 'contacts.list')).some(
        (c) => c.name === 'bob' && c.state === 'active',
      ),
    20_000,
    'carol and bob become contacts',
  );
}, 90_000);
afterAll(() => world.cleanup());

describe('a friend’s daemon holds mail', () => {
  it('offer, accept, deposit by a stranger to the friend, drain, revoke', async () => {
    const early = world.run(bob, ['mailbox', 'accept', 'carol']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/has not offered/);
    const offer = world.run(carol, ['mailbox', 'offer', 'bob']);
    expect(offer.code, offer.stderr).toBe(0);
    await eventually(
      () =>
        ndjson<{ offers: unknown[] }>(world.run(bob, ['--json', 'mailbox', 'offers']).stdout)[0]?.offers
          .length === 1,
      20_000,
      'the offer reaches bob',
    );
    const accepted = world.run(bob, ['--json', 'mailbox', 'accept', 'carol']);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(ndjson<{ kind: string; contact: string }>(accepted.stdout)[0]).toMatchObject({
      kind: 'friend',
      contact: 'carol',
    });
    await outboxesEmpty(world, [alice, bob, carol]);

    await world.stop(bobD);
    const texts = Array.from({ length: 40 }, (_, i) => `held by carol ${i}`);
    const sent = world.run(alice, ['send', 'bob', '--lines'], { input: `${texts.join('\n')}\n` });
    expect(sent.code, sent.stderr).toBe(0);
    await eventually(
      async () =>
        (
          await world.rpc<Array<{ direction: string; status: string }>>(alice, 'messages.list', {
            contact: 'bob',
          })
        )
          .filter((m) => m.direction === 'out')
          .every((m) => m.status === 'stored'),
      30_000,
      'stored at carol’s daemon',
    );
    await world.stop(aliceD);
    bobD = await restart(bob, bobD);
    await eventually(
      async () => (await receivedTexts(world, bob, 'alice')).length >= texts.length,
      30_000,
      'drained',
    );
    expect(await receivedTexts(world, bob, 'alice')).toEqual(texts);

    const revoked = world.run(carol, ['--json', 'mailbox', 'revoke', 'bob']);
    expect(ndjson<{ revoked: boolean }>(revoked.stdout)[0]?.revoked).toBe(true);
    await eventually(
      () => ndjson(world.run(bob, ['--json', 'mailbox', 'list']).stdout).length === 0,
      20_000,
      'bob stops using carol’s mailbox',
    );
    aliceD = await restart(alice, aliceD);
  }, 180_000);
});
