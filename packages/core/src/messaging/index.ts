/**
 * Messaging shared by every conversation kind: composing, the outbox pump, the send queue,
 * own changes, and what every incoming message shares (Effects, its place D4). Imports base … contacts.
 */
export { type Effects, type GroupEffects, groupEffects, insertIncoming } from './incoming.ts';
export { checkCanSend, compose, outgoingRecord } from './outbound.ts';
export { OutboxPump } from './outbox.ts';
export {
  applyOwnChange,
  EXPIRED_MARK,
  isExpiredTombstone,
  markConversationRead,
  setOwnReaction,
} from './own-changes.ts';
export { SendQueue } from './send-queue.ts';
