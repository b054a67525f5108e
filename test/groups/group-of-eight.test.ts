/**
 * A group of 8 real daemons on loopback (issue 9): the creator befriends the
 * other 7, who are NOT each other's contacts (the group introduces them).
 * Everyone sees every message exactly once in per-sender order; a member that
 * was offline catches up; a removed member gets nothing afterwards; the admin
 * sets a group picture from the CLI.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson } from '../support/cli.ts';
import { type Daemon, eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const NAMES = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'] as const;
type Name = (typeof NAMES)[number];

interface MemberJson {
  readonly name: string;
  readonly peerId: string;
  readonly keyReceived: boolean;
  readonly keySent: boolean;
}
interface GroupJson {
  readonly id: string;
  readonly epoch: number;
  readonly status: string;
  readonly members: readonly MemberJson[];
}
interface Msg {
  readonly id: string;
  readonly from: string;
  readonly text: string;
  readonly seq: number;
  readonly direction: 'in' | 'out';
}

const world = new ParleyWorld();

printLogsOnFailure(world);
const homes = {} as Record<Name, string>;
const daemons = {} as Record<Name, Daemon>;

const rpc = <T>(who: Name, method: string, params: Record<string, unknown> = {}): Promise<T> =>
  world.rpc<T>(homes[who], method, params);

/** Every listed member sees the group at `epoch` holding every member's key, both ways. */
async function ready(group: string, epoch: number, who: readonly Name[]): Promise<void> {
  await eventually(
    async () => {
      const views = await Promise.all(who.map((n) => rpc<GroupJson>(n, 'groups.get', { name: group })));
      return views.every(
        (g) =>
          g.epoch === epoch && g.status === 'active' && g.members.every((m) => m.keyReceived && m.keySent),
      );
    },
    60_000,
    `"${group}" at epoch ${epoch} with every key on ${who.join(', ')}`,
  );
}

const texts = async (who: Name, group: string): Promise<Msg[]> =>
  rpc<Msg[]>(who, 'messages.list', { contact: group, limit: 1000 });

/** Sender → texts in display order, as `who` sees them (`me` resolved to who). */
async function bySender(who: Name, group: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const m of await texts(who, group)) {
    const [sender] = m.text.split(' ') as [string];
    out.set(sender, [...(out.get(sender) ?? []), m.text]);
  }
  return out;
}

beforeAll(async () => {
  for (const n of NAMES) homes[n] = world.account(n);
  const started = await Promise.all(NAMES.map((n) => world.daemon(homes[n])));
  for (const [i, n] of NAMES.entries()) daemons[n] = started[i] as Daemon;
  // ann befriends everyone (invites in parallel); the others know only ann.
  await Promise.all(
    NAMES.slice(1).map(async (n) => {
      const { link } = await rpc<{ link: string }>('ann', 'invite.create');
      await rpc(n, 'contacts.add', { link, name: 'ann' });
    }),
  );
  await eventually(
    async () =>
      (await rpc<Array<{ state: string }>>('ann', 'contacts.list')).filter((c) => c.state === 'active')
        .length === 7,
    60_000,
    'ann to have 7 contacts',
  );
}, 120_000);
afterAll(() => world.cleanup());

