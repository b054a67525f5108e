/**
 * Unread messages in Parley Desktop (issue 20), with real daemons: a chat
 * with unread messages opens at the first of them, under an "N unread
 * messages" divider near the top of the view, and is marked read only once
 * its latest message has been seen; the divider stays until the chat is
 * left; a chat without unread opens at the bottom. Scrolled up more than a
 * screen, a "Jump to latest" button appears above the composer; messages
 * arriving meanwhile raise its count instead of moving the view, and
 * clicking it goes to the bottom.
 *
 * PARLEY_SCREENSHOTS=<dir> also writes desktop-narrow-unread.png (400 × 700) there.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

/** Read before the test: several screens of them. */
const READ_MESSAGES = 60;
/** Arriving after: more than a screen too, so the latest is not in view at first. */
const UNREAD_MESSAGES = 38;
const UI_TIMEOUT_MS = 20_000;

const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });
const log = (page: Page) => page.getByRole('log', { name: 'Messages' });
const jumpButton = (page: Page) => page.getByRole('button', { name: /^Jump to latest/ });

/** Where a bubble with this text is, relative to the log's viewport (top/bottom in px), or null if not rendered. */
function place(page: Page, text: string): Promise<{ top: number; bottom: number; height: number } | null> {
  return page.evaluate((t) => {
    const el = document.querySelector('[role="log"][aria-label="Messages"]');
    if (!el) return null;
    const frame = el.getBoundingClientRect();
    const a = Array.from(el.querySelectorAll('article')).find((x) => x.textContent?.includes(t));
    if (!a) return null;
    const r = a.getBoundingClientRect();
    return { top: r.top - frame.top, bottom: r.bottom - frame.top, height: frame.height };
  }, text);
}

async function inView(page: Page, text: string): Promise<boolean> {
  const p = await place(page, text);
  return p !== null && p.bottom > 0 && p.top < p.height;
}

