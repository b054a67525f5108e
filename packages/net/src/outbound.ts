/**
 * The sending side of `/parley/msg/1.0.0`: one long-lived stream per peer,
 * a bounded queue per peer, and coalescing of queued frames into one
 * `stream.send()` (each send costs ~50 µs of CPU in libp2p + yamux + Noise;
 * batching many frames per write is what makes > 100k frames/s possible).
 *
 * The stream is closed after SEND_STREAM_IDLE_CLOSE_MS without traffic and
 * reopened on demand, so no keepalive traffic is needed (yamux keeps the
 * connection itself alive).
 */
import type { Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { TransportError } from '@parley/core';
import { MSG_PROTOCOL, resetStream, type TransportContext } from './context.ts';
import { encodeFrames } from './frame-codec.ts';
import { DIAL_TIMEOUT_MS, STREAM_MAX_WRITE_BUFFER_BYTES } from './limits.ts';
import { openProtocolStream } from './open-stream.ts';

interface PendingFrame {
  readonly data: Uint8Array;
  resolve: () => void;
  readonly reject: (err: Error) => void;
  settled: boolean;
}

interface PeerOutbox {
  readonly peer: string;
  queue: PendingFrame[];
  head: number;
  readonly spaceWaiters: Array<() => void>;
  stream: Stream | null;
  pumping: boolean;
  lastWrite: number;
  idleTimer: NodeJS.Timeout | null;
}

export interface OutboundSide {
  send(peer: string, frame: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** Frames queued but not yet written, over all peers. */
  queuedFrames(): number;
  /** Rejects everything pending with `closed`. */
  close(): void;
}

/** `connect` makes sure a connection (direct or relayed) to the peer exists, or throws `unreachable`. */
export function createOutbound(
  ctx: TransportContext,
  connect: (peer: string) => Promise<void>,
): OutboundSide {
  const outboxes = new Map<string, PeerOutbox>();

  const openStream = async (box: PeerOutbox): Promise<Stream> => {
    if (box.stream && box.stream.status === 'open' && box.stream.writeStatus === 'writable')
      return box.stream;
    box.stream = null;
    await connect(box.peer);
    let stream: Stream;
    try {
      stream = await openProtocolStream(
        ctx.node,
        peerIdFromString(box.peer),
        MSG_PROTOCOL,
        AbortSignal.timeout(DIAL_TIMEOUT_MS),
      );
    } catch (err) {
      throw new TransportError('unreachable', `cannot open ${MSG_PROTOCOL} to ${box.peer}`, { cause: err });
    }
    stream.addEventListener('close', () => {
      if (box.stream === stream) box.stream = null;
    });
    // a safety net only: writeRoom() keeps the buffer near one batch
    stream.maxWriteBufferLength = STREAM_MAX_WRITE_BUFFER_BYTES;
    box.stream = stream;
    armIdleClose(ctx, box);
    return stream;
  };

  const pump = async (box: PeerOutbox): Promise<void> => {
    box.pumping = true;
    let failures = 0;
    try {
      while (box.head < box.queue.length && !ctx.stopped) {
        let stream: Stream;
        try {
          stream = await openStream(box);
        } catch (err) {
          failAll(
            box,
            err instanceof TransportError ? err : new TransportError('unreachable', 'dial failed'),
          );
          return;
        }
        const batch = takeBatch(box, ctx.limits.writeBatchMaxBytes);
        if (batch.length === 0) continue;
        let ok: boolean;
        try {
          ok = stream.send(encodeFrames(batch.map((p) => p.data)));
        } catch {
          // the stream died under us: put the batch back and retry once on a fresh stream
          box.queue.splice(box.head, 0, ...batch);
          resetStream(stream, 'send failed');
          box.stream = null;
          if (++failures > 1) {
            failAll(box, new TransportError('unreachable', `stream to ${box.peer} keeps failing`));
            return;
          }
          continue;
        }
        failures = 0;
        box.lastWrite = Date.now();
        for (const p of batch) settle(p);
        wakeWaiters(box, batch.length);
        if (!ok || stream.writeBufferLength > ctx.limits.writeBatchMaxBytes) {
          await writeRoom(stream, ctx.limits.writeBatchMaxBytes);
        }
      }
    } finally {
      box.pumping = false;
      compact(box);
    }
  };

  return {
    async send(peer, frame, signal) {
      let box = outboxes.get(peer);
      if (!box) {
        box = {
          peer,
          queue: [],
          head: 0,
          spaceWaiters: [],
          stream: null,
          pumping: false,
          lastWrite: 0,
          idleTimer: null,
        };
        outboxes.set(peer, box);
      }
      while (box.queue.length - box.head >= ctx.limits.sendQueueMaxFrames) {
        await waitForSpace(box, signal);
        if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
      }
      // copy: the caller may reuse its buffer as soon as send() returns
      const done = enqueue(box, frame.slice(), signal);
      if (!box.pumping) {
        box.pumping = true;
        // let frames queued in the same tick join the first write
        queueMicrotask(() => void pump(box));
      }
      return done;
    },
    queuedFrames() {
      let n = 0;
      for (const box of outboxes.values()) n += box.queue.length - box.head;
      return n;
    },
    close() {
      for (const box of outboxes.values()) {
        failAll(box, new TransportError('closed', 'transport is stopped'));
        if (box.idleTimer) clearTimeout(box.idleTimer);
        for (const wake of box.spaceWaiters.splice(0)) wake();
      }
      outboxes.clear();
    },
  };
}

/**
 * Waits until the stream's own write buffer is down to `maxBuffered` bytes.
 * `send()` returning false + one 'drain' is not enough: yamux emits 'drain' on
 * every window update, however small, so we re-check the buffered length.
 */
async function writeRoom(stream: Stream, maxBuffered: number): Promise<void> {
  while (stream.status === 'open' && (stream.writableNeedsDrain || stream.writeBufferLength > maxBuffered)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        for (const name of WRITE_ROOM_EVENTS) stream.removeEventListener(name, done);
        resolve();
      };
      for (const name of WRITE_ROOM_EVENTS) stream.addEventListener(name, done);
    });
  }
}

