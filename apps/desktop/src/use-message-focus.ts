/**
 * Opening a conversation at one message (a search hit): pages history back
 * until the message is loaded, then scrolls it into view and marks it for
 * MESSAGE_HIGHLIGHT_MS.
 */
import { useEffect, useRef, useState } from 'react';
import { messageKey } from './types.ts';
import type { ConversationMessages } from './use-conversation.ts';

/** How long a message opened from search stays marked. */
export const MESSAGE_HIGHLIGHT_MS = 2_500;

/** A message to show: its row key (`messageKey`) and paging cursor; a fresh nonce asks again. */
export interface MessageFocus {
  /** The chat it is in (ChatItem.key). */
  readonly chat: string;
  readonly key: string;
  readonly sortKey: number;
  readonly nonce: number;
}

export interface FocusedMessage {
  readonly jump: { readonly key: string; readonly nonce: number } | null;
  readonly highlight: string | null;
}

export function useMessageFocus(history: ConversationMessages, focus: MessageFocus | null): FocusedMessage {
  const [shown, setShown] = useState<FocusedMessage>({ jump: null, highlight: null });
  /** The nonce already shown, and the one history was paged back for. */
  const done = useRef<number | null>(null);
  const paged = useRef<number | null>(null);
  const { messages, loading, hasMore, loadThrough } = history;

  useEffect(() => {
    if (!focus || done.current === focus.nonce || loading) return;
    if (messages.some((m) => messageKey(m) === focus.key)) {
      done.current = focus.nonce;
      setShown({ jump: { key: focus.key, nonce: focus.nonce }, highlight: focus.key });
    } else if (paged.current !== focus.nonce && hasMore && loadThrough(focus.sortKey)) {
      paged.current = focus.nonce;
    }
  }, [focus, messages, loading, hasMore, loadThrough]);

  useEffect(() => {
    if (!shown.highlight) return;
    const timer = setTimeout(() => setShown((s) => ({ ...s, highlight: null })), MESSAGE_HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [shown]);

  return shown;
}

/** The later of two jump requests (by nonce): a quote's or a search hit's. */
export function laterJump<J extends { readonly nonce: number }>(a: J | null, b: J | null): J | null {
  if (!a) return b;
  if (!b) return a;
  return a.nonce >= b.nonce ? a : b;
}