describe('Parley Desktop: unread messages', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let bobHome: string;
  let alice: AppPage;

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    bobHome = world.account('Bob');
    const carolHome = world.account('Carol');
    const [, , , br] = await Promise.all([
      world.daemon(aliceHome),
      world.daemon(bobHome),
      world.daemon(carolHome),
      launchBrowser(),
    ]);
    browser = br;
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    const invite = world.run(carolHome, ['invite']).stdout.trim();
    expect(world.run(aliceHome, ['contacts', 'add', 'Carol', invite]).code).toBe(0);
    await world.rpc(bobHome, 'messages.sendMany', {
      contact: 'Alice',
      texts: Array.from({ length: READ_MESSAGES }, (_, i) => `Old line ${i + 1} of ${READ_MESSAGES}`),
    });
    await eventually(
      async () =>
        (await world.rpc<unknown[]>(aliceHome, 'messages.list', { contact: 'Bob', limit: 1000 })).length ===
        READ_MESSAGES,
    );
    await world.rpc(aliceHome, 'conversations.markRead', { contact: 'Bob' });
    await world.rpc(bobHome, 'messages.sendMany', {
      contact: 'Alice',
      texts: Array.from({ length: UNREAD_MESSAGES }, (_, i) => `New line ${i + 1} of ${UNREAD_MESSAGES}`),
    });
    await eventually(
      async () =>
        (await world.rpc<unknown[]>(aliceHome, 'messages.list', { contact: 'Bob', limit: 1000 })).length ===
        READ_MESSAGES + UNREAD_MESSAGES,
    );
    alice = await openApp(browser, aliceHome);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('opens a chat at its first unread message, under an "N unread messages" divider', async () => {
    const { page } = alice;
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe(`(${UNREAD_MESSAGES}) Parley`);
    await chat(page, 'Bob').click();
    const divider = log(page).getByRole('separator', { name: `${UNREAD_MESSAGES} unread messages` });
    await divider.waitFor({ timeout: UI_TIMEOUT_MS });
    await page.waitForTimeout(500); // heights settle
    const frame = await log(page).boundingBox();
    const line = await divider.boundingBox();
    const top = (line?.y ?? 0) - (frame?.y ?? 0);
    expect(top, 'divider near the top of the view').toBeGreaterThanOrEqual(0);
    expect(top).toBeLessThan((frame?.height ?? 0) / 4);
    const first = await place(page, `New line 1 of ${UNREAD_MESSAGES}`);
    expect(first?.top ?? -1, 'first unread below the divider').toBeGreaterThanOrEqual(top);
    expect(await inView(page, `New line 1 of ${UNREAD_MESSAGES}`)).toBe(true);
    expect(await inView(page, `New line ${UNREAD_MESSAGES} of ${UNREAD_MESSAGES}`)).toBe(false);

    // Opened, not seen: still unread.
    await page.waitForTimeout(1_000);
    expect(await page.title()).toBe(`(${UNREAD_MESSAGES}) Parley`);

    // Seen once scrolled to the latest; the divider stays while the chat is open.
    await page.mouse.move(600, 300);
    for (let i = 0; i < 12; i++) await page.mouse.wheel(0, 800);
    await expect
      .poll(() => inView(page, `New line ${UNREAD_MESSAGES} of ${UNREAD_MESSAGES}`), { timeout: 5_000 })
      .toBe(true);
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe('Parley');
    // (The list is windowed: the divider is rendered again once scrolled back to.)
    for (let i = 0; i < 10 && (await divider.count()) === 0; i++) await page.mouse.wheel(0, -500);
    await divider.waitFor({ timeout: 5_000 });

    // Leaving and coming back: no divider, opened at the bottom.
    await chat(page, 'Carol').click();
    await page.getByRole('heading', { name: 'Carol', level: 2 }).waitFor();
    await chat(page, 'Bob').click();
    await log(page).getByText(`New line ${UNREAD_MESSAGES} of ${UNREAD_MESSAGES}`).waitFor();
    await page.waitForTimeout(300);
    expect(await inView(page, `New line ${UNREAD_MESSAGES} of ${UNREAD_MESSAGES}`)).toBe(true);
    expect(
      await log(page)
        .getByRole('separator', { name: /unread messages/ })
        .count(),
    ).toBe(0);
  });

  it('shows "Jump to latest" when scrolled up, counts new messages instead of moving, and jumps', async () => {
    const { page } = alice;
    await chat(page, 'Bob').click();
    await log(page).getByText(`New line ${UNREAD_MESSAGES} of ${UNREAD_MESSAGES}`).waitFor();
    expect(await jumpButton(page).count()).toBe(0);
    // Up by several screens, as a user does with the wheel.
    await page.mouse.move(600, 300);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -800);
    await jumpButton(page).waitFor({ timeout: 5_000 });
    expect(await jumpButton(page).getAttribute('aria-label')).toBe('Jump to latest');
    // Above the composer, inside the window.
    const button = await jumpButton(page).boundingBox();
    const composer = await page.getByRole('textbox', { name: 'Message' }).boundingBox();
    expect((button?.y ?? 0) + (button?.height ?? 0)).toBeLessThanOrEqual(composer?.y ?? 0);

    const before = await log(page).evaluate((el) => el.scrollTop);
    await world.rpc(bobHome, 'messages.sendMany', {
      contact: 'Alice',
      texts: ['Fresh one', 'Fresh two', 'Fresh three'],
    });
    await expect
      .poll(() => jumpButton(page).getAttribute('aria-label'), { timeout: UI_TIMEOUT_MS })
      .toBe('Jump to latest, 3 new');
    await page.getByText('3 new').waitFor();
    expect(Math.abs((await log(page).evaluate((el) => el.scrollTop)) - before)).toBeLessThan(2);
    expect(await inView(page, 'Fresh three')).toBe(false);

    await jumpButton(page).click();
    await expect.poll(() => inView(page, 'Fresh three'), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => jumpButton(page).count(), { timeout: 5_000 }).toBe(0);
  });

  it('opens a group at its first unread message too, and marks it read at the bottom', async () => {
    const { page } = alice;
    await world.rpc(aliceHome, 'groups.create', { name: 'Crew', members: ['Bob'] });
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; status: string }>>(bobHome, 'groups.list')).some(
        (g) => g.name === 'Crew' && g.status === 'invited',
      ),
    );
    await world.rpc(bobHome, 'groups.accept', { group: 'Crew' });
    await world.rpc(bobHome, 'messages.sendMany', {
      contact: 'Crew',
      texts: Array.from({ length: UNREAD_MESSAGES }, (_, i) => `Crew line ${i + 1}`),
    });
    await chat(page, 'Crew').getByText(`Crew line ${UNREAD_MESSAGES}`).waitFor({ timeout: UI_TIMEOUT_MS });
    await chat(page, 'Crew').click();
    const divider = log(page).getByRole('separator', { name: `${UNREAD_MESSAGES} unread messages` });
    await divider.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await inView(page, 'Crew line 1')).toBe(true);
    expect(await inView(page, `Crew line ${UNREAD_MESSAGES}`)).toBe(false);
    await jumpButton(page).click();
    await expect.poll(() => inView(page, `Crew line ${UNREAD_MESSAGES}`), { timeout: 5_000 }).toBe(true);
    await expect
      .poll(
        async () =>
          (
            await world.rpc<Array<{ direction: string; status: string }>>(aliceHome, 'messages.list', {
              contact: 'Crew',
            })
          ).filter((m) => m.direction === 'in' && m.status !== 'read').length,
        { timeout: UI_TIMEOUT_MS },
      )
      .toBe(0);
  });

  it.runIf(process.env.PARLEY_SCREENSHOTS)('screenshots a chat opened at its unread messages', async () => {
    const dir = process.env.PARLEY_SCREENSHOTS as string;
    // The other window shows Bob's latest messages: it would read the new ones at once.
    await alice.context.close();
    await world.rpc(bobHome, 'messages.sendMany', {
      contact: 'Alice',
      texts: Array.from({ length: 24 }, (_, i) => `Trail update ${i + 1}: the ridge loop is clear`),
    });
    const { page, context } = await openApp(browser, aliceHome, { viewport: { width: 400, height: 700 } });
    await chat(page, 'Bob').click({ timeout: UI_TIMEOUT_MS });
    await log(page).getByRole('separator', { name: '24 unread messages' }).waitFor();
    await jumpButton(page).waitFor();
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(dir, 'desktop-narrow-unread.png') });
    await context.close();
  });
});
