/**
 * Messaging shared by every conversation kind: composing, the outbox pump, the send queue,
 * own changes, paging, and what every incoming message shares (Effects, its place D4). Imports base … contacts.
 */
export type { ConversationActions } from './conversation-actions.ts';
export { deleteForMe } from './delete-for-me.ts';
export { DRAFT_TEXT_MAX_BYTES, type Draft, openDraft, saveDraft } from './drafts.ts';
export {
  openManifest,
  sanitizeFileName,
  sealManifest,
  shownAttachment,
  storeIncomingFile,
  storeOwnFile,
} from './files.ts';
export {
  type ChannelEffects,
  channelEffects,
  type Effects,
  type GroupEffects,
  groupEffects,
  insertIncoming,
  type MailboxEffects,
  sortKeyFor,
} from './incoming.ts';
export { devicesChangedText, insertNotice, keyChangedText } from './notices.ts';
export {
  checkCanSend,
  compose,
  outgoingRecord,
  profileTo,
  sendProfile,
  sendToOwnDevices,
  syncToOwnDevices,
} from './outbound.ts';
export { OutboxPump } from './outbox.ts';
export {
  DELETED_FOR_ME_MARK,
  deleteOwnMessage,
  EXPIRED_MARK,
  editOwnMessage,
  isHiddenTombstone,
  isHiddenView,
  markConversationRead,
  markConversationUnread,
  type OwnConversation,
  setOwnReaction,
} from './own-changes.ts';
export {
  MESSAGE_PAGE_DEFAULT,
  MESSAGE_PAGE_MAX,
  type MessagePageQuery,
  messagePage,
  pageLimit,
} from './page.ts';
export { noteDirectReceipt } from './receipts.ts';
export { bodyText, indexBody } from './searchable.ts';
export { SendQueue } from './send-queue.ts';
