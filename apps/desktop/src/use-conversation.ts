/**
 * One conversation's messages: the newest page first, older pages on demand
 * (infinite scroll), kept current by the event stream (new messages, status,
 * edits, reactions, deletions and expiry all arrive as full MessageViews).
 *
 * Which view of a message wins: the event stream's. Its events come in the
 * order the daemon made them, and every change makes one; an RPC answer (a
 * page of history, the message just sent) travels on another connection and
 * may overtake them: "queued" could land after "delivered" and undo it. So
 * an answer only adds messages not shown yet (or stands in while the stream
 * is down), and a page of history never replaces what events said during its
 * load. After the stream was down (events lost), the newest page is fetched
 * again.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { call, type EventStream } from './api.ts';
import { type MessageView, messageKey } from './types.ts';

/** Messages fetched when a conversation opens, and per scroll to the top. */
export const PAGE_SIZE = 100;
/** messages.list returns at most this many per call. */
export const LIST_MAX = 1000;

export interface ConversationMessages {
  readonly messages: readonly MessageView[];
  readonly loading: boolean;
  readonly hasMore: boolean;
  /** The daemon cannot page further back (no cursor in its views). */
  readonly capped: boolean;
  loadOlder(): void;
  /**
   * Pages back (LIST_MAX at a time) until the message with this sortKey is loaded, so a message
   * far back in history (a search hit) can be shown in place. False if a load is already running.
   */
  loadThrough(sortKey: number): boolean;
  /** A view an RPC call answered with: shown at once if it is new; the event stream brings its changes. */
  add(m: MessageView): void;
}

function merge(older: readonly MessageView[], current: readonly MessageView[]): MessageView[] {
  const seen = new Set(current.map(messageKey));
  return [...older.filter((m) => !seen.has(messageKey(m))), ...current];
}

/** `list` with `m` in it: replacing its older view, or appended if it is newer than what is loaded. */
function upsertInto(list: readonly MessageView[], m: MessageView, replace: boolean): readonly MessageView[] {
  const key = messageKey(m);
  const i = list.findLastIndex((x) => messageKey(x) === key);
  if (i >= 0) return replace ? list.with(i, m) : list;
  const oldest = list[0];
  // An update to a message older than what is loaded: it shows when paged in.
  if (oldest && m.sentAt < oldest.sentAt && m.status !== 'queued') return list;
  return [...list, m];
}

