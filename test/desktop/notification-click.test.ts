/**
 * Clicking a desktop notification in Parley Desktop (issue 20) brings the
 * window forward and opens the conversation the message came in, whichever
 * chat was open: a contact's, then a group's. Two real daemons; the window
 * is made "hidden" and Notification replaced by an init script that keeps
 * each notification, since a headless browser shows none, and the test
 * clicks it as the system would (its onclick).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

type Shown = { title: string; body: string; closed: boolean; onclick: (() => void) | null };
const shown = (page: Page) =>
  page.evaluate(() => (window as unknown as { shown: Shown[] }).shown.map((n) => `${n.title}: ${n.body}`));
/** Clicks the notification whose body is `body`; answers whether it closed itself and focused the window. */
const click = (page: Page, body: string) =>
  page.evaluate((b) => {
    const w = window as unknown as { shown: Shown[]; focused: number };
    const n = w.shown.find((x) => x.body === b);
    const before = w.focused;
    n?.onclick?.();
    return { found: n !== undefined, closed: n?.closed ?? false, focused: w.focused > before };
  }, body);
const inList = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });

describe('Parley Desktop: clicking a notification opens its chat', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let bobHome: string;
  let alice: AppPage;

  beforeAll(async () => {
    const aliceHome = world.account('Alice');
    bobHome = world.account('Bob');
    const carolHome = world.account('Carol');
    [, , , browser] = await Promise.all([
      world.daemon(aliceHome),
      world.daemon(bobHome),
      world.daemon(carolHome),
      launchBrowser(),
    ]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    const invite = world.run(carolHome, ['invite']).stdout.trim();
    expect(world.run(aliceHome, ['contacts', 'add', 'Carol', invite]).code).toBe(0);
    await world.rpc(aliceHome, 'groups.create', { name: 'Walkers', members: ['Bob'] });
    await eventually(async () =>
      (await world.rpc<{ name: string; status: string }[]>(bobHome, 'groups.list')).some(
        (g) => g.name === 'Walkers' && g.status === 'invited',
      ),
    );
    await world.rpc(bobHome, 'groups.accept', { group: 'Walkers' });
    alice = await openApp(browser, aliceHome);
    await alice.context.addInitScript(() => {
      const w = window as unknown as { shown: unknown[]; focused: number };
      w.shown = [];
      w.focused = 0;
      Object.defineProperty(document, 'hidden', { get: () => true });
      window.focus = () => {
        w.focused++;
      };
      class Kept {
        static permission = 'granted';
        onclick: (() => void) | null = null;
        closed = false;
        readonly title: string;
        readonly body: string;
        constructor(title: string, options?: { body?: string }) {
          this.title = title;
          this.body = options?.body ?? '';
          w.shown.push(this);
        }
        close(): void {
          this.closed = true;
        }
      }
      Object.defineProperty(window, 'Notification', { value: Kept });
    });
    await alice.page.reload();
    await inList(alice.page, 'Walkers').waitFor({ timeout: UI_TIMEOUT_MS });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it("opens a contact's chat from its notification while another chat is open", async () => {
    const { page } = alice;
    await inList(page, 'Carol').click();
    await page.getByRole('heading', { name: 'Carol', level: 2 }).waitFor();
    await world.rpc(bobHome, 'messages.send', { contact: 'Alice', text: 'Lunch at one?' });
    await expect.poll(() => shown(page), { timeout: UI_TIMEOUT_MS }).toEqual(['Bob: Lunch at one?']);
    // Still on Carol's chat until the notification is clicked.
    expect(await page.getByRole('heading', { name: 'Carol', level: 2 }).isVisible()).toBe(true);
    expect(await click(page, 'Lunch at one?')).toEqual({ found: true, closed: true, focused: true });
    await page.getByRole('heading', { name: 'Bob', level: 2 }).waitFor();
    await page.getByRole('log', { name: 'Messages' }).getByText('Lunch at one?').waitFor();
    expect(await inList(page, 'Bob').getAttribute('aria-current')).toBe('true');
  });

  it("opens a group's chat from a group message's notification", async () => {
    const { page } = alice;
    await world.rpc(bobHome, 'messages.send', { contact: 'Walkers', text: 'Route for Sunday attached' });
    await expect
      .poll(async () => (await shown(page)).at(-1), { timeout: UI_TIMEOUT_MS })
      .toBe('Bob: Route for Sunday attached');
    expect(await page.getByRole('region', { name: 'Group Walkers' }).count()).toBe(0);
    expect(await click(page, 'Route for Sunday attached')).toMatchObject({ found: true, closed: true });
    await page.getByRole('region', { name: 'Group Walkers' }).waitFor();
    await page.getByRole('log', { name: 'Messages' }).getByText('Route for Sunday attached').waitFor();
    expect(alice.errors).toEqual([]);
  });
});
