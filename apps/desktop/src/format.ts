/** Times, days and durations as a person reads them (the browser's locale). */
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const yearDayFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
const shortDayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export const DAY_MS = 86_400_000;

export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export const formatTime = (ms: number): string => timeFormat.format(ms);

/** "Today", "Yesterday", "Monday, March 3", or with the year when not this year. */
export function formatDay(ms: number, now = Date.now()): string {
  const day = startOfDay(ms);
  const today = startOfDay(now);
  if (day === today) return 'Today';
  if (day === today - DAY_MS) return 'Yesterday';
  return new Date(ms).getFullYear() === new Date(now).getFullYear()
    ? dayFormat.format(ms)
    : yearDayFormat.format(ms);
}

/** The conversation list's time: "14:05" today, else "Mar 3". */
export function formatListTime(ms: number, now = Date.now()): string {
  return startOfDay(ms) === startOfDay(now) ? formatTime(ms) : shortDayFormat.format(ms);
}

export const DISAPPEARING_CHOICES: readonly { readonly label: string; readonly ms: number | null }[] = [
  { label: 'Off', ms: null },
  { label: '30 seconds', ms: 30_000 },
  { label: '5 minutes', ms: 5 * 60_000 },
  { label: '1 hour', ms: 3_600_000 },
  { label: '1 day', ms: DAY_MS },
  { label: '1 week', ms: 7 * DAY_MS },
];

export function formatDuration(ms: number): string {
  const choice = DISAPPEARING_CHOICES.find((c) => c.ms === ms);
  if (choice) return choice.label;
  if (ms < 60_000) return `${Math.round(ms / 1000)} seconds`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} minutes`;
  if (ms < DAY_MS) return `${Math.round(ms / 3_600_000)} hours`;
  return `${Math.round(ms / DAY_MS)} days`;
}

/** One line of a message for previews and quotes. */
export function preview(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Initials for an avatar: first letters of up to two words. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0] ?? '');
  return letters.join('').toUpperCase() || '?';
}

/** A stable hue per name, for avatar colours. */
export function hueOf(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 360;
  return h;
}
