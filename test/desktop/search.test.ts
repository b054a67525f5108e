/**
 * Message search in Parley Desktop (issue 18), with real daemons: the search
 * field at the top of the sidebar finds messages across accents ("creme" →
 * "Crème"), in Chinese and by emoji, never a message deleted for everyone;
 * hits show their chat, sender and a snippet with the matched terms in
 * <mark>, page with "Load more", are reachable by keyboard, and open the
 * conversation (a 1:1 or a group) scrolled to the message, marked, even far
 * back in history. Escape returns to the chat list; a hostile message stays
 * text in the results.
 *
 * PARLEY_SCREENSHOTS=<dir> also writes desktop-search.png and desktop-search-dark.png there.
 */
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';
import { xssPayloads } from './xss-payloads.ts';

/** Sent by Bob before FILLER_MESSAGES more: older than the first page the conversation opens with (100). */
const FAR_BACK = 'The lighthouse at Cap Fréhel was magnificent at dusk';
const FILLER_MESSAGES = 150;
const CREME = 'Crème brûlée recipe: caramelise the sugar with a torch';
const CHINESE = '我们明天见面吧';
const PARTY = 'Party on Friday 🎉 bring snacks';
/** Sent by Alice, then deleted for everyone. */
const DELETED = 'The code word is zanzibar, keep it quiet';
const GROUP = 'Dinner club';
const GROUP_MESSAGE = 'Who brings the crème fraîche on Sunday?';
/** The conversation around them: [from Bob?, text]. */
const CHAT: readonly (readonly [boolean, string])[] = [
  [true, 'Hey Alice, are you free this weekend?'],
  [false, 'Mostly! What do you have in mind?'],
  [true, 'Dinner at my place, I want to try a French dessert'],
  [false, CREME],
  [true, 'Perfect, I have a torch somewhere'],
  [false, 'Do you still have the dinner plates from last time?'],
  [true, CHINESE],
  [false, '好的，明天下午三点'],
  [true, PARTY],
  [false, 'Sounds good, I will bring the dessert for dinner'],
];
/** A few hostile payloads (each contains "onerror"), from the XSS suite. */
const PAYLOADS = xssPayloads(40)
  .filter((p) => p.includes('onerror'))
  .slice(0, 6);

const UI_TIMEOUT_MS = 20_000;

declare global {
  interface Window {
    __xss?: unknown;
  }
}

const searchBox = (page: Page) => page.getByRole('searchbox', { name: 'Search', exact: true });
const results = (page: Page) => page.getByRole('list', { name: 'Search results' });
const hit = (page: Page, text: string | RegExp): Locator =>
  results(page).getByRole('listitem').filter({ hasText: text });

/** Types a query and waits for its answer (the results stop being busy). */
async function searchFor(page: Page, query: string): Promise<void> {
  await searchBox(page).fill(query);
  await page.locator('.search-results[aria-busy="false"]').waitFor({ timeout: UI_TIMEOUT_MS });
}

/** Whether a row with this text is rendered, at least partly in the log's viewport, and marked. */
function shownMarked(page: Page, text: string): Promise<{ inView: boolean; marked: boolean }> {
  return page.evaluate((t) => {
    const log = document.querySelector('[role="log"][aria-label="Messages"]');
    if (!log) return { inView: false, marked: false };
    const frame = log.getBoundingClientRect();
    const row = Array.from(log.querySelectorAll<HTMLElement>('.row')).find((r) =>
      r.querySelector('article')?.textContent?.includes(t),
    );
    if (!row) return { inView: false, marked: false };
    const r = row.getBoundingClientRect();
    return {
      inView: r.height > 0 && r.bottom > frame.top && r.top < frame.bottom,
      marked: row.classList.contains('highlighted'),
    };
  }, text);
}

