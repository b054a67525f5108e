/**
 * Double Ratchet sessions at rest, and batching their writes. Imports base … context.
 */
export { loadSession, SessionBatch, saveSession } from './session-store.ts';
