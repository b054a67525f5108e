/**
 * How a browser window becomes a Parley Desktop session without a secret ever
 * appearing in a command line, a URL or a terminal (docs/THREAT-MODEL.md,
 * "the local API"):
 *
 * 1. `POST /ui/launch` (token only): the daemon makes a random 128-bit ticket
 *    and writes it into a launch file, `<data folder>/launch/<random>.html`
 *    (folder 0700, file 0600: only our user can read it), and answers the
 *    file's path — never the ticket.
 * 2. `parley ui` opens that path in the browser (`chromium --app=file://…`).
 *    The page POSTs the ticket to `/ui/session` (a form, submitted by a line
 *    of script, or by a click without script).
 * 3. `POST /ui/session`: a ticket that is pending, unexpired, and presented
 *    over a connection opened by our own user (loopback-peer.ts) becomes an
 *    HttpOnly, Secure, SameSite=Strict `__Host-` session cookie, then a 303
 *    to `/`. The ticket is used up and its file deleted; an unused ticket
 *    and its file are gone after TICKET_TTL_MS.
 *
 * Like Jupyter's redirect file, this trades "whoever can read the process
 * list" (/proc/PID/cmdline is world-readable) for "whoever can read our data
 * folder". From then on the cookie is the only credential, and it too is only
 * accepted from our own user (api-guard.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { safeEqual } from './api-guard.ts';

/** A ticket (and its launch file) is valid once, for this long. */
export const TICKET_TTL_MS = 60_000;
/** Tickets waiting to be used; older ones are dropped beyond this. */
export const MAX_PENDING_TICKETS = 16;
/** Largest /ui/session body read (a form with one ticket is ~30 bytes). */
export const SESSION_BODY_MAX_BYTES = 1024;
/** 128-bit tickets. */
const TICKET_BYTES = 16;
const FILE_NAME_BYTES = 16;

export interface TicketBook {
  /** Makes a ticket and its launch file for a daemon on `port`; returns the file's path. */
  issue(port: number, now?: number): string;
  /** True once per issued, unexpired ticket; the ticket and its file are gone afterwards. */
  redeem(ticket: string, now?: number): boolean;
}

/** The launch page: a form that POSTs the ticket to the daemon (no secret in its URL). */
export function launchPage(port: number, ticket: string): string {
  const action = `http://127.0.0.1:${port}/ui/session`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>Opening Parley…</title>
</head>
<body>
<form method="post" action="${action}" enctype="application/x-www-form-urlencoded">
<input type="hidden" name="ticket" value="${ticket}">
<p>Opening Parley Desktop… <button type="submit">Open Parley</button></p>
</form>
<script>document.forms[0].submit();</script>
</body>
</html>
`;
}

/** Removes launch files left by an earlier daemon (their tickets died with it). */
function clearLaunchDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const name of readdirSync(dir)) if (name.endsWith('.html')) rmSync(join(dir, name), { force: true });
}

/** Pending tickets, each with its launch file in `dir`. */
export function ticketBook(dir: string): TicketBook {
  clearLaunchDir(dir);
  const pending = new Map<string, { expiresAt: number; file: string; timer: NodeJS.Timeout }>();
  const drop = (ticket: string): void => {
    const entry = pending.get(ticket);
    if (!entry) return;
    pending.delete(ticket);
    clearTimeout(entry.timer);
    try {
      rmSync(entry.file, { force: true });
    } catch {
      // the ticket is dead anyway; the next daemon start clears the folder
    }
  };
  return {
    issue(port, now = Date.now()) {
      for (const [t, { expiresAt }] of pending) if (expiresAt <= now) drop(t);
      while (pending.size >= MAX_PENDING_TICKETS) drop(pending.keys().next().value as string);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const ticket = randomBytes(TICKET_BYTES).toString('base64url');
      const file = join(dir, `${randomBytes(FILE_NAME_BYTES).toString('hex')}.html`);
      writeFileSync(file, launchPage(port, ticket), { mode: 0o600, flag: 'wx' });
      const timer = setTimeout(() => drop(ticket), TICKET_TTL_MS);
      timer.unref();
      pending.set(ticket, { expiresAt: now + TICKET_TTL_MS, file, timer });
      return file;
    },
    redeem(ticket, now = Date.now()) {
      for (const [t, { expiresAt }] of pending) {
        if (!safeEqual(t, ticket)) continue;
        drop(t);
        return expiresAt > now;
      }
      return false;
    },
  };
}

/** The ticket of a `/ui/session` form body; undefined if the body is not one. */
export async function readTicket(req: IncomingMessage): Promise<string | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > SESSION_BODY_MAX_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('ticket') ?? undefined;
}

/**
 * Origins a ticket may come from: none (a script), `null` (the launch page, a file: URL, posts
 * with `Origin: null`), or our own. Accepting `null` here only is safe: a ticket is the secret,
 * and a page that does not hold one has nothing to post.
 */
export function launchOriginAllowed(origin: string | undefined, ours: readonly string[]): boolean {
  return origin === undefined || origin === 'null' || ours.includes(origin);
}
