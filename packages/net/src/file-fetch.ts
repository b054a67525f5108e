/**
 * The requester side of `/parley/file/1.0.0` (the exchange is described in
 * file.ts): fetchFile() opens one stream per request and yields the chunks in
 * order.
 *
 * Chunk frames are assembled into shared slabs of FILE_READ_SLAB_BYTES (a
 * frame always spans several Noise messages, so one copy is needed anyway):
 * one allocation per slab instead of one per chunk, which is what the garbage
 * collector pays for. A yielded chunk is a view into a slab that is never
 * written again; it keeps that slab alive while the consumer holds it.
 */
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { FILE_FRAME_MAX_BYTES, type FileRequest, TransportError } from '@parley/core';
import { FILE_PROTOCOL, resetStream, type TransportContext } from './context.ts';
import { encodeFileRequest, STATUS_ACCEPTED, STATUS_REFUSED } from './file-request.ts';
import { createFrameDecoder, encodeFrames, type FrameAllocator } from './frame-codec.ts';
import {
  DIAL_TIMEOUT_MS,
  FILE_QUEUED_FRAME_OVERHEAD_BYTES,
  FILE_READ_HIGH_WATER_BYTES,
  FILE_READ_SLAB_BYTES,
  MAX_OUTBOUND_FILE_STREAMS,
} from './limits.ts';
import { openBulkStream } from './open-stream.ts';

/** Outbound fetches per peer, at most MAX_OUTBOUND_FILE_STREAMS at once (the rest wait their turn). */
export interface FetchSlots {
  acquire(peer: string, signal?: AbortSignal): Promise<() => void>;
  /** Fetches holding a slot. */
  active(): number;
}

export function createFetchSlots(): FetchSlots {
  let total = 0;
  const perPeer = new Map<string, { active: number; waiters: Array<() => void> }>();
  return {
    async acquire(peer, signal) {
      let slot = perPeer.get(peer);
      if (!slot) {
        slot = { active: 0, waiters: [] };
        perPeer.set(peer, slot);
      }
      const s = slot;
      while (s.active >= MAX_OUTBOUND_FILE_STREAMS) {
        await new Promise<void>((resolve, reject) => {
          const wake = (): void => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          };
          const onAbort = (): void => {
            const at = s.waiters.indexOf(wake);
            if (at >= 0) s.waiters.splice(at, 1);
            reject(new TransportError('aborted', 'file fetch aborted'));
          };
          if (signal?.aborted) return onAbort();
          signal?.addEventListener('abort', onAbort, { once: true });
          s.waiters.push(wake);
        });
      }
      s.active++;
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        s.active--;
        total--;
        const wake = s.waiters.shift();
        if (wake) wake();
        else if (s.active === 0) perPeer.delete(peer);
      };
    },
    active: () => total,
  };
}

/** Client side of fetchFile: `connect` establishes a connection like send() does (or throws). */
export async function* fetchFile(
  ctx: TransportContext,
  slots: FetchSlots,
  connect: (peer: string, signal?: AbortSignal) => Promise<void>,
  peer: string,
  request: FileRequest,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
  const payload = encodeFileRequest(request);
  if (signal?.aborted) throw new TransportError('aborted', 'file fetch aborted');
  const release = await slots.acquire(peer, signal);
  let stream: Stream | null = null;
  let reader: FileReader | null = null;
  try {
    await connect(peer, signal);
    try {
      const wait = ctx.limits.fileDirectWaitMs;
      const timeout = AbortSignal.timeout(DIAL_TIMEOUT_MS + wait);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      stream = await openBulkStream(ctx.node, peerIdFromString(peer), FILE_PROTOCOL, combined, wait);
    } catch (err) {
      if (signal?.aborted) throw new TransportError('aborted', 'file fetch aborted');
      if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
      if (err instanceof TransportError) throw err;
      throw new TransportError('unreachable', `cannot open ${FILE_PROTOCOL} to ${peer}`, { cause: err });
    }
    reader = createFileReader(ctx, stream, signal);
    try {
      stream.send(encodeFrames([payload]));
      await stream.close({ signal: AbortSignal.timeout(ctx.limits.fileIdleTimeoutMs) });
    } catch {
      // the server reset before reading (e.g. we are not admitted): the reader reports it
    }
    for (;;) {
      const chunk = await reader.next();
      if (chunk === null) return;
      yield chunk;
    }
  } finally {
    reader?.dispose();
    // the consumer stopped early, or we failed: tell the server to stop pulling chunks
    if (stream && stream.status === 'open') resetStream(stream, 'file fetch ended');
    release();
  }
}

interface FileReader {
  /** The next chunk, null at the end; throws TransportError. */
  next(): Promise<Uint8Array | null>;
  dispose(): void;
}

