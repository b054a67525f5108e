/**
 * 500+ hostile payloads from a contact (message text, reply quotes, links,
 * contact names) render as text in Parley Desktop: zero script executions,
 * zero dialogs, every payload visible verbatim, links inert until clicked and
 * then opened with no opener, and no request leaves loopback.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';
import { NAME_PAYLOADS, xssPayloads } from './xss-payloads.ts';

const MESSAGE_PAYLOADS = 470;
/** Every REPLY_EVERY-th payload quotes the one before it. */
const REPLY_EVERY = 10;

declare global {
  interface Window {
    __xss?: unknown;
  }
}

/** Scrolls the whole message log from bottom to top; returns every message and quote text seen. */
async function collectTexts(app: AppPage): Promise<{ texts: string[]; quotes: string[]; hrefs: string[] }> {
  return app.page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const log = document.querySelector('[role="log"]') as HTMLElement;
    const texts = new Set<string>();
    const quotes = new Set<string>();
    const hrefs = new Set<string>();
    const grab = () => {
      for (const el of Array.from(log.querySelectorAll('.message-text'))) texts.add(el.textContent ?? '');
      for (const el of Array.from(log.querySelectorAll('.quote-text'))) quotes.add(el.textContent ?? '');
      for (const el of Array.from(log.querySelectorAll('[role="link"]')))
        hrefs.add((el as HTMLElement).dataset.href ?? '');
    };
    log.scrollTop = log.scrollHeight;
    for (let i = 0, still = 0; i < 2000 && still < 20; i++) {
      await frame();
      grab();
      const before = log.scrollTop;
      log.scrollTop = Math.max(0, log.scrollTop - log.clientHeight * 0.7);
      const busy = log.getAttribute('aria-busy') === 'true';
      still = before === 0 && !busy ? still + 1 : 0;
    }
    return { texts: [...texts], quotes: [...quotes], hrefs: [...hrefs] };
  });
}

describe('Parley Desktop renders hostile content as text', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  const payloads = xssPayloads(MESSAGE_PAYLOADS);
  let browser: Browser;
  let alice: AppPage;
  let aliceHome: string;
  let dialogs = 0;
  const foreignRequests: string[] = [];
  /** Requests that tried to leave loopback (aborted). */
  const blocked: string[] = [];

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    const bobHome = world.account('Bob');
    const [, , br] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    browser = br;
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    let previous: string | undefined;
    for (const [i, text] of payloads.entries()) {
      const replyTo =
        i % REPLY_EVERY === REPLY_EVERY - 1 && previous ? { id: previous, mine: true } : undefined;
      const sent = await world.rpc<{ id: string }>(bobHome, 'messages.send', {
        contact: 'Alice',
        text,
        ...(replyTo ? { replyTo } : {}),
      });
      previous = sent.id;
    }
    const deadline = Date.now() + 60_000;
    while (
      (await world.rpc<unknown[]>(aliceHome, 'messages.list', { contact: 'Bob', limit: 1000 })).length <
      MESSAGE_PAYLOADS
    ) {
      if (Date.now() > deadline) throw new Error('payloads did not arrive');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('opens the conversation with every payload as text and no script execution', async () => {
    alice = await openApp(browser, aliceHome);
    const { page, context } = alice;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('http://127.0.0.1:') && !r.url().startsWith('ws://127.0.0.1:'))
        foreignRequests.push(r.url());
    });
    await context.route(/^(?!https?:\/\/127\.0\.0\.1[:/]).*/, (route) => {
      blocked.push(route.request().url());
      return route.abort();
    });
    await page.evaluate(() => {
      window.__xss = undefined;
    });

    await page.getByRole('button', { name: 'Bob' }).click();
    // All unread: the conversation opens at the first of them (collectTexts scrolls through it all).
    await page
      .getByRole('log', { name: 'Messages' })
      .getByRole('separator', { name: `${MESSAGE_PAYLOADS} unread messages` })
      .waitFor();
    const { texts, quotes, hrefs } = await collectTexts(alice);

    const seen = new Set(texts);
    const missing = payloads.filter((p) => !seen.has(p));
    expect(missing).toEqual([]);
    // Reply quotes show the quoted payload (shortened to a preview) as text.
    const quoted = payloads.filter((_, i) => i % REPLY_EVERY === REPLY_EVERY - 2);
    for (const q of quoted) {
      const line = q.replace(/\s+/g, ' ').trim();
      expect(quotes.some((shown) => line.startsWith(shown.replace(/…$/, '')))).toBe(true);
    }
    expect(quotes.length).toBeGreaterThanOrEqual(quoted.length);
    // Only http(s) URLs became links; nothing else (javascript:, data:, vbscript:) did.
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https?:\/\//);

    expect(await page.evaluate(() => window.__xss)).toBeUndefined();
    expect(dialogs).toBe(0);
    expect(
      await page.locator('.message-scroller script, .message-scroller img, .message-scroller iframe').count(),
    ).toBe(0);
  });

  it('renders hostile contact names as text in the list, the header and quotes', async () => {
    const { page } = alice;
    let current = 'Bob';
    // contacts.rename emits no event (core), so the window is reloaded to pick up each name.
    for (const name of NAME_PAYLOADS) {
      await world.rpc(aliceHome, 'contacts.rename', { name: current, newName: name });
      current = name;
      await page.reload();
      await page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true }).waitFor();
    }
    await page.getByRole('button', { name: current, exact: true }).click();
    const header = page.getByRole('region', { name: `Conversation with ${current}` });
    await header.getByRole('heading', { name: current.trim() }).waitFor();
    expect(await page.evaluate(() => window.__xss)).toBeUndefined();
    expect(dialogs).toBe(0);
  });

  it('opens a link only when clicked, in a new window without opener or referrer', async () => {
    const { page, context } = alice;
    const log = page.getByRole('log', { name: 'Messages' });
    const link = log.getByRole('link').last();
    await link.scrollIntoViewIfNeeded();
    const href = (await link.getAttribute('data-href')) as string;
    expect(href).toMatch(/^https:\/\/example\.com\//);
    expect(foreignRequests).toEqual([]);
    expect(blocked).toEqual([]);
    const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
    expect(await popup.evaluate(() => window.opener)).toBeNull();
    await expect.poll(() => blocked.some((u) => u.startsWith('https://example.com/'))).toBe(true);
    expect(blocked.every((u) => /^https?:\/\//.test(u))).toBe(true);
    await popup.close();
    expect(await page.evaluate(() => window.__xss)).toBeUndefined();
    expect(dialogs).toBe(0);
  });
});
