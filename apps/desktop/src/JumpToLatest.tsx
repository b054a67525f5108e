/**
 * The round "Jump to latest" button over the bottom of the message list,
 * shown while the user reads more than a screen above the latest message
 * or messages arrived since they scrolled away; it counts those ("3 new")
 * instead of the list moving under the reader.
 */
import { useEffect, useRef, useState } from 'react';
import { ArrowDownIcon } from './Icons.tsx';
import type { Row } from './message-rows.ts';

/** The key of the last message row, or null. */
function lastMessageKey(rows: readonly Row[]): string | null {
  return rows.findLast((r) => r.kind === 'message')?.key ?? null;
}

/**
 * How many messages from others arrived after the last one the reader had in reach at the
 * bottom; `following` (the list is at the bottom, or about to be) resets it to 0.
 */
export function useUnseenCount(rows: readonly Row[], following: boolean): number {
  const [count, setCount] = useState(0);
  const seenLast = useRef<string | null>(null);
  useEffect(() => {
    const last = lastMessageKey(rows);
    const before = seenLast.current;
    seenLast.current = last;
    if (following) {
      setCount(0);
      return;
    }
    if (before === null || last === before) return;
    const from = rows.findIndex((r) => r.key === before);
    if (from < 0) return;
    const arrived = rows
      .slice(from + 1)
      .filter((r) => r.kind === 'message' && r.message.direction === 'in').length;
    if (arrived > 0) setCount((n) => n + arrived);
  }, [rows, following]);
  return count;
}

export function JumpToLatest({ unseen, onJump }: { readonly unseen: number; readonly onJump: () => void }) {
  return (
    <button
      type="button"
      className="jump-to-latest"
      aria-label={unseen > 0 ? `Jump to latest, ${unseen} new` : 'Jump to latest'}
      title="Jump to latest"
      onClick={onJump}
    >
      <ArrowDownIcon />
      {unseen > 0 && (
        <span className="jump-count" aria-hidden="true">
          {`${unseen} new`}
        </span>
      )}
    </button>
  );
}
