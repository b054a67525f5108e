/**
 * Parley Desktop as an installable app (issue 20): index.html links a web app
 * manifest and sets a theme colour; the daemon serves the manifest as
 * application/manifest+json under its CSP (manifest-src 'self'); the manifest
 * names the app, opens "/" standalone in the light theme's colours and lists
 * the icons, which are served too — SVG, and PNG at 192 and 512 px (made by
 * scripts/make-icons.mjs, which the committed files match); Chromium reads it
 * without errors. Hashed assets are cached for a year, immutable; the
 * manifest and icons for a day; index.html not at all. One real daemon.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      ['/icon-192.png', '192x192', 'image/png', 'any'],
      ['/icon-512.png', '512x512', 'image/png', 'any'],
      ['/icon-maskable-512.png', '512x512', 'image/png', 'maskable'],
    ]);
    for (const icon of manifest.icons) {
      const r = await alice.page.request.get(`${origin}${icon.src}`);
      expect(r.status(), icon.src).toBe(200);
      expect(r.headers()['content-type']).toBe(icon.type);
      if (icon.type === 'image/svg+xml') {
        expect(await r.text()).toMatch(/^<svg /);
        continue;
      }
      // A PNG of the size it claims (IHDR: width and height right after the signature).
      const png = await r.body();
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes);
    }
    // The browser decodes them at their size.
    const sizes = await alice.page.evaluate(async () =>
      Promise.all(
        ['/icon-192.png', '/icon-512.png', '/icon-maskable-512.png'].map(async (src) => {
          const bitmap = await createImageBitmap(await (await fetch(src)).blob());
          return `${bitmap.width}x${bitmap.height}`;
        }),
      ),
    );
    expect(sizes).toEqual(['192x192', '512x512', '512x512']);
  });

  it('ships the PNG icons scripts/make-icons.mjs makes', () => {
    const out = mkdtempSync(join(tmpdir(), 'parley-icons-'));
    try {
      execFileSync(process.execPath, [join(import.meta.dirname, '../../scripts/make-icons.mjs'), out]);
      for (const name of ['icon-192.png', 'icon-512.png', 'icon-maskable-512.png'])
        expect(
          readFileSync(join(out, name)).equals(
            readFileSync(join(import.meta.dirname, '../../apps/desktop/public', name)),
          ),
          name,
        ).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('caches hashed assets for a year, the manifest and icons for a day, index.html not at all', async () => {
    const cache = async (path: string) =>
      (await alice.page.request.get(`${origin}${path}`)).headers()['cache-control'];
    const script = await alice.page.locator('script[type="module"]').first().getAttribute('src');
    expect(script).toMatch(/^\/assets\/index-[\w-]{8,}\.js$/);
    expect(await cache(script as string)).toBe('public, max-age=31536000, immutable');
    for (const path of ['/manifest.webmanifest', '/favicon.svg', '/icon-192.png'])
      expect(await cache(path), path).toBe('public, max-age=86400');
    expect(await cache('/')).toBe('no-store');
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
