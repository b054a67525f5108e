/**
 * Double Ratchet sessions at rest, and batching their writes. Imports base … context.
 */
export { deleteSessions, loadSession, previousKey, SessionBatch, saveSession } from './session-store.ts';
