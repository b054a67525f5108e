/**
 * Offline delivery through a mailbox (issue 17), with real processes, SQLite and libp2p on
 * loopback: Bob pairs with a `parley mailbox run` node and stops; Alice sends 100 messages (texts,
 * a reply, a reaction, a small photo), sees them `stored`, and stops too; Bob starts and has all of them exactly
 * once, in order, though Alice is away; Alice starts later and sees them `delivered`. Nothing of
 * the texts is in any file of the mailbox's data folder.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageView } from '@parley/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson } from '../support/cli.ts';
import {
  type Daemon,
  eventually,
  type MailboxNode,
  outboxesEmpty,
  ParleyWorld,
  printLogsOnFailure,
  tcpPort,
} from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);

let alice = '';
let bob = '';
let aliceD: Daemon;
let bobD: Daemon;
let mailbox: MailboxNode;
const CANARY = 'canary-7f3a91 never on the mailbox disk';

const messagesOf = (home: string, name: string): MessageView[] => {
  const r = world.run(home, ['--json', 'messages', name, '--limit', '1000']);
  expect(r.code, r.stderr).toBe(0);
  return ndjson<MessageView>(r.stdout);
};
const restart = (home: string, d: Daemon): Promise<Daemon> =>
  world.daemon(home, ['--listen', `/ip4/127.0.0.1/tcp/${tcpPort(d)}`]);

beforeAll(async () => {
  alice = world.account('alice');
  bob = world.account('bob');
  [aliceD, bobD, mailbox] = await Promise.all([world.daemon(alice), world.daemon(bob), world.mailbox()]);
  await world.befriend(alice, 'alice', bob, 'bob');
}, 90_000);
afterAll(() => world.cleanup());

describe('a mailbox holds mail for an account that is away', () => {
  it('pairs by a link read from stdin, and lists the mailbox', async () => {
    const bad = world.run(bob, ['mailbox', 'add', '-'], { input: 'parley://invite/xyz\n' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a mailbox link/);
    const r = world.run(bob, ['--json', 'mailbox', 'add', '-'], { input: `${mailbox.link}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson<{ id: string }>(r.stdout)[0]?.id).toBe(mailbox.peerId);
    const list = ndjson<{ id: string; kind: string }>(world.run(bob, ['--json', 'mailbox', 'list']).stdout);
    expect(list.map((m) => [m.id, m.kind])).toEqual([[mailbox.peerId, 'node']]);
    // `parley mailbox link` prints the same link again (from the mailbox's folder).
    const again = world.run(mailbox.home, ['--json', 'mailbox', 'link']);
    expect(again.code, again.stderr).toBe(0);
    expect(ndjson<{ link: string }>(again.stdout)[0]?.link).toBe(mailbox.link);
    // Alice gets Bob's new card (it names the mailbox) with the next frames between them.
    await outboxesEmpty(world, [bob, alice]);
  }, 60_000);

  it('stores 100 messages while Bob is away; Bob gets them exactly once, in order, with Alice away', async () => {
    const hello = world.run(bob, ['--json', 'send', 'alice', 'reply to this']);
    expect(hello.code, hello.stderr).toBe(0);
    const target = ndjson<MessageView>(hello.stdout)[0]?.id as string;
    await eventually(
      () => messagesOf(alice, 'bob').some((m) => m.id === target),
      15_000,
      'alice has bob’s message',
    );
    await world.stop(bobD);

    const texts = Array.from({ length: 98 }, (_, i) => (i === 50 ? CANARY : `away ${i}`));
    const sent = world.run(alice, ['send', 'bob', '--lines'], {
      input: `${texts.slice(0, 60).join('\n')}\n`,
    });
    expect(sent.code, sent.stderr).toBe(0);
    const reply = await world.rpc<MessageView>(alice, 'messages.send', {
      contact: 'bob',
      text: 'my reply',
      replyTo: { id: target, mine: false },
    });
    await world.rpc(alice, 'messages.react', { contact: 'bob', id: target, mine: false, emoji: '👍' });
    // A small photo: it travels inline with its manifest (Alice is gone when Bob downloads it).
    const photoPath = join(world.home('photo'), 'cat.jpg');
    const photo = Buffer.alloc(120_000, 7);
    writeFileSync(photoPath, photo);
    const sentPhoto = await world.rpc<MessageView>(alice, 'messages.sendFile', {
      contact: 'bob',
      path: photoPath,
      caption: 'a small photo',
    });
    const rest = world.run(alice, ['send', 'bob', '--lines'], { input: `${texts.slice(60).join('\n')}\n` });
    expect(rest.code, rest.stderr).toBe(0);
    const expected = [...texts.slice(0, 60), 'my reply', 'a small photo', ...texts.slice(60)];

    await eventually(
      () => {
        const mine = messagesOf(alice, 'bob').filter((m) => m.direction === 'out');
        return mine.length === expected.length && mine.every((m) => m.status === 'stored');
      },
      60_000,
      'all of alice’s messages stored at bob’s mailbox',
    );
    await world.stop(aliceD);

    // No file of the mailbox's folder holds a text (the canary) or Alice's PeerId in the clear.
    for (const file of readdirSync(mailbox.home)) {
      const bytes = readFileSync(join(mailbox.home, file));
      expect(bytes.includes(Buffer.from('canary-7f3a91')), file).toBe(false);
    }

    bobD = await restart(bob, bobD);
    await eventually(
      () => messagesOf(bob, 'alice').filter((m) => m.direction === 'in').length >= expected.length,
      60_000,
      'bob drains his mailbox',
    );
    const got = messagesOf(bob, 'alice').filter((m) => m.direction === 'in');
    expect(got.map((m) => m.text)).toEqual(expected);
    expect(got.find((m) => m.id === reply.id)?.replyTo?.id).toBe(target);
    await eventually(
      () =>
        messagesOf(bob, 'alice').find((m) => m.attachment?.id === sentPhoto.attachment?.id)?.attachment
          ?.status === 'done',
      30_000,
      'the photo, inline, downloaded with Alice away',
    );
    const reacted = messagesOf(bob, 'alice').find((m) => m.id === target);
    expect(reacted?.reactions.map((x) => x.emoji)).toEqual(['👍']);

    aliceD = await restart(alice, aliceD);
    await eventually(
      () =>
        messagesOf(alice, 'bob')
          .filter((m) => m.direction === 'out')
          .every((m) => m.status === 'delivered'),
      60_000,
      'alice sees them delivered',
    );
    expect(
      messagesOf(bob, 'alice')
        .filter((m) => m.direction === 'in')
        .map((m) => m.text),
    ).toEqual(expected);
  }, 240_000);
});
