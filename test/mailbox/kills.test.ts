/**
 * Mailboxes under `kill -9` (issue 17): the mailbox killed while Alice deposits, and Bob killed
 * while he drains, several times each, at seeded random moments. Nothing is lost, nothing shows
 * twice, everything in order (D1–D4): a deposit whose answer died with the mailbox is deposited
 * again and recognised as seen; an envelope fetched and not yet deleted is fetched again and
 * recognised as seen.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { duplicates, freePort, receivedTexts, seeded, sendText, sleep } from '../support/durability.ts';
import {
  type Daemon,
  eventually,
  outboxesEmpty,
  ParleyWorld,
  printLogsOnFailure,
} from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);
afterAll(() => world.cleanup());

const SEED = Number(process.env.PARLEY_TEST_SEED ?? 0x6d61);
const fixed = (port: number): string[] => ['--listen', `/ip4/127.0.0.1/tcp/${port}`];

interface Statused {
  readonly direction: string;
  readonly status: string;
}
const outgoing = async (home: string, contact: string): Promise<Statused[]> =>
  (await world.rpc<Statused[]>(home, 'messages.list', { contact, limit: 1000 })).filter(
    (m) => m.direction === 'out',
  );

/** Alice and Bob, contacts, Bob paired with a mailbox, all on fixed ports; cards exchanged. */
async function setUp() {
  const alice = world.account('alice');
  const bob = world.account('bob');
  const ports = { alice: await freePort(), bob: await freePort(), mailbox: await freePort() };
  const mailboxHome = world.home('mailbox');
  const [aliceD, bobD, mailbox] = await Promise.all([
    world.daemon(alice, fixed(ports.alice)),
    world.daemon(bob, fixed(ports.bob)),
    world.mailbox(mailboxHome, ports.mailbox),
  ]);
  await world.befriend(alice, 'alice', bob, 'bob');
  await world.rpc(bob, 'mailboxes.add', { link: mailbox.link });
  await outboxesEmpty(world, [alice, bob]);
  return { alice, bob, ports, mailboxHome, aliceD, bobD, mailbox };
}

describe('mailboxes and kill -9', () => {
  it('the mailbox killed 4 times while Alice deposits 200 messages: Bob gets each once, in order', async () => {
    const random = seeded(SEED);
    const s = await setUp();
    await world.stop(s.bobD);
    const texts = Array.from({ length: 200 }, (_, i) => `deposit-kill ${String(i).padStart(3, '0')}`);
    const sending = (async () => {
      for (const text of texts) {
        await sendText(world, s.alice, 'bob', text);
        await sleep(10);
      }
    })();
    let mailbox = s.mailbox;
    for (let k = 0; k < 4; k++) {
      await sleep(200 + random() * 600);
      mailbox.process.kill('SIGKILL');
      await new Promise((r) => mailbox.process.once('exit', r));
      await sleep(random() * 300);
      mailbox = await world.mailbox(s.mailboxHome, s.ports.mailbox);
    }
    await sending;
    await eventually(
      async () => (await outgoing(s.alice, 'bob')).every((m) => m.status === 'stored'),
      90_000,
      'every message stored at the mailbox',
    );
    await world.stop(s.aliceD);
    await world.daemon(s.bob, fixed(s.ports.bob));
    await eventually(
      async () => (await receivedTexts(world, s.bob, 'alice')).length >= texts.length,
      60_000,
      'bob has them all',
    );
    const shown = await receivedTexts(world, s.bob, 'alice');
    expect(duplicates(shown)).toEqual([]);
    expect(shown).toEqual(texts);
  }, 240_000);

  it('Bob killed 4 times while he drains 600 messages: each once, in order', async () => {
    const random = seeded(SEED + 1);
    const s = await setUp();
    await world.stop(s.bobD);
    const texts = Array.from({ length: 600 }, (_, i) => `drain-kill ${String(i).padStart(3, '0')}`);
    for (let i = 0; i < texts.length; i += 200)
      await world.rpc(s.alice, 'messages.sendMany', { contact: 'bob', texts: texts.slice(i, i + 200) });
    await eventually(
      async () => (await outgoing(s.alice, 'bob')).every((m) => m.status === 'stored'),
      60_000,
      'every message stored at the mailbox',
    );
    await world.stop(s.aliceD);
    let bobD: Daemon;
    for (let k = 0; k < 4; k++) {
      bobD = await world.daemon(s.bob, fixed(s.ports.bob));
      await sleep(random() * 400);
      await world.kill(bobD);
    }
    bobD = await world.daemon(s.bob, fixed(s.ports.bob));
    await eventually(
      async () => (await receivedTexts(world, s.bob, 'alice')).length >= texts.length,
      60_000,
      'bob has them all',
    );
    const shown = await receivedTexts(world, s.bob, 'alice');
    expect(duplicates(shown)).toEqual([]);
    expect(shown).toEqual(texts);
    await world.stop(bobD);
  }, 240_000);
});
