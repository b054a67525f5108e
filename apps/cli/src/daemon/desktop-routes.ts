/**
 * Serves Parley Desktop (apps/desktop/dist) from the daemon's local API
 * server, and trades one-time tickets for session cookies (DESIGN.md §6).
 *
 * - Static files: any request whose Host/Origin are ours (the app is public
 *   code); GET/HEAD only, no directory traversal, strict CSP on every reply.
 * - `POST /ui/ticket` (token only, not the cookie): a random 128-bit ticket,
 *   valid once for TICKET_TTL_MS. `parley ui` opens `/?ticket=T`.
 * - `GET /?ticket=T`: a valid ticket becomes an HttpOnly, SameSite=Strict
 *   session cookie (added to `api.sessions`), then a redirect to `/`. The
 *   ticket is consumed whether or not the exchange succeeds.
 * - `GET /ui/config` (cookie or token): the daemon's start options.
 * - `POST /upload`, `GET /attachments/ID` (cookie or token): sending and
 *   showing attachments (desktop-media.ts).
 * Every /rpc and /events call still needs the cookie or the token.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkHostOrigin, SESSION_COOKIE, safeEqual } from './api-guard.ts';
import type { ExtraRoutes } from './api-server.ts';
import { handleAttachment, handleUpload } from './desktop-media.ts';
import type { DaemonView } from './run.ts';

/** A ticket is valid once, for this long. */
export const TICKET_TTL_MS = 60_000;
/** Tickets waiting to be used; older ones are dropped beyond this. */
export const MAX_PENDING_TICKETS = 16;
/** Desktop sessions kept; the oldest is forgotten beyond this. */
export const MAX_SESSIONS = 32;
/** 128-bit tickets, 256-bit session cookies. */
const TICKET_BYTES = 16;
const SESSION_BYTES = 32;

export const DEFAULT_DESKTOP_DIST: string = fileURLToPath(new URL('../../../desktop/dist/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function securityHeaders(port: number): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(port),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

function reply(
  res: ServerResponse,
  port: number,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...securityHeaders(port),
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

export interface TicketBook {
  issue(now?: number): string;
  /** True once per issued, unexpired ticket. */
  redeem(ticket: string, now?: number): boolean;
}

export function ticketBook(): TicketBook {
  const pending = new Map<string, number>(); // ticket → expiresAt
  return {
    issue(now = Date.now()) {
      for (const [t, expires] of pending) if (expires <= now) pending.delete(t);
      while (pending.size >= MAX_PENDING_TICKETS) pending.delete(pending.keys().next().value as string);
      const ticket = randomBytes(TICKET_BYTES).toString('base64url');
      pending.set(ticket, now + TICKET_TTL_MS);
      return ticket;
    },
    redeem(ticket, now = Date.now()) {
      for (const [t, expires] of pending) {
        if (!safeEqual(t, ticket)) continue;
        pending.delete(t);
        return expires > now;
      }
      return false;
    },
  };
}

/** Resolves a URL path inside `root`, or undefined if it tries to leave it. */
export function resolveStatic(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = normalize(join(root, relative));
  const base = root.endsWith(sep) ? root : root + sep;
  return full.startsWith(base) ? full : undefined;
}

async function serveFile(req: IncomingMessage, res: ServerResponse, port: number, file: string) {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return reply(res, port, 404, 'not found\n');
  const body = await readFile(file);
  const isIndex = file.endsWith(`${sep}index.html`);
  res.writeHead(200, {
    ...securityHeaders(port),
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(body.length),
    // Hashed asset names never change content; index.html always reloads.
    'cache-control': isIndex ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function newSession(sessions: Set<string>): string {
  while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.values().next().value as string);
  const session = randomBytes(SESSION_BYTES).toString('base64url');
  sessions.add(session);
  return session;
}

/** The `extraRoutes` factory for startDaemon. */
/** What the daemon was started with, shown (read-only) in the app's settings. */
export interface DaemonConfig {
  readonly listen: readonly string[];
  readonly bootstrap: readonly string[];
  readonly mdns: boolean;
}

export function desktopRoutes(
  options: { readonly dist?: string; readonly config?: DaemonConfig } = {},
): (daemon: DaemonView) => ExtraRoutes {
  const root = options.dist ?? DEFAULT_DESKTOP_DIST;
  return (daemon) => {
    const tickets = ticketBook();
    return async (req, res, guard) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/rpc' || url.pathname === '/events') return false;
      const api = daemon.api();
      const port = api.port;

      if (url.pathname === '/ui/ticket') {
        const verdict = guard();
        // Only the token mints tickets (a page holding a cookie has no use for one).
        const viaToken = (req.headers.authorization ?? '').startsWith('Bearer ');
        if (!verdict.ok || !viaToken) {
          reply(res, port, verdict.ok ? 401 : verdict.status, '{"error":"token required"}\n', {
            'content-type': 'application/json; charset=utf-8',
          });
          return true;
        }
        if (req.method !== 'POST') {
          reply(res, port, 405, 'method not allowed\n', { allow: 'POST' });
          return true;
        }
        const ticket = tickets.issue();
        reply(res, port, 200, `${JSON.stringify({ ticket, expiresInMs: TICKET_TTL_MS })}\n`, {
          'content-type': 'application/json; charset=utf-8',
        });
        return true;
      }

      if (url.pathname === '/ui/config') {
        const verdict = guard();
        if (!verdict.ok) reply(res, port, verdict.status, `${verdict.reason}\n`);
        else
          reply(res, port, 200, `${JSON.stringify(options.config ?? null)}\n`, {
            'content-type': 'application/json; charset=utf-8',
          });
        return true;
      }

      if (url.pathname === '/upload' || url.pathname.startsWith('/attachments/')) {
        const verdict = guard();
        const messenger = daemon.messenger();
        const send = (status: number, body: string, headers: Record<string, string> = {}) =>
          reply(res, port, status, body, headers);
        if (!verdict.ok) send(verdict.status, `${verdict.reason}\n`, { connection: 'close' });
        else if (!messenger) send(409, 'the account is locked: unlock it first\n', { connection: 'close' });
        else if (url.pathname === '/upload') await handleUpload(req, url, { messenger, reply: send });
        else await handleAttachment(req, res, url, { messenger, reply: send });
        return true;
      }

      const hostOrigin = checkHostOrigin(req, port);
      if (!hostOrigin.ok) {
        reply(res, port, hostOrigin.status, `${hostOrigin.reason}\n`);
        return true;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        reply(res, port, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
        return true;
      }

      const ticket = url.searchParams.get('ticket');
      if (url.pathname === '/' && ticket !== null) {
        const headers: Record<string, string> = { location: '/' };
        if (tickets.redeem(ticket)) {
          const session = newSession(api.sessions);
          headers['set-cookie'] = `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`;
        }
        reply(res, port, 303, 'see /\n', headers);
        return true;
      }

      const file = resolveStatic(root, url.pathname);
      if (!file) {
        reply(res, port, 404, 'not found\n');
        return true;
      }
      if (url.pathname === '/' && !(await stat(file).catch(() => undefined))) {
        reply(
          res,
          port,
          503,
          'Parley Desktop is not built yet: run "pnpm build" in the Parley folder, then "parley ui" again.\n',
        );
        return true;
      }
      await serveFile(req, res, port, file);
      return true;
    };
  };
}
