/**
 * A channel's new posts in Parley Desktop (issue 20), with two real daemons: Ben follows Ann's
 * public channel "Trail news"; while another chat is open, Ann's posts show as an unread count on
 * the channel in the sidebar and raise a desktop notification (the window is made "hidden" and
 * Notification replaced by an init script that keeps each one, as in notification-click.test.ts).
 * Opening the channel clears the count; a muted channel still counts its posts but notifies no more.
 * Channel info shows the owner of a private channel how many follow it (a public one's followers
 * tell no one: it says so).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

type Shown = { title: string; body: string };
const shown = (page: Page) =>
  page.evaluate(() => (window as unknown as { shown: Shown[] }).shown.map((n) => `${n.title}: ${n.body}`));
const inList = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });
/** The unread badge of a chat in the sidebar ('' when there is none). */
const badge = async (page: Page, name: string): Promise<string> => {
  const b = inList(page, name).locator('.unread');
  return (await b.count()) === 0 ? '' : ((await b.textContent()) ?? '');
};

describe('Parley Desktop: new posts in a channel', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let annHome: string;
  let benHome: string;
  let ben: AppPage;

  beforeAll(async () => {
    annHome = world.account('Ann');
    benHome = world.account('Ben');
    [, , browser] = await Promise.all([world.daemon(annHome), world.daemon(benHome), launchBrowser()]);
    await world.befriend(annHome, 'Ann', benHome, 'Ben');
    await world.rpc(annHome, 'channels.create', { name: 'Trail news' });
    await world.rpc(annHome, 'channels.post', { name: 'Trail news', text: 'Welcome to the trail news' });
    const { link } = await world.rpc<{ link: string }>(annHome, 'channels.invite', { name: 'Trail news' });
    await world.rpc(benHome, 'channels.follow', { link });
    await eventually(async () => {
      const posts = await world.rpc<unknown[]>(benHome, 'channels.posts', { name: 'Trail news' });
      return posts.length === 1;
    }, UI_TIMEOUT_MS);
    ben = await openApp(browser, benHome);
    await ben.context.addInitScript(() => {
      const w = window as unknown as { shown: unknown[] };
      w.shown = [];
      Object.defineProperty(document, 'hidden', { get: () => true });
      class Kept {
        static permission = 'granted';
        onclick: (() => void) | null = null;
        readonly title: string;
        readonly body: string;
        constructor(title: string, options?: { body?: string }) {
          this.title = title;
          this.body = options?.body ?? '';
          w.shown.push(this);
        }
        close(): void {}
      }
      Object.defineProperty(window, 'Notification', { value: Kept });
    });
    await ben.page.reload();
    await inList(ben.page, 'Ann').click({ timeout: UI_TIMEOUT_MS });
    await ben.page.getByRole('heading', { name: 'Ann', level: 2 }).waitFor();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('counts new posts as unread and notifies of them; what was there before is not new', async () => {
    expect(await badge(ben.page, 'Trail news')).toBe('');
    await world.rpc(annHome, 'channels.post', { name: 'Trail news', text: 'Bridge on the ridge is open' });
    await expect.poll(() => badge(ben.page, 'Trail news'), { timeout: UI_TIMEOUT_MS }).toBe('1');
    await world.rpc(annHome, 'channels.post', { name: 'Trail news', text: 'Snow above 2000 m' });
    await expect.poll(() => badge(ben.page, 'Trail news'), { timeout: UI_TIMEOUT_MS }).toBe('2');
    await expect
      .poll(() => shown(ben.page), { timeout: UI_TIMEOUT_MS })
      .toEqual(['Trail news: Bridge on the ridge is open', 'Trail news: Snow above 2000 m']);
  });

  it('clears the count when the channel is opened, and keeps it cleared after a reload', async () => {
    await inList(ben.page, 'Trail news').click();
    await ben.page.getByRole('region', { name: 'Channel Trail news' }).waitFor();
    await expect.poll(() => badge(ben.page, 'Trail news'), { timeout: UI_TIMEOUT_MS }).toBe('');
    await ben.page.reload();
    await inList(ben.page, 'Trail news').waitFor({ timeout: UI_TIMEOUT_MS });
    await inList(ben.page, 'Ann').click();
    expect(await badge(ben.page, 'Trail news')).toBe('');
  });

  it('shows the owner how many follow a private channel, and why a public one has no count', async () => {
    await world.rpc(annHome, 'channels.create', { name: 'Inner circle', private: true });
    const { link } = await world.rpc<{ link: string }>(annHome, 'channels.invite', { name: 'Inner circle' });
    await world.rpc(benHome, 'channels.follow', { link });
    await eventually(async () => {
      const ch = await world.rpc<{ requests: string[] }>(annHome, 'channels.get', { name: 'Inner circle' });
      return ch.requests.length === 1;
    }, UI_TIMEOUT_MS);
    const ann = await openApp(browser, annHome);
    const info = async (channel: string) => {
      await inList(ann.page, channel).click({ timeout: UI_TIMEOUT_MS });
      await ann.page.getByRole('button', { name: 'Channel info' }).click();
      return ann.page.getByRole('dialog', { name: `About ${channel}` });
    };
    let dialog = await info('Inner circle');
    await dialog.getByText('0 followers · 1 waiting for approval').waitFor();
    await dialog.getByRole('button', { name: 'Approve Ben' }).click();
    await dialog.getByText('1 follower', { exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    await dialog.getByRole('button', { name: 'Close' }).click();
    dialog = await info('Trail news');
    await dialog.getByText(/^Followers are not counted/).waitFor();
    await ann.context.close();
  });

  it('does not notify of a muted channel, but still counts its posts', async () => {
    await inList(ben.page, 'Trail news').click();
    await ben.page
      .getByRole('region', { name: 'Channel Trail news' })
      .getByRole('button', { name: 'Mute notifications' })
      .click();
    await inList(ben.page, 'Ann').click();
    await ben.page.getByRole('heading', { name: 'Ann', level: 2 }).waitFor();
    const before = (await shown(ben.page)).length;
    await world.rpc(annHome, 'channels.post', { name: 'Trail news', text: 'Hut closed on Monday' });
    await expect.poll(() => badge(ben.page, 'Trail news'), { timeout: UI_TIMEOUT_MS }).toBe('1');
    expect((await shown(ben.page)).length).toBe(before);
    expect(ben.errors).toEqual([]);
  });
});
