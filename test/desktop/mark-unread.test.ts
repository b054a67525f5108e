/**
 * "Mark as unread" in Parley Desktop (issue 20), with two real daemons: a chat's menu (right-click,
 * or Shift+F10 on the focused chat) marks a read chat unread; the list shows a dot, the window
 * title counts it, the daemon keeps it across a reload; opening the chat, or "Mark as read" from the
 * same menu, clears it. Works for a group as for a contact; the menu is axe-clean.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe } from '../support/axe.ts';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });
const menu = (page: Page, name: string) => page.getByRole('menu', { name: `Actions for ${name}` });
const dot = (page: Page, name: string) => chat(page, name).locator('.unread.marked');

async function open(page: Page, name: string): Promise<void> {
  await chat(page, name).click();
  await page.getByRole('heading', { name, level: 2 }).waitFor();
}

describe('Parley Desktop: mark as unread', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let alice: AppPage;
  const marked = async (name: string): Promise<boolean | undefined> =>
    (
      await world.rpc<Array<{ contact: { name: string }; markedUnread: boolean }>>(
        aliceHome,
        'conversations.list',
      )
    ).find((c) => c.contact.name === name)?.markedUnread;

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    const bobHome = world.account('Bob');
    [, , browser] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    await world.rpc(aliceHome, 'groups.create', { name: 'Hikers', members: ['Bob'] });
    await world.rpc(bobHome, 'messages.send', { contact: 'Alice', text: 'Lunch tomorrow?' });
    await eventually(
      async () => (await world.rpc<unknown[]>(aliceHome, 'messages.list', { contact: 'Bob' })).length === 1,
    );
    alice = await openApp(browser, aliceHome);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it("marks a read chat unread from its menu; the list's dot and the title count it", async () => {
    const { page } = alice;
    await open(page, 'Bob');
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe('Parley');

    await chat(page, 'Bob').click({ button: 'right' });
    await menu(page, 'Bob').waitFor();
    expect(await axe(page)).toEqual([]);
    await menu(page, 'Bob').getByRole('menuitem', { name: 'Mark as unread' }).click();

    await dot(page, 'Bob').waitFor({ timeout: UI_TIMEOUT_MS });
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe('(1) Parley');
    // Read to screen readers as its description.
    const described = (await chat(page, 'Bob').getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${described}"]`).textContent()).toContain('marked unread');
    expect(await marked('Bob')).toBe(true);
  });

  it('keeps the mark across a reload, and opening the chat clears it', async () => {
    const { page } = alice;
    await page.reload();
    await dot(page, 'Bob').waitFor({ timeout: UI_TIMEOUT_MS });
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe('(1) Parley');
    await open(page, 'Bob');
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe('Parley');
    await expect.poll(() => dot(page, 'Bob').count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
    expect(await marked('Bob')).toBe(false);
  });

  it('is reached with the keyboard: Shift+F10 on a chat, then "Mark as read" undoes it', async () => {
    const { page } = alice;
    await chat(page, 'Hikers').focus();
    await page.keyboard.press('Shift+F10');
    const item = menu(page, 'Hikers').getByRole('menuitem', { name: 'Mark as unread' });
    await expect
      .poll(() => item.evaluate((el) => el === document.activeElement), { timeout: UI_TIMEOUT_MS })
      .toBe(true);
    await page.keyboard.press('Enter');
    await dot(page, 'Hikers').waitFor({ timeout: UI_TIMEOUT_MS });
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe('(1) Parley');
    await eventually(
      async () =>
        (await world.rpc<{ markedUnread: boolean }>(aliceHome, 'groups.get', { name: 'Hikers' }))
          .markedUnread,
    );
    // Escape closes the menu and gives the focus back to the chat.
    await chat(page, 'Hikers').focus();
    await page.keyboard.press('Shift+F10');
    await menu(page, 'Hikers').waitFor();
    // (the menu takes the focus in the frame after it is drawn; keys go to it from then on)
    await expect
      .poll(() => menu(page, 'Hikers').evaluate((el) => el.contains(document.activeElement)), {
        timeout: UI_TIMEOUT_MS,
      })
      .toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => menu(page, 'Hikers').count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
    await expect
      .poll(() => chat(page, 'Hikers').evaluate((el) => el === document.activeElement), {
        timeout: UI_TIMEOUT_MS,
      })
      .toBe(true);

    await page.keyboard.press('Shift+F10');
    // (the menu takes the focus once it is drawn: Enter before that would open the chat instead)
    const read = menu(page, 'Hikers').getByRole('menuitem', { name: 'Mark as read' });
    await expect
      .poll(() => read.evaluate((el) => el === document.activeElement), { timeout: UI_TIMEOUT_MS })
      .toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => dot(page, 'Hikers').count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
    await expect.poll(() => page.title(), { timeout: UI_TIMEOUT_MS }).toBe('Parley');
    expect(alice.errors).toEqual([]);
  });
});
