/**
 * How far each channel's posts were seen here, by chat key (`channel:<id>`) → the newest seen
 * post's sortKey, for the sidebar's unread count. The daemon keeps no read state for channels
 * (posts are not messages: nothing is acknowledged or receipted), so, like muted.ts, it lives in
 * this browser profile's localStorage: ids and numbers, never names or text.
 */
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'parley.channelSeen';
/** Channels kept at most (a stale entry is harmless, an unbounded map is not). */
export const MAX_CHANNELS_SEEN = 500;

type Seen = ReadonlyMap<string, number>;

function load(): Seen {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    if (raw === null || typeof raw !== 'object') return new Map();
    return new Map(
      Object.entries(raw).filter(
        (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
      ),
    );
  } catch {
    return new Map();
  }
}

let seen: Seen = load();
const listeners = new Set<() => void>();

/** The newest seen post's sortKey, or undefined if this channel was never listed here. */
export const seenUpTo = (key: string, map: Seen = seen): number | undefined => map.get(key);

/** Records that the channel's posts up to `sortKey` were seen (it never moves back). */
export function markSeen(key: string, sortKey: number): void {
  const was = seen.get(key);
  if (was !== undefined && was >= sortKey) return;
  const next = new Map(seen);
  next.delete(key); // re-inserted last: the oldest entries go first when the map is full
  next.set(key, sortKey);
  seen = new Map([...next].slice(-MAX_CHANNELS_SEEN));
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(seen)));
  } catch {
    // storage full or denied: seen for this window's life
  }
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => {
    if (e.key !== STORAGE_KEY) return;
    seen = load();
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** Every channel's seen mark, re-rendering when one moves. */
export function useChannelSeen(): Seen {
  return useSyncExternalStore(subscribe, () => seen);
}
