/**
 * Parley Desktop in a real browser: playwright-core driving Debian's
 * Chromium (never `playwright install`). Pages are opened through the same
 * launch file `parley ui` opens (a 0600 page that POSTs a one-time ticket),
 * so the session cookie path is exercised.
 */
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** PARLEY_CHROMIUM, else Debian's path, else the first Chromium on PATH (scripts/system-deps.mjs checks the same). */
export const CHROMIUM_PATH: string =
  process.env.PARLEY_CHROMIUM ??
  [
    '/usr/bin/chromium',
    ...(process.env.PATH ?? '')
      .split(':')
      .flatMap((d) => (d ? [`${d}/chromium`, `${d}/chromium-browser`] : [])),
  ].find((p) => existsSync(p)) ??
  '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

/** The daemon's API port and token from a home's api.json / api.token. */
export function apiOf(home: string): { port: number; token: string } {
  const { port } = JSON.parse(readFileSync(join(home, 'api.json'), 'utf8')) as { port: number };
  return { port, token: readFileSync(join(home, 'api.token'), 'utf8').trim() };
}

/** A fresh one-time launch file's file: URL, as `parley ui` opens it. */
export async function launchUrl(home: string): Promise<string> {
  const { port, token } = apiOf(home);
  const res = await fetch(`http://127.0.0.1:${port}/ui/launch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`launch file refused: HTTP ${res.status}`);
  const { file } = (await res.json()) as { file: string };
  return pathToFileURL(file).href;
}

/** Signs `page` in as `parley ui` does: opens a launch file, waits for the app's own origin. */
export async function signIn(page: Page, home: string): Promise<void> {
  const { port } = apiOf(home);
  await page.goto(await launchUrl(home));
  await page.waitForURL(`http://127.0.0.1:${port}/`);
}

export interface AppPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and page errors seen so far. */
  readonly errors: string[];
}

/** Opens the app for a home in a new browser context (its own cookie jar). */
export async function openApp(
  browser: Browser,
  home: string,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<AppPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1100, height: 760 },
    colorScheme: options.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await signIn(page, home);
  return { context, page, errors };
}

/** True once the last <img> "Photo: NAME" has loaded the full picture from the daemon. */
export const loadedFromDaemon = (page: Page, name: string): Promise<boolean> =>
  page
    .getByRole('img', { name: `Photo: ${name}` })
    .last()
    .evaluate(
      (el: HTMLImageElement) =>
        el.complete && el.naturalWidth > 0 && (el.getAttribute('src') ?? '').startsWith('/attachments/'),
    )
    .catch(() => false);

/** GET a path of the daemon's API with its token: the status and body. */
export function apiGet(home: string, path: string): Promise<{ status: number; body: Buffer }> {
  const { port, token } = apiOf(home);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
