/**
 * Files in a group of 3 real daemons (issue 20): ann befriends ben and cat, who meet in the group.
 * `parley send crew --file` from ann and from ben; the other members' `parley messages crew --json`
 * show the attachment, and `parley save crew ID PATH` writes the very bytes sent, cat's copy of
 * ben's file fetched from ben, whom cat knows only through the group.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson } from '../support/cli.ts';
import { randomFile, sha256File, waitAttachment } from '../support/files.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const NAMES = ['ann', 'ben', 'cat'] as const;
type Name = (typeof NAMES)[number];

interface GroupJson {
  readonly epoch: number;
  readonly status: string;
  readonly members: ReadonlyArray<{ readonly keyReceived: boolean; readonly keySent: boolean }>;
}
interface MessageJson {
  readonly id: string;
  readonly from: string;
  readonly text: string;
  readonly attachment: { readonly id: string; readonly name: string; readonly size: number } | null;
}

const world = new ParleyWorld();
printLogsOnFailure(world);
const homes = {} as Record<Name, string>;

const rpc = <T>(who: Name, method: string, params: Record<string, unknown> = {}): Promise<T> =>
  world.rpc<T>(homes[who], method, params);

beforeAll(async () => {
  for (const n of NAMES) homes[n] = world.account(n);
  await Promise.all(NAMES.map((n) => world.daemon(homes[n])));
  for (const n of ['ben', 'cat'] as const) {
    const { link } = await rpc<{ link: string }>('ann', 'invite.create');
    await rpc(n, 'contacts.add', { link, name: 'ann' });
  }
  await eventually(
    async () =>
      (await rpc<Array<{ state: string }>>('ann', 'contacts.list')).filter((c) => c.state === 'active')
        .length === 2,
    60_000,
    'ann to have 2 contacts',
  );
  await rpc('ann', 'groups.create', { name: 'crew', members: ['ben', 'cat'] });
  for (const n of ['ben', 'cat'] as const) {
    await eventually(
      async () => (await rpc<GroupJson>(n, 'groups.get', { name: 'crew' })).status === 'invited',
      30_000,
      `${n} to be invited`,
    );
    await rpc(n, 'groups.accept', { group: 'crew' });
  }
  await eventually(
    async () =>
      (await Promise.all(NAMES.map((n) => rpc<GroupJson>(n, 'groups.get', { name: 'crew' })))).every(
        (g) => g.status === 'active' && g.members.every((m) => m.keyReceived && m.keySent),
      ),
    60_000,
    'everyone to hold every key of "crew"',
  );
}, 120_000);
afterAll(() => world.cleanup());

/** `parley send crew --file PATH` from `who`; the attachment id it printed (--json). */
function sendFromCli(who: Name, path: string): string {
  const r = world.run(homes[who], ['--json', 'send', 'crew', '--file', path]);
  expect(r.code, r.stderr).toBe(0);
  const [m] = ndjson<MessageJson>(r.stdout);
  expect(m?.attachment?.id).toMatch(/^[0-9a-f]{32}$/);
  return m?.attachment?.id as string;
}

/** `who` shows file `id` in "crew" (from `from`), downloaded, and `parley save` writes `original`'s bytes. */
async function receivedAndSaved(who: Name, from: Name, id: string, original: string): Promise<void> {
  await waitAttachment(world, homes[who], 'crew', id, (a) => a.state === 'done', 60_000);
  const listed = ndjson<MessageJson>(world.run(homes[who], ['--json', 'messages', 'crew']).stdout);
  const shown = listed.filter((m) => m.attachment?.id === id);
  expect(shown).toHaveLength(1);
  expect(shown[0]?.from).toBe(from);
  const out = join(world.home(`${who}-saved`), 'copy');
  const saved = world.run(homes[who], ['save', 'crew', id, out]);
  expect(saved.code, saved.stderr).toBe(0);
  expect(await sha256File(out)).toBe(await sha256File(original));
}

describe('files in a group of daemons', () => {
  it('parley send GROUP --file reaches every member, who save identical bytes', async () => {
    const dir = world.home('files');
    const photo = join(dir, 'photo.png');
    await randomFile(photo, 300_000);
    const id = sendFromCli('ann', photo);
    for (const who of ['ben', 'cat'] as const) await receivedAndSaved(who, 'ann', id, photo);
    const listed = ndjson<MessageJson>(world.run(homes.ben, ['--json', 'messages', 'crew']).stdout);
    expect(listed.find((m) => m.attachment?.id === id)?.attachment).toMatchObject({
      name: 'photo.png',
      size: 300_000,
    });
    // cat knows ben only through the group, and fetches ben's file from ben.
    const notes = join(dir, 'notes.bin');
    await randomFile(notes, 1_500_000);
    const fromBen = sendFromCli('ben', notes);
    await receivedAndSaved('cat', 'ben', fromBen, notes);
    await receivedAndSaved('ann', 'ben', fromBen, notes);
    expect(readFileSync(notes).length).toBe(1_500_000);
  }, 120_000);
});
