/**
 * Renders docs/screenshots/desktop.png (light) and desktop-dark.png from a
 * real conversation between local daemons, with a photo and a voice
 * message sent through the daemon's upload route, and desktop-group.png: a
 * group conversation with a member's photo. Not part of CI:
 *   pnpm -s build && node test/desktop/screenshot.ts
 */
import { fileURLToPath } from 'node:url';
import { apiOf, launchBrowser, openApp } from '../support/browser.ts';
import { landscapePng, voiceWav } from '../support/media.ts';
import { eventually, ParleyWorld } from '../support/parley.ts';

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

const world = new ParleyWorld();
try {
  const alice = world.account('Alice');
  const bob = world.account('Bob Marsh');
  const carol = world.account('Carol');
  await Promise.all([world.daemon(alice), world.daemon(bob), world.daemon(carol)]);
  await world.befriend(alice, 'Alice', bob, 'Bob Marsh');
  // befriend() expects a fresh pair; the second contact is added by hand.
  const invite = world.run(carol, ['invite']).stdout.trim();
  world.run(alice, ['contacts', 'add', 'Carol', invite]);
  await eventually(async () =>
    (await world.rpc<Array<{ name: string; state: string }>>(carol, 'contacts.list')).some(
      (c) => c.name === 'Alice' && c.state === 'active',
    ),
  );

  const say = (home: string, contact: string, text: string, replyTo?: { id: string; mine: boolean }) =>
    world.rpc<{ id: string }>(home, 'messages.send', { contact, text, ...(replyTo ? { replyTo } : {}) });
  const pause = () => new Promise((r) => setTimeout(r, 250));
  const upload = async (home: string, contact: string, body: Buffer, params: Record<string, string>) => {
    const { port, token } = apiOf(home);
    const q = new URLSearchParams({ contact, ...params });
    const res = await fetch(`http://127.0.0.1:${port}/upload?${q}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new Uint8Array(body),
    });
    if (!res.ok) throw new Error(`upload failed: ${await res.text()}`);
  };

  await say(bob, 'Alice', 'Hey! Are we still on for the hike on Saturday?');
  await pause();
  await say(alice, 'Bob Marsh', 'Yes! Meet at the trailhead at 9?');
  await pause();
  const route = await say(bob, 'Alice', 'Perfect. I found the route: https://example.com/trails/ridge-loop');
  await pause();
  await say(alice, 'Bob Marsh', 'Looks great. About 12 km, right?', { id: route.id, mine: false });
  await pause();
  const coffee = await say(bob, 'Alice', "Yep, with a view at the top.\nI'll bring coffee ☕");
  await pause();
  await world.rpc(alice, 'messages.react', { contact: 'Bob Marsh', id: coffee.id, mine: false, emoji: '❤️' });
  await pause();
  await upload(bob, 'Alice', landscapePng(480, 320), {
    name: 'ridge-loop.png',
    mime: 'image/png',
    caption: 'The view from the top last time',
  });
  await pause();
  const voice = voiceWav(7.4);
  await upload(alice, 'Bob Marsh', voice.wav, {
    name: 'Voice message.wav',
    mime: 'audio/wav',
    durationMs: String(voice.durationMs),
    waveform: Buffer.from(voice.waveform).toString('base64url'),
  });
  await pause();
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
  await pause();
  await say(bob, 'Saturday hike', 'Count me in. Anyone been up there this month?');
  await pause();
  await upload(carol, 'Saturday hike', landscapePng(480, 320), {
    name: 'lake-path.png',
    mime: 'image/png',
    caption: 'Last Sunday: the path by the lake is dry',
  });
  await pause();
  await say(alice, 'Saturday hike', 'Lovely! See you both at 9');
  await pause();
  await say(carol, 'Alice', 'Did you get the photos from last weekend?');
  await say(carol, 'Alice', 'The one by the lake is my favourite');
  await eventually(async () => {
    const list = await world.rpc<
      Array<{ status: string; direction: string; attachment: { status: string } | null }>
    >(alice, 'messages.list', {
      contact: 'Bob Marsh',
    });
    const photo = list.find((m) => m.direction === 'in' && m.attachment?.status === 'done');
    return (
      photo !== undefined &&
      list.filter((m) => m.direction === 'out').every((m) => m.status === 'read' || m.status === 'delivered')
    );
  });

  await eventually(async () => {
    const list = await world.rpc<Array<{ attachment: { status: string } | null }>>(alice, 'messages.list', {
      contact: 'Saturday hike',
    });
    return list.some((m) => m.attachment?.status === 'done');
  });
  // Alice answered in the group: read, so no unread count or divider there.
  await world.rpc(alice, 'conversations.markRead', { contact: 'Saturday hike' });

  const browser = await launchBrowser();
  for (const scheme of ['light', 'dark'] as const) {
    const { page, context } = await openApp(browser, alice, {
      colorScheme: scheme,
      viewport: { width: 1200, height: 720 },
    });
    await page.getByRole('button', { name: 'Bob Marsh' }).click();
    await page.getByRole('log', { name: 'Messages' }).getByText('See you then!').waitFor();
    await page.getByRole('status', { name: /Daemon connection: Connected/ }).waitFor();
    await page
      .getByRole('img', { name: 'Photo: ridge-loop.png' })
      .evaluate((img: HTMLImageElement) => img.decode());
    await page.getByRole('textbox', { name: 'Message' }).fill('Can’t wait!');
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}${scheme === 'light' ? 'desktop.png' : 'desktop-dark.png'}` });
    await context.close();
  }
  // The group, with Carol's photo.
  const { page, context } = await openApp(browser, alice, { viewport: { width: 1200, height: 720 } });
  await page.getByRole('button', { name: 'Saturday hike' }).click();
  await page.getByRole('log', { name: 'Messages' }).getByText('See you both at 9').waitFor();
  await page.getByRole('status', { name: /Daemon connection: Connected/ }).waitFor();
  await page
    .getByRole('img', { name: 'Photo: lake-path.png' })
    .evaluate((img: HTMLImageElement) => img.decode());
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${OUT}desktop-group.png` });
  await context.close();
  await browser.close();
  console.log(`wrote ${OUT}desktop.png, desktop-dark.png and desktop-group.png`);
} finally {
  await world.cleanup();
}