export function useConversation(contact: string, stream: EventStream): ConversationMessages {
  const [messages, setMessages] = useState<readonly MessageView[]>([]);
  const [loading, setLoading] = useState(true);
  const [hasMore, setHasMore] = useState(false);
  const [capped, setCapped] = useState(false);
  const limit = useRef(PAGE_SIZE);
  const busy = useRef(false);
  const latest = useRef(messages);
  latest.current = messages;
  /** While the newest page loads: what events said meanwhile (it wins over the page), by key; null = expired. */
  const during = useRef<Map<string, MessageView | null> | null>(null);
  /**
   * Bumped when the stream comes back after being down, or a batch of history arrived from another
   * of our devices (a newly linked one): the newest page is fetched again.
   */
  const [reconnects, setReconnects] = useState(0);
  /** The conversation whose pages `messages` holds. */
  const loadedFor = useRef<string | null>(null);

  useEffect(() => {
    // not up yet (or no more): events may be missed until it is, so its coming up fetches again
    let down = stream.status !== 'up';
    return stream.onStatus((status) => {
      if (status === 'down') down = true;
      else if (status === 'up' && down) {
        down = false;
        setReconnects((n) => n + 1);
      }
    });
  }, [stream]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reconnects is the trigger to fetch again
  useEffect(() => {
    let live = true;
    const first = loadedFor.current !== contact;
    const seen = new Map<string, MessageView | null>();
    during.current = seen;
    busy.current = true;
    if (first) limit.current = PAGE_SIZE;
    void call('messages.list', { contact, limit: PAGE_SIZE })
      .then((page) => {
        if (!live) return;
        loadedFor.current = contact;
        setMessages((current) => {
          // after a reconnect, keep the older pages already loaded
          let list: readonly MessageView[] = first ? page : merge(current, page);
          for (const [key, m] of seen)
            list = m ? upsertInto(list, m, true) : list.filter((x) => messageKey(x) !== key);
          return list;
        });
        if (first) setHasMore(page.length === PAGE_SIZE);
        else if (page.length === PAGE_SIZE) setHasMore(true); // history may have brought older pages
      })
      .finally(() => {
        if (during.current === seen) during.current = null;
        busy.current = false;
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [contact, reconnects]);

  const add = useCallback(
    (m: MessageView) => {
      // while the stream is down no event will bring this view: it stands in
      const replace = stream.status !== 'up';
      setMessages((list) => upsertInto(list, m, replace));
    },
    [stream],
  );

  useEffect(
    () =>
      stream.on((e) => {
        if ((e.type === 'message' || e.type === 'post') && e.data.contact === contact) {
          const m = e.data;
          during.current?.set(messageKey(m), m);
          setMessages((list) => upsertInto(list, m, true));
        } else if (e.type === 'expired' && e.data.contact === contact) {
          const id = e.data.id;
          for (const direction of ['in', 'out'] as const)
            during.current?.set(messageKey({ id, direction }), null);
          setMessages((list) => list.filter((m) => m.id !== id));
        } else if (e.type === 'history') setReconnects((n) => n + 1);
      }),
    [stream, contact],
  );

  const loadOlder = useCallback(() => {
    if (busy.current || !hasMore) return;
    busy.current = true;
    setLoading(true);
    const oldest = latest.current[0];
    const cursor = oldest?.sortKey;
    const request =
      cursor !== undefined
        ? call('messages.list', { contact, limit: PAGE_SIZE, before: cursor }).then((older) => {
            setHasMore(older.length === PAGE_SIZE);
            return older;
          })
        : // No cursor in the views yet: ask for a longer tail (the daemon caps it at LIST_MAX).
          call('messages.list', {
            contact,
            limit: Math.min(limit.current + PAGE_SIZE * 3, LIST_MAX),
          }).then((tail) => {
            const asked = Math.min(limit.current + PAGE_SIZE * 3, LIST_MAX);
            limit.current = asked;
            const full = tail.length === asked;
            setHasMore(full && asked < LIST_MAX);
            setCapped(full && asked >= LIST_MAX);
            return tail;
          });
    void request
      .then((older) => setMessages((list) => merge(older, list)))
      .finally(() => {
        busy.current = false;
        setLoading(false);
      });
  }, [contact, hasMore]);

  const loadThrough = useCallback(
    (sortKey: number): boolean => {
      if (busy.current) return false;
      busy.current = true;
      setLoading(true);
      void pagesThrough(contact, latest.current[0]?.sortKey, sortKey)
        .then(({ older, more }) => {
          setMessages((list) => merge(older, list));
          setHasMore(more);
        })
        .catch(() => undefined)
        .finally(() => {
          busy.current = false;
          setLoading(false);
        });
      return true;
    },
    [contact],
  );

  return { messages, loading, hasMore, capped, loadOlder, loadThrough, add };
}

/** The messages before `cursor`, back to and including the one at `sortKey`; `more` if older ones remain. */
async function pagesThrough(
  contact: string,
  cursor: number | undefined,
  sortKey: number,
): Promise<{ older: MessageView[]; more: boolean }> {
  const pages: (readonly MessageView[])[] = [];
  let more = true;
  let before = cursor;
  while (more && (before === undefined || before > sortKey)) {
    const page = await call('messages.list', {
      contact,
      limit: LIST_MAX,
      ...(before !== undefined ? { before } : {}),
    });
    pages.unshift(page);
    more = page.length === LIST_MAX;
    before = page[0]?.sortKey;
  }
  return { older: pages.flat(), more };
}
