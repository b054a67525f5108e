/**
 * Helpers for the attachment tests (test/files) and `pnpm bench:files`:
 * random files written in streaming fashion (never held in memory), SHA-256
 * of a file, per-process RSS sampling from /proc, file-tree listings, and
 * attachment RPC polling that tolerates a daemon being down.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { MessageView } from '@parley/core';
import type { ParleyWorld } from './parley.ts';

export const MiB = 1024 * 1024;
/** A sealed file chunk on disk and on the wire: 64 KiB of plaintext + 16-byte tag. */
export const SEALED_CHUNK_BYTES = 65_552;
export const PLAIN_CHUNK_BYTES = 65_536;

export interface AttachmentInfo {
  readonly id: string;
  readonly direction: 'in' | 'out';
  readonly contact: string;
  readonly state: string;
  readonly transferred: number;
  readonly size: number;
  readonly error: string | null;
  readonly name: string;
  readonly mime: string;
}

/** Writes `bytes` random bytes to `path`, 1 MiB at a time; returns the hex SHA-256. */
export async function randomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  try {
    for (let done = 0; done < bytes; ) {
      const block = randomBytes(Math.min(MiB, bytes - done));
      hash.update(block);
      await handle.write(block, 0, block.length, done);
      done += block.length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** Streaming SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** VmRSS of a live process in bytes (Linux /proc), or undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples the RSS of one side (a daemon that may be restarted: `pid()` is read
 * on every tick) every `everyMs`; `peak` is the highest sample so far.
 */
export class RssSampler {
  peak = 0;
  samples = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(pid: () => number | undefined, everyMs = 100) {
    this.#timer = setInterval(() => this.sample(pid()), everyMs);
  }
  sample(pid: number | undefined): void {
    if (pid === undefined) return;
    const rss = rssOf(pid);
    if (rss === undefined) return;
    this.samples++;
    if (rss > this.peak) this.peak = rss;
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Every file under `dir`, relative paths, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Sends the file at `path` via RPC; returns the message (its `attachment.id` names the file). */
export async function sendFile(
  world: ParleyWorld,
  home: string,
  contact: string,
  path: string,
): Promise<MessageView & { attachment: { id: string } }> {
  const m = await world.rpc<MessageView>(home, 'messages.sendFile', { contact, path });
  if (!m.attachment) throw new Error('messages.sendFile returned no attachment');
  return m as MessageView & { attachment: { id: string } };
}

/** attachments.get, or undefined when the daemon is down or does not know the id (yet). */
export async function attachmentOrNothing(
  world: ParleyWorld,
  home: string,
  id: string,
): Promise<AttachmentInfo | undefined> {
  try {
    return await world.rpc<AttachmentInfo>(home, 'attachments.get', { id });
  } catch {
    return undefined;
  }
}

/** Polls attachments.get every `everyMs` until `done(info)`; throws after `timeoutMs` with the last state. */
export async function waitAttachment(
  world: ParleyWorld,
  home: string,
  id: string,
  done: (a: AttachmentInfo) => boolean,
  timeoutMs: number,
  everyMs = 50,
): Promise<AttachmentInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: AttachmentInfo | undefined;
  for (;;) {
    last = (await attachmentOrNothing(world, home, id)) ?? last;
    if (last && done(last)) return last;
    if (Date.now() > deadline)
      throw new Error(
        `attachment ${id} in ${home}: timed out after ${timeoutMs} ms; last ${JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
