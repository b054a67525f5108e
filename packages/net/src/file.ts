/**
 * `/parley/file/1.0.0`: an admitted peer pulls the (already encrypted) chunks
 * of one attachment from us, from a given chunk on.
 *
 *   requester → server:  uvarint length (= 21), version u8 (= 1) ‖ fileId (16 bytes) ‖ fromChunk u32 BE,
 *                        then close-write
 *   server → requester:  status u8: 0x00 refused (then close), or 0x01 accepted, then
 *                        frame*  (uvarint length 1..FILE_FRAME_MAX_BYTES ‖ chunk), then close
 *
 * Backpressure runs end to end: the requester decodes only while its queue of
 * undelivered chunks is under FILE_READ_HIGH_WATER_BYTES and otherwise pauses
 * the stream (yamux withholds window); the server pulls the next chunk from
 * the FileServer's iterable only while its stream's write buffer is under one
 * write batch. So the server reads ahead at most about one yamux window + one
 * write batch + the requester's high-water mark.
 */
import type { Connection, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { FILE_FRAME_MAX_BYTES, type FileRequest, TransportError } from '@parley/core';
import { FILE_PROTOCOL, resetStream, type TransportContext } from './context.ts';
import { createFrameDecoder, encodeFrames } from './frame-codec.ts';
import { readOneFrame, remoteClosed } from './intro.ts';
import {
  DIAL_TIMEOUT_MS,
  FILE_READ_HIGH_WATER_BYTES,
  FILE_REQUEST_MAX_BYTES,
  INTRO_CLOSE_GRACE_MS,
  MAX_INBOUND_FILE_STREAMS,
  MAX_OUTBOUND_FILE_STREAMS,
  STREAM_MAX_WRITE_BUFFER_BYTES,
} from './limits.ts';
import { openProtocolStream } from './open-stream.ts';

const REQUEST_VERSION = 1;
/** version u8 ‖ fileId 16 bytes ‖ fromChunk u32 BE */
const REQUEST_BYTES = 1 + 16 + 4;
const STATUS_REFUSED = 0x00;
const STATUS_ACCEPTED = 0x01;
const FILE_ID = /^[0-9a-f]{32}$/;

/** The request frame's payload (without the length prefix); throws `refused` on an invalid request. */
export function encodeFileRequest(request: FileRequest): Uint8Array {
  const { fileId, fromChunk } = request;
  if (typeof fileId !== 'string' || !FILE_ID.test(fileId)) {
    throw new TransportError('refused', 'fileId must be 32 lowercase hex characters');
  }
  if (!Number.isInteger(fromChunk) || fromChunk < 0 || fromChunk > 0xffff_ffff) {
    throw new TransportError('refused', 'fromChunk must be an integer in 0..2^32-1');
  }
  const out = new Uint8Array(REQUEST_BYTES);
  out[0] = REQUEST_VERSION;
  for (let i = 0; i < 16; i++) out[1 + i] = Number.parseInt(fileId.slice(2 * i, 2 * i + 2), 16);
  new DataView(out.buffer).setUint32(17, fromChunk, false);
  return out;
}

/** Parses a request payload; null if it is not exactly a version-1 request. */
export function decodeFileRequest(payload: Uint8Array): FileRequest | null {
  if (payload.length !== REQUEST_BYTES || payload[0] !== REQUEST_VERSION) return null;
  let fileId = '';
  for (let i = 1; i < 17; i++) fileId += (payload[i] as number).toString(16).padStart(2, '0');
  const fromChunk = new DataView(payload.buffer, payload.byteOffset, payload.length).getUint32(17, false);
  return { fileId, fromChunk };
}

export interface FileSide {
  /** Files being served right now (for tests and metrics). */
  servingStreams(): number;
}

// ---- server ------------------------------------------------------------------

export async function registerFile(ctx: TransportContext): Promise<FileSide> {
  let serving = 0;
  const onStream = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer.toString();
    // admission first: not a byte of a stranger's request is read
    if (ctx.stopped || !safeAdmit(ctx, peer)) {
      resetStream(stream, 'not admitted');
      if (connection.direction === 'inbound' && !ctx.introducing.has(connection)) {
        connection.abort(new Error('peer is not admitted'));
      }
      return;
    }
    // the requester sends 22 bytes; anything piling up beyond this resets the stream
    stream.maxReadBufferLength = 4 * 1024;
    stream.maxWriteBufferLength = STREAM_MAX_WRITE_BUFFER_BYTES;
    serving++;
    serveFile(ctx, stream, peer)
      .catch((err: unknown) => {
        ctx.log(`file stream to ${peer} failed: ${(err as Error).name}`);
        resetStream(stream, 'file serving failed');
      })
      .finally(() => serving--);
  };
  await ctx.node.handle(FILE_PROTOCOL, onStream, {
    runOnLimitedConnection: true,
    maxInboundStreams: MAX_INBOUND_FILE_STREAMS,
    maxOutboundStreams: MAX_OUTBOUND_FILE_STREAMS,
  });
  return { servingStreams: () => serving };
}

