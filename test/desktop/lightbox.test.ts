/**
 * Photos open in the app, not in a new tab: clicking one shows it full size
 * in a modal viewer with who sent it, "2 of 3", ← and → through the
 * conversation's photos, a download button and Close; Escape closes it and
 * focus goes back to the photo that opened it. Two real daemons; the photos
 * come through the daemon's upload route.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, apiOf, launchBrowser, openApp } from '../support/browser.ts';
import { gradientPng, landscapePng } from '../support/media.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;
const PHOTOS = ['first.png', 'second.png', 'third.png'] as const;

const viewer = (page: Page) => page.getByRole('dialog', { name: /^Photo: / });

async function uploadPhoto(home: string, contact: string, name: string, body: Buffer): Promise<void> {
  const { port, token } = apiOf(home);
  const q = new URLSearchParams({ contact, name, mime: 'image/png', caption: `Caption of ${name}` });
  const res = await fetch(`http://127.0.0.1:${port}/upload?${q}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: new Uint8Array(body),
  });
  if (!res.ok) throw new Error(`upload failed: ${await res.text()}`);
}

describe('Parley Desktop: the photo viewer', { timeout: 90_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let alice: AppPage;

  beforeAll(async () => {
    const aliceHome = world.account('Alice');
    const bobHome = world.account('Bob');
    [, , browser] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    await uploadPhoto(bobHome, 'Alice', 'first.png', gradientPng(64, 48));
    await uploadPhoto(bobHome, 'Alice', 'second.png', landscapePng(240, 160));
    await uploadPhoto(bobHome, 'Alice', 'third.png', gradientPng(48, 64));
    alice = await openApp(browser, aliceHome);
    await alice.page.getByRole('button', { name: 'Bob' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('opens a photo in the app, not in a new tab', async () => {
    const { page, context } = alice;
    for (const name of PHOTOS)
      await page.getByRole('button', { name: `Open ${name}` }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole('button', { name: 'Open second.png' }).click();
    const dialog = page.getByRole('dialog', { name: 'Photo: second.png' });
    await dialog.waitFor();
    expect(context.pages()).toHaveLength(1);
    await dialog.getByText('2 of 3').waitFor();
    await dialog.getByText('Bob', { exact: true }).waitFor();
    await dialog.getByText('Caption of second.png').waitFor();
    const size = await dialog
      .getByRole('img', { name: 'Photo: second.png' })
      .evaluate(async (img: HTMLImageElement) => {
        await img.decode();
        return [img.naturalWidth, img.naturalHeight, img.getAttribute('src')?.startsWith('/attachments/')];
      });
    expect(size).toEqual([240, 160, true]);
  });

  it('goes through the photos with the arrow keys and buttons', async () => {
    const { page } = alice;
    await page.keyboard.press('ArrowRight');
    await page.getByRole('dialog', { name: 'Photo: third.png' }).getByText('3 of 3').waitFor();
    expect(await viewer(page).getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.keyboard.press('ArrowRight'); // the last one: stays
    await page.getByRole('dialog', { name: 'Photo: third.png' }).waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.getByRole('dialog', { name: 'Photo: second.png' }).waitFor();
    await viewer(page).getByRole('button', { name: 'Previous' }).click();
    await page.getByRole('dialog', { name: 'Photo: first.png' }).getByText('1 of 3').waitFor();
    expect(await viewer(page).getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
  });

  it('downloads the photo shown under its name', async () => {
    const { page } = alice;
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      viewer(page).getByRole('link', { name: 'Download first.png' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('first.png');
  });

  it('closes with Escape and gives focus back to the photo that opened it', async () => {
    const { page } = alice;
    await page.keyboard.press('Escape');
    await viewer(page).waitFor({ state: 'detached' });
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
      .toBe('Open second.png');
    // The close button works too.
    await page.getByRole('button', { name: 'Open third.png' }).click();
    await viewer(page).getByRole('button', { name: 'Close' }).click();
    await viewer(page).waitFor({ state: 'detached' });
  });

  it('logged no errors', () => {
    expect(alice.errors.filter((e) => !/favicon|WebSocket/.test(e))).toEqual([]);
  });
});
