/**
 * A conversation's unread messages while it is open: where they began when
 * it was opened (the "N unread messages" divider, kept until the chat is
 * left), and marking them read once the latest message has been seen, not
 * merely because the chat was opened.
 */
import { useEffect, useState } from 'react';
import { call } from './api.ts';
import type { UnreadMark } from './message-rows.ts';
import { type MessageView, messageKey } from './types.ts';
import type { ConversationMessages } from './use-conversation.ts';

/** Received and not read yet: the daemon's "delivered" for an incoming message. */
const isUnread = (m: MessageView): boolean => m.direction === 'in' && m.status === 'delivered' && !m.deleted;

/** The first unread message among `messages` and how many there are from it on, or null. */
export function findUnread(messages: readonly MessageView[]): UnreadMark | null {
  const unread = messages.filter(isUnread);
  const first = unread[0];
  return first ? { key: messageKey(first), count: unread.length } : null;
}

/** Pages of history loaded at most to reach the first unread message when a chat opens. */
const UNREAD_PAGE_IN_MAX = 1000;

/**
 * The unread divider of a conversation, fixed once its first page has loaded (before anything is
 * marked read: useReadMark waits for it) and kept while the component lives, that is until the
 * chat is left. When the oldest loaded message is unread too, older pages are loaded first (up to
 * UNREAD_PAGE_IN_MAX messages) so the divider sits at the first unread one. `expected`: the chat
 * list's unread count when the chat opened, shown if more than were loaded. Undefined until
 * settled, null when nothing was unread (or `enabled` is false: a channel).
 */
export function useUnreadMark(
  history: Pick<ConversationMessages, 'messages' | 'loading' | 'hasMore' | 'loadOlder'>,
  { enabled, expected }: { readonly enabled: boolean; readonly expected: number },
): UnreadMark | null | undefined {
  const { messages, loading, hasMore, loadOlder } = history;
  const [mark, setMark] = useState<UnreadMark | null | undefined>(undefined);
  const [atOpen] = useState(expected);
  const oldest = messages[0];
  const pageIn =
    enabled && hasMore && oldest !== undefined && isUnread(oldest) && messages.length < UNREAD_PAGE_IN_MAX;
  // Derived once, during render (React's pattern for state from props): no frame without it.
  if (mark === undefined && !loading && !pageIn) {
    const found = enabled ? findUnread(messages) : null;
    setMark(found && { key: found.key, count: Math.max(found.count, atOpen) });
  }
  useEffect(() => {
    if (mark === undefined && !loading && pageIn) loadOlder();
  }, [mark, loading, pageIn, loadOlder]);
  return mark;
}

/**
 * Marks the conversation `name` read while its latest message is in view (`seen`: the list is at
 * the bottom, its first page loaded) and the window is visible, whenever something is unread:
 * `unread` (the chat list's count) or a received message not read yet.
 */
export function useReadMark(
  name: string,
  messages: readonly MessageView[],
  state: { readonly seen: boolean; readonly unread: number; readonly enabled?: boolean },
  onChanged: () => void,
): void {
  const lastIn = messages.findLast((m) => m.direction === 'in');
  const pending = state.unread > 0 || (lastIn !== undefined && isUnread(lastIn));
  const active = state.enabled !== false && state.seen && pending;
  const lastKey = lastIn ? messageKey(lastIn) : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a newer received message (lastKey) is marked too
  useEffect(() => {
    if (!active) return;
    const mark = () => {
      if (document.visibilityState !== 'visible') return;
      void call('conversations.markRead', { contact: name }).then(onChanged, () => undefined);
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [name, active, lastKey, onChanged]);
}
