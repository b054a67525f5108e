/**
 * Parley Desktop when an RPC answer and the event stream race. The answer
 * travels on its own connection and may overtake events made after it: the
 * "queued" answer to a send landing after the "delivered" event, a page of
 * history built before a message arrived landing after that message's event.
 * Either must not undo what the events said. And after the event stream was
 * down (events lost), the conversation catches up by itself.
 *
 * Each test holds an answer back with page.route until the page has shown
 * the newer event, then lets it through: deterministic, not a timing bet.
 */
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, signIn } from '../support/browser.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const message = (page: Page, text: string) => page.getByRole('article').filter({ hasText: text }).last();
const tick = (page: Page, text: string) =>
  message(page, text).getByRole('img', { name: /^(Delivered|Read)$/ });

/** Intercepts the page's RPC calls of one method: `hold` gets the route and the daemon's answer. */
async function holdAnswers(
  page: Page,
  method: string,
  hold: (route: Route, fulfil: () => Promise<void>) => Promise<void>,
): Promise<void> {
  await page.route('**/rpc', async (route) => {
    const body = route.request().postDataJSON() as { method: string };
    if (body.method !== method) return route.continue();
    const response = await route.fetch(); // the daemon does the work now; the page hears of it later
    await hold(route, () => route.fulfill({ response }));
  });
}

describe('Parley Desktop: answers that arrive after newer events', { timeout: 90_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let bobHome: string;

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    bobHome = world.account('Bob');
    const [, , br] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    browser = br;
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  /** Alice's window, with hooks installed before the app loads. */
  async function aliceWindow(before: (page: Page) => Promise<unknown> = async () => {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await before(page);
    await signIn(page, aliceHome);
    return page;
  }

  it('a sent message keeps its delivered tick when the "queued" answer comes last', async () => {
    const page = await aliceWindow();
    await page.getByRole('button', { name: 'Bob' }).click();
    let held = 0;
    await holdAnswers(page, 'messages.send', async (_route, fulfil) => {
      held++;
      // the message's own events (queued, then delivered on Bob's ACK) reach the page first
      await tick(page, 'Overtaken answer').waitFor({ timeout: UI_TIMEOUT_MS });
      await fulfil();
    });
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('Overtaken answer');
    await box.press('Enter');
    await expect.poll(() => box.inputValue(), { timeout: UI_TIMEOUT_MS }).toBe(''); // the answer was applied
    expect(held).toBe(1);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
    expect(await tick(page, 'Overtaken answer').count()).toBe(1);
    expect(await message(page, 'Overtaken answer').getByRole('img', { name: 'Queued' }).count()).toBe(0);
    expect(await page.getByRole('article').filter({ hasText: 'Overtaken answer' }).count()).toBe(1);
    await page.context().close();
  });

  it('a page of history built before a message arrived does not hide that message', async () => {
    const before = await world.rpc<unknown[]>(aliceHome, 'messages.list', { contact: 'Bob' });
    expect(before.length).toBeGreaterThan(0);
    let page!: Page;
    page = await aliceWindow((p) =>
      holdAnswers(p, 'messages.list', async (route, fulfil) => {
        if ((route.request().postDataJSON() as { params: { contact?: string } }).params.contact !== 'Bob')
          return fulfil();
        // the page of history is made; now Bob writes, and the page shows his message from its event
        await world.rpc(bobHome, 'messages.send', { contact: 'Alice', text: 'Written during the load' });
        await message(page, 'Written during the load').waitFor({ timeout: UI_TIMEOUT_MS });
        await fulfil();
      }),
    );
    await page.getByRole('button', { name: 'Bob' }).click();
    const log = page.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.getAttribute('aria-busy'), { timeout: UI_TIMEOUT_MS }).toBe('false');
    await message(page, 'Overtaken answer').waitFor(); // from the page of history
    expect(await page.getByRole('article').filter({ hasText: 'Written during the load' }).count()).toBe(1);
    await page.context().close();
  });

  it('catches up on what happened while the event stream was down', async () => {
    // The app's event socket, under the test's control: closed on demand, and while "blocked" a new
    // one asks for a path the daemon refuses, so the app stays disconnected and keeps retrying.
    const page = await aliceWindow((p) =>
      p.addInitScript(() => {
        const Real = window.WebSocket;
        const control = { blocked: false, opened: 0, sockets: [] as WebSocket[] };
        Object.assign(window, { __events: control });
        window.WebSocket = class extends Real {
          constructor(url: string | URL, protocols?: string | string[]) {
            const target = control.blocked ? String(url).replace(/\/events$/, '/unreachable') : url;
            super(target, protocols);
            control.opened++;
            control.sockets.push(this);
          }
        } as typeof WebSocket;
      }),
    );
    type Control = { blocked: boolean; opened: number; sockets: WebSocket[] };
    const control = <T>(fn: (c: Control) => T) =>
      page.evaluate(`(${fn.toString()})(window.__events)`) as Promise<T>;
    await page.getByRole('button', { name: 'Bob' }).click();
    await message(page, 'Written during the load').waitFor({ timeout: UI_TIMEOUT_MS });
    const connected = page.getByRole('status', { name: /Daemon connection: Connected/ });
    await connected.waitFor({ timeout: UI_TIMEOUT_MS });

    const opened = await control((c) => {
      c.blocked = true;
      for (const s of c.sockets) s.close();
      return c.opened;
    });
    await page.getByRole('status', { name: /Daemon connection: Disconnected/ }).waitFor();
    await world.rpc(bobHome, 'messages.send', { contact: 'Alice', text: 'Sent while the stream was down' });
    await expect
      .poll(async () =>
        (await world.rpc<Array<{ text: string }>>(aliceHome, 'messages.list', { contact: 'Bob' })).some(
          (m) => m.text === 'Sent while the stream was down',
        ),
      )
      .toBe(true);
    await expect.poll(() => control((c) => c.opened), { timeout: UI_TIMEOUT_MS }).toBeGreaterThan(opened);
    expect(await message(page, 'Sent while the stream was down').count()).toBe(0); // no event reached it

    await control((c) => {
      c.blocked = false;
    });
    await connected.waitFor({ timeout: UI_TIMEOUT_MS });
    await message(page, 'Sent while the stream was down').waitFor({ timeout: UI_TIMEOUT_MS });
    await message(page, 'Overtaken answer').waitFor(); // older messages are still there
    await page.context().close();
  });
});
