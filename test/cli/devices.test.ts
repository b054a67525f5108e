/**
 * Several devices, one person, with real daemons on loopback (--network private): Alice links a
 * laptop with `parley devices link` / `parley init --link -`; Bob's messages reach both of her
 * devices once and in order; what the laptop sends reaches Bob once and shows on her desktop as
 * hers; a read on one marks the other; a group with Alice on both devices; the laptop asleep
 * catches up through its own mailbox queue while the others are away; removal stops the laptop
 * receiving (canary); a used link is refused (docs/MULTI-DEVICE.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson } from '../support/cli.ts';
import {
  type Daemon,
  eventually,
  LINK_NODE_ARGS,
  outboxesEmpty,
  ParleyWorld,
  printLogsOnFailure,
  tcpPort,
} from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);
let alice = '';
let bob = '';
let laptop = '';
let aliceDaemon: Daemon;
let bobDaemon: Daemon;
let laptopDaemon: Daemon;

interface Msg {
  readonly text: string;
  readonly direction: 'in' | 'out';
}
const messages = async (home: string, contact: string): Promise<Msg[]> =>
  world.rpc<Msg[]>(home, 'messages.list', { contact, limit: 500 });
const texts = async (home: string, contact: string, direction?: 'in' | 'out'): Promise<string[]> =>
  (await messages(home, contact)).filter((m) => !direction || m.direction === direction).map((m) => m.text);

function linkLaptop(home: string): { code: number | null; stdout: string; stderr: string } {
  const link = world.run(alice, ['--json', 'devices', 'link']);
  expect(link.code, link.stderr).toBe(0);
  const { link: secret } = JSON.parse(link.stdout) as { link: string };
  expect(secret).toMatch(/^parley:\/\/device\//);
  return world.run(
    home,
    ['--json', 'init', '--link', '-', '--name', 'Laptop', '--no-passphrase', ...LINK_NODE_ARGS],
    {
      input: `${secret}\n`,
    },
  );
}

beforeAll(async () => {
  alice = world.account('alice');
  bob = world.account('bob');
  [aliceDaemon, bobDaemon] = await Promise.all([world.daemon(alice), world.daemon(bob)]);
  await world.befriend(alice, 'alice', bob, 'bob');
  laptop = world.home('laptop');
  const r = linkLaptop(laptop);
  expect(r.code, r.stderr).toBe(0);
  const linked = JSON.parse(r.stdout) as { accountId: string; name: string; contacts: number };
  expect(linked).toMatchObject({ accountId: aliceDaemon.peerId, name: 'alice', contacts: 1 });
  laptopDaemon = await world.daemon(laptop);
}, 90_000);
afterAll(() => world.cleanup());

describe('parley devices', () => {
  it('lists both devices on either, one per line with --json', async () => {
    for (const home of [alice, laptop]) {
      const r = world.run(home, ['--json', 'devices', 'list']);
      expect(r.code, r.stderr).toBe(0);
      const list = ndjson<{
        id: string;
        name: string;
        peerId: string;
        current: boolean;
        lastSeen: number | null;
      }>(r.stdout);
      expect(list.map((d) => d.peerId)).toEqual([aliceDaemon.peerId, laptopDaemon.peerId]);
      expect(list.filter((d) => d.current).map((d) => d.peerId)).toEqual([
        home === alice ? aliceDaemon.peerId : laptopDaemon.peerId,
      ]);
      expect(Object.keys(list[0] ?? {}).sort()).toEqual(['current', 'id', 'lastSeen', 'name', 'peerId']);
    }
  });

  it('Bob’s messages reach both devices once and in order; the laptop’s reach Bob once and show on the desktop', async () => {
    for (const t of ['one', 'two', 'three']) expect(world.run(bob, ['send', 'alice', t]).code).toBe(0);
    await eventually(
      async () => (await texts(laptop, 'bob', 'in')).length === 3,
      30_000,
      'the laptop to get three',
    );
    await eventually(
      async () => (await texts(alice, 'bob', 'in')).length === 3,
      30_000,
      'the desktop to get three',
    );
    expect(await texts(laptop, 'bob', 'in')).toEqual(['one', 'two', 'three']);
    expect(await texts(alice, 'bob', 'in')).toEqual(['one', 'two', 'three']);
    // Bob's conversation with Alice keeps Parley's note of her new device (never unread).
    const shown = world.run(bob, ['messages', 'alice']);
    expect(shown.stdout).toMatch(/-- alice linked a new device: “Laptop”/);
    const sent = world.run(laptop, ['send', 'bob', 'from the laptop']);
    expect(sent.code, sent.stderr).toBe(0);
    await eventually(async () => (await texts(bob, 'alice', 'in')).includes('from the laptop'), 30_000);
    await eventually(async () => (await texts(alice, 'bob', 'out')).includes('from the laptop'), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await texts(bob, 'alice', 'in')).filter((t) => t === 'from the laptop')).toHaveLength(1);
  });

  it('a read on the desktop marks the conversation read on the laptop', async () => {
    expect(world.run(bob, ['send', 'alice', 'read me']).code).toBe(0);
    const unread = async (home: string) =>
      (
        await world.rpc<Array<{ contact: { name: string }; unread: number }>>(home, 'conversations.list')
      ).find((c) => c.contact.name === 'bob')?.unread;
    await eventually(async () => (await unread(laptop)) !== 0 && (await unread(alice)) !== 0, 30_000);
    await world.rpc(alice, 'conversations.markRead', { contact: 'bob' });
    await eventually(async () => (await unread(laptop)) === 0, 30_000, 'the laptop to see the read');
  });

  it('the desktop’s onboarding links a new device through account.link, and it gets the history', async () => {
    const tablet = world.home('tablet');
    await world.daemon(tablet, ['--allow-locked']);
    const made = world.run(alice, ['--json', 'devices', 'link']);
    const { link } = JSON.parse(made.stdout) as { link: string };
    await expect(
      world.rpc(tablet, 'account.link', { link: 'parley://device/AAAA', name: 'Tablet' }),
    ).rejects.toThrow(/damaged/);
    const r = await world.rpc<{ state: string }>(tablet, 'account.link', {
      link,
      name: 'Tablet',
      passphrase: null,
    });
    expect(r.state).toBe('ready');
    await eventually(
      async () => (await texts(tablet, 'bob', 'in')).includes('one'),
      30_000,
      'the tablet’s history',
    );
    expect((await texts(tablet, 'bob', 'in')).slice(0, 3)).toEqual(['one', 'two', 'three']);
    const list = ndjson<{ id: string; name: string }>(world.run(alice, ['--json', 'devices', 'list']).stdout);
    const tabletId = list.find((d) => d.name === 'Tablet')?.id as string;
    // (removed again, so the next test starts from the desktop and the laptop)
    const removed = world.run(alice, ['devices', 'remove', tabletId]);
    expect(removed.code, removed.stderr).toBe(0);
  });

  it('a group with Alice on both devices: Bob’s messages reach both once, hers show on both as hers', async () => {
    const made = world.run(bob, ['group', 'create', 'crag', '--member', 'alice']);
    expect(made.code, made.stderr).toBe(0);
    interface G {
      readonly name: string;
      readonly status: string;
    }
    const status = async (home: string) =>
      (await world.rpc<G[]>(home, 'groups.list')).find((g) => g.name === 'crag')?.status;
    await eventually(async () => (await status(alice)) === 'invited', 30_000, 'the invitation');
    // Accepted on the laptop: the desktop joins with it.
    const accepted = world.run(laptop, ['group', 'accept', 'crag']);
    expect(accepted.code, accepted.stderr).toBe(0);
    await eventually(async () => (await status(alice)) === 'active', 30_000, 'the desktop to join too');
    for (const t of ['g1', 'g2', 'g3']) expect(world.run(bob, ['send', 'crag', t]).code).toBe(0);
    for (const home of [alice, laptop])
      await eventually(async () => (await texts(home, 'crag', 'in')).length === 3, 30_000, 'Bob’s three');
    expect(await texts(alice, 'crag', 'in')).toEqual(['g1', 'g2', 'g3']);
    expect(await texts(laptop, 'crag', 'in')).toEqual(['g1', 'g2', 'g3']);
    expect(world.run(laptop, ['send', 'crag', 'laptop to the group']).code).toBe(0);
    await eventually(async () => (await texts(bob, 'crag', 'in')).includes('laptop to the group'), 30_000);
    await eventually(async () => (await texts(alice, 'crag', 'out')).includes('laptop to the group'), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await texts(bob, 'crag')).filter((t) => t === 'laptop to the group')).toHaveLength(1);
    expect((await texts(alice, 'crag')).filter((t) => t === 'laptop to the group')).toHaveLength(1);
  });

  it('the laptop asleep catches up through its own mailbox queue, with the others away', async () => {
    const mailbox = await world.mailbox(undefined, 0, ['--status-interval', '1']);
    let held = -1;
    mailbox.process.stdout?.on('data', (d) => {
      for (const line of String(d).split('\n'))
        if (line.includes('"status"')) held = (JSON.parse(line) as { messages: number }).messages;
    });
    // Paired on the desktop; the laptop pairs too, under its own PeerId, and tells its card.
    const added = world.run(alice, ['mailbox', 'add', '-'], { input: `${mailbox.link}\n` });
    expect(added.code, added.stderr).toBe(0);
    const pairedOn = (home: string) =>
      ndjson<{ id: string }>(world.run(home, ['--json', 'mailbox', 'list']).stdout).some(
        (m) => m.id === mailbox.peerId,
      );
    await eventually(() => pairedOn(laptop), 30_000, 'the laptop to pair too');
    await outboxesEmpty(world, [alice, laptop, bob], 30_000);

    const laptopPort = tcpPort(laptopDaemon);
    await world.stop(laptopDaemon);
    const sent = world.run(bob, ['send', 'alice', '--lines'], { input: 'asleep 1\nasleep 2\nasleep 3\n' });
    expect(sent.code, sent.stderr).toBe(0);
    await eventually(async () => (await texts(alice, 'bob', 'in')).includes('asleep 3'), 30_000);
    expect(world.run(alice, ['send', 'bob', 'the desktop meanwhile']).code).toBe(0);
    // Bob's three and the desktop's sync copy wait at the laptop's queue (the count holds still).
    let last = -2;
    await eventually(
      () => {
        const settled = held >= 2 && held === last;
        last = held;
        return settled;
      },
      30_000,
      'deposits for the laptop',
    );
    const [alicePort, bobPort] = [tcpPort(aliceDaemon), tcpPort(bobDaemon)];
    await Promise.all([world.stop(aliceDaemon), world.stop(bobDaemon)]);

    laptopDaemon = await world.daemon(laptop, ['--listen', `/ip4/127.0.0.1/tcp/${laptopPort}`]);
    await eventually(
      async () => (await texts(laptop, 'bob')).includes('the desktop meanwhile'),
      30_000,
      'the laptop to drain its queue',
    );
    const got = await texts(laptop, 'bob', 'in');
    expect(got.filter((t) => t.startsWith('asleep'))).toEqual(['asleep 1', 'asleep 2', 'asleep 3']);
    expect(await texts(laptop, 'bob', 'out')).toContain('the desktop meanwhile');

    // Everyone back: nothing shows twice, and the mailbox is no longer used (the next test).
    [aliceDaemon, bobDaemon] = await Promise.all([
      world.daemon(alice, ['--listen', `/ip4/127.0.0.1/tcp/${alicePort}`]),
      world.daemon(bob, ['--listen', `/ip4/127.0.0.1/tcp/${bobPort}`]),
    ]);
    await outboxesEmpty(world, [alice, laptop, bob], 30_000);
    expect((await texts(laptop, 'bob', 'in')).filter((t) => t.startsWith('asleep'))).toHaveLength(3);
    expect((await texts(laptop, 'bob')).filter((t) => t === 'the desktop meanwhile')).toHaveLength(1);
    expect(world.run(laptop, ['mailbox', 'remove', mailbox.peerId]).code).toBe(0);
    await eventually(() => !pairedOn(alice), 30_000, 'the desktop to stop using it too');
  }, 180_000);

  it('a used link is refused; a removed device receives nothing new (canary)', async () => {
    const again = world.home('phone');
    const link = world.run(alice, ['--json', 'devices', 'link']);
    const { link: secret } = JSON.parse(link.stdout) as { link: string };
    const first = world.run(again, ['init', '--link', '-', '--no-passphrase', ...LINK_NODE_ARGS], {
      input: `${secret}\n`,
    });
    expect(first.code, first.stderr).toBe(0);
    const reuse = world.home('thief');
    const second = world.run(reuse, ['init', '--link', '-', '--no-passphrase', ...LINK_NODE_ARGS], {
      input: `${secret}\n`,
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/refused this link/);
    const list = ndjson<{ id: string; peerId: string }>(
      world.run(alice, ['--json', 'devices', 'list']).stdout,
    );
    expect(list).toHaveLength(3);
    const laptopId = list.find((d) => d.peerId === laptopDaemon.peerId)?.id as string;
    for (const d of list.slice(1)) {
      const r = world.run(alice, ['devices', 'remove', d.id]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(ndjson(world.run(alice, ['--json', 'devices', 'list']).stdout)).toHaveLength(1);
    expect(world.run(alice, ['devices', 'remove', laptopId]).code).toBe(1);
    // Bob learns the new list; then his canary reaches the desktop and never the laptop.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(world.run(bob, ['send', 'alice', 'canary']).code).toBe(0);
    expect(world.run(alice, ['send', 'bob', 'canary 2']).code).toBe(0);
    await eventually(async () => (await texts(alice, 'bob', 'in')).includes('canary'), 30_000);
    await eventually(async () => (await texts(bob, 'alice', 'in')).includes('canary 2'), 30_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await texts(laptop, 'bob')).not.toContain('canary');
    expect(await texts(laptop, 'bob')).not.toContain('canary 2');
  }, 90_000);
});
