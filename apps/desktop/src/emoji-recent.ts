/**
 * The emoji picked last, newest first, for the picker's "Recent" row. Kept in this browser
 * profile's localStorage (emoji only, no text or names), at most RECENT_EMOJI_MAX of them.
 */

const STORAGE_KEY = 'parley.emojiRecent';
export const RECENT_EMOJI_MAX = 24;

export function recentEmoji(): readonly string[] {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(list)
      ? list.filter((e): e is string => typeof e === 'string' && e.length <= 16).slice(0, RECENT_EMOJI_MAX)
      : [];
  } catch {
    return [];
  }
}

/** Puts `emoji` first (once). */
export function noteRecentEmoji(emoji: string): void {
  const next = [emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, RECENT_EMOJI_MAX);
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  } catch {
    // storage full or denied: no recents this time
  }
}
