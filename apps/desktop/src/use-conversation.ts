/**
 * One conversation's messages: the newest page first, older pages on demand
 * (infinite scroll), kept current by the event stream (new messages, status,
 * edits, reactions, deletions and expiry all arrive as full MessageViews).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { type EventStream, rpc } from './api.ts';
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
  upsert(m: MessageView): void;
}

function merge(older: readonly MessageView[], current: readonly MessageView[]): MessageView[] {
  const seen = new Set(current.map(messageKey));
  return [...older.filter((m) => !seen.has(messageKey(m))), ...current];
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

  useEffect(() => {
    let live = true;
    busy.current = true;
    limit.current = PAGE_SIZE;
    void rpc<MessageView[]>('messages.list', { contact, limit: PAGE_SIZE })
      .then((list) => {
        if (!live) return;
        setMessages(list);
        setHasMore(list.length === PAGE_SIZE);
      })
      .finally(() => {
        busy.current = false;
        if (live) setLoading(false);
      });
    return () => {
      live = false;
    };
  }, [contact]);

  const upsert = useCallback((m: MessageView) => {
    setMessages((list) => {
      const key = messageKey(m);
      const i = list.findLastIndex((x) => messageKey(x) === key);
      if (i >= 0) return list.with(i, m);
      const oldest = list[0];
      // An update to a message older than what is loaded: it shows when paged in.
      if (oldest && m.sentAt < oldest.sentAt && m.status !== 'queued') return list;
      return [...list, m];
    });
  }, []);

  useEffect(
    () =>
      stream.on((e) => {
        if ((e.type === 'message' || e.type === 'post') && e.data.contact === contact) upsert(e.data);
        else if (e.type === 'expired' && e.data.contact === contact)
          setMessages((list) => list.filter((m) => m.id !== e.data.id));
      }),
    [stream, contact, upsert],
  );

  const loadOlder = useCallback(() => {
    if (busy.current || !hasMore) return;
    busy.current = true;
    setLoading(true);
    const oldest = latest.current[0];
    const cursor = oldest?.sortKey;
    const request =
      cursor !== undefined
        ? rpc<MessageView[]>('messages.list', { contact, limit: PAGE_SIZE, before: cursor }).then((older) => {
            setHasMore(older.length === PAGE_SIZE);
            return older;
          })
        : // No cursor in the views yet: ask for a longer tail (the daemon caps it at LIST_MAX).
          rpc<MessageView[]>('messages.list', {
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

  return { messages, loading, hasMore, capped, loadOlder, upsert };
}
