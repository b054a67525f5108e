/**
 * Message search results (`messages.search`, issue 18): what a hit is, which
 * sidebar chat it belongs to, and its snippet cut into plain and marked runs
 * so it renders as React text (never HTML).
 */
import type { ResultOf } from '@parley/client';
import { type ChatItem, channelKey, groupKey } from '../chats.ts';

/** One message that matched, with a snippet around the first match and the matched ranges. */
export type SearchHit = SearchPage['hits'][number];

/** One page of `messages.search`; `next` is the `before` of the next page, null at the end. */
export type SearchPage = ResultOf<'messages.search'>;

/** A hit's identity in the results list. */
export const hitKey = (h: SearchHit): string =>
  `${h.kind}:${h.conversationId}:${h.message.direction}:${h.message.id}`;

/**
 * The sidebar chat a hit opens. A 1:1 hit names the conversation id; the
 * sidebar keys contacts by contact id, so the contact whose conversation it is
 * is looked up (contact id and then name as fallbacks).
 */
export function chatOf(hit: SearchHit, chats: readonly ChatItem[]): ChatItem | null {
  if (hit.kind === 'group')
    return chats.find((c) => c.key === groupKey(hit.conversationId)) ?? byName('group');
  if (hit.kind === 'channel')
    return chats.find((c) => c.key === channelKey(hit.conversationId)) ?? byName('channel');
  return (
    chats.find(
      (c) =>
        c.kind === 'contact' &&
        (c.conversation.id === hit.conversationId || c.conversation.contact.id === hit.conversationId),
    ) ?? byName('contact')
  );

  function byName(kind: ChatItem['kind']): ChatItem | null {
    return chats.find((c) => c.kind === kind && c.name === hit.conversation) ?? null;
  }
}

export interface Run {
  readonly text: string;
  readonly marked: boolean;
}

/**
 * `snippet` as runs of plain and highlighted text. Ranges are clamped to the
 * snippet, sorted and merged, so a malformed answer cannot throw or repeat text.
 */
export function runsOf(snippet: string, highlights: readonly (readonly [number, number])[]): Run[] {
  const ranges = highlights
    .map(([a, b]) => [clamp(a, snippet.length), clamp(b, snippet.length)] as const)
    .filter(([a, b]) => b > a)
    .toSorted((x, y) => x[0] - y[0]);
  const runs: Run[] = [];
  let at = 0;
  for (const [a, b] of ranges) {
    const start = Math.max(a, at);
    if (b <= start) continue;
    if (start > at) runs.push({ text: snippet.slice(at, start), marked: false });
    runs.push({ text: snippet.slice(start, b), marked: true });
    at = b;
  }
  if (at < snippet.length) runs.push({ text: snippet.slice(at), marked: false });
  return runs;
}

const clamp = (n: number, max: number): number => (Number.isFinite(n) ? Math.min(Math.max(0, n), max) : 0);
