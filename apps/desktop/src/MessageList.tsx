/**
 * The conversation's messages, windowed: only the rows in and near the
 * viewport are in the DOM, so a 10,000-message conversation costs what a
 * 30-message one does. Rows have variable heights: each starts with an
 * estimate and is measured once rendered; an anchor row keeps the view
 * still while heights settle or older pages are prepended, and the list
 * sticks to the bottom while the user is there, or once they send a message.
 * A chat with unread messages opens at the "N unread messages" divider; away
 * from the bottom, a "Jump to latest" button counts what arrived meanwhile.
 */
import { type ReactNode, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { kindOf } from './attachments.ts';
import { JumpToLatest, useUnseenCount } from './JumpToLatest.tsx';
import type { Row } from './message-rows.ts';

/** Rendered beyond the viewport on each side. */
const OVERSCAN_PX = 600;
/** Closer than this to the top loads older messages. */
const LOAD_OLDER_THRESHOLD_PX = 800;
/** Closer than this to the bottom counts as "at the bottom". */
const STICK_THRESHOLD_PX = 48;
/** Space left above the unread divider when a chat opens at it. */
const UNREAD_TOP_MARGIN_PX = 12;
/** Estimated extra height of an attachment, before it is measured. */
const ATTACHMENT_HEIGHT: Readonly<Record<string, number>> = {
  image: 240,
  video: 200,
  voice: 40,
  audio: 110,
  file: 60,
};

function estimate(row: Row): number {
  if (row.kind !== 'message') return 44;
  const m = row.message;
  const lines = Math.max(1, Math.ceil(m.text.length / 48)) + (m.text.match(/\n/g)?.length ?? 0);
  const media = m.attachment ? (ATTACHMENT_HEIGHT[kindOf(m.attachment)] ?? 80) : 0;
  return 30 + lines * 21 + media + (m.replyTo ? 48 : 0) + (m.reactions.length ? 26 : 0) + (row.first ? 8 : 0);
}

/** Where the scroller is: scroll position, viewport height, and how far below the viewport the bottom is. */
function measure(el: HTMLElement): { top: number; height: number; below: number } {
  const height = el.clientHeight;
  return { top: el.scrollTop, height, below: Math.max(0, el.scrollHeight - el.scrollTop - height) };
}

/** Index of the last offset <= y. */
function search(offsets: Float64Array, y: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((offsets[mid] as number) <= y) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

export interface MessageListProps {
  readonly rows: readonly Row[];
  readonly hasMore: boolean;
  readonly loading: boolean;
  readonly onReachTop: () => void;
  readonly renderRow: (row: Row & { kind: 'message' }) => ReactNode;
  /** Set to a row key (with a fresh nonce) to scroll it into view. */
  readonly jump?: { readonly key: string; readonly nonce: number } | null;
  /** Changed (to any new value) to scroll to the bottom and stick there: the user just sent a message. */
  readonly toBottom?: number;
  /** A row key to mark briefly (a message opened from search). */
  readonly highlight?: string | null;
  /** A row key to open at, near the top of the view, the first time it is there (the unread divider). */
  readonly openAt?: string | null;
  /** Told whether the latest message is in view (the list is at the bottom), each time that changes. */
  readonly onAtBottom?: (atBottom: boolean) => void;
}

export function MessageList({
  rows,
  hasMore,
  loading,
  onReachTop,
  renderRow,
  jump,
  toBottom,
  highlight = null,
  openAt = null,
  onAtBottom,
}: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const elements = useRef(new Map<string, HTMLElement>());
  const stick = useRef(true);
  const anchor = useRef<{ key: string; delta: number } | null>(null);
  const [version, setVersion] = useState(0);
  /** The scroll position, the viewport's height, and how far the bottom is below the viewport. */
  const [view, setView] = useState({ top: 0, height: 800, below: 0 });
  const opened = useRef(false);
  /** What onAtBottom was last told; null: nothing yet. */
  const toldAtBottom = useRef<boolean | null>(null);
  // Rows change height on their own too (a reaction picker opens, an image of text wraps): re-measure.
  const resizes = useMemo(
    () =>
      new ResizeObserver((entries) => {
        let changed = false;
        for (const entry of entries) {
          const node = entry.target as HTMLElement;
          const key = node.dataset.key;
          const h = node.offsetHeight;
          if (key && h > 0 && heights.current.get(key) !== h) {
            heights.current.set(key, h);
            changed = true;
          }
        }
        if (changed) setVersion((v) => v + 1);
      }),
    [],
  );
  useEffect(() => () => resizes.disconnect(), [resizes]);

  const offsets = useMemo(() => {
    void version;
    const o = new Float64Array(rows.length + 1);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      o[i + 1] = (o[i] as number) + (heights.current.get(row.key) ?? estimate(row));
    }
    return o;
  }, [rows, version]);
  const total = offsets[rows.length] as number;
  const indexOf = useMemo(() => new Map(rows.map((r, i) => [r.key, i])), [rows]);

  const first = search(offsets, view.top - OVERSCAN_PX);
  const last = Math.min(rows.length - 1, search(offsets, view.top + view.height + OVERSCAN_PX));

  const remember = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_THRESHOLD_PX;
    // Anchor on a message: day separators keep their key when older pages are prepended.
    let i = search(offsets, el.scrollTop);
    while (i < rows.length - 1 && rows[i]?.kind !== 'message') i++;
    const row = rows[i];
    anchor.current = row ? { key: row.key, delta: el.scrollTop - (offsets[i] as number) } : null;
  }, [offsets, rows]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    remember();
    setView(measure(el));
    if (el.scrollTop < LOAD_OLDER_THRESHOLD_PX && hasMore && !loading) onReachTop();
  }, [remember, hasMore, loading, onReachTop]);

  // Before the effect below (layout effects run in order), so it scrolls down in the same frame.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when toBottom changes, by design
  useLayoutEffect(() => {
    stick.current = true;
  }, [toBottom]);

  // After each render: keep the view where the user was, then measure what is rendered.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const divider = openAt && !opened.current ? indexOf.get(openAt) : undefined;
    if (divider !== undefined) {
      // Opened at the unread divider: held there (by anchor) while heights settle, until the user scrolls.
      opened.current = true;
      stick.current = false;
      anchor.current = { key: openAt as string, delta: -UNREAD_TOP_MARGIN_PX };
    }
    if (stick.current) {
      el.scrollTop = el.scrollHeight;
    } else if (anchor.current) {
      const i = indexOf.get(anchor.current.key);
      if (i !== undefined) {
        const wanted = (offsets[i] as number) + anchor.current.delta;
        if (Math.abs(el.scrollTop - wanted) > 1) el.scrollTop = wanted;
      }
    }
    let changed = false;
    for (const [key, node] of elements.current) {
      const h = node.offsetHeight;
      if (h > 0 && heights.current.get(key) !== h) {
        heights.current.set(key, h);
        changed = true;
      }
    }
    const now = measure(el);
    // Told from this measure, not from state a render old: an empty list, or one still at the
    // bottom before it moved to the unread divider, must not count as the latest message seen.
    const bottom = now.below < STICK_THRESHOLD_PX;
    if (rows.some((r) => r.kind === 'message') && bottom !== toldAtBottom.current) {
      toldAtBottom.current = bottom;
      onAtBottom?.(bottom);
    }
    if (changed) setVersion((v) => v + 1);
    else if (now.top !== view.top || now.height !== view.height || now.below !== view.below) setView(now);
  });

  const atBottom = view.below < STICK_THRESHOLD_PX;
  const unseen = useUnseenCount(rows, atBottom);
  const jumpToLatest = () => {
    const el = scroller.current;
    if (!el) return;
    stick.current = true;
    el.scrollTop = el.scrollHeight;
    setView(measure(el));
  };

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setView(measure(el)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // A short history that does not fill the viewport, or still near the top after a page
  // arrived: page in more right away.
  useEffect(() => {
    const top = scroller.current?.scrollTop ?? 0;
    if (
      hasMore &&
      !loading &&
      (total < view.height + LOAD_OLDER_THRESHOLD_PX || top < LOAD_OLDER_THRESHOLD_PX)
    )
      onReachTop();
  }, [hasMore, loading, total, view.height, onReachTop]);

  const latest = useRef({ indexOf, offsets, remember });
  latest.current = { indexOf, offsets, remember };
  useEffect(() => {
    if (!jump) return;
    const { indexOf, offsets, remember } = latest.current;
    const i = indexOf.get(jump.key);
    const el = scroller.current;
    if (i === undefined || !el) return;
    stick.current = false;
    el.scrollTop = Math.max(0, (offsets[i] as number) - el.clientHeight / 3);
    remember();
    setView(measure(el));
  }, [jump]);

  const items: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    const row = rows[i] as Row;
    items.push(
      <div
        key={row.key}
        className={row.key === highlight ? 'row highlighted' : 'row'}
        data-key={row.key}
        ref={(node) => {
          const old = elements.current.get(row.key);
          if (old && old !== node) resizes.unobserve(old);
          if (node) {
            elements.current.set(row.key, node);
            resizes.observe(node);
          } else elements.current.delete(row.key);
        }}
        style={{ transform: `translateY(${offsets[i]}px)` }}
      >
        {row.kind === 'message' ? (
          renderRow(row)
        ) : row.kind === 'day' ? (
          <div className="day-separator">
            <span>{row.label}</span>
          </div>
        ) : row.kind === 'unread' ? (
          // biome-ignore lint/a11y/useSemanticElements: an <hr> cannot hold the count it shows
          <div className="unread-separator" role="separator" aria-label={row.label}>
            <span>{row.label}</span>
          </div>
        ) : (
          <p className="history-note muted">{row.label}</p>
        )}
      </div>,
    );
  }

  return (
    <div className="message-area">
      <div
        className="message-scroller"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-label="Messages"
        aria-busy={loading}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: keyboard users scroll the history
        tabIndex={0}
      >
        <div className="rows" style={{ height: `${total}px` }}>
          {items}
        </div>
      </div>
      {loading && hasMore && (
        <div className="history-loading" role="status">
          Loading older messages…
        </div>
      )}
      {(view.below > view.height || (unseen > 0 && !atBottom)) && (
        <JumpToLatest unseen={unseen} onJump={jumpToLatest} />
      )}
    </div>
  );
}
