/**
 * axe-core (Deque's accessibility checker, WCAG 2.x A/AA rules) on every main screen of Parley
 * Desktop, light and dark, in Chromium against real daemons: onboarding (create and link), the
 * chat list with a conversation, settings, devices (a link shown), contact info, a group and its
 * info, search, the shortcuts. No serious or critical violation may remain (issue 20).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe } from '../support/axe.ts';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const world = new ParleyWorld();
printLogsOnFailure(world);

let browser: Browser;
let aliceHome: string;
const freshHomes: Record<string, string> = {};
const results: Record<string, number> = {};

beforeAll(async () => {
  aliceHome = world.account('Alice');
  const bobHome = world.account('Bob');
  const carolHome = world.account('Carol');
  freshHomes.light = world.home('fresh-light');
  freshHomes.dark = world.home('fresh-dark');
  const [, , , , , br] = await Promise.all([
    world.daemon(aliceHome),
    world.daemon(bobHome),
    world.daemon(carolHome),
    world.daemon(freshHomes.light, ['--allow-locked']),
    world.daemon(freshHomes.dark, ['--allow-locked']),
    launchBrowser(),
  ]);
  browser = br;
  await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
  const invite = world.run(carolHome, ['invite']).stdout.trim();
  world.run(aliceHome, ['contacts', 'add', 'Carol', invite]);
  await eventually(
    async () =>
      (await world.rpc<Array<{ state: string }>>(aliceHome, 'contacts.list')).every(
        (c) => c.state === 'active',
      ),
    30_000,
  );
  await world.rpc(bobHome, 'messages.send', { contact: 'Alice', text: 'Are we still on for Saturday?' });
  await world.rpc(aliceHome, 'messages.send', { contact: 'Bob', text: 'Yes! Meet at the trailhead at 9.' });
  await world.rpc(aliceHome, 'groups.create', { name: 'Hike', members: ['Bob', 'Carol'] });
  await world.rpc(aliceHome, 'messages.send', { contact: 'Hike', text: 'Who brings the coffee?' });
  // A member's message too, so the group screen has a member's name and avatar.
  await eventually(async () =>
    (await world.rpc<Array<{ name: string; status: string }>>(bobHome, 'groups.list')).some(
      (g) => g.name === 'Hike' && g.status === 'invited',
    ),
  );
  await world.rpc(bobHome, 'groups.accept', { group: 'Hike' });
  await world.rpc(bobHome, 'messages.send', { contact: 'Hike', text: 'I will, and the map' });
}, 120_000);

afterAll(async () => {
  // The per-screen result, for the closing note.
  console.log(`axe-core serious+critical violations per screen: ${JSON.stringify(results, null, 1)}`);
  await browser?.close();
  await world.cleanup();
});

describe('Parley Desktop: axe-core on every main screen', { timeout: 180_000 }, () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical violations (${scheme})`, async () => {
      const found: Record<string, string[]> = {};
      const check = async (page: Page, screen: string) => {
        const v = await axe(page);
        found[screen] = v;
        if (v.length) console.error(`axe on ${screen} (${scheme}):\n${v.join('\n')}`);
        results[`${screen} (${scheme})`] = v.length;
      };

      const fresh: AppPage = await openApp(browser, freshHomes[scheme] ?? '', { colorScheme: scheme });
      await fresh.page.getByRole('heading', { name: 'Create your account' }).waitFor();
      await check(fresh.page, 'onboarding: create');
      await fresh.page.getByRole('button', { name: 'This is a new device of mine' }).click();
      await fresh.page.getByRole('button', { name: 'Link this device' }).click(); // errors shown too
      await fresh.page.getByRole('alert').waitFor();
      await check(fresh.page, 'onboarding: link this device');
      await fresh.context.close();

      const { page, context } = await openApp(browser, aliceHome, { colorScheme: scheme });
      const list = page.getByRole('list', { name: 'Contacts' });
      await list.getByRole('button', { name: 'Bob', exact: true }).click();
      await page.getByRole('log').getByText('Meet at the trailhead').waitFor({ timeout: UI_TIMEOUT_MS });
      await check(page, 'chat list + conversation');

      await page.getByRole('button', { name: 'Contact info' }).click();
      await page.getByRole('dialog').waitFor();
      await check(page, 'contact info');
      await page.keyboard.press('Escape');

      await list.getByRole('button', { name: 'Hike', exact: true }).click();
      await page.getByRole('log').getByText('Who brings the coffee?').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.getByRole('log').getByText('I will, and the map').waitFor({ timeout: UI_TIMEOUT_MS });
      await check(page, 'group');
      await page.getByRole('button', { name: /info/i }).first().click();
      await page.getByRole('dialog').waitFor();
      await check(page, 'group info');
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByRole('region', { name: 'Your devices' }).waitFor();
      await check(page, 'settings');
      await page.getByRole('button', { name: 'Link a new device' }).click();
      await page.getByRole('img', { name: 'The link for your new device as a QR code' }).waitFor();
      await check(page, 'devices (link shown)');
      await page.keyboard.press('Escape');

      await page.getByRole('searchbox', { name: 'Search' }).fill('trailhead');
      await page.locator('.search-pane mark').first().waitFor({ timeout: UI_TIMEOUT_MS });
      await check(page, 'search');
      await page.keyboard.press('Escape');

      await page.keyboard.press('Control+/');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      await check(page, 'shortcuts');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+k');
      await page.getByRole('dialog', { name: 'Jump to a chat' }).waitFor();
      await check(page, 'jump to a chat');
      await page.keyboard.press('Escape');
      await context.close();

      expect(Object.entries(found).filter(([, v]) => v.length > 0)).toEqual([]);
    });
  }
});
