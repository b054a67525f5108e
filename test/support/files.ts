/**
 * Helpers for the attachment tests (test/files) and `pnpm bench:files`:
 * random files written in streaming fashion (never held in memory), SHA-256
 * of a file, per-process RSS and CPU time from /proc, file-tree listings,
 * attachment RPC polling that tolerates a daemon being down, and attachment
 * events from a daemon's /events stream.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { MessageView } from '@parley/core';
import WebSocket from 'ws';
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

/** CPU seconds of a live process by kind of thread (Linux /proc/PID/task); empty once it is gone. */
export interface CpuSeconds {
  /** All threads. */
  readonly total: number;
  /** The JavaScript thread. */
  readonly main: number;
  /** V8's worker threads: mostly the garbage collector's concurrent and parallel marking. */
  readonly v8: number;
  /** libuv's thread pool: file system calls. */
  readonly libuv: number;
}

export function cpuSecondsOf(pid: number): CpuSeconds | undefined {
  const sum = { total: 0, main: 0, v8: 0, libuv: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // fields after the parenthesised name; utime and stime are fields 14 and 15 (clock ticks)
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
      sum.total += seconds;
      if (tid === String(pid)) sum.main += seconds;
      else if (name.startsWith('V8Worker')) sum.v8 += seconds;
      else if (name.startsWith('libuv-worker')) sum.libuv += seconds;
    }
  } catch {
    return undefined; // gone (or a thread ended while we read)
  }
  return sum;
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_S = 100;

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

/** Every regular file under `dir`, absolute paths; files that vanish meanwhile (-shm, tmp) are skipped. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
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

/**
 * attachments.get of `contact`'s file `id` (its conversation in `home`), or undefined when the
 * daemon is down or does not know the file (yet).
 */
export async function attachmentOrNothing(
  world: ParleyWorld,
  home: string,
  contact: string,
  id: string,
): Promise<AttachmentInfo | undefined> {
  try {
    return await world.rpc<AttachmentInfo>(home, 'attachments.get', { contact, id });
  } catch {
    return undefined;
  }
}

/** Polls attachments.get every `everyMs` until `done(info)`; throws after `timeoutMs` with the last state. */
export async function waitAttachment(
  world: ParleyWorld,
  home: string,
  contact: string,
  id: string,
  done: (a: AttachmentInfo) => boolean,
  timeoutMs: number,
  everyMs = 50,
): Promise<AttachmentInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: AttachmentInfo | undefined;
  for (;;) {
    last = (await attachmentOrNothing(world, home, contact, id)) ?? last;
    if (last && done(last)) return last;
    if (Date.now() > deadline)
      throw new Error(
        `attachment ${id} in ${home}: timed out after ${timeoutMs} ms; last ${JSON.stringify(last)}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The `attachment` events of one daemon (its /events WebSocket), to wait on without polling it. */
export interface AttachmentEvents {
  /**
   * Resolves with the first attachment `id` (of `contact`'s conversation) for which `done` holds:
   * from an event, or from an `attachments.get` every `pollMs` (a safety net).
   */
  until(
    contact: string,
    id: string,
    done: (a: Pick<AttachmentInfo, 'state' | 'error'>) => boolean,
    timeoutMs: number,
    pollMs?: number,
  ): Promise<Pick<AttachmentInfo, 'state' | 'error'>>;
  close(): void;
}

/** Subscribes to `home`'s /events; resolves once the stream is open (so no later event is missed). */
export async function attachmentEvents(world: ParleyWorld, home: string): Promise<AttachmentEvents> {
  const { port } = JSON.parse(readFileSync(join(home, 'api.json'), 'utf8')) as { port: number };
  const token = readFileSync(join(home, 'api.token'), 'utf8').trim();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  type Seen = Pick<AttachmentInfo, 'id' | 'contact' | 'state' | 'error'>;
  const listeners = new Set<(a: Seen) => void>();
  ws.on('message', (data) => {
    const e = JSON.parse(String(data)) as { type: string; data: Seen };
    if (e.type === 'attachment') for (const fn of listeners) fn(e.data);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    until(contact, id, done, timeoutMs, pollMs = 1_000) {
      return new Promise((resolve, reject) => {
        const finish = (a: Seen | Error): void => {
          listeners.delete(onEvent);
          clearInterval(poll);
          clearTimeout(timer);
          if (a instanceof Error) reject(a);
          else resolve(a);
        };
        const onEvent = (a: Seen): void => {
          if (a.id === id && a.contact === contact && done(a)) finish(a);
        };
        listeners.add(onEvent);
        const poll = setInterval(() => {
          void attachmentOrNothing(world, home, contact, id).then((a) => a && onEvent(a));
        }, pollMs);
        const timer = setTimeout(
          () => finish(new Error(`attachment ${id} in ${home}: timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
    },
    close: () => ws.close(),
  };
}
