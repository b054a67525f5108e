/**
 * When the daemon does not answer, Parley Desktop says so over the whole
 * window ("Parley's daemon is not running", with `parley ui` and `parley
 * daemon` to start it), never shows a contact as "online" meanwhile, and
 * comes back by itself once the daemon answers again. First an outage made
 * in the browser (the event stream and /rpc refused, then allowed again: a
 * restarted daemon listens on a new port, which this window cannot follow),
 * then a real one: the daemon process stopped.
 */
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { type Daemon, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const notRunning = (page: Page) => page.getByRole('heading', { name: "Parley's daemon is not running" });
const presence = (page: Page) => page.locator('.conversation-header .presence-text').textContent();

describe('Parley Desktop: when the daemon is unreachable', { timeout: 90_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceDaemon: Daemon;
  let alice: AppPage;
  let down = false;
  const sockets: WebSocketRoute[] = [];

  beforeAll(async () => {
    const aliceHome = world.account('Alice');
    const bobHome = world.account('Bob');
    [aliceDaemon, , browser] = await Promise.all([
      world.daemon(aliceHome),
      world.daemon(bobHome),
      launchBrowser(),
    ]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    alice = await openApp(browser, aliceHome);
    const { page } = alice;
    await page.routeWebSocket(/\/events$/, (ws) => {
      if (down) return void ws.close();
      ws.connectToServer();
      sockets.push(ws);
    });
    await page.route('**/rpc', (route) => (down ? route.abort('connectionrefused') : route.continue()));
    await page.reload(); // the event stream now goes through the route above
    await page.getByRole('button', { name: 'Bob' }).click();
    await page
      .locator('.conversation-header .presence-text')
      .filter({ hasText: /^online$/ })
      .waitFor({ timeout: UI_TIMEOUT_MS });
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('covers the window with what happened and how to start the daemon', async () => {
    const { page } = alice;
    down = true;
    for (const ws of sockets.splice(0)) await ws.close();
    await notRunning(page).waitFor({ timeout: UI_TIMEOUT_MS });
    const card = page.getByRole('alert').filter({ has: notRunning(page) });
    const text = await card.textContent();
    expect(text).toContain('parley ui');
    expect(text).toContain('parley daemon');
    await card.getByText('Trying to reconnect automatically').waitFor();
    // The messenger underneath is inert (not reachable by keyboard or mouse) and does not claim Bob is online.
    expect(await page.locator('.app').evaluate((el) => (el as HTMLElement).inert)).toBe(true);
    expect(await presence(page)).not.toMatch(/online/);
    expect(
      await page.getByRole('button', { name: 'Try now' }).evaluate((b) => b === document.activeElement),
    ).toBe(true);
  });

  it('reconnects by itself once the daemon answers again', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'Try now' }).click(); // still down: stays
    await notRunning(page).waitFor();
    down = false;
    await notRunning(page).waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
    await page.getByRole('status', { name: /Daemon connection: Connected/ }).waitFor();
    await expect.poll(() => presence(page), { timeout: UI_TIMEOUT_MS }).toBe('online');
    // The open conversation and its composer are usable again.
    expect(await page.locator('.app').evaluate((el) => (el as HTMLElement).inert)).toBe(false);
    await page.getByRole('textbox', { name: 'Message' }).fill('back');
  });

  it('says so when the daemon process really stops, and never shows "online" meanwhile', async () => {
    const { page } = alice;
    await world.stop(aliceDaemon);
    await notRunning(page).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await presence(page)).not.toMatch(/online/);
    expect(await page.getByRole('button', { name: 'Try now' }).isVisible()).toBe(true);
  });
});
