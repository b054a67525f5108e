/**
 * @parley/core — the messenger: accounts, contacts, sessions, conversations,
 * durable outbox/inbox. Defines the Transport and Store interfaces that
 * @parley/net and @parley/store implement.
 */
export {
  type Account,
  type AccountInfo,
  accountProtection,
  checkDisplayName,
  createAccount,
  hasAccount,
  unlockAccount,
} from './account.ts';
export {
  type AppBody,
  type AppKind,
  type AppMessage,
  decodeAppMessage,
  encodeAppMessage,
  MESSAGE_TEXT_MAX_BYTES,
  type MessageRef,
} from './app-message.ts';
export {
  ATTACHMENT_MAX_BYTES_DEFAULT,
  type AttachmentProgress,
  AUTO_DOWNLOAD_MAX_BYTES,
  type FileSource,
  type SendFileExtras,
  sanitizeFileName,
} from './attachments.ts';
export { type BlobStore, createMemoryBlobStore } from './blob-store.ts';
export { CHANNEL_LINK_SCHEME, POST_TEXT_MAX_BYTES } from './channel-codec.ts';
export type { ChannelRole, ChannelStatus } from './channel-store.ts';
export { CHANNEL_SYNC_INTERVAL_MS, type ChannelEvent, type ChannelView } from './channels.ts';
export {
  INVITE_DEFAULT_TTL_MS,
  type Invite,
  type InviteOptions,
  REUSABLE_INVITE_DEFAULT_TTL_MS,
} from './contacts.ts';
export type { Limits, MessengerEvents, Settings } from './context.ts';
export { CoreError, type CoreErrorCode, InboundError } from './errors.ts';
export { decodeFrame, encodeFrame, type Frame, frameDigest } from './frame.ts';
export { GROUP_MAX_MEMBERS, type GroupRole } from './group-codec.ts';
export { GROUP_WAIT_MAX_MS } from './group-inbox.ts';
export {
  GROUP_PICTURE_MAX_BYTES,
  type GroupPicture,
  type GroupPictureType,
  sniffPicture,
} from './group-picture.ts';
export { GROUP_TOPIC_MIN_MEMBERS_DEFAULT, groupTopic } from './group-topic.ts';
export type { GroupMemberView, GroupView } from './group-views.ts';
export { MAX_PROCESSING_FAILURES } from './inbox.ts';
export { decodeInviteLink, INVITE_SCHEME } from './invite.ts';
export { createMemoryStore } from './memory-store.ts';
export { createMemoryNetwork, type MemoryNetwork } from './memory-transport.ts';
export {
  createMessenger,
  type Messenger,
  type MessengerOptions,
  type MessengerStatus,
  RECEIVED_RETENTION_MS,
} from './messenger.ts';
export { ACK_TIMEOUT_MS, RETRY_MAX_DELAY_MS } from './retry.ts';
export * from './store.ts';
export * from './transport.ts';
export { SCRYPT_PARAMS, type VaultSecret } from './vault.ts';
export type {
  AttachmentView,
  ContactView,
  ConversationView,
  MessageView,
  ReactionView,
  ReceiptView,
} from './views.ts';
