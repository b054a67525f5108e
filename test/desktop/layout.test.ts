/**
 * Layout defects of Parley Desktop (issue #20), with real daemons: onboarding
 * scrolls on a short (600 px) window so "Create account" is in reach, the
 * invite QR is drawn at 4 CSS px per module or more where the window allows (a 400 px window fits
 * a post-quantum invite's larger code and says it is small there),
 * and group members' names get distinct colours, even two whose names alone would pick the same.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });

/** Scrolls the way a user does (mouse wheel over the page), never programmatically. */
async function wheelToBottom(page: Page): Promise<void> {
  const { width, height } = page.viewportSize() ?? { width: 0, height: 0 };
  await page.mouse.move(width / 2, height / 2);
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, 600);
  // Let the (smooth) scroll settle.
  await page.waitForTimeout(300);
}

describe('Parley Desktop: layout', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let freshHome: string;
  let aliceHome: string;
  let bobHome: string;
  let carolHome: string;
  const apps: AppPage[] = [];

  beforeAll(async () => {
    freshHome = world.home('fresh');
    aliceHome = world.account('Alice');
    bobHome = world.account('Bob');
    carolHome = world.account('Carol');
    const [, , , , br] = await Promise.all([
      world.daemon(freshHome, ['--allow-locked']),
      world.daemon(aliceHome),
      world.daemon(bobHome),
      world.daemon(carolHome),
      launchBrowser(),
    ]);
    browser = br;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  async function open(home: string, viewport: { width: number; height: number }): Promise<AppPage> {
    const app = await openApp(browser, home, { viewport });
    apps.push(app);
    return app;
  }

  it('onboarding scrolls on a 600 px-tall window: "Create account" is reachable and works', async () => {
    for (const viewport of [
      { width: 1100, height: 600 },
      { width: 400, height: 600 },
    ]) {
      const { page } = await open(freshHome, viewport);
      await page.getByRole('heading', { name: 'Create your account' }).waitFor();
      const create = page.getByRole('button', { name: 'Create account' });
      // A user scrolls with the wheel: the button must come into the viewport.
      await wheelToBottom(page);
      const wheeled = await create.boundingBox();
      expect(wheeled, `${viewport.width}×${viewport.height}: button rendered`).not.toBeNull();
      expect(
        (wheeled?.y ?? 0) + (wheeled?.height ?? 0),
        `${viewport.width}×${viewport.height}: button bottom after scrolling with the wheel`,
      ).toBeLessThanOrEqual(viewport.height);
      expect(wheeled?.y ?? -1).toBeGreaterThanOrEqual(0);
      await create.scrollIntoViewIfNeeded();
      const box = await create.boundingBox();
      expect(box).not.toBeNull();
      expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(viewport.height);
      expect(box?.y ?? -1).toBeGreaterThanOrEqual(0);
      // Nothing spills sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        viewport.width,
      );
    }
    const { page } = apps[apps.length - 1] as AppPage;
    await page.getByRole('textbox', { name: 'Your name' }).fill('Fresh');
    await page.getByRole('radio', { name: /Without a passphrase/ }).check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Add contact' }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await world.rpc<{ name: string }>(freshHome, 'id')).toMatchObject({ name: 'Fresh' });
  });

  it('draws the invite QR at 4 CSS px per module where the window allows; in 400 px it fits and says so', async () => {
    // A post-quantum invite (suite 2) carries an ML-KEM-768 prekey: ~160 modules, 4 px each needs
    // ~680 px. A wide window draws it so; a 400 px window fits it (>= 2 px per module) and says the
    // code is small there (widen the window, or copy the link).
    for (const viewport of [
      { width: 1100, height: 760, minPx: 4, note: false },
      { width: 400, height: 700, minPx: 2, note: true },
    ]) {
      const { page } = await open(aliceHome, { width: viewport.width, height: viewport.height });
      await page.getByRole('button', { name: 'Add contact' }).click();
      const qr = page.getByRole('img', { name: 'Your invite as a QR code' });
      await qr.waitFor();
      const modules = await qr.evaluate((svg) => {
        const fromData = Number(svg.getAttribute('data-modules'));
        if (fromData > 0) return fromData;
        return Number(svg.getAttribute('viewBox')?.split(/\s+/)[2]);
      });
      // An invite link needs a large symbol (the defect: 97 modules in 180 px).
      expect(modules).toBeGreaterThan(40);
      await qr.scrollIntoViewIfNeeded();
      const box = await qr.boundingBox();
      expect(box).not.toBeNull();
      const width = box?.width ?? 0;
      expect(width / modules, `${viewport.width} px window: CSS px per module`).toBeGreaterThanOrEqual(
        viewport.minPx,
      );
      expect(box?.height ?? 0).toBeCloseTo(width, 0);
      // Inside the window once scrolled to.
      expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
      expect((box?.x ?? 0) + width).toBeLessThanOrEqual(viewport.width);
      const note = page.getByText(/the code is drawn small/);
      if (viewport.note && width / modules < 4) await note.waitFor();
      else expect(await note.isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Close' }).click();
    }
  });

  it('colours each group member name differently, even names that hash alike', async () => {
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    const invite = world.run(carolHome, ['invite']).stdout.trim();
    // Alice calls Carol "Cara": a name whose hash picks Bob's colour (slot 4 of 10), as the
    // colours by name alone did; by member, no two share one.
    expect(world.run(aliceHome, ['contacts', 'add', 'Cara', invite]).code).toBe(0);
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; state: string }>>(carolHome, 'contacts.list')).some(
        (c) => c.name === 'Alice' && c.state === 'active',
      ),
    );
    await world.rpc(aliceHome, 'groups.create', { name: 'Choir', members: ['Bob', 'Cara'] });
    for (const home of [bobHome, carolHome]) {
      await eventually(async () =>
        (await world.rpc<Array<{ name: string; status: string }>>(home, 'groups.list')).some(
          (g) => g.name === 'Choir' && g.status === 'invited',
        ),
      );
      await world.rpc(home, 'groups.accept', { group: 'Choir' });
    }
    await world.rpc(bobHome, 'messages.send', { contact: 'Choir', text: 'Bob sings bass' });
    await world.rpc(carolHome, 'messages.send', { contact: 'Choir', text: 'Carol sings alto' });

    const { page } = await open(aliceHome, { width: 1100, height: 760 });
    await chat(page, 'Choir').click({ timeout: UI_TIMEOUT_MS });
    const fromBob = page.getByRole('article').filter({ hasText: 'Bob sings bass' }).last();
    const fromCarol = page.getByRole('article').filter({ hasText: 'Carol sings alto' }).last();
    await fromBob.waitFor({ timeout: UI_TIMEOUT_MS });
    await fromCarol.waitFor({ timeout: UI_TIMEOUT_MS });
    const colour = (article: typeof fromBob, name: string) =>
      article.getByText(name, { exact: true }).evaluate((el) => getComputedStyle(el).color);
    const bob = await colour(fromBob, 'Bob');
    const carol = await colour(fromCarol, 'Cara');
    expect(bob).not.toBe(carol);
    expect(apps.flatMap((a) => a.errors)).toEqual([]);
  });
});
