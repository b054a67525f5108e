/**
 * How the daemon serves Parley Desktop: `parley ui` starts a daemon and opens
 * (or, with --no-open, prints the path of) a 0600 launch file whose page
 * POSTs a one-time ticket; no secret is ever on a command line (every local
 * user can read /proc/PID/cmdline), in a URL or on the terminal. The ticket
 * becomes an HttpOnly, Secure, SameSite=Strict `__Host-` cookie once (in
 * Chromium on plain http://127.0.0.1 too); static files carry a strict CSP; no
 * directory traversal; /rpc needs the cookie (or the token).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, launchBrowser, signIn } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const ticketIn = (file: string): string =>
  /name="ticket" value="([A-Za-z0-9_-]+)"/.exec(readFileSync(file, 'utf8'))?.[1] ?? '';

describe('parley ui and the desktop routes', { timeout: 60_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let home: string;
  let printed: { stdout: string; stderr: string };
  let launchFile: string;
  let origin: string;
  let browser: Browser | undefined;
  const fakeBin = mkdtempSync(join(tmpdir(), 'fake-browser-'));

  beforeAll(() => {
    home = world.home('ui');
    const r = world.run(home, ['ui', '--no-open']);
    expect(r.code, r.stderr).toBe(0);
    printed = r;
    launchFile = r.stdout.trim();
    origin = `http://127.0.0.1:${apiOf(home).port}`;
  });

  afterAll(async () => {
    await browser?.close();
    if (existsSync(join(home, 'api.json'))) await world.rpc(home, 'daemon.stop').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    await world.cleanup();
    rmSync(fakeBin, { recursive: true, force: true });
  });

  const rpc = (cookie: string | undefined, method: string, params: Record<string, unknown> = {}) =>
    fetch(`${origin}/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
  const redeem = (ticket: string) =>
    fetch(`${origin}/ui/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' },
      body: new URLSearchParams({ ticket }).toString(),
      redirect: 'manual',
    });

  it('starts the daemon in allow-locked mode and prints the path of a 0600 launch file, not a secret', async () => {
    expect(launchFile.startsWith(join(home, 'launch'))).toBe(true);
    expect(statSync(launchFile).mode & 0o777).toBe(0o600);
    const ticket = ticketIn(launchFile);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(printed.stdout + printed.stderr).not.toContain(ticket);
    expect(printed.stdout).not.toMatch(/https?:/);
    expect(await world.rpc(home, 'daemon.state')).toMatchObject({ state: 'no-account' });
  });

  it('opens the browser with the launch file: no ticket in its command line', async () => {
    const argvFile = join(fakeBin, 'argv');
    const fake = join(fakeBin, 'chromium');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\n`);
    chmodSync(fake, 0o755);
    const r = world.run(home, ['--json', 'ui'], {
      env: { PATH: `${fakeBin}:${process.env.PATH ?? ''}`, DISPLAY: ':99' },
    });
    expect(r.code, r.stderr).toBe(0);
    await eventually(() => existsSync(argvFile), 10_000, 'the fake browser to run');
    const argv = readFileSync(argvFile, 'utf8').trim().split('\n');
    expect(argv.join(' ')).not.toMatch(/ticket|https?:/);
    const out = JSON.parse(r.stdout) as { launchFile: string; opened: boolean; daemonStarted: boolean };
    expect(out).toMatchObject({ opened: true, daemonStarted: false });
    expect(argv).toEqual([`--app=${pathToFileURL(out.launchFile).href}`]);
    const ticket = ticketIn(out.launchFile);
    expect(ticket).not.toBe('');
    expect(argv.join(' ')).not.toContain(ticket);
    expect(r.stdout + r.stderr).not.toContain(ticket);
  });

  it('trades the ticket for a __Host- session cookie exactly once, by POST only', async () => {
    const ticket = ticketIn(launchFile);
    // A ticket in a URL is not taken (it would end up in argv, history and logs).
    const viaUrl = await fetch(`${origin}/?ticket=${ticket}`, { redirect: 'manual' });
    expect(viaUrl.headers.get('set-cookie')).toBeNull();
    const first = await redeem(ticket);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^__Host-parley_session=[A-Za-z0-9_-]{43}; Secure; HttpOnly; SameSite=Strict; Path=\/$/,
    );
    expect(existsSync(launchFile)).toBe(false);
    const cookie = setCookie.split(';')[0] as string;
    const ok = await rpc(cookie, 'daemon.state');
    expect(((await ok.json()) as { result: { state: string } }).result.state).toBe('no-account');

    const again = await redeem(ticket);
    expect(again.status).toBe(403);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect((await rpc(undefined, 'daemon.state')).status).toBe(401);
    expect((await rpc('__Host-parley_session=forged', 'daemon.state')).status).toBe(401);
    expect((await rpc('parley_session=forged', 'daemon.state')).status).toBe(401);
  });

  it('Chromium keeps the __Host- cookie on http://127.0.0.1 and the app works with it', async () => {
    browser = await launchBrowser();
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, home);
    const [cookie] = await context.cookies(origin);
    expect(cookie).toMatchObject({
      name: '__Host-parley_session',
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/',
    });
    const state = await page.evaluate(async () => {
      const res = await fetch('/rpc', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon.state', params: {} }),
      });
      return ((await res.json()) as { result: { state: string } }).result.state;
    });
    expect(state).toBe('no-account');
  });

  it('serves the app with a strict CSP and refuses traversal, foreign hosts and cookie-minted tickets', async () => {
    const index = await fetch(`${origin}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-store');
    const csp = index.headers.get('content-security-policy') ?? '';
    const port = new URL(origin).port;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    const js = await fetch(`${origin}${script}`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');

    for (const path of [
      '/../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/assets/%00',
    ])
      expect((await fetch(`${origin}${path}`)).status).toBe(404);
    // DNS rebinding: fetch cannot set Host, node:http can.
    const wrongHost = (path: string, method = 'GET') =>
      new Promise<number>((resolve, reject) =>
        request(
          { host: '127.0.0.1', port, path, method, headers: { host: `evil.example:${port}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
          .on('error', reject)
          .end(),
      );
    expect(await wrongHost('/')).toBe(421);
    expect(await wrongHost('/ui/session', 'POST')).toBe(421);
    expect((await fetch(`${origin}/ui/launch`, { method: 'POST' })).status).toBe(401);
    // The old ticket route is gone.
    expect((await fetch(`${origin}/ui/ticket`, { method: 'POST' })).status).not.toBe(200);
    // A foreign page cannot post a ticket (it has none, and its Origin is refused).
    const foreign = await fetch(`${origin}/ui/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: 'ticket=x',
      redirect: 'manual',
    });
    expect(foreign.status).toBe(403);
  });

  it('the daemon it started logs our PeerId only by its suffix, and not our name (daemon.log)', async () => {
    await world.rpc(home, 'account.create', { name: 'Uma' });
    const { peerId } = await world.rpc<{ peerId: string }>(home, 'status');
    await eventually(() => readFileSync(join(home, 'daemon.log'), 'utf8').includes('online ('), 10_000);
    const log = readFileSync(join(home, 'daemon.log'), 'utf8');
    expect(log).toContain(`online (…${peerId.slice(-6)})`);
    expect(log).not.toContain(peerId);
    expect(log).not.toContain('Uma');
  });
});
