/**
 * Message info with per-recipient times in Parley Desktop (issue 20), with three real daemons: for
 * Ann's message to Ben, Info shows when it was delivered and when Ben read it; in the group "Trio",
 * each member's line says when it reached them and when they read it, and changes while Info is
 * open when Cleo reads it. axe-core finds no serious or critical violation in the dialog.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe } from '../support/axe.ts';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;
/** A date and time as Intl formats one ("6 Dec 2026, 20:41:07"): a digit, then a time. */
const TIME = /\d.*\d{1,2}:\d{2}/;

const log = (page: Page) => page.getByRole('log', { name: 'Messages' });
const message = (page: Page, text: string) => log(page).getByRole('article').filter({ hasText: text });
const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(() => box.inputValue()).toBe('');
}

async function openInfo(page: Page, text: string): Promise<Locator> {
  await message(page, text).locator('.message-text').click({ button: 'right' });
  await page.getByRole('menu', { name: 'Message actions' }).getByRole('menuitem', { name: 'Info' }).click();
  const info = page.getByRole('dialog', { name: 'Message info' });
  await info.waitFor();
  return info;
}

/** The value of the row `term` in the Info dialog's list, once it shows. */
async function row(info: Locator, term: string): Promise<string> {
  await info
    .getByRole('term')
    .filter({ hasText: new RegExp(`^${term}$`) })
    .waitFor({ timeout: UI_TIMEOUT_MS });
  const terms = await info.getByRole('term').allTextContents();
  const values = await info.getByRole('definition').allTextContents();
  return values[terms.indexOf(term)] ?? '';
}

describe('Parley Desktop: message info with times', { timeout: 180_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  const homes = { ann: '', ben: '', cleo: '' };
  let ann: AppPage;

  beforeAll(async () => {
    homes.ann = world.account('Ann');
    homes.ben = world.account('Ben');
    homes.cleo = world.account('Cleo');
    [, , , browser] = await Promise.all([
      world.daemon(homes.ann),
      world.daemon(homes.ben),
      world.daemon(homes.cleo),
      launchBrowser(),
    ]);
    await world.befriend(homes.ann, 'Ann', homes.ben, 'Ben');
    const invite = world.run(homes.cleo, ['invite']).stdout.trim();
    expect(world.run(homes.ann, ['contacts', 'add', 'Cleo', invite]).code).toBe(0);
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; state: string }>>(homes.cleo, 'contacts.list')).some(
        (c) => c.name === 'Ann' && c.state === 'active',
      ),
    );
    ann = await openApp(browser, homes.ann);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('shows when the contact got the message and when they read it', async () => {
    await chat(ann.page, 'Ben').click({ timeout: UI_TIMEOUT_MS });
    await send(ann.page, 'Dinner at eight?');
    await message(ann.page, 'Dinner at eight?')
      .getByRole('img', { name: 'Delivered' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    let info = await openInfo(ann.page, 'Dinner at eight?');
    expect(await row(info, 'Delivered')).toMatch(TIME);
    expect(
      await info
        .getByRole('term')
        .filter({ hasText: /^Read$/ })
        .count(),
    ).toBe(0);
    await info.getByRole('button', { name: 'Close' }).click();

    await world.rpc(homes.ben, 'conversations.markRead', { contact: 'Ann' });
    await message(ann.page, 'Dinner at eight?')
      .getByRole('img', { name: 'Read' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    info = await openInfo(ann.page, 'Dinner at eight?');
    expect(await row(info, 'Read')).toMatch(TIME);
    expect(await row(info, 'Delivered')).toMatch(TIME);
    expect(await axe(ann.page)).toEqual([]);
    await info.getByRole('button', { name: 'Close' }).click();
  });

  it("shows each group member's times, and they change while Info is open", async () => {
    await world.rpc(homes.ann, 'groups.create', { name: 'Trio', members: ['Ben', 'Cleo'] });
    for (const home of [homes.ben, homes.cleo]) {
      await eventually(async () =>
        (await world.rpc<Array<{ name: string; status: string }>>(home, 'groups.list')).some(
          (g) => g.name === 'Trio' && g.status === 'invited',
        ),
      );
      await world.rpc(home, 'groups.accept', { group: 'Trio' });
    }
    await chat(ann.page, 'Trio').click({ timeout: UI_TIMEOUT_MS });
    await eventually(async () => {
      const g = await world.rpc<{ members: Array<{ keyReceived: boolean; keySent: boolean }> }>(
        homes.ann,
        'groups.get',
        { name: 'Trio' },
      );
      return g.members.every((m) => m.keyReceived && m.keySent);
    }, 60_000);
    await send(ann.page, 'Who brings the cake?');
    await message(ann.page, 'Who brings the cake?')
      .getByRole('img', { name: 'Delivered' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await world.rpc(homes.ben, 'conversations.markRead', { contact: 'Trio' });

    const info = await openInfo(ann.page, 'Who brings the cake?');
    const members = info.getByRole('list');
    const line = (name: string) => members.getByRole('listitem').filter({ hasText: name });
    await expect
      .poll(() => line('Ben').textContent(), { timeout: UI_TIMEOUT_MS })
      .toMatch(/Read .*\d.* · delivered .*\d/);
    expect(await line('Cleo').textContent()).toMatch(/Delivered .*\d/);
    expect(await row(info, 'Status')).toBe('Read by 1 of 2 · delivered to 2 of 2');
    expect(await axe(ann.page)).toEqual([]);

    await world.rpc(homes.cleo, 'conversations.markRead', { contact: 'Trio' });
    await expect
      .poll(() => line('Cleo').textContent(), { timeout: UI_TIMEOUT_MS })
      .toMatch(/Read .*\d.* · delivered .*\d/);
    await info.getByRole('button', { name: 'Close' }).click();
  });
});
