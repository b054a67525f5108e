/**
 * Attachments: encrypting, storing, offering and downloading files. Imports base … messaging;
 * never groups or channels.
 */
export {
  ATTACHMENT_MAX_BYTES_DEFAULT,
  AUTO_DOWNLOAD_MAX_BYTES,
  blobNameOf,
  decryptFile,
  encryptFile,
  type FileSource,
  inBlobName,
  openManifest,
  outBlobName,
  type SendFileExtras,
  sanitizeFileName,
  sealManifest,
  serveFile,
  updateAttachment,
} from './attachments.ts';
export { type ConversationName, Downloads, progressOf } from './downloads.ts';
export { INLINE_ATTACHMENT_MAX_BYTES, type InlineFile, inlineFiles } from './inline.ts';
export { receiveAttachment, shownAttachment } from './receive.ts';
