/**
 * Parley Desktop as an installable app (issue 20): index.html links a web app
 * manifest and sets a theme colour; the daemon serves the manifest as
 * application/manifest+json under its CSP (manifest-src 'self'); the manifest
 * names the app, opens "/" standalone in the light theme's colours and lists
 * the icons, which are served too; Chromium reads it without errors. One
 * real daemon.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, apiOf, launchBrowser, openApp } from '../support/browser.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

/** The light theme's background (styles.css --bg). */
const LIGHT_BG = '#ffffff';

interface Manifest {
  readonly name: string;
  readonly short_name: string;
  readonly start_url: string;
  readonly display: string;
  readonly background_color: string;
  readonly theme_color: string;
  readonly icons: readonly { src: string; sizes: string; type: string; purpose?: string }[];
}

describe('Parley Desktop: the web app manifest', { timeout: 60_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let alice: AppPage;
  let origin: string;

  beforeAll(async () => {
    const home = world.account('Alice');
    [, browser] = await Promise.all([world.daemon(home), launchBrowser()]);
    origin = `http://127.0.0.1:${apiOf(home).port}`;
    alice = await openApp(browser, home);
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('is linked from the page, with a theme colour', async () => {
    const { page } = alice;
    expect(await page.locator('link[rel="manifest"]').getAttribute('href')).toBe('/manifest.webmanifest');
    const light = page.locator('meta[name="theme-color"][media="(prefers-color-scheme: light)"]');
    expect(await light.getAttribute('content')).toBe(LIGHT_BG);
    expect(await page.locator('meta[name="theme-color"]').count()).toBeGreaterThanOrEqual(1);
  });

  it('is served as application/manifest+json and describes a standalone app with its icons', async () => {
    const res = await alice.page.request.get(`${origin}/manifest.webmanifest`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/manifest+json');
    expect(res.headers()['content-security-policy']).toContain("manifest-src 'self'");
    const manifest = (await res.json()) as Manifest;
    expect(manifest).toMatchObject({
      name: 'Parley',
      short_name: 'Parley',
      start_url: '/',
      display: 'standalone',
      background_color: LIGHT_BG,
      theme_color: LIGHT_BG,
    });
    expect(manifest.icons.map((i) => [i.src, i.sizes, i.type, i.purpose ?? 'any'])).toEqual([
      ['/favicon.svg', 'any', 'image/svg+xml', 'any'],
      ['/icon-maskable.svg', 'any', 'image/svg+xml', 'maskable'],
    ]);
    for (const icon of manifest.icons) {
      const r = await alice.page.request.get(`${origin}${icon.src}`);
      expect(r.status(), icon.src).toBe(200);
      expect(r.headers()['content-type']).toBe('image/svg+xml');
      expect(await r.text()).toMatch(/^<svg /);
    }
  });

  it('is read by the browser without errors (and without breaking the CSP)', async () => {
    const { page, context } = alice;
    const cdp = await context.newCDPSession(page);
    const got = (await cdp.send('Page.getAppManifest')) as {
      url: string;
      errors: readonly { message: string }[];
      data?: string;
    };
    expect(got.url).toBe(`${origin}/manifest.webmanifest`);
    expect(got.errors).toEqual([]);
    expect(JSON.parse(got.data ?? '{}')).toMatchObject({ name: 'Parley', display: 'standalone' });
    expect(alice.errors.filter((e) => /manifest|Content Security Policy/i.test(e))).toEqual([]);
  });
});