function createFileReader(ctx: TransportContext, stream: Stream, signal?: AbortSignal): FileReader {
  const decoder = createFrameDecoder(FILE_FRAME_MAX_BYTES, slabAllocator(FILE_READ_SLAB_BYTES));
  let queue: Array<Uint8Array | undefined> = [];
  let head = 0;
  let queuedBytes = 0;
  let statusSeen = false;
  let ended = false;
  let failure: TransportError | null = null;
  let paused = false;
  let resuming = false;
  /** A graceful end needs the server's FIN; a connection that just went away also "ends" the stream. */
  let remoteFinished = false;
  let wake: (() => void) | null = null;

  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const fail = (err: TransportError): void => {
    if (failure || ended) return;
    failure = err;
    resetStream(stream, err.message);
    notify();
  };
  const lost = (what: string): TransportError => {
    if (ctx.stopped) return new TransportError('closed', 'transport is stopped');
    // Only an explicit 0x00 status means "no such file for you". A reset before the status may be
    // temporary (the peer is starting or stopping, over its stream limit): the caller retries later.
    if (!statusSeen) return new TransportError('unreachable', `file request not answered: ${what}`);
    return new TransportError('unreachable', `file transfer interrupted: ${what}`);
  };

  const onMessage = (evt: StreamMessageEvent): void => {
    try {
      let data = evt.data;
      if (!statusSeen) {
        const status = data instanceof Uint8Array ? data[0] : data.get(0);
        if (status === STATUS_REFUSED) {
          fail(new TransportError('refused', 'the peer has no such file for us'));
          return;
        }
        if (status !== STATUS_ACCEPTED) {
          fail(new TransportError('unreachable', 'malformed file response'));
          return;
        }
        statusSeen = true;
        data = data instanceof Uint8Array ? data.subarray(1) : data.sublist(1);
      }
      const error = decoder.push(data, (frame) => {
        queue.push(frame);
        queuedBytes += frame.length + FILE_QUEUED_FRAME_OVERHEAD_BYTES;
      });
      if (error) {
        ctx.log(`reset /parley/file stream: ${error}`);
        fail(new TransportError('unreachable', `malformed file frame: ${error}`));
        return;
      }
      if (queuedBytes > FILE_READ_HIGH_WATER_BYTES && !paused) {
        paused = true;
        // inside stream.resume() (which dispatches the buffered bytes to us first and only
        // then tells yamux to send window again) a pause here would be undone: resume() re-pauses
        if (!resuming) pauseStream();
      }
      notify();
    } catch (err) {
      fail(new TransportError('unreachable', 'file stream error', { cause: err }));
    }
  };
  const pauseStream = (): void => {
    try {
      stream.pause();
    } catch {
      // closing already
    }
  };
  const onRemoteCloseWrite = (): void => {
    remoteFinished = true;
  };
  // a muxer may flag FIN on the frame carrying the last bytes and deliver them right after 'end'
  const onEndEvent = (): void => queueMicrotask(onEnd);
  const onEnd = (): void => {
    if (stream.status === 'reset' || stream.status === 'aborted') {
      fail(lost('stream reset'));
      return;
    }
    if (!statusSeen) fail(lost('stream ended without a status'));
    else if (!remoteFinished) fail(lost('connection closed'));
    else if (decoder.partial) fail(new TransportError('unreachable', 'file stream ended inside a frame'));
    else ended = true;
    notify();
  };
  const onClose = (evt: StreamCloseEvent): void => {
    if (evt.error) fail(lost('stream reset'));
    else notify();
  };
  const onAbort = (): void => fail(new TransportError('aborted', 'file fetch aborted'));

  stream.addEventListener('message', onMessage);
  stream.addEventListener('end', onEndEvent);
  stream.addEventListener('remoteCloseWrite', onRemoteCloseWrite);
  stream.addEventListener('close', onClose);
  signal?.addEventListener('abort', onAbort, { once: true });

  const resume = (): void => {
    if (!paused) return;
    paused = false;
    resuming = true;
    try {
      stream.resume();
    } catch {
      // closing already
    } finally {
      resuming = false;
    }
    if (paused) pauseStream();
  };

  return {
    async next() {
      for (;;) {
        if (signal?.aborted) fail(new TransportError('aborted', 'file fetch aborted'));
        if (failure && (failure.code === 'aborted' || failure.code === 'closed')) throw failure;
        if (head < queue.length) {
          const frame = queue[head] as Uint8Array;
          queue[head++] = undefined;
          queuedBytes -= frame.length + FILE_QUEUED_FRAME_OVERHEAD_BYTES;
          if (head === queue.length) {
            queue = [];
            head = 0;
          } else if (head >= 256) {
            queue = queue.slice(head);
            head = 0;
          }
          if (queuedBytes <= FILE_READ_HIGH_WATER_BYTES / 2) resume();
          return frame;
        }
        if (failure) throw failure;
        if (ended) return null;
        resume();
        // 'end' fires once; if it passed unseen (nothing buffered is left), settle on our own
        if (stream.readableEnded) queueMicrotask(onEnd);
        // idle timeout: counts only while our consumer waits (our own pause is excluded)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            wake = null;
            fail(new TransportError('unreachable', 'file transfer idle'));
            resolve();
          }, ctx.limits.fileIdleTimeoutMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    dispose() {
      stream.removeEventListener('message', onMessage);
      stream.removeEventListener('end', onEndEvent);
      stream.removeEventListener('remoteCloseWrite', onRemoteCloseWrite);
      stream.removeEventListener('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      notify();
    },
  };
}

/**
 * Frame regions of shared slabs: the next free region of the current slab (a
 * new slab of `slabBytes` when it does not fit); a region is handed out once
 * and never written again, so frames stay valid while the slab lives.
 */
function slabAllocator(slabBytes: number): FrameAllocator {
  let slab = new Uint8Array(0);
  let used = 0;
  return (length) => {
    if (slab.length - used < length) {
      slab = new Uint8Array(Math.max(slabBytes, length));
      used = 0;
    }
    used += length;
    return slab.subarray(used - length, used);
  };
}
