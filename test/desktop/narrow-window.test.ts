/**
 * Parley Desktop in a narrow window (issue 20), with real daemons: below
 * 700 px one pane shows at a time. The chat list fills the window; opening a
 * chat shows only the chat, with a "Back to chats" button (and Escape, and
 * the browser's Back) that returns to the list; the composer stays one row; nothing scrolls sideways
 * (chat list, 1:1 chat, group, channel, settings, search results,
 * onboarding) and no header buttons overlap. Above 700 px both panes show as
 * before.
 *
 * PARLEY_SCREENSHOTS=<dir> also writes desktop-narrow-{list,chat}{,-dark}.png
 * (400 × 700) and desktop-narrow-wide-{list,chat}{,-dark}.png (1200 × 760) there.
 */
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const NARROW = { width: 400, height: 700 } as const;
const WIDE = { width: 1100, height: 760 } as const;
const UI_TIMEOUT_MS = 20_000;
const LONG_LINE =
  'Here is the route for Saturday: https://example.com/trails/ridge-loop/with/a/very/long/path/that/never/breaks and a bit more text around it';

const chatList = (page: Page) => page.getByRole('list', { name: 'Contacts' });
const chat = (page: Page, name: string) => chatList(page).getByRole('button', { name, exact: true });
const back = (page: Page) => page.getByRole('button', { name: 'Back to chats' });

/** How far the page scrolls sideways (0 when nothing spills out of the window), and what spills. */
const sideways = (page: Page) =>
  page.evaluate(() => {
    const over = (document.scrollingElement?.scrollWidth ?? 0) - window.innerWidth;
    if (over <= 0) return 0;
    const spills = Array.from(document.querySelectorAll<HTMLElement>('body *'))
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((e) => `${e.tagName}.${e.className}`);
    return `${over} px: ${spills.join(', ')}`;
  });

/** Pairs of visible boxes among `locator`'s matches that overlap (by more than half a pixel). */
async function overlaps(locator: Locator): Promise<string[]> {
  return locator.evaluateAll((nodes) => {
    const boxes = nodes
      .map((n) => ({ name: n.getAttribute('aria-label') ?? n.className, r: n.getBoundingClientRect() }))
      .filter((b) => b.r.width > 0 && b.r.height > 0);
    const found: string[] = [];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]?.r as DOMRect;
        const b = boxes[j]?.r as DOMRect;
        const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (x > 0.5 && y > 0.5) found.push(`${boxes[i]?.name} × ${boxes[j]?.name}`);
      }
    return found;
  });
}

/** The parts of the sidebar's header (avatar, name, each button) or of a conversation's header. */
const headerParts = (page: Page, header: '.sidebar-header' | '.conversation-header') =>
  page.locator(
    header === '.sidebar-header'
      ? '.sidebar-header .me > *, .sidebar-header .header-actions > *'
      : '.conversation-header > *',
  );

/** Checks the open chat in a narrow window: alone on screen, one-row composer, no overlap, no sideways scroll. */
async function expectNarrowChat(page: Page, name: string, composer: boolean): Promise<void> {
  await page.getByRole('heading', { name, level: 2 }).waitFor();
  await back(page).waitFor();
  expect(await chatList(page).isVisible(), `${name}: the chat list is hidden`).toBe(false);
  const header = await page.locator('.conversation-header').boundingBox();
  expect(header?.x, `${name}: the chat fills the window`).toBe(0);
  expect(header?.width).toBe(NARROW.width);
  expect(await overlaps(headerParts(page, '.conversation-header')), `${name}: header overlaps`).toEqual([]);
  expect(await sideways(page), `${name}: sideways scroll`).toBe(0);
  // The name shows whole: at 400 px "Bob Marsh" was cut to "Bob M", with no ellipsis.
  const clipped = await page
    .getByRole('heading', { name, level: 2 })
    .evaluate((h) =>
      [h, ...Array.from(h.querySelectorAll('*'))].some((e) => e.scrollWidth > e.clientWidth + 1),
    );
  expect(clipped, `${name}: the name is cut in the header`).toBe(false);
  if (composer) {
    const box = await page.getByRole('textbox', { name: /Message|Post/ }).boundingBox();
    const send = await page.getByRole('button', { name: /^(Send|Publish)$/ }).boundingBox();
    expect(box?.height ?? 999, `${name}: one-row text box`).toBeLessThan(60);
    expect(box?.width ?? 0, `${name}: text box width`).toBeGreaterThan(200);
    // Send sits beside the text box, on its row.
    expect(
      Math.abs((send?.y ?? 0) + (send?.height ?? 0) - ((box?.y ?? 0) + (box?.height ?? 0))),
    ).toBeLessThan(12);
  }
}

