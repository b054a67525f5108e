/**
 * core's BlobStore on files: `<data dir>/attachments/<name>`, folder 0700,
 * files 0600. core only ever uses names of [a-z0-9-]; anything else is
 * refused, so nothing can be written outside the folder.
 */
import { constants, mkdirSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '@parley/core';

const SAFE_NAME = /^[a-z0-9-]{1,80}$/;

export function createFileBlobStore(dir: string): BlobStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (name: string): string => {
    if (!SAFE_NAME.test(name)) throw new Error(`refusing blob name ${JSON.stringify(name)}`);
    return join(dir, name);
  };
  return {
    async write(name, offset, bytes) {
      const handle = await open(path(name), constants.O_WRONLY | constants.O_CREAT, 0o600);
      try {
        await handle.truncate(offset);
        if (bytes.length > 0) await handle.write(bytes, 0, bytes.length, offset);
      } finally {
        await handle.close();
      }
    },
    async read(name, offset, length) {
      const handle = await open(path(name), 'r').catch(() => undefined);
      if (!handle) return new Uint8Array(0);
      try {
        const buffer = new Uint8Array(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    async size(name) {
      return (await stat(path(name)).catch(() => undefined))?.size ?? 0;
    },
    async flush(name) {
      const handle = await open(path(name), 'r+').catch(() => undefined);
      if (!handle) return;
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async delete(name) {
      await rm(path(name), { force: true });
    },
  };
}