const WRITE_ROOM_EVENTS = ['drain', 'idle', 'close'] as const;

function enqueue(box: PeerOutbox, data: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new TransportError('aborted', 'send aborted'));
      return;
    }
    const pending: PendingFrame = { data, resolve, reject, settled: false };
    if (signal) {
      const onAbort = (): void => settle(pending, new TransportError('aborted', 'send aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      pending.resolve = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
    }
    box.queue.push(pending);
  });
}

function settle(p: PendingFrame, err?: Error): void {
  if (p.settled) return;
  p.settled = true;
  if (err) p.reject(err);
  else p.resolve();
}

/** Takes queued frames (skipping aborted ones) up to `maxBytes`; always at least one frame. */
function takeBatch(box: PeerOutbox, maxBytes: number): PendingFrame[] {
  const batch: PendingFrame[] = [];
  let bytes = 0;
  while (box.head < box.queue.length) {
    const p = box.queue[box.head] as PendingFrame;
    if (p.settled) {
      box.head++;
      continue;
    }
    if (batch.length > 0 && bytes + p.data.length > maxBytes) break;
    batch.push(p);
    bytes += p.data.length + 3;
    box.head++;
  }
  return batch;
}

function failAll(box: PeerOutbox, err: Error): void {
  const pending = box.queue.slice(box.head);
  box.queue = [];
  box.head = 0;
  for (const p of pending) settle(p, err);
  wakeWaiters(box, box.spaceWaiters.length);
}

function wakeWaiters(box: PeerOutbox, count: number): void {
  for (const wake of box.spaceWaiters.splice(0, count)) wake();
}

function waitForSpace(box: PeerOutbox, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new TransportError('aborted', 'send aborted'));
      return;
    }
    const onAbort = (): void => {
      const at = box.spaceWaiters.indexOf(wake);
      if (at >= 0) box.spaceWaiters.splice(at, 1);
      reject(new TransportError('aborted', 'send aborted'));
    };
    const wake = (): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    box.spaceWaiters.push(wake);
  });
}

function compact(box: PeerOutbox): void {
  if (box.head >= box.queue.length) {
    box.queue = [];
    box.head = 0;
  } else if (box.head > 1024) {
    box.queue = box.queue.slice(box.head);
    box.head = 0;
  }
}

/** Closes the stream once it saw no write for `sendStreamIdleCloseMs`; one timer per peer, re-armed lazily. */
function armIdleClose(ctx: TransportContext, box: PeerOutbox): void {
  if (box.idleTimer) return;
  const idleMs = ctx.limits.sendStreamIdleCloseMs;
  const check = (): void => {
    box.idleTimer = null;
    const stream = box.stream;
    if (!stream) return;
    const idle = Date.now() - box.lastWrite;
    if (idle >= idleMs && !box.pumping) {
      box.stream = null;
      stream.close().catch(() => resetStream(stream, 'close failed'));
      return;
    }
    box.idleTimer = setTimeout(check, Math.max(idleMs - idle, 10));
    box.idleTimer.unref();
  };
  box.idleTimer = setTimeout(check, idleMs);
  box.idleTimer.unref();
}
