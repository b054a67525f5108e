/**
 * Muting a conversation in Parley Desktop: its messages still arrive but
 * raise no desktop notification; the chat list and the header show it muted;
 * it stays muted after a reload; unmuting brings notifications back. The
 * window is made "hidden" and Notification recorded by an init script, since
 * a headless browser shows neither. Two real daemons.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const notes = (page: Page) => page.evaluate(() => (window as unknown as { notes: string[] }).notes);
const arrived = (page: Page, text: string) =>
  page.getByRole('log', { name: 'Messages' }).getByText(text).waitFor({ timeout: UI_TIMEOUT_MS });
const bobInList = (page: Page) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'Bob' });
/** The bell-off mark beside the name (inside the list's button, whose description also says "muted"). */
const mutedMark = (page: Page) => bobInList(page).locator('[aria-label="Muted"]');

describe('Parley Desktop: muting a conversation', { timeout: 90_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let bobHome: string;
  let alice: AppPage;
  const say = (text: string) => world.rpc(bobHome, 'messages.send', { contact: 'Alice', text });

  beforeAll(async () => {
    const aliceHome = world.account('Alice');
    bobHome = world.account('Bob');
    [, , browser] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    alice = await openApp(browser, aliceHome);
    await alice.context.grantPermissions(['notifications']);
    await alice.context.addInitScript(() => {
      const w = window as unknown as { notes: string[] };
      w.notes = [];
      Object.defineProperty(document, 'hidden', { get: () => true });
      class Recorded {
        static permission = 'granted';
        onclick: (() => void) | null = null;
        constructor(title: string, options?: { body?: string }) {
          w.notes.push(`${title}: ${options?.body ?? ''}`);
        }
        close(): void {}
      }
      Object.defineProperty(window, 'Notification', { value: Recorded });
    });
    await alice.page.reload();
    await bobInList(alice.page).click();
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('notifies while not muted', async () => {
    await say('Before muting');
    await arrived(alice.page, 'Before muting');
    await expect.poll(() => notes(alice.page)).toEqual(['Bob: Before muting']);
  });

  it('raises no notification once muted, and shows it muted in the list and header', async () => {
    const { page } = alice;
    const mute = page.getByRole('button', { name: 'Mute notifications' });
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
    await mute.click();
    expect(await mute.getAttribute('aria-pressed')).toBe('true');
    await mutedMark(page).waitFor();
    expect(await bobInList(page).locator('.conversation-last').textContent()).toContain(', muted');
    await say('While muted');
    await arrived(page, 'While muted');
    await page.waitForTimeout(300);
    expect(await notes(page)).toEqual(['Bob: Before muting']);
  });

  it('stays muted after a reload; unmuting brings notifications back', async () => {
    const { page } = alice;
    await page.reload();
    await mutedMark(page).waitFor({ timeout: UI_TIMEOUT_MS });
    await bobInList(page).click();
    await say('Still muted');
    await arrived(page, 'Still muted');
    await page.waitForTimeout(300);
    expect(await notes(page)).toEqual([]);
    const mute = page.getByRole('button', { name: 'Mute notifications' });
    expect(await mute.getAttribute('aria-pressed')).toBe('true');
    await mute.click();
    await mutedMark(page).waitFor({ state: 'detached' });
    await say('Unmuted again');
    await arrived(page, 'Unmuted again');
    await expect.poll(() => notes(page)).toEqual(['Bob: Unmuted again']);
  });
});
