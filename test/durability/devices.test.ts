/**
 * kill -9 during linking and history transfer (issue 19), real daemons on loopback:
 * - Alice holds 12,000 messages with Bob; her new laptop is killed while it fetches them, twice,
 *   and after each restart resumes from its last committed batch — ending with every message
 *   exactly once, in Alice's order;
 * - Alice's daemon (the approving device) is killed right after it approved the laptop and before
 *   the laptop got its grant: the laptop is told, a new link finishes it (one entry in the list,
 *   not two), and Bob's messages reach both devices.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Daemon,
  eventually,
  LINK_NODE_ARGS,
  ParleyWorld,
  printLogsOnFailure,
} from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);
afterAll(() => world.cleanup());

const N = 12_000;
interface Msg {
  readonly id: string;
  readonly text: string;
  readonly sortKey: number;
}

/** The whole conversation, oldest first (pages of 1,000 back from the newest). */
async function all(home: string, contact: string): Promise<Msg[]> {
  const out: Msg[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await world.rpc<Msg[]>(home, 'messages.list', {
      contact,
      limit: 1000,
      ...(before === undefined ? {} : { before }),
    });
    out.unshift(...page);
    if (page.length < 1000) return out;
    before = page[0]?.sortKey;
  }
}

const count = async (home: string): Promise<number> =>
  (await world.rpc<Msg[]>(home, 'messages.list', { contact: 'bob', limit: 1000 })).length;

describe('history transfer under kill -9', () => {
  it('resumes after the new device is killed mid-transfer, and ends with every message once, in order', async () => {
    const alice = world.account('alice');
    const bob = world.account('bob');
    await Promise.all([world.daemon(alice), world.daemon(bob)]);
    await world.befriend(alice, 'alice', bob, 'bob');
    const lines = Array.from({ length: N }, (_, i) => `history ${i}`).join('\n');
    const sent = world.run(alice, ['send', 'bob', '--lines'], { input: `${lines}\n` });
    expect(sent.code, sent.stderr).toBe(0);
    const expected = (await all(alice, 'bob')).map((m) => m.id);
    expect(expected).toHaveLength(N);

    const laptop = world.home('laptop');
    const { link } = JSON.parse(world.run(alice, ['--json', 'devices', 'link']).stdout) as { link: string };
    const linked = world.run(
      laptop,
      ['init', '--link', '-', '--name', 'Laptop', '--no-passphrase', ...LINK_NODE_ARGS],
      {
        input: `${link}\n`,
      },
    );
    expect(linked.code, linked.stderr).toBe(0);

    let d: Daemon = await world.daemon(laptop);
    const atKill: number[] = [];
    for (let kill = 0; kill < 2; kill++) {
      // Killed as soon as a batch is in (1,000 messages), before all 12,000 are.
      await eventually(async () => (await count(laptop).catch(() => 0)) > 0, 60_000, 'a first batch');
      atKill.push((await all(laptop, 'bob')).length);
      await world.kill(d);
      d = await world.daemon(laptop);
    }
    // (the first kill came mid-transfer: the history was not all there a moment before it)
    expect(atKill[0]).toBeLessThan(N);
    await eventually(async () => (await all(laptop, 'bob')).length >= N, 120_000, 'the whole history');
    const got = (await all(laptop, 'bob')).map((m) => m.id);
    expect(got).toHaveLength(N);
    expect(got).toEqual(expected);
  }, 240_000);

  it('the approving device killed between approving the laptop and answering it: a new link finishes it', async () => {
    const alice = world.account('alice');
    const bob = world.account('bob');
    const faulty = await world.daemon(alice, [], {
      PARLEY_FAULTS: JSON.stringify({ killOnLinkApproved: true }),
    });
    await world.daemon(bob);
    await world.befriend(alice, 'alice', bob, 'bob');
    const laptop = world.home('laptop');
    const init = (link: string) =>
      world.run(laptop, ['init', '--link', '-', '--name', 'Laptop', '--no-passphrase', ...LINK_NODE_ARGS], {
        input: `${link}\n`,
      });
    const first = JSON.parse(world.run(alice, ['--json', 'devices', 'link']).stdout) as { link: string };
    const failed = init(first.link);
    expect(failed.code, failed.stdout).not.toBe(0);
    expect(failed.stderr).toMatch(/could not reach your other device.*try again/);
    await new Promise<void>((r) =>
      faulty.process.exitCode !== null || faulty.process.signalCode !== null
        ? r()
        : faulty.process.once('exit', () => r()),
    );
    expect(faulty.process.signalCode).toBe('SIGKILL');

    await world.daemon(alice);
    const listed = () => world.rpc<Array<{ name: string }>>(alice, 'devices.list');
    expect((await listed()).map((d) => d.name)).toEqual(['First device', 'Laptop']); // approved before the kill
    const second = JSON.parse(world.run(alice, ['--json', 'devices', 'link']).stdout) as { link: string };
    const done = init(second.link);
    expect(done.code, done.stderr).toBe(0);
    expect((await listed()).map((d) => d.name)).toEqual(['First device', 'Laptop']); // not twice

    await world.daemon(laptop);
    expect(world.run(bob, ['send', 'alice', 'after the crash']).code).toBe(0);
    const texts = async (home: string) =>
      (await world.rpc<Msg[]>(home, 'messages.list', { contact: 'bob', limit: 50 })).map((m) => m.text);
    for (const home of [alice, laptop])
      await eventually(async () => (await texts(home)).includes('after the crash'), 30_000, 'Bob’s message');
  }, 120_000);
});
