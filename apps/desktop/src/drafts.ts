/**
 * Unsent composer text per conversation (keyed like the chat list: `contact:<id>`,
 * `group:<id>`, `channel:<id>`), kept while the app is open so it survives chat switches;
 * the list shows it as "Draft: …". Cleared when the message is sent. Bounded: at most
 * MAX_DRAFTS, the least recently written dropped first, and drafts of conversations that no
 * longer exist are pruned when the list is loaded.
 *
 * Only in memory, on purpose: the browser's localStorage is a plain file of its profile, and
 * nothing a user writes may sit unencrypted on disk. Drafts that survive a restart belong in the
 * daemon's encrypted database (issue 18).
 */
import { useSyncExternalStore } from 'react';

/** Drafts kept at most; the least recently written go first. */
export const MAX_DRAFTS = 200;

/** Key → text, in order of last write (oldest first). */
type Drafts = ReadonlyMap<string, string>;

let drafts: Drafts = new Map();
const listeners = new Set<() => void>();

function commit(next: Map<string, string>): void {
  for (const key of next.keys()) {
    if (next.size <= MAX_DRAFTS) break;
    next.delete(key);
  }
  drafts = next;
  for (const listener of listeners) listener();
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
    return;
  }
  if (drafts.get(key) === text) return;
  const next = new Map(drafts);
  next.delete(key); // re-inserted last: the newest write
  next.set(key, text);
  commit(next);
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
