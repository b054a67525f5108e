/**
 * `/parley/query/1.0.0`: one question, one answer, to the peers core's query
 * admission lets in (contacts, and anyone while we hold a public channel: see
 * docs/PROTOCOL.md); the QueryHandler then decides what to reveal. Used e.g.
 * to fetch missed channel posts from whoever has them.
 *
 *   requester → server:  uvarint length (1..QUERY_MAX_BYTES) ‖ request, then close-write
 *   server → requester:  status u8: 0x00 refused, then close
 *                                   0x01 answered, then uvarint length (1..QUERY_MAX_BYTES) ‖ response, then close
 *
 * The server checks the admission, the per-peer and global rate limits and the
 * concurrency cap before reading a byte (refused or over a limit → reset; a
 * refused peer is not counted against the others), reads exactly one frame
 * within QUERY_REQUEST_TIMEOUT_MS (any other byte → reset), and answers within
 * QUERY_TIMEOUT_MS. Lengths are checked before anything is allocated.
 */
import type { Connection, Stream, StreamMessageEvent } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { QUERY_MAX_BYTES, TransportError } from '@parley/core';
import type { Uint8ArrayList } from 'uint8arraylist';
import { QUERY_PROTOCOL, resetStream, type TransportContext } from './context.ts';
import { createFrameDecoder, encodeFrames } from './frame-codec.ts';
import { readOneFrame, remoteClosed } from './intro.ts';
import {
  DIAL_TIMEOUT_MS,
  INTRO_CLOSE_GRACE_MS,
  MAX_INBOUND_QUERY_STREAMS,
  MAX_OUTBOUND_QUERY_STREAMS,
  QUERY_RATE_MAX_TRACKED_PEERS,
  STREAM_MAX_WRITE_BUFFER_BYTES,
} from './limits.ts';
import { openProtocolStream } from './open-stream.ts';

const STATUS_REFUSED = 0x00;
const STATUS_ANSWERED = 0x01;

export interface QuerySide {
  /** Queries being answered right now. */
  serving(): number;
}

/** Fixed-window counters per remote PeerId and overall; bounded number of tracked peers. */
function createQueryRateLimiter(ctx: TransportContext): (peer: string) => boolean {
  let windowStart = 0;
  let global = 0;
  const perPeer = new Map<string, number>();
  return (peer) => {
    const now = Date.now();
    if (now - windowStart >= ctx.limits.queryRateWindowMs) {
      windowStart = now;
      global = 0;
      perPeer.clear();
    }
    const count = perPeer.get(peer) ?? 0;
    if (global >= ctx.limits.queryMaxGlobal || count >= ctx.limits.queryMaxPerPeer) return false;
    if (perPeer.size >= QUERY_RATE_MAX_TRACKED_PEERS && count === 0) return false;
    global++;
    perPeer.set(peer, count + 1);
    return true;
  };
}

export async function registerQuery(ctx: TransportContext): Promise<QuerySide> {
  const allow = createQueryRateLimiter(ctx);
  let serving = 0;
  const onStream = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer.toString();
    if (ctx.stopped || !admitted(ctx, peer)) {
      resetStream(stream, 'not admitted');
      return;
    }
    if (serving >= ctx.limits.queryMaxConcurrent || !allow(peer)) {
      resetStream(stream, 'query limit');
      return;
    }
    stream.maxReadBufferLength = QUERY_MAX_BYTES + 16;
    stream.maxWriteBufferLength = STREAM_MAX_WRITE_BUFFER_BYTES;
    serving++;
    answerQuery(ctx, stream, peer)
      .catch((err: unknown) => {
        ctx.log(`query from ${peer} failed: ${(err as Error).name}`);
        resetStream(stream, 'query failed');
      })
      .finally(() => serving--);
  };
  await ctx.node.handle(QUERY_PROTOCOL, onStream, {
    runOnLimitedConnection: true,
    maxInboundStreams: MAX_INBOUND_QUERY_STREAMS,
    maxOutboundStreams: MAX_OUTBOUND_QUERY_STREAMS,
  });
  return { serving: () => serving };
}

function admitted(ctx: TransportContext, peer: string): boolean {
  try {
    return ctx.queryAdmission(peer) === true;
  } catch (err) {
    ctx.log(`query admission failed: ${(err as Error).name}`);
    return false;
  }
}

async function answerQuery(ctx: TransportContext, stream: Stream, peer: string): Promise<void> {
  const request = await readOneFrame(stream, ctx.limits.queryRequestTimeoutMs, QUERY_MAX_BYTES);
  if (request === null) {
    ctx.log(`reset /parley/query stream from ${peer}: bad request`);
    resetStream(stream, 'bad query');
    return;
  }
  // one request per stream: any further byte is a violation
  stream.addEventListener('message', () => resetStream(stream, 'data after query'));
  let answer: Uint8Array | undefined;
  const handler = ctx.queryHandler;
  if (handler && !ctx.stopped) {
    try {
      answer = await withDeadline(handler(peer, request), ctx.limits.queryTimeoutMs);
    } catch (err) {
      ctx.log(`query handler failed: ${(err as Error).name}`);
    }
  }
  if (stream.status !== 'open' || stream.writeStatus !== 'writable') return;
  if (!(answer instanceof Uint8Array) || answer.length === 0 || answer.length > QUERY_MAX_BYTES) {
    if (answer !== undefined) ctx.log(`query handler answered outside 1..${QUERY_MAX_BYTES} bytes`);
    stream.send(Uint8Array.of(STATUS_REFUSED));
  } else {
    const frame = encodeFrames([answer]);
    const out = new Uint8Array(1 + frame.length);
    out[0] = STATUS_ANSWERED;
    out.set(frame, 1);
    stream.send(out);
  }
  try {
    await stream.close({ signal: AbortSignal.timeout(ctx.limits.queryTimeoutMs) });
  } catch {
    resetStream(stream, 'close timed out');
    return;
  }
  if (!(await remoteClosed(stream, INTRO_CLOSE_GRACE_MS))) resetStream(stream, 'requester did not close');
}

