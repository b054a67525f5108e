/**
 * Unsent composer text per conversation (keyed like the chat list: `contact:<id>`,
 * `group:<id>`, `channel:<id>`), so it survives chat switches, reloads and restarts; the list
 * shows it as "Draft: …". Cleared when the message is sent.
 *
 * Kept in the daemon's encrypted database (`drafts.set`, `drafts.list`: sealed like a message
 * body), never in the browser's localStorage, which is a plain file of its profile: nothing a
 * user writes may sit unencrypted on disk. Here, a copy in memory for the UI: loaded once when
 * the app starts, written at once, and sent to the daemon DRAFT_SAVE_DELAY_MS after typing stops,
 * when the chat is left (flushDraft) and as the page unloads; a cleared draft (sent, erased) is
 * sent at once. Bounded: at most MAX_DRAFTS in memory, the least recently written dropped first,
 * and drafts of conversations that no longer exist are pruned when the list is loaded (the daemon
 * drops them with their conversation).
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { EventStream } from './api.ts';
import { call, callOnExit } from './api.ts';
import { channelKey, contactKey, groupKey } from './chats.ts';

/** Drafts kept at most; the least recently written go first. */
export const MAX_DRAFTS = 200;
/** A draft goes to the daemon this long after the last keystroke. */
export const DRAFT_SAVE_DELAY_MS = 500;
/** A write the daemon did not take (it was down) is tried again after this long. */
const DRAFT_RETRY_DELAY_MS = 2_000;

/** Key → text, in order of last write (oldest first). */
type Drafts = ReadonlyMap<string, string>;

let drafts: Drafts = new Map();
let loaded = false;
const listeners = new Set<() => void>();
/** Key → text not yet sent to the daemon, and when it is due. */
const unsaved = new Map<string, string>();
const timers = new Map<string, ReturnType<typeof setTimeout>>();

function notify(): void {
  for (const listener of listeners) listener();
}

function commit(next: Map<string, string>): void {
  for (const key of next.keys()) {
    if (next.size <= MAX_DRAFTS) break;
    next.delete(key);
  }
  drafts = next;
  notify();
}

/** The conversation a key names, as drafts.set takes it (its id). */
const conversationOf = (key: string): string => key.slice(key.indexOf(':') + 1);

/** Sends the key's unsaved text to the daemon now (nothing if it has none). */
function save(key: string, onExit = false): void {
  clearTimeout(timers.get(key));
  timers.delete(key);
  const text = unsaved.get(key);
  if (text === undefined) return;
  unsaved.delete(key);
  const params = { conversation: conversationOf(key), text } as const;
  (onExit ? callOnExit('drafts.set', params) : call('drafts.set', params)).catch((error: unknown) => {
    // The conversation is gone: nothing to keep. Otherwise (the daemon is down) try again, unless
    // newer text was written meanwhile.
    if (onExit || (error as { code?: string }).code === 'unknown-contact' || unsaved.has(key)) return;
    unsaved.set(key, text);
    timers.set(
      key,
      setTimeout(() => save(key), DRAFT_RETRY_DELAY_MS),
    );
  });
}

function schedule(key: string, text: string): void {
  unsaved.set(key, text);
  if (!text.trim()) {
    save(key); // a cleared draft (sent, erased) must not come back after a restart
    return;
  }
  clearTimeout(timers.get(key));
  timers.set(
    key,
    setTimeout(() => save(key), DRAFT_SAVE_DELAY_MS),
  );
}

/** The draft of a conversation, or ''. */
export function draftOf(key: string): string {
  return drafts.get(key) ?? '';
}

/** Saves a conversation's draft; blank text erases it. */
export function setDraft(key: string, text: string): void {
  if (!text.trim()) {
    if (!drafts.has(key)) return;
    const next = new Map(drafts);
    next.delete(key);
    commit(next);
    schedule(key, '');
    return;
  }
  if (drafts.get(key) === text) return;
  const next = new Map(drafts);
  next.delete(key); // re-inserted last: the newest write
  next.set(key, text);
  commit(next);
  schedule(key, text);
}

/** Sends a conversation's draft to the daemon now if it has changed (the chat is being left). */
export function flushDraft(key: string): void {
  save(key);
}

/** Sends every unsaved draft now; `onExit`: with `keepalive` (the page is unloading). */
function flushDrafts(onExit: boolean): void {
  for (const key of [...unsaved.keys()]) save(key, onExit);
}
const flushOnExit = (): void => flushDrafts(true);

/**
 * Loads the drafts the daemon keeps (once per page). Text written here before they arrive wins.
 * Resolves false if the daemon could not be asked (try again later).
 */
export async function loadDrafts(): Promise<boolean> {
  if (loaded) return true;
  const list = await call('drafts.list').catch(() => null);
  if (!list) return false;
  loaded = true;
  const keyOf = { direct: contactKey, group: groupKey, channel: channelKey } as const;
  const next = new Map<string, string>();
  for (const d of list) next.set(keyOf[d.kind](d.conversationId), d.text);
  for (const [key, text] of drafts) {
    next.delete(key);
    next.set(key, text);
  }
  commit(next);
  return true;
}

/** Erases the drafts of conversations not in `existing` (removed contacts, left groups…). */
export function pruneDrafts(existing: ReadonlySet<string>): void {
  if ([...drafts.keys()].every((k) => existing.has(k))) return;
  commit(new Map([...drafts].filter(([k]) => existing.has(k))));
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Every draft, re-rendering when one changes. */
export function useDrafts(): Drafts {
  return useSyncExternalStore(subscribe, () => drafts);
}

/** Whether the daemon's drafts have arrived (a composer opened before shows them then). */
export function useDraftsLoaded(): boolean {
  return useSyncExternalStore(subscribe, () => loaded);
}

/**
 * Keeps the drafts with the daemon while the app runs: loads them (again after the daemon was
 * unreachable, until it answered once), and sends what is unsaved as the page unloads or is hidden.
 */
export function useDraftStore(stream: EventStream): void {
  useEffect(() => {
    void loadDrafts();
    const off = stream.onStatus((s) => {
      if (s === 'up') void loadDrafts();
    });
    const hidden = () => {
      if (document.visibilityState === 'hidden') flushDrafts(false);
    };
    window.addEventListener('pagehide', flushOnExit);
    document.addEventListener('visibilitychange', hidden);
    return () => {
      off();
      window.removeEventListener('pagehide', flushOnExit);
      document.removeEventListener('visibilitychange', hidden);
    };
  }, [stream]);
}
