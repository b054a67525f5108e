/**
 * The wire: pure codecs of what travels (frames, application messages, invite links).
 * Imports base and ports.
 */
export {
  type AppBody,
  type AppKind,
  type AppMessage,
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
