/**
 * "Delete for me" in Parley Desktop (issue 20), with two real daemons: from a message's menu, after
 * a confirm dialog (axe-clean), a message of theirs and one of ours leave Ann's window in a 1:1
 * conversation, and a photo of Ben's leaves the group "Hikers" with its encrypted bytes; Ben keeps
 * all of them. After a restart of Ann's daemon none comes back.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe } from '../support/axe.ts';
import { type AppPage, apiOf, launchBrowser, openApp } from '../support/browser.ts';
import { gradientPng } from '../support/media.ts';
import { type Daemon, eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

interface Listed {
  readonly id: string;
  readonly text: string;
  readonly attachment: { readonly name: string; readonly status: string } | null;
}

const log = (page: Page) => page.getByRole('log', { name: 'Messages' });
const message = (page: Page, text: string) => log(page).getByRole('article').filter({ hasText: text });
const menu = (page: Page) => page.getByRole('menu', { name: 'Message actions' });
const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });
/** The received files' encrypted copies in a daemon's data folder. */
const received = (home: string): string[] =>
  readdirSync(join(home, 'attachments')).filter((f) => f.startsWith('in-'));

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(() => box.inputValue()).toBe('');
}

/** Confirms "Delete for me" in its dialog, after checking the dialog with axe. */
async function confirmDeleteForMe(page: Page): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Delete for me?' });
  await dialog.waitFor();
  expect(await dialog.textContent()).toContain('from this computer only');
  expect(await axe(page)).toEqual([]);
  await dialog.getByRole('button', { name: 'Delete for me' }).click();
  await dialog.waitFor({ state: 'detached' });
}

describe('Parley Desktop: delete for me', { timeout: 180_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let annHome: string;
  let benHome: string;
  let annDaemon: Daemon;
  let ann: AppPage;

  beforeAll(async () => {
    annHome = world.account('Ann');
    benHome = world.account('Ben');
    [annDaemon, , browser] = await Promise.all([
      world.daemon(annHome),
      world.daemon(benHome),
      launchBrowser(),
    ]);
    await world.befriend(annHome, 'Ann', benHome, 'Ben');
    ann = await openApp(browser, annHome);
    await chat(ann.page, 'Ben').click({ timeout: UI_TIMEOUT_MS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('deletes their message and ours on this computer only, after asking', async () => {
    await world.rpc(benHome, 'messages.send', { contact: 'Ann', text: 'Their secret plan' });
    await message(ann.page, 'Their secret plan').waitFor({ timeout: UI_TIMEOUT_MS });
    await send(ann.page, 'My regrettable reply');
    await send(ann.page, 'Something to keep');

    // Theirs, from a right-click; Cancel first keeps it.
    await message(ann.page, 'Their secret plan').locator('.message-text').click({ button: 'right' });
    await menu(ann.page).getByRole('menuitem', { name: 'Delete for me' }).click();
    await ann.page
      .getByRole('dialog', { name: 'Delete for me?' })
      .getByRole('button', { name: 'Cancel' })
      .click();
    expect(await message(ann.page, 'Their secret plan').count()).toBe(1);
    await message(ann.page, 'Their secret plan').locator('.message-text').click({ button: 'right' });
    await menu(ann.page).getByRole('menuitem', { name: 'Delete for me' }).click();
    await confirmDeleteForMe(ann.page);
    await expect.poll(() => message(ann.page, 'Their secret plan').count()).toBe(0);

    // Ours, from the ⋯ button with the keyboard: Delete for everyone is offered too.
    const more = message(ann.page, 'My regrettable reply').getByRole('button', { name: 'More actions' });
    await more.focus();
    await ann.page.keyboard.press('Enter');
    await menu(ann.page).getByRole('menuitem', { name: 'Delete for everyone' }).waitFor();
    await menu(ann.page).getByRole('menuitem', { name: 'Delete for me' }).click();
    await confirmDeleteForMe(ann.page);
    await expect.poll(() => message(ann.page, 'My regrettable reply').count()).toBe(0);
    await message(ann.page, 'Something to keep').waitFor();
    expect(await log(ann.page).getByText('This message was deleted').count()).toBe(0);

    // Ben still has both.
    const bens = await world.rpc<Listed[]>(benHome, 'messages.list', { contact: 'Ann' });
    expect(bens.map((m) => m.text)).toEqual(
      expect.arrayContaining(['Their secret plan', 'My regrettable reply', 'Something to keep']),
    );
  });

  it('deletes a photo of theirs in a group with its file', async () => {
    await world.rpc(annHome, 'groups.create', { name: 'Hikers', members: ['Ben'] });
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; status: string }>>(benHome, 'groups.list')).some(
        (g) => g.name === 'Hikers' && g.status === 'invited',
      ),
    );
    await world.rpc(benHome, 'groups.accept', { group: 'Hikers' });
    await chat(ann.page, 'Hikers').click({ timeout: UI_TIMEOUT_MS });
    const before = received(annHome).length;
    const { port, token } = apiOf(benHome);
    await eventually(async () => {
      const res = await fetch(
        `http://127.0.0.1:${port}/upload?${new URLSearchParams({ contact: 'Hikers', name: 'ridge.png', mime: 'image/png' })}`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: new Uint8Array(gradientPng(80, 60)),
        },
      );
      return res.status === 200;
    }, UI_TIMEOUT_MS);
    await eventually(async () => {
      const list = await world.rpc<Listed[]>(annHome, 'messages.list', { contact: 'Hikers' });
      return list.some((m) => m.attachment?.name === 'ridge.png' && m.attachment.status === 'done');
    }, UI_TIMEOUT_MS);
    expect(received(annHome).length).toBe(before + 1);

    const photo = log(ann.page).getByRole('button', { name: 'Open ridge.png' });
    await photo.waitFor({ timeout: UI_TIMEOUT_MS });
    await photo.click({ button: 'right' });
    const items = await menu(ann.page)
      .getByRole('menuitem')
      .evaluateAll((els) => els.map((e) => e.textContent?.trim()));
    expect(items).toContain('Delete for me');
    expect(items).not.toContain('Delete for everyone'); // not Ann's
    await menu(ann.page).getByRole('menuitem', { name: 'Delete for me' }).click();
    await confirmDeleteForMe(ann.page);
    await expect.poll(() => log(ann.page).getByRole('button', { name: 'Open ridge.png' }).count()).toBe(0);
    await expect.poll(() => received(annHome).length).toBe(before);
    const bens = await world.rpc<Listed[]>(benHome, 'messages.list', { contact: 'Hikers' });
    expect(bens.some((m) => m.attachment?.name === 'ridge.png')).toBe(true);
  });

  it('does not bring them back after a restart', async () => {
    await world.stop(annDaemon);
    annDaemon = await world.daemon(annHome);
    await ann.context.close();
    ann = await openApp(browser, annHome);
    await chat(ann.page, 'Ben').click({ timeout: UI_TIMEOUT_MS });
    await message(ann.page, 'Something to keep').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await message(ann.page, 'Their secret plan').count()).toBe(0);
    expect(await message(ann.page, 'My regrettable reply').count()).toBe(0);
    const texts = (await world.rpc<Listed[]>(annHome, 'messages.list', { contact: 'Ben' })).map(
      (m) => m.text,
    );
    expect(texts).not.toContain('Their secret plan');
    expect(texts).not.toContain('My regrettable reply');
    const group = await world.rpc<Listed[]>(annHome, 'messages.list', { contact: 'Hikers' });
    expect(group.some((m) => m.attachment?.name === 'ridge.png')).toBe(false);
  });
});
