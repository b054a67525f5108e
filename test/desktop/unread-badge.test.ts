/**
 * The unread count on Parley Desktop's icon (issue 20), with two real
 * daemons: messages from a contact put a red badge with their number on the
 * favicon (a data: SVG the browser renders under the app's CSP; "99+" beyond
 * 99) and on the app badge (navigator.setAppBadge, recorded by an init
 * script, since only an installed app has one); a muted chat does not count,
 * in the icon as in the title; once read, the plain icon is back and the app
 * badge cleared.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;
/** index.html's icon. */
const PLAIN_ICON = '/favicon.svg';
const SVG_DATA = 'data:image/svg+xml,';
/** More than the badge shows: it says "99+". */
const MANY_MESSAGES = 100;

const iconHref = (page: Page) => page.locator('link[rel="icon"]').getAttribute('href');
/** The number drawn on the icon, or null for an icon without a badge. */
async function iconLabel(page: Page): Promise<string | null> {
  const href = (await iconHref(page)) ?? '';
  if (!href.startsWith(SVG_DATA)) return null;
  return /<text[^>]*>([^<]*)<\/text>/.exec(decodeURIComponent(href.slice(SVG_DATA.length)))?.[1] ?? '';
}
const badges = (page: Page) =>
  page.evaluate(() => (window as unknown as { badges: (number | 'clear')[] }).badges.at(-1));
const bobInList = (page: Page) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'Bob' });

describe('Parley Desktop: the unread count on the icon', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let bobHome: string;
  let alice: AppPage;
  /** Alice's received messages, once the daemon has them all. */
  const received = (n: number) =>
    eventually(
      async () =>
        (await world.rpc<unknown[]>(aliceHome, 'messages.list', { contact: 'Bob', limit: 1000 })).length ===
        n,
    );

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    bobHome = world.account('Bob');
    [, , browser] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    alice = await openApp(browser, aliceHome);
    await alice.context.addInitScript(() => {
      const w = window as unknown as { badges: (number | 'clear')[] };
      w.badges = [];
      const record = (b: number | 'clear') => {
        w.badges.push(b);
        return Promise.resolve();
      };
      Object.defineProperty(Navigator.prototype, 'setAppBadge', { value: (n: number) => record(n) });
      Object.defineProperty(Navigator.prototype, 'clearAppBadge', { value: () => record('clear') });
    });
    await alice.page.reload();
    await bobInList(alice.page).waitFor({ timeout: UI_TIMEOUT_MS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('shows the plain icon while nothing is unread', async () => {
    expect(await iconHref(alice.page)).toBe(PLAIN_ICON);
    await expect.poll(() => badges(alice.page)).toBe('clear');
  });

  it('draws the unread count on the icon and the app badge', async () => {
    const { page } = alice;
    await world.rpc(bobHome, 'messages.sendMany', { contact: 'Alice', texts: ['One', 'Two', 'Three'] });
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe('(3) Parley');
    await expect.poll(() => iconLabel(page)).toBe('3');
    await expect.poll(() => badges(page)).toBe(3);
    // A real image the browser renders (img-src allows data:), not merely a changed attribute.
    const size = await page.evaluate(
      async (href) => {
        const img = new Image();
        img.src = href ?? '';
        await img.decode();
        return [img.naturalWidth, img.naturalHeight];
      },
      await iconHref(page),
    );
    expect(size[0]).toBeGreaterThan(0);
    expect(size[1]).toBeGreaterThan(0);
  });

  it('says "99+" beyond 99', async () => {
    const { page } = alice;
    await world.rpc(bobHome, 'messages.sendMany', {
      contact: 'Alice',
      texts: Array.from({ length: MANY_MESSAGES - 3 }, (_, i) => `More ${i + 1}`),
    });
    await received(MANY_MESSAGES);
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe(`(${MANY_MESSAGES}) Parley`);
    await expect.poll(() => iconLabel(page)).toBe('99+');
    await expect.poll(() => badges(page)).toBe(MANY_MESSAGES);
  });

  it('does not count a muted chat, in the icon as in the title', async () => {
    const { page } = alice;
    const contacts = await world.rpc<{ id: string; name: string }[]>(aliceHome, 'contacts.list');
    const bob = contacts.find((c) => c.name === 'Bob')?.id ?? '';
    await page.evaluate(
      (key) => localStorage.setItem('parley.muted', JSON.stringify([key])),
      `contact:${bob}`,
    );
    await page.reload();
    // The list has loaded (Bob's own badge still shows his unread), so the title has its count.
    await expect
      .poll(() => bobInList(page).locator('.unread').textContent(), { timeout: UI_TIMEOUT_MS })
      .toBe('99+');
    await expect.poll(() => page.title()).toBe('Parley');
    await expect.poll(() => iconHref(page)).toBe(PLAIN_ICON);
    await expect.poll(() => badges(page)).toBe('clear');
    await page.evaluate(() => localStorage.removeItem('parley.muted'));
    await page.reload();
    await expect.poll(() => iconLabel(page), { timeout: UI_TIMEOUT_MS }).toBe('99+');
  });

  it('goes back to the plain icon once everything is read', async () => {
    const { page } = alice;
    await bobInList(page).click();
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText('One', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    // Read only once the latest message has been seen: scroll to it.
    await page.mouse.move(600, 300);
    await expect
      .poll(
        async () => {
          await page.mouse.wheel(0, 2_000);
          return page.title();
        },
        { timeout: UI_TIMEOUT_MS },
      )
      .toBe('Parley');
    await expect.poll(() => iconHref(page)).toBe(PLAIN_ICON);
    await expect.poll(() => badges(page)).toBe('clear');
    expect(alice.errors).toEqual([]);
  });
});
