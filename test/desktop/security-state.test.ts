/**
 * One security state per contact, the same everywhere: after a safety number
 * change the green "Verified" shield is gone (header and contact info) and a
 * "Safety number changed" mark stands in its place; "Compare numbers" is the
 * banner's primary action, "Accept new safety number" a secondary one; no
 * copy asks anyone to scan a code. Once accepted the contact is "Not
 * verified", and verifying shows the shield again. Two real daemons; the key
 * change is the API state that drives it (contact.identityChanged), as in
 * chat-flow.test.ts, since a real one needs the same peer on a new account.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const header = (page: Page) => page.getByRole('region', { name: 'Conversation with Bob' }).locator('header');
const pageText = (page: Page) => page.evaluate(() => document.body.textContent);

describe('Parley Desktop: a contact’s security state', { timeout: 90_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let alice: AppPage;
  let changed = true;
  let accepted = 0;

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    const bobHome = world.account('Bob');
    [, , browser] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    await world.rpc(aliceHome, 'contacts.verify', { name: 'Bob', verified: true });
    alice = await openApp(browser, aliceHome);
    // Bob was verified, then his safety number changed: what the daemon reports after a key change.
    await alice.page.route('**/rpc', async (route) => {
      const body = route.request().postDataJSON() as { method: string };
      if (body.method === 'contacts.acceptKey') {
        accepted++;
        changed = false;
        await world.rpc(aliceHome, 'contacts.verify', { name: 'Bob', verified: false });
        return route.fulfill({ json: { jsonrpc: '2.0', id: 1, result: null } });
      }
      const response = await route.fetch();
      const json = (await response.json()) as { result?: unknown };
      if (changed && body.method === 'conversations.list' && Array.isArray(json.result))
        for (const c of json.result as Array<{ contact: Record<string, unknown> }>)
          Object.assign(c.contact, { identityChanged: true, verified: true, sendingBlocked: true });
      return route.fulfill({ response, json });
    });
    await alice.page.reload();
    await alice.page.getByRole('button', { name: 'Bob' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('shows the change, not the old "Verified", in the header', async () => {
    const { page } = alice;
    await header(page)
      .getByRole('img', { name: 'Safety number changed' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await header(page).getByRole('img', { name: 'Verified' }).count()).toBe(0);
  });

  it('makes "Compare numbers" the primary action and accepting secondary, with no word of scanning', async () => {
    const { page } = alice;
    const banner = page.getByRole('alert').filter({ hasText: 'safety number has changed' });
    const compare = banner.getByRole('button', { name: 'Compare numbers' });
    const accept = banner.getByRole('button', { name: 'Accept new safety number' });
    expect(await compare.getAttribute('class')).toContain('primary');
    expect(await accept.getAttribute('class')).not.toMatch(/primary|warning-button/);
    expect(await pageText(page)).not.toMatch(/scan/i);

    await compare.click();
    const info = page.getByRole('dialog', { name: 'About Bob' });
    await info
      .getByText(/^\d{5}/)
      .first()
      .waitFor(); // the safety number's digits
    expect(await info.getByText('Safety number changed', { exact: true }).count()).toBe(1);
    expect(await info.getByText('Verified', { exact: true }).count()).toBe(0);
    expect(await info.getByRole('button', { name: 'Clear verification' }).count()).toBe(0);
    expect(
      await info.getByRole('button', { name: 'Accept new safety number' }).getAttribute('class'),
    ).not.toMatch(/primary|warning-button/);
    expect(await pageText(page)).not.toMatch(/scan/i);
    expect(await info.getByRole('img', { name: /QR/ }).count()).toBe(0);
  });

  it('is "Not verified" once the new number is accepted, and "Verified" again once compared', async () => {
    const { page } = alice;
    const info = page.getByRole('dialog', { name: 'About Bob' });
    await info.getByRole('button', { name: 'Accept new safety number' }).click();
    await expect.poll(() => accepted).toBe(1);
    await info.getByText('Not verified', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    await info.getByRole('button', { name: 'Mark as verified' }).click();
    await info.getByText('Verified', { exact: true }).first().waitFor({ timeout: UI_TIMEOUT_MS });
    await info.getByRole('button', { name: 'Close' }).click();
    await header(page).getByRole('img', { name: 'Verified' }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await header(page).getByRole('img', { name: 'Safety number changed' }).count()).toBe(0);
    expect(await page.getByRole('alert').filter({ hasText: 'safety number has changed' }).count()).toBe(0);
  });
});
