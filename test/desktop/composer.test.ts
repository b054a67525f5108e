/**
 * The composer's typing loop in Parley Desktop (issue #20), with real daemons:
 * typing after picking an emoji lands in the text box, a draft is kept per
 * conversation (across chat switches, a reload and a restart of the daemon,
 * in its encrypted database and never in the browser's storage; shown as
 * "Draft:" in the list, gone once sent), and a message sent while scrolled up
 * comes into view.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { type Daemon, eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

/** Enough messages from Bob that the log scrolls several screens. */
const HISTORY_MESSAGES = 60;

const box = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });

async function open(page: Page, name: string): Promise<void> {
  await chat(page, name).click();
  await page.getByRole('heading', { name, level: 2 }).waitFor();
}

/** Whether a bubble with exactly this text is rendered and at least partly inside the log's viewport. */
function inView(page: Page, text: string): Promise<boolean> {
  return page.evaluate((t) => {
    const log = document.querySelector('[role="log"][aria-label="Messages"]');
    if (!log) return false;
    const frame = log.getBoundingClientRect();
    return Array.from(log.querySelectorAll('article')).some((a) => {
      if (!a.textContent?.includes(t)) return false;
      const r = a.getBoundingClientRect();
      return r.height > 0 && r.bottom > frame.top && r.top < frame.bottom;
    });
  }, text);
}

describe('Parley Desktop: the composer', { timeout: 90_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let aliceDaemon: Daemon;
  let alice: AppPage;
  const drafts = () => world.rpc<Array<{ conversation: string; text: string }>>(aliceHome, 'drafts.list');

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    const bobHome = world.account('Bob');
    const carolHome = world.account('Carol');
    const [daemon, , , br] = await Promise.all([
      world.daemon(aliceHome),
      world.daemon(bobHome),
      world.daemon(carolHome),
      launchBrowser(),
    ]);
    browser = br;
    aliceDaemon = daemon;
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    // befriend() expects a fresh pair; the second contact is added by hand.
    const invite = world.run(carolHome, ['invite']).stdout.trim();
    expect(world.run(aliceHome, ['contacts', 'add', 'Carol', invite]).code).toBe(0);
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; state: string }>>(carolHome, 'contacts.list')).some(
        (c) => c.name === 'Alice' && c.state === 'active',
      ),
    );
    await world.rpc(bobHome, 'messages.sendMany', {
      contact: 'Alice',
      texts: Array.from(
        { length: HISTORY_MESSAGES },
        (_, i) => `History line ${i + 1} of ${HISTORY_MESSAGES}`,
      ),
    });
    alice = await openApp(browser, aliceHome);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('shows the unread count in the window title, gone once read', async () => {
    const { page } = alice;
    await expect.poll(() => page.title(), { timeout: 15_000 }).toBe(`(${HISTORY_MESSAGES}) Parley`);
    await open(page, 'Bob');
    // The chat opens at its first unread message; it is read once the latest has been seen.
    await page.getByRole('button', { name: /^Jump to latest/ }).click();
    await expect.poll(() => page.title(), { timeout: 15_000 }).toBe('Parley');
  });

  it('keeps the focus in the text box after picking an emoji', async () => {
    const { page } = alice;
    await open(page, 'Bob');
    await page.getByRole('button', { name: 'Emoji', exact: true }).click();
    await page.getByRole('dialog', { name: 'Emoji' }).getByRole('button', { name: '🎉' }).click();
    await expect.poll(() => box(page).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type('abc', { delay: 30 });
    expect(await box(page).inputValue()).toBe('🎉abc');
    await box(page).fill('');
  });

  it('keeps a draft per conversation across chat switches, never in localStorage, and drops it once sent', async () => {
    const { page } = alice;
    await open(page, 'Bob');
    await box(page).fill('Half-written thought');
    await open(page, 'Carol');
    expect(await box(page).inputValue()).toBe('');
    await chat(page, 'Bob').getByText('Draft: Half-written thought').waitFor();
    await open(page, 'Bob');
    expect(await box(page).inputValue()).toBe('Half-written thought');

    // Never written to the browser's storage (a plain file on disk): drafts live in the daemon's
    // encrypted database.
    expect(await page.evaluate(() => JSON.stringify(localStorage).includes('Half-written'))).toBe(false);
    await eventually(async () => (await drafts()).some((d) => d.text === 'Half-written thought'));

    await box(page).press('Enter');
    await expect.poll(() => box(page).inputValue()).toBe('');
    await page.getByRole('log', { name: 'Messages' }).getByText('Half-written thought').first().waitFor();
    await open(page, 'Carol');
    await chat(page, 'Bob').getByText('You: Half-written thought').waitFor();
    expect(await chat(page, 'Bob').textContent()).not.toContain('Draft:');
    await open(page, 'Bob');
    expect(await box(page).inputValue()).toBe('');
    await eventually(async () => (await drafts()).length === 0);
  });

  it('brings a message sent while scrolled up into view', async () => {
    const { page } = alice;
    await open(page, 'Bob');
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText(`History line ${HISTORY_MESSAGES} of ${HISTORY_MESSAGES}`, { exact: true }).waitFor();
    // Scroll to the very top (older pages load on the way), and stay there.
    for (let i = 0; i < 10; i++) {
      await log.evaluate((el) => {
        el.scrollTop = 0;
      });
      await page.waitForTimeout(50);
    }
    await log.getByText(`History line 1 of ${HISTORY_MESSAGES}`, { exact: true }).waitFor();
    expect(await inView(page, `History line ${HISTORY_MESSAGES} of ${HISTORY_MESSAGES}`)).toBe(false);

    await box(page).fill('Sent from far up the history');
    await box(page).press('Enter');
    await expect.poll(() => box(page).inputValue()).toBe('');
    await expect.poll(() => inView(page, 'Sent from far up the history'), { timeout: 5_000 }).toBe(true);
  });

  it('a draft survives a daemon restart and a reload', async () => {
    await open(alice.page, 'Carol');
    await box(alice.page).fill('Written before the restart');
    // Kept by the daemon half a second after typing stops, without leaving the chat.
    await eventually(async () =>
      (await drafts()).some((d) => d.conversation === 'Carol' && d.text === 'Written before the restart'),
    );
    await world.stop(aliceDaemon);
    aliceDaemon = await world.daemon(aliceHome);
    await alice.context.close();
    alice = await openApp(browser, aliceHome);
    const { page } = alice;
    await chat(page, 'Carol').getByText('Draft: Written before the restart').waitFor();
    await open(page, 'Carol');
    expect(await box(page).inputValue()).toBe('Written before the restart');

    // Typed just before the page reloads: sent as the page goes.
    await open(page, 'Bob');
    await box(page).fill('Typed just before a reload');
    await page.reload();
    await chat(page, 'Bob').getByText('Draft: Typed just before a reload').waitFor();
    await open(page, 'Bob');
    expect(await box(page).inputValue()).toBe('Typed just before a reload');
    expect(await page.evaluate(() => JSON.stringify(localStorage).includes('Typed just'))).toBe(false);

    // Sent: gone from the daemon too, so no restart brings it back.
    await box(page).press('Enter');
    await expect.poll(() => box(page).inputValue()).toBe('');
    await eventually(async () => (await drafts()).every((d) => d.conversation !== 'Bob'));
    expect(alice.errors).toEqual([]);
  });
});
