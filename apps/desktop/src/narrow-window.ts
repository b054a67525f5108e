/**
 * A narrow window (a phone-sized browser, a window snapped to a third of the
 * screen) shows one pane at a time: the chat list, or the open chat with a
 * Back button. The layout itself is CSS (styles.css, "Narrow windows"); this
 * is the way back: the Back button, Escape, and the browser's Back.
 */
import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';

/** Below 700 CSS px one pane shows at a time; styles.css uses the same width. */
export const NARROW_QUERY = '(max-width: 699.98px)';

/** The history entry of a chat opened in a narrow window: `{ [CHAT_STATE]: chat key }`. */
const CHAT_STATE = 'parleyChat';

const narrow = (): boolean => window.matchMedia(NARROW_QUERY).matches;

function onNarrowChange(changed: () => void): () => void {
  const query = window.matchMedia(NARROW_QUERY);
  query.addEventListener('change', changed);
  return () => query.removeEventListener('change', changed);
}

/** Whether the window is narrow (one pane at a time), kept up to date as it is resized. */
export function useNarrowWindow(): boolean {
  return useSyncExternalStore(onNarrowChange, narrow);
}
const chatInHistory = (): boolean => typeof window.history.state?.[CHAT_STATE] === 'string';

/**
 * Returns to the chat list from the open chat `chat` (null: none). In a narrow window opening a
 * chat is a step in the browser's history, so its Back button returns to the list too; Escape
 * does, unless something else used it (a reply being cancelled, the emoji picker) or `dialogOpen`.
 * The function returned is the Back button's.
 */
export function useBackToList(chat: string | null, dialogOpen: boolean, close: () => void): () => void {
  const latest = useRef(close);
  latest.current = close;
  useEffect(() => {
    if (chat === null || !narrow()) return;
    // Another chat opened from the open one (a dialog) takes its place: one step back to the list.
    if (chatInHistory()) window.history.replaceState({ [CHAT_STATE]: chat }, '');
    else window.history.pushState({ [CHAT_STATE]: chat }, '');
  }, [chat]);
  useEffect(() => {
    const onPop = () => {
      if (!chatInHistory()) latest.current();
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const back = useCallback(() => {
    if (chatInHistory()) window.history.back();
    else latest.current();
  }, []);
  useEffect(() => {
    if (chat === null || dialogOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || !narrow()) return;
      if (document.querySelector('dialog[open]')) return;
      back();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [chat, dialogOpen, back]);
  return back;
}
