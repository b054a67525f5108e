/** Keyboard shortcuts (issue 20): jump to a chat, previous/next chat, the list of shortcuts. */
export { SHORTCUTS, shortcutOf } from './keys.ts';
export { Shortcuts } from './Shortcuts.tsx';
