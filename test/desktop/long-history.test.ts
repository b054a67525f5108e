/**
 * A 10,000-message conversation opens fast in Parley Desktop because the
 * message list is windowed: the DOM holds only the rows near the viewport.
 * Seeded through the API (the contact is offline, so the messages queue);
 * asserts on DOM size only, and logs the time to first paint of the chat.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openApp } from '../support/browser.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const MESSAGES = 10_000;
const SEND_CONCURRENCY = 50;
/** The whole page (sidebar, header, composer and the visible rows) stays under this many elements. */
const DOM_MAX_ELEMENTS = 1_500;

describe('Parley Desktop with a 10,000-message conversation', { timeout: 150_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    const bobHome = world.account('Bob');
    const [, bob, br] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    browser = br;
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    await world.stop(bob);
    for (let i = 0; i < MESSAGES; i += SEND_CONCURRENCY)
      await Promise.all(
        Array.from({ length: Math.min(SEND_CONCURRENCY, MESSAGES - i) }, (_, j) =>
          world.rpc(aliceHome, 'messages.send', {
            contact: 'Bob',
            text: `Message number ${i + j + 1}${(i + j) % 7 === 0 ? ' with a longer line of text that wraps onto a second line in the bubble' : ''}`,
          }),
        ),
      );
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('opens with a small DOM and scrolls back through older pages', async () => {
    const { page } = await openApp(browser, aliceHome);
    const contact = page.getByRole('button', { name: 'Bob' });
    await contact.waitFor();
    const before = await page.evaluate(() => performance.now());
    await contact.click();
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText(`Message number ${MESSAGES}`, { exact: true }).waitFor();
    const firstPaintMs =
      (await page.evaluate(
        () => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now()))),
      )) - before;
    const domElements = await page.evaluate(() => document.querySelectorAll('*').length);
    const rows = await log.getByRole('article').count();
    console.log(
      JSON.stringify({
        longHistory: { messages: MESSAGES, firstPaintMs: Math.round(firstPaintMs), domElements, rows },
      }),
    );
    expect(domElements).toBeLessThan(DOM_MAX_ELEMENTS);
    expect(rows).toBeLessThan(100);

    // Infinite scroll: going up pages in older messages, and the DOM stays small.
    for (let i = 0; i < 30; i++) {
      await log.evaluate((el) => {
        el.scrollTop = 0;
      });
      await page.waitForTimeout(50);
    }
    // Any message older than the first page (numbers below 9900) proves older pages were loaded;
    // how far back 30 scrolls reach depends on the machine's speed.
    await log
      .getByText(/^Message number (\d{1,3}|[1-8]\d{3}|9[0-8]\d\d)$/)
      .first()
      .waitFor();
    expect(await page.evaluate(() => document.querySelectorAll('*').length)).toBeLessThan(DOM_MAX_ELEMENTS);
  });
});
