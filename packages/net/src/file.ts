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
 * the stream (yamux withholds window); the server gathers the chunks its
 * FileServer has ready into one write batch and pulls more only while its
 * stream's write buffer is under one write batch. So the server reads ahead
 * at most about one yamux window + two write batches + the requester's
 * high-water mark. The requester side is in file-fetch.ts, the request codec
 * in file-request.ts.
 */
import type { Connection, Stream } from '@libp2p/interface';
import { FILE_FRAME_MAX_BYTES } from '@parley/core';
import { FILE_PROTOCOL, resetStream, type TransportContext } from './context.ts';
import { decodeFileRequest, STATUS_ACCEPTED, STATUS_REFUSED } from './file-request.ts';
import { uvarintLength, writeUvarint } from './frame-codec.ts';
import { readOneFrame, remoteClosed } from './intro.ts';
import {
  FILE_REQUEST_MAX_BYTES,
  FILE_SEND_SLAB_BYTES,
  INTRO_CLOSE_GRACE_MS,
  MAX_INBOUND_FILE_STREAMS,
  MAX_OUTBOUND_FILE_STREAMS,
  STREAM_MAX_WRITE_BUFFER_BYTES,
} from './limits.ts';

export { createFetchSlots, type FetchSlots, fetchFile } from './file-fetch.ts';
export { decodeFileRequest, encodeFileRequest } from './file-request.ts';

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
    return ctx.admission(peer, 'file') === true;
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
    exhausted = await sendChunks(ctx, stream, peer, iterator);
  } finally {
    if (!exhausted) {
      try {
        await iterator.return?.();
      } catch {
        // the producer's cleanup failed; nothing more we can do
      }
    }
  }
  if (exhausted) await finish(ctx, stream);
}

const NOT_READY = Symbol('not ready');
const writable = (stream: Stream): boolean => stream.status === 'open' && stream.writeStatus === 'writable';

/**
 * Frames the producer's chunks into write batches and sends them; true once
 * the producer is exhausted, false if the stream went away or was reset.
 *
 * A batch takes the chunks the producer has ready now (those that arrive
 * before the event loop's next turn), up to one write batch: one send (one
 * yamux frame, a few Noise messages) per batch rather than per chunk. Frames
 * are copied (the producer may reuse its buffer once next() is called again)
 * into send slabs of FILE_SEND_SLAB_BYTES, each region sent once and never
 * written again: one allocation per slab, not per chunk.
 */
async function sendChunks(
  ctx: TransportContext,
  stream: Stream,
  peer: string,
  iterator: AsyncIterator<Uint8Array>,
): Promise<boolean> {
  const highWater = ctx.limits.writeBatchMaxBytes;
  let slab = new Uint8Array(0);
  let used = 0;
  let batchStart = 0;
  /** Settles on the event loop's next turn: the producer had nothing more ready for this batch. */
  let tick: Promise<typeof NOT_READY> | undefined;
  const pull = (): Promise<IteratorResult<Uint8Array>> => {
    const next = iterator.next();
    next.catch(() => undefined); // observed below; a batch flushed on NOT_READY may leave it pending
    return next;
  };
  /** Sends the batch; false if the requester stalls (then the stream is reset). */
  const flush = async (): Promise<boolean> => {
    tick = undefined;
    if (used === batchStart) return true;
    const ok = stream.send(slab.subarray(batchStart, used));
    batchStart = used;
    if (ok && stream.writeBufferLength <= highWater) return true;
    if (await writeRoom(stream, highWater, ctx.limits.fileWriteStallTimeoutMs)) return true;
    if (stream.status === 'open') {
      ctx.log(`reset /parley/file stream to ${peer}: requester stalled`);
      resetStream(stream, 'requester stalled');
    }
    return false;
  };
  let pending = pull();
  for (;;) {
    if (!writable(stream)) return false; // requester went away
    // the first chunk of a batch is awaited; later ones only if the producer has them ready now
    tick ??= used === batchStart ? undefined : new Promise((r) => setImmediate(r, NOT_READY));
    const next = tick ? await Promise.race([pending, tick]) : await pending;
    if (!writable(stream)) return false;
    if (next === NOT_READY) {
      if (!(await flush())) return false;
      continue;
    }
    if (next.done) return (await flush()) && writable(stream);
    const chunk = next.value;
    if (!(chunk instanceof Uint8Array) || chunk.length === 0 || chunk.length > FILE_FRAME_MAX_BYTES) {
      ctx.log(`file server yielded a chunk outside 1..${FILE_FRAME_MAX_BYTES} bytes`);
      resetStream(stream, 'bad chunk');
      return false;
    }
    const frameBytes = uvarintLength(chunk.length) + chunk.length;
    if (slab.length - used < frameBytes) {
      if (!(await flush())) return false;
      slab = new Uint8Array(Math.max(FILE_SEND_SLAB_BYTES, frameBytes));
      used = 0;
      batchStart = 0;
    }
    used = writeUvarint(chunk.length, slab, used);
    slab.set(chunk, used);
    used += chunk.length;
    pending = pull(); // only now: the chunk is copied
    if (used - batchStart >= highWater && !(await flush())) return false;
  }
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