/** Resolves undefined when `promise` takes longer than `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

// ---- requester ---------------------------------------------------------------

/** Client side of query(): `connect` establishes a connection like send() does (or throws). */
export async function sendQuery(
  ctx: TransportContext,
  connect: (peer: string, signal?: AbortSignal) => Promise<void>,
  peer: string,
  request: Uint8Array,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
  if (request.length === 0 || request.length > QUERY_MAX_BYTES) {
    throw new TransportError(
      'frame-too-large',
      `query of ${request.length} bytes is outside 1..${QUERY_MAX_BYTES}`,
    );
  }
  if (signal?.aborted) throw new TransportError('aborted', 'query aborted');
  await connect(peer, signal);
  let stream: Stream;
  try {
    const timeout = AbortSignal.timeout(DIAL_TIMEOUT_MS);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    stream = await openProtocolStream(ctx.node, peerIdFromString(peer), QUERY_PROTOCOL, combined);
  } catch (err) {
    if (signal?.aborted) throw new TransportError('aborted', 'query aborted');
    if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
    throw new TransportError('unreachable', `cannot open ${QUERY_PROTOCOL} to ${peer}`, { cause: err });
  }
  stream.maxReadBufferLength = QUERY_MAX_BYTES + 16;
  try {
    const answer = readAnswer(ctx, stream, signal);
    answer.catch(() => undefined); // awaited below
    try {
      stream.send(encodeFrames([request]));
      await stream.close({ signal: AbortSignal.timeout(ctx.limits.queryTimeoutMs) });
    } catch {
      // a reset before reading (rate limit): readAnswer reports it
    }
    return await answer;
  } finally {
    if (stream.status === 'open') resetStream(stream, 'query done');
  }
}

/** Reads status ‖ one frame, then the end of the stream; throws TransportError on anything else. */
function readAnswer(ctx: TransportContext, stream: Stream, signal?: AbortSignal): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const decoder = createFrameDecoder(QUERY_MAX_BYTES);
    let statusSeen = false;
    let answer: Uint8Array | null = null;
    let settled = false;
    const finish = (result: Uint8Array | TransportError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.removeEventListener('message', onMessage);
      stream.removeEventListener('close', onClose);
      stream.removeEventListener('remoteCloseWrite', onRemoteCloseWrite);
      signal?.removeEventListener('abort', onAbort);
      if (result instanceof TransportError) {
        resetStream(stream, result.message);
        reject(result);
      } else resolve(result);
    };
    const malformed = (what: string): TransportError =>
      new TransportError('unreachable', `malformed query answer: ${what}`);
    const onMessage = (evt: StreamMessageEvent): void => {
      const problem = consume(evt.data);
      if (problem) finish(problem);
    };
    const consume = (received: Uint8Array | Uint8ArrayList): TransportError | null => {
      let data = received;
      if (!statusSeen) {
        const status = data instanceof Uint8Array ? data[0] : data.get(0);
        if (status === STATUS_REFUSED) return new TransportError('refused', 'the peer declined the query');
        if (status !== STATUS_ANSWERED) return malformed('bad status');
        statusSeen = true;
        data = data instanceof Uint8Array ? data.subarray(1) : data.sublist(1);
      }
      const error = decoder.push(data, (frame) => {
        if (answer === null) answer = frame;
        else answer = new Uint8Array(0); // a second frame
      });
      if (error) return malformed(error);
      if (answer !== null && (answer.length === 0 || decoder.partial)) return malformed('trailing data');
      return null;
    };
    const settle = (): void => {
      if (answer !== null && answer.length > 0 && !decoder.partial) finish(answer);
      else if (!statusSeen)
        finish(new TransportError('refused', 'query not answered (stream reset or limit)'));
      else finish(malformed('stream ended early'));
    };
    // a muxer may flag FIN on the frame carrying the last bytes, before delivering them
    const onRemoteCloseWrite = (): void => queueMicrotask(settle);
    const onClose = (): void => {
      if (ctx.stopped) finish(new TransportError('closed', 'transport is stopped'));
      else settle();
    };
    const onAbort = (): void => finish(new TransportError('aborted', 'query aborted'));
    const timer = setTimeout(
      () => finish(new TransportError('unreachable', 'query timed out')),
      ctx.limits.queryTimeoutMs + ctx.limits.queryRequestTimeoutMs,
    );
    stream.addEventListener('message', onMessage);
    stream.addEventListener('close', onClose);
    stream.addEventListener('remoteCloseWrite', onRemoteCloseWrite);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    // the server may have reset (rate limit) before newStream() even resolved
    else if (stream.status !== 'open') onClose();
  });
}