describe('a group of 8 daemons', () => {
  it('is created from the CLI and introduces members who were not contacts', async () => {
    const r = world.run(homes.ann, [
      '--json',
      'group',
      'create',
      'crew',
      ...NAMES.slice(1).flatMap((n) => ['--member', n]),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [created] = ndjson<{ name: string; epoch: number; admin: boolean; members: unknown[] }>(r.stdout);
    expect(created).toMatchObject({ name: 'crew', epoch: 1, admin: true });
    expect(created?.members).toHaveLength(8);
    // An invitation is a request: until ben accepts it, nobody is introduced to him.
    await eventually(
      async () => (await rpc<GroupJson>('ben', 'groups.get', { name: 'crew' })).status === 'invited',
      30_000,
      'ben to be invited',
    );
    const invited = ndjson<{ name: string; status: string; invitedBy: string }>(
      world.run(homes.ben, ['--json', 'group', 'list']).stdout,
    );
    expect(invited).toEqual([expect.objectContaining({ name: 'crew', status: 'invited', invitedBy: 'ann' })]);
    expect((await rpc<Array<{ name: string }>>('ben', 'contacts.list')).map((c) => c.name)).toEqual(['ann']);
    const joined = world.run(homes.ben, ['--json', 'group', 'accept', 'crew']);
    expect(joined.code, joined.stderr).toBe(0);
    expect(ndjson<{ status: string }>(joined.stdout)[0]?.status).toBe('active');
    const again = world.run(homes.ben, ['--json', 'group', 'accept', 'crew']);
    expect(again.code).toBe(1); // no pending invitation any more
    await Promise.all(
      NAMES.slice(2).map(async (n) => {
        await eventually(
          async () => (await rpc<GroupJson>(n, 'groups.get', { name: 'crew' })).status === 'invited',
          30_000,
          `${n} to be invited`,
        );
        await rpc(n, 'groups.accept', { group: 'crew' });
      }),
    );
    await ready('crew', 1, NAMES);
    const benContacts = await rpc<Array<{ name: string; state: string }>>('ben', 'contacts.list');
    expect(benContacts.map((c) => c.name).sort()).toEqual(['ann', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal']);
    // the members ben knows only through the group are marked so
    expect(
      benContacts
        .filter((c) => c.state === 'introduced')
        .map((c) => c.name)
        .sort(),
    ).toEqual(['cat', 'dan', 'eve', 'fay', 'gus', 'hal']);
    const list = ndjson<{ name: string; admin: boolean }>(
      world.run(homes.ben, ['--json', 'group', 'list']).stdout,
    );
    expect(list).toEqual([expect.objectContaining({ name: 'crew', admin: false, status: 'active' })]);
  }, 90_000);

  it('delivers every message to everyone exactly once, in per-sender order', async () => {
    const sent = world.run(homes.cat, ['send', 'crew', 'cat 1']);
    expect(sent.code, sent.stderr).toBe(0);
    await Promise.all(
      NAMES.map(async (n) => {
        for (let i = n === 'cat' ? 2 : 1; i <= 3; i++)
          await rpc(n, 'messages.send', { contact: 'crew', text: `${n} ${i}` });
      }),
    );
    await eventually(
      async () => (await Promise.all(NAMES.map((n) => texts(n, 'crew')))).every((l) => l.length === 24),
      60_000,
      'everyone to see 24 messages',
    );
    for (const n of NAMES) {
      const all = await texts(n, 'crew');
      expect(new Set(all.map((m) => m.id)).size).toBe(24);
      const per = await bySender(n, 'crew');
      for (const s of NAMES) expect(per.get(s)).toEqual([1, 2, 3].map((i) => `${s} ${i}`));
    }
    const shown = ndjson<{ text: string }>(
      world.run(homes.hal, ['--json', 'messages', 'crew', '--limit', '100']).stdout,
    );
    expect(shown).toHaveLength(24);
  }, 90_000);

  it('lets a member that was offline catch up', async () => {
    await world.stop(daemons.hal);
    for (const n of ['ann', 'ben', 'gus'] as const)
      await rpc(n, 'messages.send', { contact: 'crew', text: `${n} while-hal-away` });
    daemons.hal = await world.daemon(homes.hal);
    await eventually(
      async () => (await texts('hal', 'crew')).filter((m) => m.text.endsWith('while-hal-away')).length === 3,
      60_000,
      'hal to catch up',
    );
    const all = await texts('hal', 'crew');
    expect(all).toHaveLength(27);
    expect(new Set(all.map((m) => m.id)).size).toBe(27);
  }, 90_000);

  it('removes a member, who gets nothing afterwards', async () => {
    const r = world.run(homes.ann, ['group', 'remove', 'crew', 'dan']);
    expect(r.code, r.stderr).toBe(0);
    const rest = NAMES.filter((n) => n !== 'dan');
    await ready('crew', 2, rest);
    await eventually(
      async () => (await rpc<GroupJson>('dan', 'groups.get', { name: 'crew' })).status === 'removed',
      30_000,
    );
    const before = (await texts('dan', 'crew')).length;
    for (const n of ['ben', 'eve'] as const)
      await rpc(n, 'messages.send', { contact: 'crew', text: `${n} after-dan` });
    await eventually(
      async () =>
        (await Promise.all(rest.map((n) => texts(n, 'crew')))).every(
          (l) => l.filter((m) => m.text.endsWith('after-dan')).length === 2,
        ),
      60_000,
      'the others to see the messages after dan left',
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await texts('dan', 'crew');
    expect(after).toHaveLength(before);
    expect(after.some((m) => m.text.endsWith('after-dan'))).toBe(false);
  }, 90_000);

  it('sets a group picture from the CLI (admins only); every member gets it, bad files are refused', async () => {
    const dir = world.home('pictures'); // a scratch directory, removed with the test world
    const png = join(dir, 'crew.png');
    const bytes = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    writeFileSync(png, bytes);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not an image');
    const big = join(dir, 'big.png');
    writeFileSync(big, Buffer.alloc(40 * 1024, 1));
    const set = world.run(homes.ann, ['--json', 'group', 'picture', 'crew', png]);
    expect(set.code, set.stderr).toBe(0);
    expect(ndjson<{ picture: { type: string; bytes: number } }>(set.stdout)[0]?.picture).toMatchObject({
      type: 'image/png',
      bytes: bytes.length,
    });
    const rest = NAMES.filter((n) => n !== 'dan');
    await eventually(
      async () =>
        (
          await Promise.all(
            rest.map((n) =>
              rpc<{ type: string; data: string } | null>(n, 'groups.picture', { name: 'crew' }),
            ),
          )
        ).every((p) => p?.type === 'image/png' && p.data === bytes.toString('base64')),
      30_000,
      'every member to have the picture',
    );
    const notImage = world.run(homes.ann, ['group', 'picture', 'crew', text]);
    expect(notImage.code).not.toBe(0);
    expect(notImage.stderr).toMatch(/PNG, JPEG, WebP or GIF/);
    const tooBig = world.run(homes.ann, ['group', 'picture', 'crew', big]);
    expect(tooBig.code).not.toBe(0);
    expect(tooBig.stderr).toMatch(/at most 32 KiB/);
    const notAdmin = world.run(homes.ben, ['group', 'picture', 'crew', png]);
    expect(notAdmin.code).not.toBe(0);
    expect(notAdmin.stderr).toMatch(/only an admin/);
    expect(world.run(homes.ann, ['group', 'picture', 'crew', '--clear']).code).toBe(0);
    await eventually(
      async () => (await rpc<{ picture: unknown }>('gus', 'groups.get', { name: 'crew' })).picture === null,
      30_000,
      'the picture to be removed everywhere',
    );
  }, 90_000);

  it('promotes a member from the CLI, whose changes everyone then accepts; demotes them again', async () => {
    const notYet = world.run(homes.ben, ['group', 'rename', 'crew', 'ben crew']);
    expect(notYet.code).toBe(1);
    const up = world.run(homes.ann, ['--json', 'group', 'promote', 'crew', 'ben']);
    expect(up.code, up.stderr).toBe(0);
    const [view] = ndjson<{ members: Array<{ name: string; role: string }> }>(up.stdout);
    expect(view?.members.find((m) => m.name === 'ben')?.role).toBe('admin');
    await eventually(
      async () => (await rpc<{ admin: boolean }>('ben', 'groups.get', { name: 'crew' })).admin,
      30_000,
      'ben to hold the state that makes him an admin',
    );
    const renamed = world.run(homes.ben, ['group', 'rename', 'crew', 'crew two']);
    expect(renamed.code, renamed.stderr).toBe(0);
    await eventually(
      async () =>
        (await rpc<{ name: string }>('gus', 'groups.get', { name: 'crew two' })).name === 'crew two',
      30_000,
      'gus to accept ben’s rename',
    );
    const again = world.run(homes.ann, ['group', 'promote', 'crew two', 'ben']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already an admin/);
    const down = world.run(homes.ann, ['group', 'demote', 'crew two', 'ben']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/ben is no longer an admin of crew two/);
  }, 90_000);
});
