/**
 * How the daemon serves Parley Desktop: `parley ui --no-open` starts a
 * daemon and prints a one-time link; the ticket becomes an HttpOnly,
 * SameSite=Strict cookie once; static files carry a strict CSP; no
 * directory traversal; /rpc needs the cookie (or the token).
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

describe('parley ui and the desktop routes', { timeout: 60_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let home: string;
  let url: URL;

  beforeAll(() => {
    home = world.home('ui');
    const r = world.run(home, ['ui', '--no-open']);
    expect(r.code, r.stderr).toBe(0);
    url = new URL(r.stdout.trim());
  });

  afterAll(async () => {
    if (existsSync(join(home, 'api.json'))) await world.rpc(home, 'daemon.stop').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    await world.cleanup();
  });

  const rpc = (cookie: string | undefined, method: string) =>
    fetch(new URL('/rpc', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: {} }),
    });

  it('starts the daemon in allow-locked mode and prints a loopback link with a ticket', async () => {
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('ticket')).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(await world.rpc(home, 'daemon.state')).toMatchObject({ state: 'no-account' });
  });

  it('trades the ticket for a session cookie exactly once', async () => {
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^parley_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    const cookie = setCookie.split(';')[0] as string;
    const ok = await rpc(cookie, 'daemon.state');
    expect(((await ok.json()) as { result: { state: string } }).result.state).toBe('no-account');

    const again = await fetch(url, { redirect: 'manual' });
    expect(again.status).toBe(303);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect((await rpc(undefined, 'daemon.state')).status).toBe(401);
    expect((await rpc('parley_session=forged', 'daemon.state')).status).toBe(401);
  });

  it('serves the app with a strict CSP and refuses traversal, foreign hosts and cookie-minted tickets', async () => {
    const index = await fetch(new URL('/', url));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-store');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${url.port} ws://localhost:${url.port}`);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    const js = await fetch(new URL(script, url));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');

    for (const path of [
      '/../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/assets/%00',
    ])
      expect((await fetch(`${url.origin}${path}`)).status).toBe(404);
    // DNS rebinding: fetch cannot set Host, node:http can.
    const wrongHost = await new Promise<number>((resolve, reject) =>
      request(
        { host: '127.0.0.1', port: url.port, path: '/', headers: { host: `evil.example:${url.port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end(),
    );
    expect(wrongHost).toBe(421);
    expect((await fetch(new URL('/ui/ticket', url), { method: 'POST' })).status).toBe(401);
  });
});