describe('Parley Desktop: narrow windows', { timeout: 150_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let freshHome: string;
  let aliceHome: string;
  let bobHome: string;
  let carolHome: string;

  beforeAll(async () => {
    freshHome = world.home('fresh');
    aliceHome = world.account('Alice');
    bobHome = world.account('Bob Marsh');
    carolHome = world.account('Carol');
    const [, , , , br] = await Promise.all([
      world.daemon(freshHome, ['--allow-locked']),
      world.daemon(aliceHome),
      world.daemon(bobHome),
      world.daemon(carolHome),
      launchBrowser(),
    ]);
    browser = br;
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob Marsh');
    const invite = world.run(carolHome, ['invite']).stdout.trim();
    expect(world.run(aliceHome, ['contacts', 'add', 'Carol', invite]).code).toBe(0);
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; state: string }>>(carolHome, 'contacts.list')).some(
        (c) => c.name === 'Alice' && c.state === 'active',
      ),
    );
    const say = (home: string, contact: string, text: string) =>
      world.rpc(home, 'messages.send', { contact, text });
    await say(bobHome, 'Alice', 'Are we still on for the hike on Saturday?');
    await say(aliceHome, 'Bob Marsh', 'Yes! Meet at the trailhead at 9?');
    await say(bobHome, 'Alice', LONG_LINE);
    await say(aliceHome, 'Bob Marsh', 'Perfect, see you there ☕');
    await world.rpc(aliceHome, 'groups.create', { name: 'Saturday hike', members: ['Bob Marsh', 'Carol'] });
    for (const home of [bobHome, carolHome]) {
      await eventually(async () =>
        (await world.rpc<Array<{ name: string; status: string }>>(home, 'groups.list')).some(
          (g) => g.name === 'Saturday hike' && g.status === 'invited',
        ),
      );
      await world.rpc(home, 'groups.accept', { group: 'Saturday hike' });
    }
    await say(carolHome, 'Saturday hike', 'I can drive two people from the station');
    await world.rpc(aliceHome, 'channels.create', { name: 'Trail news' });
    await world.rpc(aliceHome, 'channels.post', { name: 'Trail news', text: LONG_LINE });
    await eventually(
      async () =>
        (await world.rpc<unknown[]>(aliceHome, 'messages.list', { contact: 'Saturday hike' })).length > 0,
    );
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('shows one pane at a time at 400 × 700, with a Back button, and nothing scrolls sideways', async () => {
    const { page, errors } = await openApp(browser, aliceHome, { viewport: NARROW });
    await chat(page, 'Bob Marsh').waitFor({ timeout: UI_TIMEOUT_MS });

    // The chat list fills the window; the sidebar header's buttons and avatar do not overlap.
    const list = await chatList(page).boundingBox();
    expect(list?.width ?? 0).toBeGreaterThan(NARROW.width - 40);
    expect(await overlaps(headerParts(page, '.sidebar-header'))).toEqual([]);
    expect(await sideways(page)).toBe(0);
    expect(await page.getByRole('heading', { name: 'Choose a conversation' }).isVisible()).toBe(false);

    // A 1:1 chat: only the chat, messages wrap as text does, not a character per line.
    await chat(page, 'Bob Marsh').click();
    await expectNarrowChat(page, 'Bob Marsh', true);
    const bubble = await page
      .getByRole('article')
      .filter({ hasText: 'Are we still on' })
      .last()
      .boundingBox();
    expect(bubble?.width ?? 0).toBeGreaterThan(200);
    await back(page).click();
    await chat(page, 'Bob Marsh').waitFor();
    expect(await back(page).count()).toBe(0);

    // Escape returns too.
    await chat(page, 'Saturday hike').click();
    await expectNarrowChat(page, 'Saturday hike', true);
    await page.keyboard.press('Escape');
    await chat(page, 'Saturday hike').waitFor();

    // The browser's Back button too.
    await chat(page, 'Trail news').click();
    await expectNarrowChat(page, 'Trail news', true);
    await page.goBack();
    await chat(page, 'Trail news').waitFor();
    expect(await back(page).count()).toBe(0);

    // Settings and the search results fit too.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog').waitFor();
    expect(await sideways(page)).toBe(0);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('searchbox', { name: 'Search', exact: true }).fill('trail');
    await page.getByRole('list', { name: 'Search results' }).waitFor();
    expect(await sideways(page)).toBe(0);
    const results = await page.getByRole('list', { name: 'Search results' }).boundingBox();
    expect(results?.width ?? 0).toBeGreaterThan(NARROW.width - 40);
    expect(errors).toEqual([]);
  });

  it('keeps both panes side by side above 700 px', async () => {
    const { page } = await openApp(browser, aliceHome, { viewport: WIDE });
    await chat(page, 'Bob Marsh').click({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('heading', { name: 'Bob Marsh', level: 2 }).waitFor();
    expect(await chatList(page).isVisible()).toBe(true);
    expect(await back(page).isVisible()).toBe(false);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(200);
    expect(await page.getByRole('heading', { name: 'Bob Marsh', level: 2 }).isVisible()).toBe(true);
    // Just above the breakpoint the sidebar header's buttons leave the avatar alone.
    await page.setViewportSize({ width: 710, height: 760 });
    expect(await overlaps(headerParts(page, '.sidebar-header'))).toEqual([]);
    expect(await chatList(page).isVisible()).toBe(true);
    expect(await overlaps(headerParts(page, '.conversation-header'))).toEqual([]);
  });

  it('onboarding is usable at 400 × 700', async () => {
    const { page } = await openApp(browser, freshHome, { viewport: NARROW });
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    expect(await sideways(page)).toBe(0);
    const create = page.getByRole('button', { name: 'Create account' });
    await create.scrollIntoViewIfNeeded();
    const box = await create.boundingBox();
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= NARROW.width).toBe(true);
  });

  it.runIf(process.env.PARLEY_SCREENSHOTS)(
    'screenshots the chat list and a chat, narrow and wide',
    async () => {
      const dir = process.env.PARLEY_SCREENSHOTS as string;
      const sizes = [
        ['', NARROW],
        ['-wide', { width: 1200, height: 760 }],
      ] as const;
      for (const [suffix, viewport] of sizes)
        for (const scheme of ['light', 'dark'] as const) {
          const { page, context } = await openApp(browser, aliceHome, { colorScheme: scheme, viewport });
          await page.getByRole('status', { name: /Daemon connection: Connected/ }).waitFor();
          const dark = scheme === 'dark' ? '-dark' : '';
          await chat(page, 'Bob Marsh').waitFor();
          await page.mouse.move(0, 0);
          await page.screenshot({ path: join(dir, `desktop-narrow${suffix}-list${dark}.png`) });
          await chat(page, 'Bob Marsh').click();
          await page.getByRole('log', { name: 'Messages' }).getByText('Perfect, see you there').waitFor();
          await page.getByRole('textbox', { name: 'Message' }).fill('Can’t wait!');
          await page.mouse.move(0, 0);
          await page.waitForTimeout(300);
          await page.screenshot({ path: join(dir, `desktop-narrow${suffix}-chat${dark}.png`) });
          await context.close();
        }
    },
  );
});
