/**
 * The emoji picker's search and recents in Parley Desktop (issue 20), with two real daemons: the
 * search field has the focus when the picker opens; typing a name or keyword ("laugh", "tada")
 * filters the emoji, Enter picks the first, ↓ moves to them; nothing found says so. The emoji
 * picked show first under "Recent", newest first, at most 24, and stay after a reload. axe-core
 * finds no serious or critical violation with the picker open.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe } from '../support/axe.ts';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const picker = (page: Page) => page.getByRole('dialog', { name: 'Emoji' });
const box = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const section = (page: Page, name: string) => picker(page).getByRole('region', { name });
const emojiIn = (page: Page, name: string) =>
  section(page, name)
    .getByRole('button')
    .evaluateAll((els) => els.map((e) => e.textContent));
const focused = (page: Page) =>
  page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? null);

/** Opens the picker afresh (it stays open after a pick, with the focus back in the text box). */
async function openPicker(page: Page): Promise<void> {
  const toggle = page.getByRole('button', { name: 'Emoji', exact: true });
  if (await picker(page).isVisible()) {
    await picker(page).getByRole('searchbox', { name: 'Search emoji' }).press('Escape');
    await picker(page).waitFor({ state: 'detached' });
  }
  await toggle.click();
  await picker(page).waitFor();
}

describe('Parley Desktop: emoji search and recents', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let ann: AppPage;

  beforeAll(async () => {
    const annHome = world.account('Ann');
    const benHome = world.account('Ben');
    [, , browser] = await Promise.all([world.daemon(annHome), world.daemon(benHome), launchBrowser()]);
    await world.befriend(annHome, 'Ann', benHome, 'Ben');
    ann = await openApp(browser, annHome);
    await ann.page
      .getByRole('list', { name: 'Contacts' })
      .getByRole('button', { name: 'Ben', exact: true })
      .click({ timeout: UI_TIMEOUT_MS });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('searches by name and keyword, with the keyboard', async () => {
    const { page } = ann;
    await openPicker(page);
    expect(await focused(page)).toBe('Search emoji');
    expect(await section(page, 'Recent').count()).toBe(0);
    await page.keyboard.type('laugh');
    const laughs = await emojiIn(page, 'Results');
    expect(laughs).toEqual(expect.arrayContaining(['😂', '🤣']));
    expect(laughs).not.toContain('🎉');
    expect(await section(page, 'Smileys').count()).toBe(0);
    await picker(page).getByRole('searchbox', { name: 'Search emoji' }).fill('zzzz');
    await picker(page).getByRole('status').filter({ hasText: 'No emoji found' }).waitFor();

    // Enter picks the first match ("party" finds 🥳 first, then 🎉; "tada" only 🎉).
    await picker(page).getByRole('searchbox', { name: 'Search emoji' }).fill('tada');
    expect((await emojiIn(page, 'Results'))[0]).toBe('🎉');
    await page.keyboard.press('Enter');
    await expect.poll(() => box(page).inputValue()).toBe('🎉');

    // ↓ moves from the field to the results; Enter on one picks it.
    await openPicker(page);
    await page.keyboard.type('fire');
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toBe('🔥');
    await page.keyboard.press('Enter');
    await expect.poll(() => box(page).inputValue()).toBe('🎉🔥');
    await box(page).fill('');
  });

  it('shows the emoji picked last first, newest first, across a reload, axe-clean', async () => {
    const { page } = ann;
    await openPicker(page);
    expect(await emojiIn(page, 'Recent')).toEqual(['🔥', '🎉']);
    expect(await axe(page)).toEqual([]);
    await picker(page).getByRole('searchbox', { name: 'Search emoji' }).fill('thumbs up');
    expect(await axe(page)).toEqual([]);
    await section(page, 'Results').getByRole('button', { name: '👍' }).click();
    await page.reload();
    await page
      .getByRole('list', { name: 'Contacts' })
      .getByRole('button', { name: 'Ben', exact: true })
      .click({ timeout: UI_TIMEOUT_MS });
    await openPicker(page);
    expect(await emojiIn(page, 'Recent')).toEqual(['👍', '🔥', '🎉']);
  });

  it('keeps at most 24 recent emoji', async () => {
    const { page } = ann;
    await page.evaluate(() =>
      localStorage.setItem(
        'parley.emojiRecent',
        JSON.stringify([...'😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗😚😙😋😛😜🤪']),
      ),
    );
    await openPicker(page);
    await section(page, 'Hearts').getByRole('button', { name: '💜' }).click();
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('parley.emojiRecent') ?? '[]'));
    expect(stored).toHaveLength(24);
    expect(stored[0]).toBe('💜');
    expect(stored).not.toContain('🤪');
    expect(ann.errors).toEqual([]);
  });
});
