/**
 * The checks every local API request passes BEFORE any handler runs
 * (DESIGN.md §6): the Host header must name our loopback address (DNS
 * rebinding), a present Origin must be our own origin (CSRF, WebSocket
 * hijacking), and the request must carry the token (Authorization: Bearer)
 * or a session cookie the daemon issued to the desktop app.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403 | 421; reason: string };

export interface GuardOptions {
  readonly port: () => number;
  readonly token: string;
  /** Valid desktop session cookies (values of the `parley_session` cookie). */
  readonly sessions: ReadonlySet<string>;
}

export const SESSION_COOKIE = 'parley_session';

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

/** Host and Origin only (for pages that need no auth yet, like the token exchange). */
export function checkHostOrigin(req: IncomingMessage, port: number): GuardVerdict {
  const host = req.headers.host ?? '';
  if (!allowedHosts(port).includes(host)) return { ok: false, status: 421, reason: 'wrong Host header' };
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
  if (auth.startsWith('Bearer ') && safeEqual(auth.slice(7), options.token)) return { ok: true };
  const cookie = cookieValue(req, SESSION_COOKIE);
  if (cookie !== undefined && [...options.sessions].some((s) => safeEqual(s, cookie))) return { ok: true };
  return { ok: false, status: 401, reason: 'missing or wrong token' };
}
