/** JSON-RPC methods for attachments (docs/API.md): files are read and written by path, on this machine. */
import { constants } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { METHOD_NAMES, METHODS } from '@parley/client';
import { CoreError, type Messenger, sanitizeFileName } from '@parley/core';
import { handlers, type Method } from './rpc-methods.ts';

const MIME_BY_EXTENSION: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.heic': 'image/heic',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.wav': 'audio/wav',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.zip': 'application/zip',
};

export const mimeOf = (path: string): string =>
  MIME_BY_EXTENSION[extname(path).toLowerCase()] ?? 'application/octet-stream';

export async function sendFileFromPath(
  messenger: Messenger,
  contact: string,
  path: string,
  extras: { caption?: string; mime?: string; name?: string },
) {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new CoreError('bad-input', `${path} is not a readable file`);
  const handle = await open(path, 'r');
  try {
    return await messenger.sendFile(
      contact,
      {
        name: extras.name ?? basename(path),
        mime: extras.mime ?? mimeOf(path),
        size: info.size,
        read: async (offset, length) => {
          const buffer = new Uint8Array(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          return buffer.subarray(0, bytesRead);
        },
      },
      extras.caption === undefined ? {} : { caption: extras.caption },
    );
  } finally {
    await handle.close();
  }
}

/** Decrypts `contact`'s attachment `id` to `path` (a file, or a folder to put it in under its sanitized name). */
export async function saveToPath(
  messenger: Messenger,
  file: { readonly contact: string; readonly id: string },
  path: string,
  overwrite: boolean,
) {
  const info = messenger.attachment(file.contact, file.id);
  const target = (await stat(path).catch(() => undefined))?.isDirectory()
    ? join(path, sanitizeFileName(info.name))
    : path;
  if (!overwrite && (await stat(target).catch(() => undefined))) {
    throw new CoreError('not-allowed', `${target} exists; choose another path or pass overwrite`);
  }
  const temp = `${target}.parley-partial`;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    const saved = await messenger.saveAttachment(file.contact, file.id, async (bytes) => {
      await handle.write(bytes);
    });
    await handle.sync();
    await handle.close();
    await rename(temp, target);
    return { path: target, name: saved.name, size: saved.size };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * The methods that read or write a file by its path: those the schema (@parley/client) marks
 * `tokenOnly`. Only token callers (the CLI, scripts) may use them; browser sessions are refused
 * (rpc-methods.ts). Every new method that takes a path must be marked so.
 */
export const PATH_METHODS: ReadonlySet<string> = new Set(
  METHOD_NAMES.filter((m) => 'tokenOnly' in METHODS[m]),
);

export function attachmentMethods(messenger: Messenger): Record<string, Method> {
  return handlers({
    'messages.sendFile': (p) =>
      sendFileFromPath(messenger, p.contact, p.path, {
        ...(p.caption === undefined ? {} : { caption: p.caption }),
        ...(p.mime === undefined ? {} : { mime: p.mime }),
      }),
    // An attachment id is looked up only in its conversation (`contact`): any contact can name any id.
    'attachments.get': (p) => messenger.attachment(p.contact, p.id),
    'attachments.download': (p) => messenger.downloadAttachment(p.contact, p.id),
    'attachments.cancel': (p) => messenger.cancelAttachment(p.contact, p.id),
    'attachments.save': (p) =>
      saveToPath(messenger, { contact: p.contact, id: p.id }, p.path, p.overwrite === true),
  });
}
