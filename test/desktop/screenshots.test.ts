/**
 * Screenshots of each main screen of Parley Desktop (issue 20), at 1200 × 760 and at 400 × 700, in
 * the light and the dark theme: onboarding, the chat list with a 1:1 conversation, a group, a
 * channel, Settings, linking a device (its QR code), a contact's info with the safety number, and
 * search. The content is seeded with fixed names and text between three real daemons on loopback
 * (times, keys, safety numbers and QR codes differ from run to run). Each file is checked to be a
 * PNG of the window's size.
 *
 * They are written to a temporary folder, or, to regenerate the README's pictures, to
 * PARLEY_SCREENSHOTS:
 *   PARLEY_SCREENSHOTS=docs/screenshots npx vitest run test/desktop/screenshots.test.ts
 * Files: desktop-<screen>-<wide|narrow>-<light|dark>.png (8 screens × 4 = 32).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, launchBrowser, openApp } from '../support/browser.ts';
import { landscapePng, voiceWav } from '../support/media.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;
/** Enough for a series of sends to keep their order on the receiving side. */
const PAUSE_MS = 200;
const SIZES = {
  wide: { width: 1200, height: 760 },
  narrow: { width: 400, height: 700 },
} as const;
type Size = keyof typeof SIZES;
const SCHEMES = ['light', 'dark'] as const;

/** A PNG's width and height, from its IHDR chunk (PNG spec §11.2.2: bytes 16–23 of the file). */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) throw new Error('not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });
const log = (page: Page) => page.getByRole('log', { name: 'Messages' });

async function openChat(page: Page, name: string, lastText: string): Promise<void> {
  await chat(page, name).click();
  await log(page).getByText(lastText).first().waitFor();
  // Photos decoded, so the picture is not taken mid-load.
  for (const img of await log(page).locator('img').all())
    await img.evaluate((el: HTMLImageElement) => el.decode().catch(() => undefined));
}

describe('Parley Desktop: screenshots of each main screen', { timeout: 180_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  const dir = process.env.PARLEY_SCREENSHOTS
    ? resolve(process.env.PARLEY_SCREENSHOTS)
    : mkdtempSync(join(tmpdir(), 'parley-shots-'));
  let browser: Browser;
  let fresh: string;
  let alice: string;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    fresh = world.home('fresh');
    alice = world.account('Alice');
    const bob = world.account('Bob Marsh');
    const carol = world.account('Carol');
    const [, , , , br] = await Promise.all([
      world.daemon(fresh, ['--allow-locked']),
      world.daemon(alice),
      world.daemon(bob),
      world.daemon(carol),
      launchBrowser(),
    ]);
    browser = br;
    await seed(world, alice, bob, carol);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
    if (!process.env.PARLEY_SCREENSHOTS) rmSync(dir, { recursive: true, force: true });
  });

  /** Takes `screen` at each size and scheme, brought there by `show`, and checks each file. */
  async function shoot(
    screen: string,
    show: (page: Page, size: Size) => Promise<void>,
    home: () => string = () => alice,
  ): Promise<void> {
    for (const size of Object.keys(SIZES) as Size[])
      for (const scheme of SCHEMES) {
        const viewport = SIZES[size];
        const { page, context, errors } = await openApp(browser, home(), { colorScheme: scheme, viewport });
        context.setDefaultTimeout(UI_TIMEOUT_MS);
        await show(page, size);
        await page.mouse.move(0, 0);
        await page.evaluate(() => document.fonts.ready);
        // Transitions (focus rings, hover fades) settle.
        await page.waitForTimeout(300);
        const file = join(dir, `desktop-${screen}-${size}-${scheme}.png`);
        await page.screenshot({ path: file });
        await context.close();
        expect(pngSize(readFileSync(file)), file).toEqual(viewport);
        expect(errors, `${screen} ${size} ${scheme}: console errors`).toEqual([]);
      }
  }

  it('onboarding: create your account', async () => {
    await shoot(
      'onboarding',
      async (page) => {
        await page.getByRole('heading', { name: 'Create your account' }).waitFor();
        await page.getByRole('textbox', { name: 'Your name' }).fill('Alice');
        await page.getByRole('textbox', { name: 'Your name' }).blur();
      },
      () => fresh,
    );
  });

  it('the chat list and a 1:1 conversation', async () => {
    await shoot('chat', async (page) => {
      await page.getByRole('status', { name: /Daemon connection: Connected/ }).waitFor();
      await openChat(page, 'Bob Marsh', 'See you then!');
      await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Can’t wait!');
    });
  });

  it('a group conversation, with member avatars', async () => {
    await shoot('group', async (page) => {
      await openChat(page, 'Saturday hike', 'See you there 👍');
    });
  });

  it('a channel', async () => {
    await shoot('channel', async (page) => {
      await openChat(page, 'Trail news', 'The ridge loop is open again');
    });
  });

  it('Settings', async () => {
    await shoot('settings', async (page) => {
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByRole('dialog').waitFor();
    });
  });

  it('Settings → Your devices: linking a device by QR code', async () => {
    await shoot('devices', async (page) => {
      await page.getByRole('button', { name: 'Settings' }).click();
      const section = page.getByRole('region', { name: 'Your devices' });
      await section.getByRole('button', { name: 'Link a new device' }).click();
      const qr = section.getByRole('img', { name: 'The link for your new device as a QR code' });
      await qr.waitFor();
      await qr.scrollIntoViewIfNeeded();
    });
  });

  it('contact info with the safety number', async () => {
    await shoot('contact-info', async (page) => {
      await openChat(page, 'Bob Marsh', 'See you then!');
      await page.getByRole('button', { name: 'Contact info' }).click();
      await page.getByRole('heading', { name: 'Safety number' }).waitFor();
    });
  });

  it('search', async () => {
    await shoot('search', async (page, size) => {
      if (size === 'wide') await openChat(page, 'Bob Marsh', 'See you then!');
      await page.getByRole('searchbox', { name: 'Search', exact: true }).fill('hike');
      await page.locator('.search-results[aria-busy="false"]').waitFor();
      await page.getByRole('list', { name: 'Search results' }).getByRole('listitem').first().waitFor();
    });
  });
});

