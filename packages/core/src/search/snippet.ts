/** A short excerpt of a long text around its first match, with the highlights moved into it. */
import type { Highlight } from './query.ts';

/** Longest snippet, in UTF-16 units (without the '…' marks). */
export const SNIPPET_MAX_CHARS = 160;
/** How much text before the first match a snippet keeps, when the text must be cut. */
const SNIPPET_LEAD_CHARS = 40;
const ELLIPSIS = '…';

export interface Snippet {
  readonly text: string;
  /** Ranges of `text` (not of the original), sorted. */
  readonly highlights: readonly Highlight[];
}

/**
 * At most SNIPPET_MAX_CHARS of `text` (line breaks as spaces) starting a little before the first
 * highlight, with '…' where it was cut, and the highlights that fall inside (clipped) re-based.
 *
 * @example snippet('a'.repeat(300) + ' word', [[301, 305]]).text.startsWith('…')
 */
export function snippet(text: string, ranges: readonly Highlight[]): Snippet {
  const first = ranges[0]?.[0] ?? 0;
  let start = text.length <= SNIPPET_MAX_CHARS ? 0 : Math.max(0, first - SNIPPET_LEAD_CHARS);
  let end = Math.min(text.length, start + SNIPPET_MAX_CHARS);
  if (end === text.length) start = Math.max(0, end - SNIPPET_MAX_CHARS);
  // Never cut a surrogate pair in two.
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start++;
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end--;
  const lead = start > 0 ? ELLIPSIS : '';
  const body = text.slice(start, end).replace(/[\r\n\t\u2028\u2029]/g, ' ');
  const shift = lead.length - start;
  const inside = ranges
    .filter(([a, b]) => b > start && a < end)
    .map(([a, b]): Highlight => [Math.max(a, start) + shift, Math.min(b, end) + shift]);
  return { text: lead + body + (end < text.length ? ELLIPSIS : ''), highlights: inside };
}

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;