function safeAdmit(ctx: TransportContext, peer: string): boolean {
  try {
    return ctx.admission(peer) === true;
  } catch {
    return false;
  }
}

async function serveFile(ctx: TransportContext, stream: Stream, peer: string): Promise<void> {
  const payload = await readOneFrame(stream, ctx.limits.fileRequestTimeoutMs, FILE_REQUEST_MAX_BYTES);
  const request = payload === null ? null : decodeFileRequest(payload);
  if (request === null) {
    ctx.log(`reset /parley/file stream from ${peer}: bad request`);
    resetStream(stream, 'bad file request');
    return;
  }
  // the request is the only thing a requester sends: any further byte is a violation
  stream.addEventListener('message', () => resetStream(stream, 'data after file request'));
  let chunks: AsyncIterable<Uint8Array> | undefined;
  const server = ctx.fileServer;
  if (server && !ctx.stopped) {
    try {
      chunks = server(peer, request);
    } catch (err) {
      ctx.log(`file server failed: ${(err as Error).name}`);
    }
  }
  if (!chunks) {
    stream.send(Uint8Array.of(STATUS_REFUSED));
    await finish(ctx, stream);
    return;
  }
  const iterator = chunks[Symbol.asyncIterator]();
  let exhausted = false;
  try {
    stream.send(Uint8Array.of(STATUS_ACCEPTED));
    const highWater = ctx.limits.writeBatchMaxBytes;
    for (;;) {
      if (stream.status !== 'open' || stream.writeStatus !== 'writable') return; // requester went away
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      if (stream.status !== 'open' || stream.writeStatus !== 'writable') return;
      const chunk = next.value;
      if (!(chunk instanceof Uint8Array) || chunk.length === 0 || chunk.length > FILE_FRAME_MAX_BYTES) {
        ctx.log(`file server yielded a chunk outside 1..${FILE_FRAME_MAX_BYTES} bytes`);
        resetStream(stream, 'bad chunk');
        return;
      }
      // encodeFrames copies: the producer may reuse its buffer once next() is called again
      const ok = stream.send(encodeFrames([chunk]));
      if (!ok || stream.writeBufferLength > highWater) {
        if (!(await writeRoom(stream, highWater, ctx.limits.fileWriteStallTimeoutMs))) {
          ctx.log(`reset /parley/file stream to ${peer}: requester stalled`);
          resetStream(stream, 'requester stalled');
          return;
        }
      }
    }
  } finally {
    if (!exhausted) {
      try {
        await iterator.return?.();
      } catch {
        // the producer's cleanup failed; nothing more we can do
      }
    }
  }
  await finish(ctx, stream);
}

/** Flush and close our write side; reset a requester that keeps its own write side open. */
async function finish(ctx: TransportContext, stream: Stream): Promise<void> {
  try {
    await stream.close({ signal: AbortSignal.timeout(ctx.limits.fileWriteStallTimeoutMs) });
  } catch {
    resetStream(stream, 'close timed out');
    return;
  }
  if (!(await remoteClosed(stream, INTRO_CLOSE_GRACE_MS))) resetStream(stream, 'requester did not close');
}

/**
 * Waits until the write buffer is down to `maxBuffered` bytes (re-checking on
 * every 'drain', which yamux emits on any window update, however small).
 * False if the stream closed, or no window arrived for `stallMs`.
 */
function writeRoom(stream: Stream, maxBuffered: number, stallMs: number): Promise<boolean> {
  const roomy = (): boolean => !stream.writableNeedsDrain && stream.writeBufferLength <= maxBuffered;
  if (stream.status !== 'open') return Promise.resolve(false);
  if (roomy()) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      stream.removeEventListener('drain', onDrain);
      stream.removeEventListener('idle', check);
      stream.removeEventListener('close', check);
      resolve(ok);
    };
    const check = (): void => {
      if (stream.status !== 'open') done(false);
      else if (roomy()) done(true);
    };
    const onDrain = (): void => {
      // any window update is progress: restart the stall clock
      clearTimeout(timer);
      timer = setTimeout(() => done(false), stallMs);
      check();
    };
    let timer = setTimeout(() => done(false), stallMs);
    stream.addEventListener('drain', onDrain);
    stream.addEventListener('idle', check);
    stream.addEventListener('close', check);
  });
}

// ---- requester ---------------------------------------------------------------

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
      const timeout = AbortSignal.timeout(DIAL_TIMEOUT_MS);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      stream = await openProtocolStream(ctx.node, peerIdFromString(peer), FILE_PROTOCOL, combined);
    } catch (err) {
      if (signal?.aborted) throw new TransportError('aborted', 'file fetch aborted');
      if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
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
  const decoder = createFrameDecoder(FILE_FRAME_MAX_BYTES);
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
        queuedBytes += frame.length;
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
          queuedBytes -= frame.length;
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
