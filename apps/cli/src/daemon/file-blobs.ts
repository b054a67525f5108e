/**
 * core's BlobStore on files: `<data dir>/attachments/<name>`, folder 0700,
 * files 0600. core only ever uses names of [a-z0-9-]; anything else is
 * refused, so nothing can be written outside the folder.
 *
 * File handles are kept open while a transfer runs (opening and closing the
 * file for every 64 KiB chunk cost more than the write itself) and closed
 * after BLOB_HANDLE_IDLE_MS without use.
 */
import { constants, mkdirSync } from 'node:fs';
import { type FileHandle, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '@parley/core';

const SAFE_NAME = /^[a-z0-9-]{1,80}$/;
/** An open blob is closed after this long without reads or writes. */
export const BLOB_HANDLE_IDLE_MS = 5_000;
/** Open blobs at most (transfers in parallel, both directions). */
export const BLOB_HANDLES_MAX = 16;

interface Open {
  readonly handle: FileHandle;
  size: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What is left of `parts` after the first `written` bytes (a short write continues there). */
function rest(parts: readonly Uint8Array[], written: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let skip = written;
  for (const part of parts) {
    if (skip >= part.length) skip -= part.length;
    else {
      out.push(skip > 0 ? part.subarray(skip) : part);
      skip = 0;
    }
  }
  return out;
}

/**
 * A transfer goes through several short-lived 64 KiB buffers per chunk
 * (socket reads, Noise, verification). Their memory lives outside V8's heap,
 * so V8 notices it late and frees it with full collections: a 1 GiB transfer
 * grew the daemon by ~100 MB and spent a third of its CPU in GC. A
 * young-generation collection (~0.1 ms) every BLOB_GC_EVERY_BYTES of file I/O
 * frees them while they are young. Needs the daemon's --expose-gc
 * (bin/parley.js); without it, nothing happens.
 */
export const BLOB_GC_EVERY_BYTES = 4 * 1024 * 1024;
let bytesSinceGc = 0;
const collectYoung = (bytes: number): void => {
  bytesSinceGc += bytes;
  if (bytesSinceGc < BLOB_GC_EVERY_BYTES) return;
  bytesSinceGc = 0;
  (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc?.({ type: 'minor' });
};

export function createFileBlobStore(dir: string): BlobStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (name: string): string => {
    if (!SAFE_NAME.test(name)) throw new Error(`refusing blob name ${JSON.stringify(name)}`);
    return join(dir, name);
  };
  const handles = new Map<string, Promise<Open>>();

  const close = async (name: string): Promise<void> => {
    const opening = handles.get(name);
    handles.delete(name);
    const o = await opening?.catch(() => undefined);
    if (o?.timer) clearTimeout(o.timer);
    await o?.handle.close().catch(() => undefined);
  };
  const touch = (name: string, o: Open): void => {
    if (o.timer) clearTimeout(o.timer);
    o.timer = setTimeout(() => void close(name), BLOB_HANDLE_IDLE_MS);
    o.timer.unref?.();
  };
  const get = async (name: string, create: boolean): Promise<Open | undefined> => {
    let opening = handles.get(name);
    if (!opening) {
      if (!create && !(await stat(path(name)).catch(() => undefined))) return undefined;
      if (handles.size >= BLOB_HANDLES_MAX) await close(handles.keys().next().value as string);
      opening = open(path(name), constants.O_RDWR | constants.O_CREAT, 0o600).then(async (handle) => ({
        handle,
        size: (await handle.stat()).size,
        timer: undefined,
      }));
      handles.set(name, opening);
      opening.catch(() => handles.delete(name));
    }
    const o = await opening;
    touch(name, o);
    return o;
  };

  return {
    async write(name, offset, bytes) {
      const o = (await get(name, true)) as Open;
      if (offset < o.size) await o.handle.truncate(offset); // resuming: drop what was not made durable
      // a batch of chunks goes down in one writev() (one system call, no copy)
      let parts = (bytes instanceof Uint8Array ? [bytes] : bytes).filter((b) => b.length > 0);
      let at = offset;
      while (parts.length > 0) {
        const { bytesWritten } =
          parts.length === 1
            ? await o.handle.write(parts[0] as Uint8Array, 0, (parts[0] as Uint8Array).length, at)
            : await o.handle.writev(parts, at);
        if (bytesWritten <= 0) throw new Error(`writing ${name} made no progress`);
        at += bytesWritten;
        parts = rest(parts, bytesWritten);
      }
      o.size = at;
      collectYoung(at - offset);
    },
    async read(name, offset, length) {
      const o = await get(name, false);
      if (!o) return new Uint8Array(0);
      collectYoung(length);
      const buffer = new Uint8Array(length);
      const { bytesRead } = await o.handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    },
    async size(name) {
      const o = handles.get(name);
      if (o) return (await o).size;
      return (await stat(path(name)).catch(() => undefined))?.size ?? 0;
    },
    async flush(name) {
      const o = await get(name, false);
      await o?.handle.sync();
    },
    async delete(name) {
      await close(name);
      await rm(path(name), { force: true });
    },
  };
}
