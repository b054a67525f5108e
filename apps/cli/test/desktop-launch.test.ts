/**
 * desktop-launch.ts: tickets live only in 0600 launch files, work once, and vanish (with their
 * file) when used or expired. The end-to-end path (parley ui, a browser, the cookie) is in
 * test/desktop/serving.test.ts and test/api/security.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  launchOriginAllowed,
  MAX_PENDING_TICKETS,
  TICKET_TTL_MS,
  ticketBook,
} from '../src/daemon/desktop-launch.ts';

const dirs: string[] = [];
const launchDir = (): string => {
  const home = mkdtempSync(join(tmpdir(), 'launch-'));
  dirs.push(home);
  return join(home, 'launch');
};
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ticketIn = (file: string): string =>
  /name="ticket" value="([A-Za-z0-9_-]+)"/.exec(readFileSync(file, 'utf8'))?.[1] ?? '';

describe('ticketBook', () => {
  it('writes the ticket into a 0600 file in a 0700 folder; the path holds no secret', () => {
    const book = ticketBook(launchDir());
    const file = book.issue(4242);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const ticket = ticketIn(file);
    expect(Buffer.from(ticket, 'base64url')).toHaveLength(16);
    expect(file).not.toContain(ticket);
    const page = readFileSync(file, 'utf8');
    expect(page).toContain('<form method="post" action="http://127.0.0.1:4242/ui/session"');
    expect(page).not.toMatch(/\?ticket=|#ticket/);
  });

  it('redeems a ticket once and deletes its file', () => {
    const book = ticketBook(launchDir());
    const file = book.issue(1);
    const ticket = ticketIn(file);
    expect(book.redeem('wrong')).toBe(false);
    expect(existsSync(file)).toBe(true);
    expect(book.redeem(ticket)).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(book.redeem(ticket)).toBe(false);
  });

  it('an expired ticket fails and its file is gone after TICKET_TTL_MS', () => {
    vi.useFakeTimers();
    const book = ticketBook(launchDir());
    const file = book.issue(1);
    const ticket = ticketIn(file);
    vi.advanceTimersByTime(TICKET_TTL_MS);
    expect(existsSync(file)).toBe(false);
    expect(book.redeem(ticket)).toBe(false);
    const late = book.issue(1, 0);
    expect(book.redeem(ticketIn(late), TICKET_TTL_MS + 1)).toBe(false);
  });

  it(`keeps at most ${MAX_PENDING_TICKETS} pending tickets (the oldest go, with their files)`, () => {
    const book = ticketBook(launchDir());
    const first = book.issue(1);
    for (let i = 0; i < MAX_PENDING_TICKETS; i++) book.issue(1);
    expect(existsSync(first)).toBe(false);
  });

  it('clears launch files an earlier daemon left behind', () => {
    const dir = launchDir();
    const stale = ticketBook(dir).issue(1);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    ticketBook(dir);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
  });
});

describe('launchOriginAllowed', () => {
  const ours = ['http://127.0.0.1:5', 'http://localhost:5'];
  it('accepts no Origin, the launch page\'s "null" and our own; nothing else', () => {
    for (const o of [undefined, 'null', ...ours]) expect(launchOriginAllowed(o, ours), String(o)).toBe(true);
    for (const o of ['http://evil.example', 'http://127.0.0.1:6', 'file://'])
      expect(launchOriginAllowed(o, ours), o).toBe(false);
  });
});
