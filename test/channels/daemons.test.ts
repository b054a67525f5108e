/**
 * Channels through the real `parley` binary: an owner and 3 follower daemons
 * on loopback. Posts reach every follower once; a follower that was stopped
 * catches up when it starts again; followers cannot post; a private channel
 * is readable only by approved contacts, and a removed follower cannot read
 * what is posted after the key rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson } from '../support/cli.ts';
import { type Daemon, eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const NAMES = ['owner', 'amy', 'bo', 'cy'] as const;
type Name = (typeof NAMES)[number];
interface Post {
  readonly id: string;
  readonly text: string;
  readonly from: string;
}
interface Channel {
  readonly name: string;
  readonly status: string;
  readonly role: string;
  readonly posts: number;
  readonly followers: readonly string[];
  readonly requests: readonly string[];
}

const world = new ParleyWorld();

printLogsOnFailure(world);
const homes = {} as Record<Name, string>;
const daemons = {} as Record<Name, Daemon>;
const cli = (who: Name, ...args: string[]) => world.run(homes[who], ['--json', ...args]);
const posts = (who: Name, channel: string): Promise<Post[]> =>
  world.rpc<Post[]>(homes[who], 'channels.posts', { name: channel, limit: 1000 });
const channel = (who: Name, name: string): Promise<Channel> =>
  world.rpc<Channel>(homes[who], 'channels.get', { name });

/** owner invites `who`; both see each other as active contacts. */
async function befriend(who: Name): Promise<void> {
  const invite = world.run(homes.owner, ['invite']);
  expect(world.run(homes[who], ['contacts', 'add', 'owner', invite.stdout.trim()]).code).toBe(0);
  const active = async (home: string, name: string) =>
    (await world.rpc<Array<{ name: string; state: string }>>(home, 'contacts.list')).some(
      (c) => c.name === name && c.state === 'active',
    );
  await eventually(
    async () => (await active(homes.owner, who)) && (await active(homes[who], 'owner')),
    30_000,
    `owner and ${who} contacts`,
  );
}

beforeAll(async () => {
  for (const n of NAMES) homes[n] = world.account(n);
  await Promise.all(NAMES.map(async (n) => (daemons[n] = await world.daemon(homes[n]))));
}, 90_000);
afterAll(() => world.cleanup());

