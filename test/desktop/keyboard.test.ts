/**
 * Parley Desktop's keyboard (issue 20), in Chromium against real daemons: Ctrl+K jumps to a chat
 * by name, Alt+↑/↓ open the previous/next chat in the list's order, Ctrl+/ lists the shortcuts,
 * and the chat list is one Tab stop with the arrows moving inside it (roving focus).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);

let browser: Browser;
let app: AppPage;
const NAMES = ['Bob', 'Carol', 'Dave'];

const list = (page: Page) => page.getByRole('list', { name: 'Contacts' });
/** The chat list's names, top to bottom. */
const order = async (page: Page): Promise<string[]> =>
  list(page)
    .getByRole('button')
    .evaluateAll((els) => els.map((e) => e.querySelector('.conversation-name')?.textContent ?? ''));
const openChat = async (page: Page): Promise<string | null> =>
  list(page)
    .locator('[aria-current="true"] .conversation-name')
    .textContent({ timeout: 1_000 })
    .catch(() => null);
const optionNames = (page: Page): Promise<string[]> =>
  page
    .getByRole('dialog')
    .getByRole('option')
    .evaluateAll((els) => els.map((e) => e.querySelector('.jump-name')?.textContent ?? ''));
const focusedChat = (page: Page): Promise<string | null> =>
  page.evaluate(() =>
    document.activeElement?.closest('.conversation-list')
      ? (document.activeElement.querySelector('.conversation-name')?.textContent ?? null)
      : null,
  );

beforeAll(async () => {
  const alice = world.account('Alice');
  const others = NAMES.map((n) => world.account(n));
  [browser] = await Promise.all([
    launchBrowser(),
    world.daemon(alice),
    ...others.map((h) => world.daemon(h)),
  ]);
  for (const [i, home] of others.entries()) {
    const invite = world.run(home, ['invite']).stdout.trim();
    const add = world.run(alice, ['contacts', 'add', NAMES[i] ?? '', invite]);
    if (add.code !== 0) throw new Error(add.stderr);
  }
  await eventually(
    async () =>
      (await world.rpc<Array<{ state: string }>>(alice, 'contacts.list')).filter((c) => c.state === 'active')
        .length === NAMES.length,
    30_000,
  );
  app = await openApp(browser, alice);
  await eventually(async () => (await list(app.page).getByRole('button').count()) === NAMES.length, 20_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await world.cleanup();
});

describe('Parley Desktop: keyboard', { timeout: 60_000 }, () => {
  it('Ctrl+K jumps to a chat by part of its name', async () => {
    const { page } = app;
    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Jump to a chat' });
    await dialog.waitFor();
    const input = dialog.getByRole('combobox', { name: 'Chat name' });
    expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type('aro');
    expect(await optionNames(page)).toEqual(['Carol']);
    await page.keyboard.press('Enter');
    await expect.poll(() => openChat(page)).toBe('Carol');
    expect(await dialog.count()).toBe(0);
    await page.getByRole('heading', { name: 'Carol', level: 2 }).waitFor();

    // ↓ then Enter picks the second match.
    await page.keyboard.press('Control+k');
    await dialog.waitFor();
    await page.keyboard.type('a'); // Carol, Dave (contain "a"), in the list's order
    const options = await optionNames(page);
    expect(options.length).toBe(2);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => openChat(page)).toBe(options[1]);
  });

  it('Alt+↓ and Alt+↑ open the next and previous chat in the list', async () => {
    const { page } = app;
    const names = await order(page);
    await page.keyboard.press('Control+k');
    await page.keyboard.type(names[0] ?? '');
    await page.keyboard.press('Enter');
    await expect.poll(() => openChat(page)).toBe(names[0]);
    await page.keyboard.press('Alt+ArrowDown');
    await expect.poll(() => openChat(page)).toBe(names[1]);
    await page.keyboard.press('Alt+ArrowDown');
    await expect.poll(() => openChat(page)).toBe(names[2]);
    await page.keyboard.press('Alt+ArrowDown'); // the last stays
    await expect.poll(() => openChat(page)).toBe(names[2]);
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(() => openChat(page)).toBe(names[1]);
  });

  it('Ctrl+/ lists the shortcuts; Escape closes the list', async () => {
    const { page } = app;
    await page.keyboard.press('Control+/');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    for (const what of ['Jump to a chat by name', 'Previous chat', 'Next chat', 'Show these shortcuts'])
      expect(text).toContain(what);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it('the chat list is one Tab stop; the arrows, Home and End move inside it', async () => {
    const { page } = app;
    const names = await order(page);
    expect(await list(page).locator('[tabindex="0"]').count()).toBe(1);
    // Tab from the search field lands on the list once, then leaves it.
    await page.getByRole('searchbox', { name: 'Search' }).focus();
    await page.keyboard.press('Tab');
    const first = await focusedChat(page);
    expect(first).not.toBeNull();
    await page.keyboard.press('Tab');
    expect(await focusedChat(page)).toBeNull();
    await page.keyboard.press('Shift+Tab');
    expect(await focusedChat(page)).toBe(first);

    await page.keyboard.press('Home');
    expect(await focusedChat(page)).toBe(names[0]);
    await page.keyboard.press('ArrowDown');
    expect(await focusedChat(page)).toBe(names[1]);
    await page.keyboard.press('End');
    expect(await focusedChat(page)).toBe(names[2]);
    await page.keyboard.press('ArrowUp');
    expect(await focusedChat(page)).toBe(names[1]);
    // The Tab stop follows focus: leaving and coming back returns to the same chat.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await focusedChat(page)).toBe(names[1]);
    await page.keyboard.press('Enter');
    await expect.poll(() => openChat(page)).toBe(names[1]);
    expect(app.errors).toEqual([]);
  });
});
