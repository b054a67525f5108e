/**
 * A message's menu in Parley Desktop, with two real daemons: right-click and
 * the ⋯ button open the same menu (role="menu"); it is keyboard-driven (↑/↓
 * wrap, Escape gives focus back to ⋯); Copy puts the text on the clipboard;
 * React opens the full emoji picker; Forward re-sends a text and a photo;
 * Edit and ↑ in the empty composer edit our last message; Info shows the
 * times and, in a group, "Read by 1 of 1"; Save downloads a photo; Delete for
 * everyone reaches the other side. Only what applies is offered: no Edit or
 * Delete for everyone on someone else's message (Delete for me: delete-for-me.test.ts).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, apiOf, launchBrowser, openApp } from '../support/browser.ts';
import { gradientPng } from '../support/media.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const log = (page: Page) => page.getByRole('log', { name: 'Messages' });
const message = (page: Page, text: string) => log(page).getByRole('article').filter({ hasText: text });
const menu = (page: Page) => page.getByRole('menu', { name: 'Message actions' });
const items = (page: Page) =>
  menu(page)
    .getByRole('menuitem')
    .evaluateAll((els) => els.map((e) => e.textContent?.trim()));
const focused = (page: Page) =>
  page.evaluate(
    () => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent,
  );

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(() => box.inputValue()).toBe('');
}

describe('Parley Desktop: the message menu', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let bobHome: string;
  let alice: AppPage;
  let bob: AppPage;

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    bobHome = world.account('Bob');
    [, , browser] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    alice = await openApp(browser, aliceHome);
    bob = await openApp(browser, bobHome);
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await bob.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await alice.page.getByRole('button', { name: 'Bob' }).click();
    await bob.page.getByRole('button', { name: 'Alice' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('opens on right-click with what applies to their message, and Escape gives focus back', async () => {
    await send(alice.page, 'Pick me up at six');
    const theirs = message(bob.page, 'Pick me up at six');
    await theirs.waitFor({ timeout: UI_TIMEOUT_MS });
    await theirs.locator('.message-text').click({ button: 'right' });
    await menu(bob.page).waitFor();
    expect(await items(bob.page)).toEqual([
      'Reply',
      'React',
      'Copy text',
      'Forward',
      'Info',
      'Delete for me',
    ]);
    expect(await focused(bob.page)).toBe('Reply');
    await bob.page.keyboard.press('Escape');
    await menu(bob.page).waitFor({ state: 'detached' });
    expect(await focused(bob.page)).toBe('More actions');
  });

  it('opens from the ⋯ button with the keyboard: arrows move and wrap', async () => {
    const more = message(bob.page, 'Pick me up at six').getByRole('button', { name: 'More actions' });
    await more.focus();
    expect(await more.isVisible()).toBe(true); // shown on focus, not only on hover
    expect(await more.getAttribute('aria-haspopup')).toBe('menu');
    await bob.page.keyboard.press('Enter');
    await menu(bob.page).waitFor();
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    // The menu takes the focus once it has rendered: a key pressed before would go to the button.
    const focusIs = (name: string) =>
      expect.poll(() => focused(bob.page), { timeout: UI_TIMEOUT_MS }).toBe(name);
    await focusIs('Reply');
    await bob.page.keyboard.press('ArrowDown');
    await focusIs('React');
    await bob.page.keyboard.press('ArrowUp');
    await focusIs('Reply');
    await bob.page.keyboard.press('ArrowUp');
    await focusIs('Delete for me');
    await bob.page.keyboard.press('ArrowDown');
    await focusIs('Reply');
    // Copy text, by keyboard: the text is on the clipboard.
    await bob.page.keyboard.press('c');
    await focusIs('Copy text');
    await bob.page.keyboard.press('Enter');
    await menu(bob.page).waitFor({ state: 'detached' });
    await expect
      .poll(() => bob.page.evaluate(() => navigator.clipboard.readText()))
      .toBe('Pick me up at six');
  });

  it('reacts with any emoji from the full picker', async () => {
    const theirs = message(bob.page, 'Pick me up at six');
    await theirs.locator('.message-text').click({ button: 'right' });
    await menu(bob.page).getByRole('menuitem', { name: 'React' }).click();
    await bob.page.getByRole('dialog', { name: 'Emoji' }).getByRole('button', { name: '🤩' }).click();
    await message(alice.page, 'Pick me up at six')
      .getByRole('list', { name: 'Reactions' })
      .getByText('🤩 from Bob')
      .waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('forwards a text and a photo', async () => {
    await message(bob.page, 'Pick me up at six').locator('.message-text').click({ button: 'right' });
    await menu(bob.page).getByRole('menuitem', { name: 'Forward' }).click();
    const dialog = bob.page.getByRole('dialog', { name: 'Forward message' });
    await dialog.getByRole('button', { name: /^Alice/ }).click();
    await dialog.getByText('Sent', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    await dialog.getByRole('button', { name: 'Done' }).click();
    // Alice now has it twice: hers, and Bob's forwarded copy.
    await expect
      .poll(() => message(alice.page, 'Pick me up at six').count(), { timeout: UI_TIMEOUT_MS })
      .toBe(2);

    // A photo from Alice (through the daemon's upload route), forwarded back by Bob.
    const { port, token } = apiOf(aliceHome);
    const res = await fetch(
      `http://127.0.0.1:${port}/upload?${new URLSearchParams({ contact: 'Bob', name: 'dunes.png', mime: 'image/png' })}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: new Uint8Array(gradientPng(80, 60)),
      },
    );
    expect(res.status).toBe(200);
    const photo = log(bob.page).getByRole('button', { name: 'Open dunes.png' });
    await photo.waitFor({ timeout: UI_TIMEOUT_MS });
    await photo.click({ button: 'right' });
    expect(await items(bob.page)).toEqual(['Reply', 'React', 'Forward', 'Save', 'Info', 'Delete for me']);
    await menu(bob.page).getByRole('menuitem', { name: 'Forward' }).click();
    await dialog.getByRole('button', { name: /^Alice/ }).click();
    await dialog.getByText('Sent', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    await dialog.getByRole('button', { name: 'Done' }).click();
    await eventually(async () => {
      const list = await world.rpc<
        Array<{ direction: string; attachment: { name: string; status: string } | null }>
      >(aliceHome, 'messages.list', { contact: 'Bob' });
      return list.some((m) => m.direction === 'in' && m.attachment?.name === 'dunes.png');
    }, UI_TIMEOUT_MS);
  });

  it('saves a photo under its name', async () => {
    await log(bob.page).getByRole('button', { name: 'Open dunes.png' }).first().click({ button: 'right' });
    const [download] = await Promise.all([
      bob.page.waitForEvent('download'),
      menu(bob.page).getByRole('menuitem', { name: 'Save' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('dunes.png');
  });

  it('edits from the menu and with ↑ in the empty composer', async () => {
    const mine = message(alice.page, 'Pick me up at six').first();
    await mine.locator('.message-text').click({ button: 'right' });
    expect(await items(alice.page)).toEqual([
      'Reply',
      'React',
      'Copy text',
      'Forward',
      'Edit',
      'Info',
      'Delete for me',
      'Delete for everyone',
    ]);
    await menu(alice.page).getByRole('menuitem', { name: 'Edit' }).click();
    const box = alice.page.getByRole('textbox', { name: 'Message' });
    expect(await box.inputValue()).toBe('Pick me up at six');
    await expect.poll(() => focused(alice.page)).toBe('Message');
    await box.fill('Pick me up at seven');
    await box.press('Enter');
    await message(bob.page, 'Pick me up at seven').getByText('edited').waitFor({ timeout: UI_TIMEOUT_MS });

    await send(alice.page, 'Last one, with a tpyo');
    await box.press('ArrowUp');
    expect(await box.inputValue()).toBe('Last one, with a tpyo');
    await alice.page.getByText('Editing message').waitFor();
    await box.fill('Last one, fixed');
    await box.press('Enter');
    await message(bob.page, 'Last one, fixed').getByText('edited').waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('shows when a message was sent and whether it was delivered', async () => {
    const mine = message(alice.page, 'Last one, fixed');
    await mine.getByRole('img', { name: /^(Delivered|Read)$/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await mine.locator('.message-text').click({ button: 'right' });
    await menu(alice.page).getByRole('menuitem', { name: 'Info' }).click();
    const info = alice.page.getByRole('dialog', { name: 'Message info' });
    await info.getByRole('term').filter({ hasText: 'Sent' }).waitFor();
    // the delivery time comes with the message's details (message-info.test.ts)
    await info.getByRole('term').filter({ hasText: 'Delivered' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const values = await info.getByRole('definition').allTextContents();
    expect(values.slice(0, 4)).toEqual([
      'You',
      expect.stringMatching(/\d/),
      expect.stringMatching(/^(Delivered|Read)$/),
      expect.stringMatching(/\d/),
    ]);
    expect(values.at(-1)).toBe('Yes');
    await info.getByRole('button', { name: 'Close' }).click();
  });

  it('deletes for everyone from the menu', async () => {
    await message(alice.page, 'Last one, fixed').locator('.message-text').click({ button: 'right' });
    await menu(alice.page).getByRole('menuitem', { name: 'Delete for everyone' }).click();
    await alice.page
      .getByRole('dialog', { name: 'Delete for everyone?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await log(bob.page).getByText('This message was deleted').waitFor({ timeout: UI_TIMEOUT_MS });
    await expect.poll(() => log(bob.page).getByText('Last one, fixed').count()).toBe(0);
  });

  it('says in words who read a group message', async () => {
    await world.rpc(aliceHome, 'groups.create', { name: 'Ride home', members: ['Bob'] });
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; status: string }>>(bobHome, 'groups.list')).some(
        (g) => g.name === 'Ride home' && g.status === 'invited',
      ),
    );
    await world.rpc(bobHome, 'groups.accept', { group: 'Ride home' });
    await alice.page.getByRole('button', { name: /^Ride home/ }).click();
    await send(alice.page, 'Who is in?');
    await bob.page.getByRole('button', { name: /^Ride home/ }).click();
    await message(bob.page, 'Who is in?').waitFor({ timeout: UI_TIMEOUT_MS });
    const mine = message(alice.page, 'Who is in?');
    await expect
      .poll(
        async () => {
          await mine.locator('.message-text').click({ button: 'right' });
          await menu(alice.page).getByRole('menuitem', { name: 'Info' }).click();
          const info = alice.page.getByRole('dialog', { name: 'Message info' });
          const text = await info.textContent();
          await info.getByRole('button', { name: 'Close' }).click();
          return text;
        },
        { timeout: UI_TIMEOUT_MS, interval: 1_000 },
      )
      .toContain('Read by 1 of 1 · delivered to 1 of 1');
  });

  it('logged no errors in either window', () => {
    const ignorable = (e: string) => /favicon|ERR_CONNECTION_REFUSED|WebSocket/.test(e);
    expect(alice.errors.filter((e) => !ignorable(e))).toEqual([]);
    expect(bob.errors.filter((e) => !ignorable(e))).toEqual([]);
  });
});
