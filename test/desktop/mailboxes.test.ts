/**
 * Parley Desktop's Settings → Mailboxes (issue 17), in Chromium against a real daemon and a real
 * `parley mailbox run` node: a wrong link says why; the mailbox's link pairs; the mailbox is
 * listed, and removed again.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { type MailboxNode, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);

let browser: Browser;
let app: AppPage;
let home = '';
let mailbox: MailboxNode;

beforeAll(async () => {
  home = world.account('Alice');
  [, mailbox] = await Promise.all([world.daemon(home), world.mailbox()]);
  browser = await launchBrowser();
  app = await openApp(browser, home);
}, 90_000);
afterAll(async () => {
  await app?.context.close();
  await browser?.close();
  await world.cleanup();
});

describe('Settings → Mailboxes', () => {
  it('pairs with a pasted link, lists the mailbox, removes it', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Mailboxes' });
    await expect.poll(() => section.getByText('No mailboxes yet').count()).toBe(1);

    const input = section.getByLabel('Pair with a mailbox');
    await input.fill('parley://invite/not-a-mailbox');
    await section.getByRole('button', { name: 'Pair' }).click();
    await expect.poll(() => section.getByRole('alert').textContent()).toMatch(/not a mailbox link/);

    await input.fill(mailbox.link);
    await section.getByRole('button', { name: 'Pair' }).click();
    const item = section.getByRole('listitem');
    await expect.poll(() => item.count(), { timeout: 15_000 }).toBe(1);
    expect(await item.textContent()).toContain(mailbox.peerId.slice(-6));
    expect(await input.inputValue()).toBe(''); // the secret does not stay in the field
    // PARLEY_SCREENSHOT_DIR=docs/screenshots renders the README's picture of this dialog.
    const dir = process.env.PARLEY_SCREENSHOT_DIR;
    if (dir) await page.getByRole('dialog').screenshot({ path: `${dir}/desktop-mailboxes.png` });

    await section.getByRole('button', { name: `Remove mailbox ${mailbox.peerId.slice(-6)}` }).click();
    await expect.poll(() => section.getByText('No mailboxes yet').count(), { timeout: 15_000 }).toBe(1);
    expect(app.errors).toEqual([]);
  }, 90_000);
});
