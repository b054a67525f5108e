/**
 * The one dispatcher of what arrives: the inbox (frames, sessions, acknowledgements) and applyMessage,
 * which hands each kind to its feature. Imports everything below.
 */
export { Inbox, MAX_PROCESSING_FAILURES } from './inbox.ts';
