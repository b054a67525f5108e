/**
 * Serves Parley Desktop (apps/desktop/dist) from the daemon's local API
 * server, and trades one-time tickets for session cookies (DESIGN.md §6).
 *
 * - Static files: any request whose Host/Origin are ours (the app is public
 *   code); GET/HEAD only, no directory traversal, strict CSP on every reply.
 * - `POST /ui/launch` (token only, not the cookie): a one-time ticket in a
 *   0600 launch file; answers the file's path (desktop-launch.ts).
 * - `POST /ui/session` (a form with the ticket, from our own user): an
 *   HttpOnly, Secure, SameSite=Strict `__Host-` session cookie (added to
 *   `api.sessions`), then a redirect to `/`. A ticket is used up when first
 *   presented (another user's attempt is refused before the ticket is looked
 *   at). Tickets are never taken from a URL.
 * - `GET /ui/config` (cookie or token): the daemon's start options.
 * - `POST /upload`, `GET /attachments/ID` (cookie or token): sending and
 *   showing attachments (desktop-media.ts).
 * Every /rpc and /events call still needs the cookie or the token; methods
 * that take a filesystem path need the token (rpc-methods.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  allowedOrigins,
  checkHost,
  checkHostOrigin,
  type GuardVerdict,
  SESSION_COOKIE,
  sameUserAsDaemon,
} from './api-guard.ts';
import type { ExtraRoutes } from './api-server.ts';
import {
  launchOriginAllowed,
  readTicket,
  TICKET_TTL_MS,
  type TicketBook,
  ticketBook,
} from './desktop-launch.ts';
import { handleAttachment, handleUpload } from './desktop-media.ts';
import type { DaemonView } from './run.ts';

/** Desktop sessions kept; the oldest is forgotten beyond this. */
export const MAX_SESSIONS = 32;
/** 256-bit session cookies. */
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

/** Vite's hashed build output: `assets/<name>-<hash>.<ext>`, whose content never changes. */
const HASHED_ASSET = /[/\\]assets[/\\][^/\\]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
/** Files kept under one name across versions (manifest, icons): a day, then asked again. */
export const UNHASHED_MAX_AGE_S = 86_400;

/**
 * How long a browser may keep a file: hashed assets a year, never revalidated (a new build names
 * new files); index.html never (it names the current assets); the rest, whose names stay while
 * their content may change with an update (the manifest, icons), a day.
 */
export function cacheControl(file: string): string {
  if (file.endsWith(`${sep}index.html`)) return 'no-store';
  if (HASHED_ASSET.test(file)) return 'public, max-age=31536000, immutable';
  return `public, max-age=${UNHASHED_MAX_AGE_S}`;
}

async function serveFile(req: IncomingMessage, res: ServerResponse, port: number, file: string) {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return reply(res, port, 404, 'not found\n');
  const body = await readFile(file);
  res.writeHead(200, {
    ...securityHeaders(port),
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(body.length),
    'cache-control': cacheControl(file),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function newSession(sessions: Set<string>): string {
  while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.values().next().value as string);
  const session = randomBytes(SESSION_BYTES).toString('base64url');
  sessions.add(session);
  return session;
}

/** What the daemon was started with, shown (read-only) in the app's settings. */
export interface DaemonConfig {
  readonly listen: readonly string[];
  readonly bootstrap: readonly string[];
  readonly mdns: boolean;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/** `POST /ui/launch`: the token (never a cookie) gets a launch file's path. */
function handleLaunch(
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
  verdict: GuardVerdict,
  tickets: TicketBook,
): void {
  // Only the token mints tickets (a page holding a cookie has no use for one).
  if (!verdict.ok || verdict.caller !== 'token')
    reply(res, port, verdict.ok ? 401 : verdict.status, '{"error":"token required"}\n', JSON_TYPE);
  else if (req.method !== 'POST') reply(res, port, 405, 'method not allowed\n', { allow: 'POST' });
  else {
    const file = tickets.issue(port);
    reply(res, port, 200, `${JSON.stringify({ file, expiresInMs: TICKET_TTL_MS })}\n`, JSON_TYPE);
  }
}

/** `POST /ui/session`: a launch page's ticket becomes the session cookie. */
async function handleSession(
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
  tickets: TicketBook,
  sessions: Set<string>,
): Promise<void> {
  const refuse = (status: number, text: string): void =>
    reply(res, port, status, `${text}\n`, { connection: 'close' });
  if (req.method !== 'POST') return reply(res, port, 405, 'method not allowed\n', { allow: 'POST' });
  const host = checkHost(req, port);
  if (!host.ok) return refuse(host.status, host.reason);
  if (!launchOriginAllowed(req.headers.origin, allowedOrigins(port))) return refuse(403, 'foreign Origin');
  // Checked before the ticket is touched: another user's attempt does not use it up.
  if (!sameUserAsDaemon(req))
    return refuse(
      403,
      'this connection belongs to another user of this machine; run "parley ui" as yourself',
    );
  const ticket = await readTicket(req);
  if (ticket === undefined || !tickets.redeem(ticket))
    return refuse(403, 'this Parley launch page was already used or has expired: run "parley ui" again');
  const session = newSession(sessions);
  reply(res, port, 303, 'see /\n', {
    location: '/',
    'set-cookie': `${SESSION_COOKIE}=${session}; Secure; HttpOnly; SameSite=Strict; Path=/`,
  });
}

/** The `extraRoutes` factory for startDaemon; launch files go to `launchDir` (0700). */
export function desktopRoutes(options: {
  readonly launchDir: string;
  readonly dist?: string;
  readonly config?: DaemonConfig;
}): (daemon: DaemonView) => ExtraRoutes {
  const root = options.dist ?? DEFAULT_DESKTOP_DIST;
  return (daemon) => {
    const tickets = ticketBook(options.launchDir);
    return async (req, res, guard) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/rpc' || url.pathname === '/events') return false;
      const api = daemon.api();
      const port = api.port;

      if (url.pathname === '/ui/launch') {
        handleLaunch(req, res, port, guard(), tickets);
        return true;
      }
      if (url.pathname === '/ui/session') {
        await handleSession(req, res, port, tickets, api.sessions);
        return true;
      }

      if (url.pathname === '/ui/config') {
        const verdict = guard();
        if (!verdict.ok) reply(res, port, verdict.status, `${verdict.reason}\n`);
        else reply(res, port, 200, `${JSON.stringify(options.config ?? null)}\n`, JSON_TYPE);
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

      await serveStatic(req, res, port, root, url);
      return true;
    };
  };
}

/** The app's public files, for our Host and Origin only; GET/HEAD. */
async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
  root: string,
  url: URL,
): Promise<void> {
  const hostOrigin = checkHostOrigin(req, port);
  if (!hostOrigin.ok) return reply(res, port, hostOrigin.status, `${hostOrigin.reason}\n`);
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return reply(res, port, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
  const file = resolveStatic(root, url.pathname);
  if (!file) return reply(res, port, 404, 'not found\n');
  if (url.pathname === '/' && !(await stat(file).catch(() => undefined)))
    return reply(
      res,
      port,
      503,
      'Parley Desktop is not built yet: run "pnpm build" in the Parley folder, then "parley ui" again.\n',
    );
  await serveFile(req, res, port, file);
}
