/**
 * The wire: pure codecs of what travels (frames, application messages, invite links).
 * Imports base and ports.
 */
export {
  type AppBody,
  type AppKind,
  type AppMessage,
  CONTROL_PAYLOAD_MAX_BYTES,
  decodeAppMessage,
  EPHEMERAL_KINDS,
  encodeAppMessage,
  type FileManifest,
  MESSAGE_TEXT_MAX_BYTES,
  type MessageRef,
  newMessageId,
  READ_RECEIPT_MAX_TARGETS,
  VISIBLE_KINDS,
  validateBody,
} from './app-message.ts';
export {
  type AccountRecord,
  type CardExtension,
  decodeCardExtension,
  decodeMailboxAddresses,
  encodeCardExtension,
  encodeMailboxAddresses,
  MAILBOX_ADDRESS_MAX_BYTES,
  MAILBOX_MAX_ADDRESSES,
  MAILBOX_PEER_ID_MAX_BYTES,
  MAILBOX_TOKEN_BYTES,
  MAILBOXES_PER_ACCOUNT_MAX,
  type MailboxAddress,
  readAddresses,
  readPeerId,
  writeAddresses,
  writePeerId,
} from './card-extension.ts';
export {
  ACK_MAX_DIGESTS,
  decodeFrame,
  encodeFrame,
  type Frame,
  frameDigest,
  GROUP_ID_BYTES,
  type RejectReason,
} from './frame.ts';
export {
  decodeIntro,
  decodeInviteExtension,
  decodeInviteLink,
  encodeIntro,
  encodeInviteExtension,
  encodeInviteLink,
  INVITE_MAX_ADDRESSES,
  INVITE_SCHEME,
  INVITE_TOKEN_BYTES,
} from './invite.ts';
