/**
 * A group's admin killed (`kill -9`) while it changes the group (docs/GROUPS.md "Deltas"): real
 * daemons, real SQLite files, real libp2p on loopback. The admin renames the group again and
 * again and is SIGKILLed at seeded random moments — inside a change's transaction, between its
 * batches, while the deltas are on their way — and restarted on the same data folder. Once it
 * has settled, every member holds exactly the admin's state (epoch, name, members), nothing is
 * owed, and a message sent afterwards reaches everyone once.
 */

import type { GroupView, MessageView } from '@parley/core';
import { afterAll, describe, expect, it } from 'vitest';
import { seeded, sleep } from '../support/durability.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);
afterAll(() => world.cleanup());

/** `hub` invites `home`, who accepts; both see each other active (hub has several contacts). */
async function befriend(hub: string, home: string, name: string): Promise<void> {
  const invite = world.run(hub, ['invite']);
  if (invite.code !== 0) throw new Error(invite.stderr);
  const add = world.run(home, ['contacts', 'add', 'ann', invite.stdout.trim()]);
  if (add.code !== 0) throw new Error(add.stderr);
  const active = async (of: string, who: string): Promise<boolean> =>
    (await world.rpc<Array<{ name: string; state: string }>>(of, 'contacts.list')).some(
      (c) => c.name === who && c.state === 'active',
    );
  await eventually(
    async () => (await active(hub, name)) && (await active(home, 'ann')),
    30_000,
    `ann and ${name}`,
  );
}

const SEED = Number(process.env.PARLEY_TEST_SEED ?? 0x9e0b);
const CHANGES = 16;

describe('kill -9 of a group admin mid-change', () => {
  it('leaves one consistent group on every member once the admin restarts', async () => {
    const random = seeded(SEED);
    const admin = world.account('ann');
    const members = ['bo', 'cy', 'di'].map((n) => ({ name: n, home: world.account(n) }));
    let adminDaemon = await world.daemon(admin);
    await Promise.all(members.map((m) => world.daemon(m.home)));
    for (const m of members) await befriend(admin, m.home, m.name);

    const created = await world.rpc<GroupView>(admin, 'groups.create', {
      name: 'club',
      members: members.map((m) => m.name),
    });
    const id = created.id;
    const get = (home: string): Promise<GroupView> => world.rpc<GroupView>(home, 'groups.get', { name: id });
    for (const m of members) {
      await eventually(
        async () => (await world.rpc<GroupView[]>(m.home, 'groups.list')).some((g) => g.id === id),
        30_000,
        `${m.name} to be invited`,
      );
      await world.rpc(m.home, 'groups.accept', { group: id });
    }

    // Renames, one after the other; the admin is killed at random moments meanwhile.
    let done = 0;
    const changing = (async () => {
      while (done < CHANGES) {
        try {
          await world.rpc(admin, 'groups.rename', { name: id, newName: `club ${done + 1}` });
          done++;
        } catch {
          await sleep(100); // killed: the next rename once it is back
        }
        await sleep(random() * 120);
      }
    })();
    for (let k = 0; k < 5; k++) {
      await sleep(100 + random() * 500);
      await world.kill(adminDaemon);
      await sleep(random() * 200);
      adminDaemon = await world.daemon(admin);
    }
    await changing;

    const final = await get(admin);
    expect(final.name).toBe(`club ${CHANGES}`);
    await eventually(
      async () => (await get(admin)).pending === 0,
      30_000,
      'the admin to have queued everything',
    );
    for (const m of members)
      await eventually(
        async () => {
          const g = await get(m.home);
          return g.epoch === final.epoch && g.name === final.name;
        },
        60_000,
        `${m.name} to hold the admin's state`,
      );
    for (const m of members) {
      const g = await get(m.home);
      expect(g.status).toBe('active');
      expect(g.members.map((x) => [x.peerId, x.role])).toEqual(final.members.map((x) => [x.peerId, x.role]));
    }

    // The group still works: one message from a member reaches everyone else once.
    const [bo, ...rest] = members as [(typeof members)[number], ...typeof members];
    await eventually(
      async () => (await get(bo.home)).members.every((x) => x.keyReceived && x.keySent),
      60_000,
      'bo to hold every key',
    );
    await world.rpc(bo.home, 'messages.send', { contact: id, text: 'after the storm' });
    for (const home of [admin, ...rest.map((m) => m.home)])
      await eventually(
        async () => {
          const seen = await world.rpc<MessageView[]>(home, 'messages.list', { contact: id, limit: 1000 });
          return seen.filter((x) => x.text === 'after the storm').length === 1;
        },
        60_000,
        `${home} to get the message once`,
      );
  }, 240_000);
});
