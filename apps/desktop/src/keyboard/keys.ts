/** The app's keyboard shortcuts: which key does what, as listed in the Ctrl+/ dialog. */

export type ShortcutAction = 'jump' | 'previous' | 'next' | 'help';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
/** Ctrl, or ⌘ on a Mac. */
export const MOD = isMac ? '⌘' : 'Ctrl';

export interface Shortcut {
  readonly keys: readonly string[];
  /** The keys are alternatives (↑ or ↓), not pressed together. */
  readonly either?: boolean;
  readonly what: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: [MOD, 'K'], what: 'Jump to a chat by name' },
  { keys: ['Alt', '↑'], what: 'Previous chat' },
  { keys: ['Alt', '↓'], what: 'Next chat' },
  { keys: [MOD, 'F'], what: 'Search messages and chats' },
  { keys: ['↑', '↓'], either: true, what: 'Move in the chat list (Home, End: first, last)' },
  { keys: ['↑'], what: 'Edit your last message (in an empty message box)' },
  { keys: ['Shift', 'F10'], what: "A chat's actions (mark as unread or read), on the chat list" },
  { keys: ['Escape'], what: 'Close a dialog, clear the search' },
  { keys: [MOD, '/'], what: 'Show these shortcuts' },
];

/** The action a key press asks for, or null. */
export function shortcutOf(e: KeyboardEvent): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') return 'jump';
  if (mod && !e.altKey && (e.key === '/' || e.code === 'Slash')) return 'help';
  if (e.altKey && !mod && !e.shiftKey && e.key === 'ArrowUp') return 'previous';
  if (e.altKey && !mod && !e.shiftKey && e.key === 'ArrowDown') return 'next';
  return null;
}
