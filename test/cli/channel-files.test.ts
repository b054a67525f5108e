/**
 * A file posted in a channel through the real `parley` binary (issue 20): the owner runs
 * `parley channel post news --file PATH --text …`, a follower who is no contact of the owner
 * downloads it by itself and `parley save` writes the same bytes; a follower cannot post a file.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson } from '../support/cli.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

interface Post {
  readonly id: string;
  readonly text: string;
  readonly attachment: { id: string; name: string; size: number; status: string } | null;
}

const world = new ParleyWorld();
printLogsOnFailure(world);
let owner: string;
let follower: string;

beforeAll(async () => {
  owner = world.account('owner');
  follower = world.account('follower');
  await Promise.all([world.daemon(owner), world.daemon(follower)]);
}, 90_000);
afterAll(() => world.cleanup());

describe('files in channels, between daemons', () => {
  it('the owner posts a photo with --file; a follower who is a stranger saves the same bytes', async () => {
    expect(world.run(owner, ['channel', 'create', 'news']).code).toBe(0);
    const invite = world.run(owner, ['--json', 'channel', 'invite', 'news']);
    const { link } = ndjson<{ link: string }>(invite.stdout)[0] as { link: string };
    const follow = world.run(follower, ['channel', 'follow', link]);
    expect(follow.code, follow.stderr).toBe(0);
    expect(await world.rpc<unknown[]>(owner, 'contacts.list')).toEqual([]); // strangers

    const dir = world.home('files');
    const photo = randomBytes(200_000);
    writeFileSync(join(dir, 'summit.jpg'), photo);
    const posted = world.run(owner, [
      '--json',
      'channel',
      'post',
      'news',
      '--file',
      join(dir, 'summit.jpg'),
      '--text',
      'from the top',
    ]);
    expect(posted.code, posted.stderr).toBe(0);
    const sent = ndjson<Post>(posted.stdout)[0] as Post;
    expect(sent).toMatchObject({ text: 'from the top', attachment: { name: 'summit.jpg', size: 200_000 } });
    const id = sent.attachment?.id as string;

    const file = async () =>
      (await world.rpc<Post[]>(follower, 'channels.posts', { name: 'news', limit: 10 })).find(
        (p) => p.attachment?.id === id,
      );
    await eventually(async () => (await file())?.attachment?.status === 'done', 60_000, 'downloaded');
    expect((await file())?.text).toBe('from the top');
    const listed = world.run(follower, ['channel', 'posts', 'news']);
    expect(listed.stdout).toContain(`[file: summit.jpg, 0.2 MB, done, id ${id}] from the top`);

    const saved = world.run(follower, ['save', 'news', id, join(dir, 'saved.jpg')]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(readFileSync(join(dir, 'saved.jpg')).equals(photo)).toBe(true);

    // a follower cannot post a file; neither text nor a file is a usage error
    const denied = world.run(follower, ['channel', 'post', 'news', '--file', join(dir, 'summit.jpg')]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/followers cannot post/);
    expect(world.run(owner, ['channel', 'post', 'news']).code).not.toBe(0);
  }, 150_000);
});
