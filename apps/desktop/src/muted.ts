/**
 * Conversations whose notifications are muted, by chat key (`contact:<id>`, `group:<id>`,
 * `channel:<id>`). The daemon has no such setting (settings.get holds only readReceipts), so the
 * keys live in this browser profile's localStorage: ids, never names or text. Other windows of
 * the same profile follow through the `storage` event.
 */
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'parley.muted';
/** Keys kept at most (a stale key is harmless, an unbounded list is not). */
export const MAX_MUTED = 500;

function load(): ReadonlySet<string> {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]');
    return new Set(Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

let muted = load();
const listeners = new Set<() => void>();
const notify = () => {
  for (const l of listeners) l();
};

export const isMuted = (key: string): boolean => muted.has(key);

export function setMuted(key: string, on: boolean): void {
  if (muted.has(key) === on) return;
  const next = new Set(muted);
  if (on) next.add(key);
  else next.delete(key);
  muted = new Set([...next].slice(-MAX_MUTED));
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify([...muted]));
  } catch {
    // storage full or denied: muted for this window's life
  }
  notify();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => {
    if (e.key !== STORAGE_KEY) return;
    muted = load();
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** The muted chat keys, re-rendering when one is muted or unmuted. */
export function useMuted(): ReadonlySet<string> {
  return useSyncExternalStore(subscribe, () => muted);
}
