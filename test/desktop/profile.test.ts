/**
 * Parley Desktop's profile (issue 20), in Chromium at 400 × 700 against a real daemon whose
 * account has a passphrase: unlock; Settings → Profile renames you (the sidebar follows) and, by
 * keyboard, changes the passphrase — a repeat that differs and a wrong current passphrase are
 * each shown under their own field and tied to it, and nothing changes; then a success message.
 * About Parley shows the daemon's version. The daemon is restarted: the old passphrase no longer
 * unlocks, the new one does, and the new name is still there. axe (light and dark) finds no
 * serious or critical problem on the screen.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe } from '../support/axe.ts';
import { launchBrowser, openApp } from '../support/browser.ts';
import { type Daemon, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;
const NARROW = { width: 400, height: 700 } as const;
const OLD = 'an old passphrase of ours';
const NEW = 'a brand new passphrase';
const world = new ParleyWorld();
printLogsOnFailure(world);
let browser: Browser;
let home: string;
let daemon: Daemon;

beforeAll(async () => {
  home = world.home('profile');
  const init = world.run(home, ['init', '--name', 'Robin', '--passphrase-stdin'], { input: `${OLD}\n` });
  if (init.code !== 0) throw new Error(init.stderr);
  [daemon, browser] = await Promise.all([world.daemon(home, ['--allow-locked']), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await world.cleanup();
});

async function unlock(page: Page, passphrase: string): Promise<void> {
  await page.getByRole('heading', { name: 'Unlock Parley' }).waitFor({ timeout: UI_TIMEOUT_MS });
  await page.getByLabel('Passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Unlock' }).click();
}

/** The text of the element `field`'s aria-describedby names (or null). */
async function descriptionOf(page: Page, field: Locator): Promise<string | null> {
  const id = await field.getAttribute('aria-describedby');
  return id ? page.locator(`[id="${id}"]`).textContent() : null;
}

describe('Parley Desktop: your profile', { timeout: 180_000 }, () => {
  it('renames you and changes the passphrase by keyboard; the next start takes only the new one', async () => {
    const { page, context, errors } = await openApp(browser, home, { viewport: NARROW });
    await unlock(page, OLD);
    await page.getByRole('button', { name: 'Settings' }).click({ timeout: UI_TIMEOUT_MS });
    const profile = page.getByRole('region', { name: 'Profile' });
    const name = profile.getByRole('textbox', { name: 'Display name' });
    await expect.poll(() => name.inputValue(), { timeout: UI_TIMEOUT_MS }).toBe('Robin');

    // Rename: the field, Save, a message, and the sidebar follows.
    await name.fill('Robin Hood');
    await profile.getByRole('button', { name: 'Save name' }).click();
    await expect
      .poll(() => profile.getByRole('status').first().textContent(), { timeout: UI_TIMEOUT_MS })
      .toContain('Robin Hood');
    expect((await world.rpc<{ name: string }>(home, 'status')).name).toBe('Robin Hood');

    // About Parley: the daemon's version.
    const about = page.getByRole('region', { name: 'About Parley' });
    const { version } = await world.rpc<{ version: string }>(home, 'daemon.state');
    await expect.poll(() => about.textContent(), { timeout: UI_TIMEOUT_MS }).toContain(version);
    expect(await about.getByRole('link').count()).toBe(0);

    // Change the passphrase, keyboard only: Tab to the button, Enter; type; Enter submits.
    await profile.getByRole('button', { name: 'Change passphrase' }).focus();
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: 'Change passphrase' });
    const current = form.getByLabel('Current passphrase');
    const next = form.getByLabel('New passphrase', { exact: true });
    const repeat = form.getByLabel('Repeat the new passphrase');
    await current.waitFor();
    const vaultBefore = readFileSync(`${home}/account.vault`);
    await current.focus();
    await page.keyboard.type(OLD);
    await page.keyboard.press('Tab');
    await page.keyboard.type(NEW);
    await page.keyboard.press('Tab');
    await page.keyboard.type(`${NEW}!`);
    await page.keyboard.press('Enter');
    await expect.poll(() => repeat.getAttribute('aria-invalid'), { timeout: UI_TIMEOUT_MS }).toBe('true');
    expect(await descriptionOf(page, repeat)).toContain('differs');
    expect(await next.inputValue()).toBe(NEW); // Tab went from field to field
    expect(await repeat.evaluate((el) => el === document.activeElement)).toBe(true); // focus on the problem

    // A wrong current passphrase: refused by the daemon, shown under that field, nothing changed.
    await current.fill('not our passphrase');
    await repeat.fill(NEW);
    await form.getByRole('button', { name: 'Change passphrase' }).click();
    await expect.poll(() => current.getAttribute('aria-invalid'), { timeout: UI_TIMEOUT_MS }).toBe('true');
    expect(await descriptionOf(page, current)).toContain('not your current passphrase');
    expect(await repeat.getAttribute('aria-invalid')).toBeNull();
    expect(readFileSync(`${home}/account.vault`)).toEqual(vaultBefore);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await axe(page), `axe with an error shown, ${scheme}`).toEqual([]);
    }
    const dir = process.env.PARLEY_SCREENSHOT_DIR;
    if (dir) await page.getByRole('dialog').screenshot({ path: `${dir}/desktop-profile-error.png` });

    await current.fill(OLD);
    await current.press('Enter');
    await expect
      .poll(() => form.getByRole('status').textContent(), { timeout: UI_TIMEOUT_MS })
      .toContain('Passphrase changed');
    expect(await current.getAttribute('aria-invalid')).toBeNull();
    expect(readFileSync(`${home}/account.vault`)).not.toEqual(vaultBefore);

    // Focus is visible on the form's buttons.
    await form.getByRole('button', { name: 'Done' }).focus();
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    expect(outline).not.toBe('none');

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await axe(page), `axe, ${scheme}`).toEqual([]);
    }
    if (dir) await page.getByRole('dialog').screenshot({ path: `${dir}/desktop-profile.png` });
    expect(errors).toEqual([]);
    await context.close();

    // Restart: the old passphrase no longer unlocks, the new one does, the name stayed.
    await world.stop(daemon);
    daemon = await world.daemon(home, ['--allow-locked']);
    const again = await openApp(browser, home, { viewport: NARROW });
    await unlock(again.page, OLD);
    await expect
      .poll(() => again.page.getByRole('alert').textContent(), { timeout: UI_TIMEOUT_MS })
      .toMatch(/wrong passphrase/i);
    await again.page.getByLabel('Passphrase').fill(NEW);
    await again.page.getByRole('button', { name: 'Unlock' }).click();
    await again.page.getByRole('button', { name: 'Settings' }).click({ timeout: UI_TIMEOUT_MS });
    await expect
      .poll(() => again.page.getByRole('textbox', { name: 'Display name' }).inputValue(), {
        timeout: UI_TIMEOUT_MS,
      })
      .toBe('Robin Hood');
    await again.context.close();
  });
});