/**
 * Alice's world: a 1:1 with Bob (a reply, a reaction, a link, a photo, a voice message, ticks),
 * two unread messages from Carol, the group "Saturday hike" with both (runs from each, a photo),
 * and her channel "Trail news" (a photo among its posts), which Bob follows.
 */
async function seed(world: ParleyWorld, alice: string, bob: string, carol: string): Promise<void> {
  await world.befriend(alice, 'Alice', bob, 'Bob Marsh');
  // befriend() expects a fresh pair; the second contact is added by hand.
  const invite = world.run(carol, ['invite']).stdout.trim();
  world.run(alice, ['contacts', 'add', 'Carol', invite]);
  await eventually(async () =>
    (await world.rpc<Array<{ name: string; state: string }>>(carol, 'contacts.list')).some(
      (c) => c.name === 'Alice' && c.state === 'active',
    ),
  );
  const pause = () => new Promise((r) => setTimeout(r, PAUSE_MS));
  const say = async (
    home: string,
    contact: string,
    text: string,
    replyTo?: { id: string; mine: boolean },
  ) => {
    const sent = await world.rpc<{ id: string }>(home, 'messages.send', {
      contact,
      text,
      ...(replyTo ? { replyTo } : {}),
    });
    await pause();
    return sent;
  };
  const upload = async (home: string, contact: string, body: Buffer, params: Record<string, string>) => {
    const { port, token } = apiOf(home);
    const q = new URLSearchParams({ contact, ...params });
    const res = await fetch(`http://127.0.0.1:${port}/upload?${q}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new Uint8Array(body),
    });
    if (!res.ok) throw new Error(`upload failed: ${await res.text()}`);
    await pause();
  };

  await say(bob, 'Alice', 'Hey! Are we still on for the hike on Saturday?');
  await say(alice, 'Bob Marsh', 'Yes! Meet at the trailhead at 9?');
  const route = await say(bob, 'Alice', 'Perfect. I found the route: https://example.com/trails/ridge-loop');
  await say(alice, 'Bob Marsh', 'Looks great. About 12 km, right?', { id: route.id, mine: false });
  const coffee = await say(bob, 'Alice', "Yep, with a view at the top.\nI'll bring coffee ☕");
  await world.rpc(alice, 'messages.react', { contact: 'Bob Marsh', id: coffee.id, mine: false, emoji: '❤️' });
  await pause();
  await upload(bob, 'Alice', landscapePng(480, 320), {
    name: 'ridge-loop.png',
    mime: 'image/png',
    caption: 'The view from the top last time',
  });
  const voice = voiceWav(7.4);
  await upload(alice, 'Bob Marsh', voice.wav, {
    name: 'Voice message.wav',
    mime: 'audio/wav',
    durationMs: String(voice.durationMs),
    waveform: Buffer.from(voice.waveform).toString('base64url'),
  });
  await say(alice, 'Bob Marsh', 'See you then!');

  await world.rpc(alice, 'groups.create', { name: 'Saturday hike', members: ['Bob Marsh', 'Carol'] });
  // An invitation is a request (docs/GROUPS.md "Invitations"): Bob and Carol join.
  for (const who of [bob, carol]) {
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; status: string }>>(who, 'groups.list')).some(
        (g) => g.name === 'Saturday hike' && g.status === 'invited',
      ),
    );
    await world.rpc(who, 'groups.accept', { group: 'Saturday hike' });
  }
  await say(carol, 'Saturday hike', 'I can drive two people from the station');
  await say(carol, 'Saturday hike', 'Leaving at 8:15, back by six');
  await say(bob, 'Saturday hike', 'Count me in. Anyone done this hike this month?');
  await upload(carol, 'Saturday hike', landscapePng(480, 320), {
    name: 'lake-path.png',
    mime: 'image/png',
    caption: 'Last Sunday: the path by the lake is dry',
  });
  await say(alice, 'Saturday hike', 'Lovely! See you both at 9');
  await say(bob, 'Saturday hike', 'See you there 👍');

  await world.rpc(alice, 'channels.create', { name: 'Trail news' });
  const { link } = await world.rpc<{ link: string }>(alice, 'channels.invite', { name: 'Trail news' });
  await world.rpc(bob, 'channels.follow', { link });
  await world.rpc(alice, 'channels.post', {
    name: 'Trail news',
    text: 'Welcome to Trail news: closures, conditions and group hikes around the ridge.',
  });
  await pause();
  await world.rpc(alice, 'channels.post', {
    name: 'Trail news',
    text: 'Saturday forecast: dry and 14 °C at the top, windy after 3 pm.',
  });
  await pause();
  await upload(alice, 'Trail news', landscapePng(480, 320), {
    name: 'north-path.png',
    mime: 'image/png',
    caption: 'The snow has gone from the north path',
  });
  await world.rpc(alice, 'channels.post', { name: 'Trail news', text: 'The ridge loop is open again' });

  await say(carol, 'Alice', 'Did you get the photos from last weekend?');
  await say(carol, 'Alice', 'The one by the lake is my favourite');

  await eventually(async () => {
    const list = await world.rpc<
      Array<{ status: string; direction: string; attachment: { status: string } | null }>
    >(alice, 'messages.list', { contact: 'Bob Marsh' });
    const photo = list.find((m) => m.direction === 'in' && m.attachment?.status === 'done');
    return (
      photo !== undefined &&
      list.filter((m) => m.direction === 'out').every((m) => m.status === 'read' || m.status === 'delivered')
    );
  });
  await eventually(async () => {
    const list = await world.rpc<Array<{ text: string; attachment: { status: string } | null }>>(
      alice,
      'messages.list',
      { contact: 'Saturday hike' },
    );
    return (
      list.some((m) => m.attachment?.status === 'done') && list.some((m) => m.text === 'See you there 👍')
    );
  });
  await eventually(
    async () => (await world.rpc<unknown[]>(alice, 'messages.list', { contact: 'Carol' })).length === 2,
  );
  // Alice answered Bob and the group: read, so no unread count or divider there, whichever
  // screen is taken first. Carol's two stay unread.
  await world.rpc(alice, 'conversations.markRead', { contact: 'Bob Marsh' });
  await world.rpc(alice, 'conversations.markRead', { contact: 'Saturday hike' });
}
