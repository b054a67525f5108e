/**
 * The checks every local API request passes BEFORE any handler runs
 * (DESIGN.md §6): the Host header must name our loopback address (DNS
 * rebinding), a present Origin must be our own origin (CSRF, WebSocket
 * hijacking), and the request must carry the token (Authorization: Bearer)
 * or a session cookie the daemon issued to the desktop app — presented over
 * a connection opened by the user the daemon runs as (loopback-peer.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { openedBySameUser } from './loopback-peer.ts';

/**
 * Who a request comes from: `token` (the CLI, scripts: whoever can read api.token) or `session`
 * (a browser window of Parley Desktop, by its cookie). Sessions may not use methods that read or
 * write files by path (rpc-methods.ts).
 */
export type Caller = 'token' | 'session';

export type GuardVerdict =
  | { ok: true; caller: Caller }
  | { ok: false; status: 401 | 403 | 421; reason: string };

export type HostOriginVerdict = { ok: true } | { ok: false; status: 403 | 421; reason: string };

export interface GuardOptions {
  readonly port: () => number;
  readonly token: string;
  /** Valid desktop session cookies (values of the SESSION_COOKIE cookie). */
  readonly sessions: ReadonlySet<string>;
  /** Whether the request's connection was opened by our own user (default: loopback-peer.ts). */
  readonly sameUser?: (req: IncomingMessage) => boolean;
}

/**
 * `__Host-`: the browser stores it only with Secure, Path=/ and no Domain, so no other page can
 * set or shadow it for a wider scope (a longer Path, say). Secure on plain http works because
 * Chromium and Firefox treat http://127.0.0.1 and http://localhost as potentially trustworthy
 * (checked with Chromium 156 and Firefox ESR 153; test/desktop/serving.test.ts checks Chromium on
 * every run); a browser that does not (Safari) would drop the cookie and could not sign in.
 * Cookies are not scoped by port: a server of another user on 127.0.0.1:OTHER could be sent this
 * cookie; it could not use it, because a session is only accepted over a connection of our user.
 */
export const SESSION_COOKIE = '__Host-parley_session';

export function allowedHosts(port: number): readonly string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): readonly string[] {
  return allowedHosts(port).map((h) => `http://${h}`);
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export const sameUserAsDaemon = (req: IncomingMessage): boolean => openedBySameUser(req.socket);

/** The Host header only (DNS rebinding). */
export function checkHost(req: IncomingMessage, port: number): HostOriginVerdict {
  const host = req.headers.host ?? '';
  if (!allowedHosts(port).includes(host)) return { ok: false, status: 421, reason: 'wrong Host header' };
  return { ok: true };
}

/** Host and Origin only (for pages that need no auth yet, like the app's static files). */
export function checkHostOrigin(req: IncomingMessage, port: number): HostOriginVerdict {
  const host = checkHost(req, port);
  if (!host.ok) return host;
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).includes(origin)) {
    return { ok: false, status: 403, reason: 'foreign Origin' };
  }
  return { ok: true };
}

export function checkRequest(req: IncomingMessage, options: GuardOptions): GuardVerdict {
  const hostOrigin = checkHostOrigin(req, options.port());
  if (!hostOrigin.ok) return hostOrigin;
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('Bearer ') && safeEqual(auth.slice(7), options.token))
    return { ok: true, caller: 'token' };
  const cookie = cookieValue(req, SESSION_COOKIE);
  if (cookie !== undefined && [...options.sessions].some((s) => safeEqual(s, cookie))) {
    if (!(options.sameUser ?? sameUserAsDaemon)(req))
      return { ok: false, status: 403, reason: 'this session belongs to another user of this machine' };
    return { ok: true, caller: 'session' };
  }
  return { ok: false, status: 401, reason: 'missing or wrong token' };
}