describe('Parley Desktop: message search', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let alice: AppPage;
  let dialogs = 0;

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    const bobHome = world.account('Bob');
    const [, , br] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    browser = br;
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    const say = (fromBob: boolean, text: string) =>
      world.rpc<{ id: string }>(fromBob ? bobHome : aliceHome, 'messages.send', {
        contact: fromBob ? 'Alice' : 'Bob',
        text,
      });
    await say(true, FAR_BACK);
    await world.rpc(bobHome, 'messages.sendMany', {
      contact: 'Alice',
      texts: Array.from({ length: FILLER_MESSAGES }, (_, i) => `Filler line ${i + 1} about nothing much`),
    });
    for (const [fromBob, text] of CHAT) await say(fromBob, text);
    for (const p of PAYLOADS) await say(true, p);
    const secret = await say(false, DELETED);
    // Found before it is deleted: "not found" below is the deletion's doing.
    const before = await world.rpc<{ hits: unknown[] }>(aliceHome, 'messages.search', { query: 'zanzibar' });
    expect(before.hits).toHaveLength(1);
    await world.rpc(aliceHome, 'messages.delete', { contact: 'Bob', id: secret.id });
    const total = 1 + FILLER_MESSAGES + CHAT.length + PAYLOADS.length + 1;
    await eventually(
      async () =>
        (await world.rpc<unknown[]>(aliceHome, 'messages.list', { contact: 'Bob', limit: 1000 })).length >=
        total,
      60_000,
      'the history to reach Alice',
    );

    await world.rpc(aliceHome, 'groups.create', { name: GROUP, members: ['Bob'] });
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; status: string }>>(bobHome, 'groups.list')).some(
        (g) => g.name === GROUP && g.status === 'invited',
      ),
    );
    await world.rpc(bobHome, 'groups.accept', { group: GROUP });
    // Bob's acceptance reaches Alice before his first message can.
    await eventually(async () =>
      world.rpc(bobHome, 'messages.send', { contact: GROUP, text: GROUP_MESSAGE }).then(
        () => true,
        () => false,
      ),
    );
    await eventually(async () =>
      (await world.rpc<Array<{ text: string }>>(aliceHome, 'messages.list', { contact: GROUP })).some(
        (m) => m.text === GROUP_MESSAGE,
      ),
    );

    alice = await openApp(browser, aliceHome);
    alice.page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await alice.page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'Bob' }).waitFor();
  }, 100_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('has a search landmark whose field Ctrl+F focuses', async () => {
    const { page } = alice;
    await page.getByRole('search').getByRole('searchbox', { name: 'Search' }).waitFor();
    expect(await searchBox(page).getAttribute('placeholder')).toBe('Search');
    await page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'Bob' }).focus();
    await page.keyboard.press('Control+f');
    await expect.poll(() => searchBox(page).evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('finds "creme" in 1:1 and group chats, with "Crème" marked', async () => {
    const { page } = alice;
    await searchFor(page, 'creme');
    const mine = hit(page, 'brûlée recipe');
    await mine.waitFor();
    expect(await mine.locator('mark').first().textContent()).toBe('Crème');
    expect(await mine.textContent()).toContain('Bob');
    expect(await mine.textContent()).toContain('You: ');
    const theirs = hit(page, 'fraîche');
    await theirs.waitFor();
    expect((await theirs.locator('mark').first().textContent())?.toLowerCase()).toBe('crème');
    expect(await theirs.textContent()).toContain(GROUP);
    expect(await theirs.textContent()).toContain('Bob: ');
    await page
      .getByRole('status')
      .filter({ hasText: /^\d+ messages? found$/ })
      .waitFor({ state: 'attached' });
  });

  it('finds Chinese text and emoji', async () => {
    const { page } = alice;
    await searchFor(page, '明天');
    await hit(page, CHINESE).waitFor();
    expect(await hit(page, CHINESE).locator('mark').first().textContent()).toBe('明天');
    await searchFor(page, '🎉');
    await hit(page, 'Party on Friday').waitFor();
    expect(await hit(page, 'Party on Friday').locator('mark').first().textContent()).toBe('🎉');
  });

  it('does not find a message deleted for everyone', async () => {
    const { page } = alice;
    await searchFor(page, 'zanzibar');
    await page.locator('.list-empty', { hasText: 'No messages found for “zanzibar”' }).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: 'No messages found for “zanzibar”' })
      .waitFor({ state: 'attached' });
    expect(await results(page).count()).toBe(0);
  });

  it('pages the hits with "Load more"', async () => {
    const { page } = alice;
    await searchFor(page, 'filler');
    await results(page).getByRole('listitem').first().waitFor();
    const first = await results(page).getByRole('listitem').count();
    expect(first).toBeLessThan(FILLER_MESSAGES);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect
      .poll(() => results(page).getByRole('listitem').count(), { timeout: UI_TIMEOUT_MS })
      .toBeGreaterThan(first);
  });

  it('opens a hit far back in history scrolled into view and marked', async () => {
    const { page } = alice;
    await searchFor(page, 'lighthouse');
    await hit(page, 'Cap Fréhel').getByRole('button').click();
    await page.getByRole('heading', { name: 'Bob', level: 2 }).waitFor();
    await expect
      .poll(() => shownMarked(page, FAR_BACK), { timeout: UI_TIMEOUT_MS, interval: 100 })
      .toEqual({ inView: true, marked: true });
    // Still in view once the mark has faded and heights have settled.
    await page.waitForTimeout(3_000);
    expect(await shownMarked(page, FAR_BACK)).toEqual({ inView: true, marked: false });
  });

  it('opens a group hit with the keyboard', async () => {
    const { page } = alice;
    await searchBox(page).click();
    await searchFor(page, 'fraiche');
    await hit(page, 'fraîche').waitFor();
    await searchBox(page).press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    expect(focused).toContain('fraîche');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: GROUP, level: 2 }).waitFor();
    await expect
      .poll(() => shownMarked(page, GROUP_MESSAGE), { timeout: UI_TIMEOUT_MS, interval: 100 })
      .toMatchObject({ inView: true });
  });

  it('renders a hostile message as text in the results', async () => {
    const { page } = alice;
    await page.evaluate(() => {
      window.__xss = undefined;
    });
    await searchFor(page, 'onerror');
    await results(page).getByRole('listitem').first().waitFor();
    const snippets = await results(page)
      .locator('.search-snippet')
      .evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    expect(snippets.length).toBeGreaterThan(0);
    for (const s of snippets) {
      const text = s.replace(/^Bob: /, '');
      for (const part of text.split('…').filter(Boolean))
        expect(PAYLOADS.some((p) => p.includes(part))).toBe(true);
    }
    expect(await results(page).locator('mark').first().textContent()).toBe('onerror');
    expect(
      await page.locator('.sidebar img, .sidebar script, .sidebar iframe, .sidebar svg[onload]').count(),
    ).toBe(0);
    expect(await page.evaluate(() => window.__xss)).toBeUndefined();
    expect(dialogs).toBe(0);
  });

  it('Escape clears the search and returns to the chat list', async () => {
    const { page } = alice;
    await searchFor(page, 'dinner');
    await results(page).waitFor();
    await searchBox(page).press('Escape');
    expect(await searchBox(page).inputValue()).toBe('');
    await page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'Bob' }).waitFor();
    expect(await results(page).count()).toBe(0);
  });

  it.runIf(process.env.PARLEY_SCREENSHOTS)('screenshots the results', async () => {
    const dir = process.env.PARLEY_SCREENSHOTS as string;
    // A conversation of its own, fit for the README (the one above is full of test payloads).
    const me = world.account('Alice');
    const bob = world.account('Bob Marsh');
    await Promise.all([world.daemon(me), world.daemon(bob)]);
    await world.befriend(me, 'Alice', bob, 'Bob Marsh');
    const lines: readonly (readonly [boolean, string])[] = [
      [true, 'Are we still on for the hike on Saturday?'],
      [false, 'Yes! Meet at the trailhead at 9?'],
      [true, 'Perfect. The ridge loop is about 12 km, with a view at the top'],
      [false, 'Great, I will bring coffee and the map'],
      [true, 'Carol asked if she can join the hike too'],
      [false, 'Of course, the more the merrier'],
      [true, 'I found a shorter hike for Sunday if the weather turns'],
      [false, 'Good plan. See you Saturday!'],
    ];
    for (const [fromBob, text] of lines) {
      await world.rpc(fromBob ? bob : me, 'messages.send', {
        contact: fromBob ? 'Alice' : 'Bob Marsh',
        text,
      });
      await new Promise((r) => setTimeout(r, 150));
    }
    await eventually(
      async () =>
        (await world.rpc<unknown[]>(me, 'messages.list', { contact: 'Bob Marsh' })).length === lines.length,
    );
    for (const scheme of ['light', 'dark'] as const) {
      const { page, context } = await openApp(browser, me, {
        colorScheme: scheme,
        viewport: { width: 1200, height: 720 },
      });
      await page.getByRole('status', { name: /Daemon connection: Connected/ }).waitFor();
      await searchFor(page, 'hike');
      await hit(page, 'Carol asked').getByRole('button').click();
      await page.getByRole('heading', { name: 'Bob Marsh', level: 2 }).waitFor();
      await expect.poll(() => shownMarked(page, 'Carol asked')).toEqual({ inView: true, marked: true });
      await page.mouse.move(0, 0);
      await page.screenshot({
        path: join(dir, scheme === 'light' ? 'desktop-search.png' : 'desktop-search-dark.png'),
      });
      await context.close();
    }
  });
});
