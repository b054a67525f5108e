/**
 * @parley/core — the messenger: accounts, contacts, sessions, conversations,
 * durable outbox/inbox. Defines the Transport and Store interfaces that
 * @parley/net and @parley/store implement.
 */
export {
  type Account,
  type AccountInfo,
  accountIdOf,
  accountProtection,
  checkDisplayName,
  createAccount,
  createVault,
  hasAccount,
  openAccount,
  renameAccount,
  rewrapVault,
  SCRYPT_PARAMS,
  unlockAccount,
  unlockVault,
  type Vault,
  type VaultKdf,
  type VaultSecret,
  vaultKdf,
} from './account/index.ts';
export {
  ATTACHMENT_MAX_BYTES_DEFAULT,
  AUTO_DOWNLOAD_MAX_BYTES,
  type FileSource,
  type SendFileExtras,
  sanitizeFileName,
} from './attachments/index.ts';
export {
  ACK_TIMEOUT_MS,
  CoreError,
  type CoreErrorCode,
  InboundError,
  RETRY_MAX_DELAY_MS,
} from './base/index.ts';
export { CHANNEL_LINK_SCHEME, CHANNEL_SYNC_INTERVAL_MS, POST_TEXT_MAX_BYTES } from './channels/index.ts';
export {
  INVITE_DEFAULT_TTL_MS,
  type Invite,
  type InviteOptions,
  REUSABLE_INVITE_DEFAULT_TTL_MS,
} from './contacts/index.ts';
export type { Limits, MessengerEvents, Settings } from './context/index.ts';
export {
  completeLink,
  createPendingDevice,
  DEVICE_LINK_SCHEME,
  type DeviceLinkOffer,
  decodeDeviceLink,
  decodePendingDevice,
  encodePendingDevice,
  LINK_SECRET_BYTES,
  LINK_TTL_MS,
  linkRequest,
  type PendingDevice,
  requestLink,
} from './devices/index.ts';
export {
  GROUP_MAX_MEMBERS,
  GROUP_PICTURE_MAX_BYTES,
  GROUP_TOPIC_MIN_MEMBERS_DEFAULT,
  GROUP_WAIT_MAX_MS,
  type GroupPicture,
  type GroupPictureType,
  groupTopic,
  sniffPicture,
} from './groups/index.ts';
export { MAX_PROCESSING_FAILURES } from './inbound/index.ts';
export {
  createMailboxServer,
  DEFAULT_MAILBOX_LIMITS,
  decodeMailboxLink,
  encodeMailboxLink,
  isMailRequest,
  MAILBOX_LINK_SCHEME,
  MailboxError,
  type MailboxLimits,
  type MailboxServer,
  type MailboxView,
} from './mailbox/index.ts';
export {
  createMessenger,
  type DeviceMethods,
  type DeviceView,
  type DraftMethods,
  type DraftView,
  type Messenger,
  type MessengerOptions,
  type MessengerStatus,
  RECEIVED_RETENTION_MS,
  SEARCH_BACKFILL_BATCH,
  SEARCH_BACKFILL_META,
  SEARCH_LIMIT_DEFAULT,
  SEARCH_LIMIT_MAX,
  type SearchHit,
  type SearchParams,
  type SearchResult,
} from './messenger/index.ts';
export * from './ports/index.ts';
export {
  type Highlight,
  highlights,
  indexText,
  parseQuery,
  SEARCH_QUERY_MAX_CHARS,
  SNIPPET_MAX_CHARS,
  type Snippet,
  snippet,
  tokenize,
} from './search/index.ts';
export {
  createMemoryMailStore,
  createMemoryNetwork,
  createMemoryStore,
  type MemoryNetwork,
} from './testing/index.ts';
export type {
  AttachmentProgress,
  AttachmentView,
  ChannelEvent,
  ChannelRole,
  ChannelStatus,
  ChannelView,
  ContactView,
  ConversationView,
  GroupMemberView,
  GroupRole,
  GroupView,
  MessageView,
  ReactionView,
  ReadByView,
  ReceiptView,
} from './views/index.ts';
export {
  type AppBody,
  type AppKind,
  type AppMessage,
  decodeAppMessage,
  decodeFrame,
  decodeInviteLink,
  encodeAppMessage,
  encodeFrame,
  type Frame,
  frameDigest,
  INVITE_SCHEME,
  MESSAGE_TEXT_MAX_BYTES,
  type MessageRef,
} from './wire/index.ts';
