/**
 * What the messenger shows: plain JSON-able views (contacts, messages, groups, channels,
 * attachments), and message bodies sealed at rest. Imports base … account.
 */
export type { AttachmentProgress } from './attachments.ts';
export type { ChannelEvent, ChannelRole, ChannelStatus, ChannelView } from './channels.ts';
export type { GroupMemberView, GroupRole, GroupStatus, GroupView } from './groups.ts';
export {
  type AttachmentView,
  type ContactView,
  type ConversationView,
  contactView,
  type MessageView,
  messageView,
  NOTICE_SENDER,
  type NoticeKind,
  openBody,
  type ReactionView,
  type ReadByView,
  type ReceiptView,
  receiptTimes,
  type StoredAttachment,
  type StoredBody,
  sealBody,
} from './messages.ts';