describe('channels between daemons', () => {
  it('public: follow by link, posts reach every follower once, an offline follower catches up', async () => {
    expect(cli('owner', 'channel', 'create', 'news').code).toBe(0);
    const invite = cli('owner', 'channel', 'invite', 'news');
    const { link } = ndjson<{ link: string }>(invite.stdout)[0] as { link: string };
    expect(link).toMatch(/^parley:\/\/channel\//);
    for (const f of ['amy', 'bo', 'cy'] as const) {
      const r = cli(f, 'channel', 'follow', link);
      expect(r.code, r.stderr).toBe(0);
    }
    for (let i = 1; i <= 3; i++) expect(cli('owner', 'channel', 'post', 'news', `post ${i}`).code).toBe(0);
    for (const f of ['amy', 'bo', 'cy'] as const) {
      await eventually(async () => (await posts(f, 'news')).length === 3, 30_000, `${f} has 3 posts`);
    }
    // followers cannot post
    const denied = cli('amy', 'channel', 'post', 'news', 'hi');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/followers cannot post/);
    // cy goes away; two posts later it comes back and fetches them
    await world.stop(daemons.cy);
    for (let i = 4; i <= 5; i++) expect(cli('owner', 'channel', 'post', 'news', `post ${i}`).code).toBe(0);
    await eventually(async () => (await posts('amy', 'news')).length === 5, 30_000, 'amy has 5');
    daemons.cy = await world.daemon(homes.cy);
    await eventually(async () => (await posts('cy', 'news')).length === 5, 30_000, 'cy caught up');
    const expected = ['post 1', 'post 2', 'post 3', 'post 4', 'post 5'];
    for (const f of ['amy', 'bo', 'cy'] as const) {
      const got = await posts(f, 'news');
      expect(got.map((p) => p.text)).toEqual(expected);
      expect(new Set(got.map((p) => p.id)).size).toBe(5);
    }
    // `messages NAME` takes a channel name through the API as well
    const viaMessages = await world.rpc<Post[]>(homes.amy, 'messages.list', { contact: 'news', limit: 100 });
    expect(viaMessages.map((p) => p.text)).toEqual(expected);
    const list = ndjson<Channel>(cli('bo', 'channel', 'list').stdout);
    expect(list.map((c) => [c.name, c.status, c.posts])).toEqual([['news', 'following', 5]]);
  }, 120_000);

  it('private: only approved contacts read; a removed follower cannot read after the rotation', async () => {
    await befriend('amy');
    await befriend('bo');
    expect(cli('owner', 'channel', 'create', 'club', '--private').code).toBe(0);
    const { link } = ndjson<{ link: string }>(cli('owner', 'channel', 'invite', 'club').stdout)[0] as {
      link: string;
    };
    const stranger = cli('cy', 'channel', 'follow', link);
    expect(stranger.code).not.toBe(0);
    expect(stranger.stderr).toMatch(/private channel/);
    for (const f of ['amy', 'bo'] as const) expect(cli(f, 'channel', 'follow', link).code).toBe(0);
    await eventually(async () => (await channel('owner', 'club')).requests.length === 2, 30_000, 'requests');
    expect(cli('owner', 'channel', 'post', 'club', 'sealed 1').code).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    // before approval: no key, so no topic, and the owner answers no query: nothing at all
    expect((await channel('amy', 'club')).posts).toBe(0);
    for (const f of ['amy', 'bo'] as const)
      expect(cli('owner', 'channel', 'approve', 'club', f).code).toBe(0);
    for (const f of ['amy', 'bo'] as const) {
      await eventually(async () => (await posts(f, 'club')).length === 1, 30_000, `${f} reads`);
    }
    expect(cli('owner', 'channel', 'remove-follower', 'club', 'bo').code).toBe(0);
    await eventually(async () => (await channel('bo', 'club')).status === 'removed', 30_000, 'bo removed');
    await eventually(async () => (await channel('amy', 'club')).status === 'approved', 30_000, 'amy');
    await new Promise((r) => setTimeout(r, 500)); // amy applies the new epoch key
    expect(cli('owner', 'channel', 'post', 'club', 'sealed 2').code).toBe(0);
    await eventually(async () => (await posts('amy', 'club')).length === 2, 30_000, 'amy reads epoch 2');
    await new Promise((r) => setTimeout(r, 1_000));
    // epoch 2 travels on a topic bo cannot derive: he does not even store the sealed post
    expect((await channel('bo', 'club')).posts).toBe(1);
    expect((await posts('bo', 'club')).map((p) => p.text)).toEqual(['sealed 1']);
  }, 120_000);

  it('publishers: the owner appoints a contact with the CLI; followers accept their posts until removed', async () => {
    // amy (a contact of the owner since the private test) follows the public "news"
    const appoint = cli('owner', 'channel', 'publisher', 'add', 'news', 'amy');
    expect(appoint.code, appoint.stderr).toBe(0);
    expect(ndjson<{ publishers: string[] }>(appoint.stdout)[0]?.publishers).toEqual(['amy']);
    const stranger = cli('owner', 'channel', 'publisher', 'add', 'news', 'nobody');
    expect(stranger.code).not.toBe(0);
    expect(cli('bo', 'channel', 'publisher', 'add', 'news', 'owner').code).not.toBe(0); // not the owner
    await eventually(
      async () => (await channel('amy', 'news')).role === 'publisher',
      30_000,
      'amy to be a publisher',
    );
    const posted = cli('amy', 'channel', 'post', 'news', 'amy writes');
    expect(posted.code, posted.stderr).toBe(0);
    for (const f of ['owner', 'bo', 'cy'] as const)
      await eventually(
        async () => (await posts(f, 'news')).some((p) => p.text === 'amy writes'),
        30_000,
        `${f} has amy's post`,
      );
    expect(cli('owner', 'channel', 'publisher', 'remove', 'news', 'amy').code).toBe(0);
    await eventually(
      async () => (await channel('amy', 'news')).role === 'follower',
      30_000,
      'amy to be a follower again',
    );
    const denied = cli('amy', 'channel', 'post', 'news', 'not any more');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/followers cannot post/);
    expect(cli('owner', 'channel', 'publisher', 'promote', 'news', 'amy').code).not.toBe(0); // usage
  }, 120_000);
});
