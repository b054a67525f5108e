/**
 * The unread count outside the window's content (issue 20): in the title (so in the taskbar and
 * the browser tab), drawn on the favicon as a red badge, and, for an installed app where the
 * platform has one, on the app's icon (the Badging API, navigator.setAppBadge). Muted chats do
 * not count, as in Signal: muting a chat is asking it not to call for attention.
 */
import { useEffect } from 'react';
import type { ChatItem } from '../chats.ts';

/** Beyond this the badge says "99+" (the chat list's badges do the same). */
export const BADGE_MAX_COUNT = 99;

/** public/favicon.svg's shapes (viewBox 0 0 32 32): a data: image cannot load the file itself. */
const ICON_SHAPES =
  '<rect width="32" height="32" rx="8" fill="#2f6fe4"/>' +
  '<path d="M9 9h14a3 3 0 013 3v7a3 3 0 01-3 3h-7l-5 4v-4H9a3 3 0 01-3-3v-7a3 3 0 013-3z" fill="#fff"/>';
/** White on this red: 4.8:1. */
const BADGE_RED = '#d92d20';

/** Unread messages in chats that are not muted. */
export function unreadTotal(
  chats: readonly Pick<ChatItem, 'key' | 'unread'>[],
  muted: ReadonlySet<string>,
): number {
  return chats.reduce((n, c) => (muted.has(c.key) ? n : n + c.unread), 0);
}

/** What the badge shows: the count, or "99+". */
export const badgeLabel = (count: number): string =>
  count > BADGE_MAX_COUNT ? `${BADGE_MAX_COUNT}+` : String(count);

/** The favicon with a red pill in its top right corner holding `count`, as a data: URL (CSP img-src allows data:). */
export function badgeIcon(count: number): string {
  const label = badgeLabel(count);
  const width = [0, 20, 26, 32][label.length] ?? 32;
  const size = label.length > 2 ? 12 : 15;
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    ICON_SHAPES +
    `<rect x="${32 - width}" width="${width}" height="20" rx="10" fill="${BADGE_RED}"/>` +
    `<text x="${32 - width / 2}" y="10" dy=".36em" text-anchor="middle" font-family="system-ui,sans-serif" ` +
    `font-size="${size}" font-weight="700" fill="#fff">${label}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** The page's `<link rel="icon">` and the href it was served with (index.html's). */
let icon: { readonly link: HTMLLinkElement; readonly plain: string } | null | undefined;

function setIcon(count: number): void {
  if (icon === undefined) {
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    icon = link && { link, plain: link.getAttribute('href') ?? '/favicon.svg' };
  }
  if (!icon) return;
  const href = count > 0 ? badgeIcon(count) : icon.plain;
  if (icon.link.getAttribute('href') !== href) icon.link.setAttribute('href', href);
}

/** The installed app's badge, where the browser has one; refusals (not installed, not allowed) are ignored. */
function setAppBadge(count: number): void {
  if (typeof navigator.setAppBadge !== 'function' || typeof navigator.clearAppBadge !== 'function') return;
  const done = count > 0 ? navigator.setAppBadge(count) : navigator.clearAppBadge();
  done.catch(() => undefined);
}

/** Shows `count` in the title, on the favicon and on the app badge; the plain ones at 0. */
export function useUnreadBadge(count: number): void {
  useEffect(() => {
    document.title = count > 0 ? `(${count}) Parley` : 'Parley';
    setIcon(count);
    setAppBadge(count);
  }, [count]);
}
