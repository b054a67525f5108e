/**
 * Parley Desktop's devices (issue 19), in Chromium against real daemons: Settings → Your devices
 * lists this device and makes a one-time link (a QR of ≥ 4 px per module, the text, the time
 * left, what to do); onboarding's "This is a new device of mine" refuses a damaged link next to
 * its field, then links a fresh daemon with a real link, which shows the existing conversation
 * and its history's progress; the contact sees a notice, kept as a note in their conversation;
 * removing the device asks first, then
 * the list has one device again and the contact is told.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 30_000;
/** Long enough that the history needs two batches (~768 KiB each): the banner has a count to show. */
const LONG_TEXT_CHARS = 30_000;
const LONG_MESSAGES = 30;

const world = new ParleyWorld();
printLogsOnFailure(world);

let browser: Browser;
let aliceHome: string;
let bobHome: string;
let tabletHome: string;
let alice: AppPage;
let bob: AppPage;

const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });

beforeAll(async () => {
  aliceHome = world.account('Alice');
  bobHome = world.account('Bob');
  tabletHome = world.home('tablet');
  const [, , , br] = await Promise.all([
    world.daemon(aliceHome),
    world.daemon(bobHome),
    world.daemon(tabletHome, ['--allow-locked']),
    launchBrowser(),
  ]);
  browser = br;
  await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
  for (let i = 0; i < LONG_MESSAGES; i++)
    await world.rpc(aliceHome, 'messages.send', {
      contact: 'Bob',
      text: `${i} ${'long history '.repeat(LONG_TEXT_CHARS / 13)}`,
    });
  await world.rpc(bobHome, 'messages.send', { contact: 'Alice', text: 'Hello from Bob before the tablet' });
  await eventually(
    async () =>
      (await world.rpc<Array<{ text: string }>>(aliceHome, 'messages.list', { contact: 'Bob', limit: 1 }))
        .at(-1)
        ?.text.startsWith('Hello from Bob') === true,
  );
  [alice, bob] = await Promise.all([openApp(browser, aliceHome), openApp(browser, bobHome)]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await world.cleanup();
});

describe('Parley Desktop: your devices', { timeout: 120_000 }, () => {
  it('Settings → Your devices lists this device and links a new one by QR and text, keyboard only', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Your devices' });
    const items = section.getByRole('list', { name: 'Devices' }).getByRole('listitem');
    await expect.poll(() => items.count(), { timeout: UI_TIMEOUT_MS }).toBe(1);
    expect(await items.first().textContent()).toContain('This device');
    expect(await section.getByRole('button', { name: /^Remove/ }).count()).toBe(0); // not this device

    // Keyboard: focus the button and press Enter (no mouse).
    await section.getByRole('button', { name: 'Link a new device' }).focus();
    await page.keyboard.press('Enter');
    const qr = section.getByRole('img', { name: 'The link for your new device as a QR code' });
    await qr.waitFor();
    const modules = Number(await qr.getAttribute('data-modules'));
    const box = await qr.boundingBox();
    expect(modules).toBeGreaterThan(20);
    expect((box?.width ?? 0) / modules).toBeGreaterThanOrEqual(4);
    const link = await section.getByRole('textbox', { name: 'Link for your new device' }).inputValue();
    expect(link).toMatch(/^parley:\/\/device\//);
    const timer = section.getByRole('timer');
    expect(await timer.textContent()).toMatch(/for (10:0\d|9:[0-5]\d) more/);
    const text = (await section.textContent()) ?? '';
    expect(text).toContain('This is a new device of mine');
    expect(text).toContain('parley init --link -');
    // The countdown counts down.
    const before = await timer.textContent();
    await expect.poll(() => timer.textContent(), { timeout: 5_000 }).not.toBe(before);

    const dir = process.env.PARLEY_SCREENSHOT_DIR;
    if (dir) await page.getByRole('dialog').screenshot({ path: `${dir}/desktop-devices.png` });
    // (by keyboard too: focus needs no "stable" box, which a loaded machine's slow frames around
    // the ticking countdown could deny a click for its whole timeout)
    await section.getByRole('button', { name: 'Done' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    expect(alice.errors).toEqual([]);
  });

  it('onboarding links a fresh daemon: a damaged link is refused at its field, a real one brings the chats', async () => {
    const tablet = await openApp(browser, tabletHome);
    const { page } = tablet;
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByRole('button', { name: 'This is a new device of mine' }).click();
    await page.getByRole('heading', { name: 'Link this device' }).waitFor();
    const linkField = page.getByRole('textbox', { name: 'Link from your other device' });
    await linkField.fill('parley://device/AAAA-not-a-link');
    await page.getByRole('textbox', { name: 'This device’s name' }).fill('Tablet');
    await page.getByRole('radio', { name: /Without a passphrase/ }).check();
    await page.getByRole('button', { name: 'Link this device' }).click();
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent(), { timeout: UI_TIMEOUT_MS })
      .toMatch(/not a whole device link/);
    expect(await linkField.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await linkField.getAttribute('aria-describedby');
    expect(await alert.getAttribute('id')).toBe(describedBy);

    // Whatever the history banner shows while the chats load, from the first frame.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { historySeen: string[] }).historySeen = seen;
      new MutationObserver(() => {
        const t = document.querySelector('.history-banner')?.textContent;
        if (t && seen.at(-1) !== t) seen.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const { link } = await world.rpc<{ link: string }>(aliceHome, 'devices.link');
    await linkField.fill(link);
    await page.getByRole('button', { name: 'Link this device' }).click();
    await chat(page, 'Bob').waitFor({ timeout: UI_TIMEOUT_MS });
    await chat(page, 'Bob').click();
    await page
      .getByRole('log')
      .getByText('Hello from Bob before the tablet')
      .waitFor({ timeout: UI_TIMEOUT_MS });
    const seen = await page.evaluate(() => (window as unknown as { historySeen: string[] }).historySeen);
    expect(seen.join('\n')).toMatch(
      /Bringing your history from your other device… \d+ messages|Your history is here: \d+ messages/,
    );

    // Bob is told that Alice has a new device.
    await expect
      .poll(() => bob.page.getByRole('status').filter({ hasText: 'linked a new device' }).textContent(), {
        timeout: UI_TIMEOUT_MS,
      })
      .toContain('Alice linked a new device: “Tablet”');
    // …and their conversation keeps it, as Parley's note in the timeline (not a message).
    await chat(bob.page, 'Alice').click();
    // (it opens at the first unread message, far above: the note is the latest line)
    await bob.page.getByRole('button', { name: /^Jump to latest/ }).click({ timeout: UI_TIMEOUT_MS });
    await bob.page
      .getByRole('log', { name: 'Messages' })
      .locator('.history-note', { hasText: 'Alice linked a new device: “Tablet”' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    expect(tablet.errors).toEqual([]);
  });

  it('removes the other device after a confirmation; the list and the contact follow', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Your devices' });
    const items = section.getByRole('list', { name: 'Devices' }).getByRole('listitem');
    await expect.poll(() => items.count(), { timeout: UI_TIMEOUT_MS }).toBe(2);
    const remove = section.getByRole('button', { name: 'Remove Tablet' });
    await remove.click();
    const confirm = page.getByRole('dialog', { name: 'Remove Tablet?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await items.count()).toBe(2); // cancelled: nothing removed
    await remove.focus();
    await page.keyboard.press('Enter');
    await confirm.getByRole('button', { name: 'Remove device' }).click();
    await expect.poll(() => items.count(), { timeout: UI_TIMEOUT_MS }).toBe(1);
    const listed = await world.rpc<Array<{ name: string }>>(aliceHome, 'devices.list');
    expect(listed.map((d) => d.name)).not.toContain('Tablet');
    await expect
      .poll(() => bob.page.getByRole('status').filter({ hasText: 'removed a device' }).count(), {
        timeout: UI_TIMEOUT_MS,
      })
      .toBe(1);
    expect(alice.errors).toEqual([]);
  });
});
