/**
 * `/parley/intro/1.0.0`: a peer we have not admitted (someone accepting our
 * invite) sends exactly one frame, we answer with a one-byte verdict.
 *
 *   introducer → us:  uvarint length (1..INTRO_FRAME_MAX_BYTES), frame bytes, then close-write
 *   us → introducer:  0x01 (accepted) or 0x00 (refused), then close
 *
 * Anything else (a second frame, an oversized prefix, silence past
 * INTRO_TIMEOUT_MS, too many introductions from one host) resets the stream.
 */
import type { Connection, Stream, StreamMessageEvent } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { INTRO_FRAME_MAX_BYTES, TransportError } from '@parley/core';
import { INTRO_PROTOCOL, resetStream, type TransportContext } from './context.ts';
import { createFrameDecoder, encodeFrames } from './frame-codec.ts';
import { DIAL_TIMEOUT_MS, INTRO_CLOSE_GRACE_MS, INTRO_RATE_MAX_TRACKED_HOSTS } from './limits.ts';
import { openProtocolStream } from './open-stream.ts';

const VERDICT_ACCEPTED = 0x01;
const VERDICT_REFUSED = 0x00;

/** Fixed-window counters per host and overall; bounded number of tracked hosts. */
function createIntroRateLimiter(ctx: TransportContext): (host: string) => boolean {
  let windowStart = 0;
  let global = 0;
  const perHost = new Map<string, number>();
  return (host) => {
    const now = Date.now();
    if (now - windowStart >= ctx.limits.introRateWindowMs) {
      windowStart = now;
      global = 0;
      perHost.clear();
    }
    const count = perHost.get(host) ?? 0;
    if (global >= ctx.limits.introMaxGlobal || count >= ctx.limits.introMaxPerHost) return false;
    if (perHost.size >= INTRO_RATE_MAX_TRACKED_HOSTS && count === 0) return false;
    global++;
    perHost.set(host, count + 1);
    return true;
  };
}

/**
 * The host an introduction is counted against: the remote IP for a direct
 * connection, the remote PeerId for a relayed one (all strangers behind a relay
 * share the relay's IP).
 */
function hostOf(connection: Connection): string {
  if (connection.limits !== undefined || connection.remoteAddr.toString().includes('/p2p-circuit')) {
    return `peer:${connection.remotePeer.toString()}`;
  }
  return connection.remoteAddr.toString().split('/')[2] ?? 'unknown';
}

/**
 * Reads exactly one frame of at most `maxBytes`; resolves null on anything
 * else (a second frame or trailing bytes in the same chunk, a bad prefix, the
 * remote closing its write side before the frame is complete, a timeout).
 * Never throws.
 */
export function readOneFrame(
  stream: Stream,
  timeoutMs: number,
  maxBytes: number,
): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const decoder = createFrameDecoder(maxBytes);
    let frame: Uint8Array | null = null;
    let done = false;
    const finish = (result: Uint8Array | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.removeEventListener('message', onMessage);
      stream.removeEventListener('close', onClose);
      stream.removeEventListener('remoteCloseWrite', onRemoteCloseWrite);
      resolve(result);
    };
    const onMessage = (evt: StreamMessageEvent): void => {
      const error = decoder.push(evt.data, (f) => {
        if (frame === null) frame = f;
        else frame = new Uint8Array(0); // a second frame: protocol violation
      });
      if (error || frame?.length === 0) finish(null);
      else if (frame) finish(decoder.partial ? null : frame);
    };
    const onClose = (): void => finish(null);
    // a muxer may flag FIN on the frame carrying the last bytes, before delivering them
    const onRemoteCloseWrite = (): void => queueMicrotask(() => finish(null));
    const timer = setTimeout(() => finish(null), timeoutMs);
    stream.addEventListener('message', onMessage);
    stream.addEventListener('close', onClose);
    stream.addEventListener('remoteCloseWrite', onRemoteCloseWrite);
  });
}

async function answerIntroduction(
  ctx: TransportContext,
  stream: Stream,
  connection: Connection,
): Promise<void> {
  const from = connection.remotePeer.toString();
  const frame = await readOneFrame(stream, ctx.limits.introTimeoutMs, INTRO_FRAME_MAX_BYTES);
  if (frame === null) {
    resetStream(stream, 'bad introduction');
    return;
  }
  let accepted = false;
  const handler = ctx.introduction;
  if (handler && !ctx.stopped) {
    try {
      accepted = (await handler({ from, data: frame })) === true;
    } catch (err) {
      ctx.log(`introduction handler failed: ${(err as Error).name}`);
    }
  }
  stream.send(Uint8Array.of(accepted ? VERDICT_ACCEPTED : VERDICT_REFUSED));
  await stream.close({ signal: AbortSignal.timeout(ctx.limits.introTimeoutMs) });
  // the introducer closes its write side after its frame; one that keeps the
  // stream half-open would hold the connection's only intro stream slot
  if (!(await remoteClosed(stream, INTRO_CLOSE_GRACE_MS))) resetStream(stream, 'introducer did not close');
}

/** Resolves true once the remote closed its write side (or the stream ended), false after `ms`. */
export function remoteClosed(stream: Stream, ms: number): Promise<boolean> {
  if (stream.remoteWriteStatus === 'closed' || stream.status !== 'open') return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      stream.removeEventListener('remoteCloseWrite', onClosed);
      stream.removeEventListener('close', onClosed);
      resolve(ok);
    };
    const onClosed = (): void => finish(true);
    const timer = setTimeout(() => finish(false), ms);
    stream.addEventListener('remoteCloseWrite', onClosed);
    stream.addEventListener('close', onClosed);
  });
}

export async function registerIntro(ctx: TransportContext): Promise<void> {
  const allow = createIntroRateLimiter(ctx);
  await ctx.node.handle(
    INTRO_PROTOCOL,
    (stream, connection) => {
      if (ctx.stopped || !allow(hostOf(connection))) {
        resetStream(stream, 'introduction rate limit');
        return;
      }
      ctx.introducing.add(connection);
      answerIntroduction(ctx, stream, connection)
        .catch(() => resetStream(stream, 'introduction failed'))
        .finally(() => ctx.introducing.delete(connection));
    },
    { runOnLimitedConnection: true, maxInboundStreams: 1, maxOutboundStreams: 1 },
  );
}

/** Reads the one-byte verdict; `refused` if the stream ends without one. */
function readVerdict(stream: Stream, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const finish = (verdict: boolean | null): void => {
      clearTimeout(timer);
      stream.removeEventListener('message', onMessage);
      stream.removeEventListener('close', onClose);
      if (verdict === null) reject(new TransportError('refused', 'introduction got no verdict'));
      else resolve(verdict);
    };
    const onMessage = (evt: StreamMessageEvent): void => {
      const first = evt.data instanceof Uint8Array ? evt.data[0] : evt.data.get(0);
      finish(first === VERDICT_ACCEPTED);
    };
    const onClose = (): void => finish(null);
    const timer = setTimeout(() => finish(null), timeoutMs);
    stream.addEventListener('message', onMessage);
    stream.addEventListener('close', onClose);
  });
}

/** Client side: send `frame` on a new intro stream and wait for the verdict. */
export async function sendIntroduction(
  ctx: TransportContext,
  peer: string,
  frame: Uint8Array,
  signal?: AbortSignal,
): Promise<boolean> {
  let stream: Stream;
  try {
    const timeout = AbortSignal.timeout(DIAL_TIMEOUT_MS);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    stream = await openProtocolStream(ctx.node, peerIdFromString(peer), INTRO_PROTOCOL, combined);
  } catch (err) {
    if (signal?.aborted) throw new TransportError('aborted', 'introduction aborted');
    throw new TransportError('unreachable', `cannot open ${INTRO_PROTOCOL} to ${peer}`, { cause: err });
  }
  try {
    const verdict = readVerdict(stream, ctx.limits.introTimeoutMs);
    verdict.catch(() => undefined); // awaited below; avoid an unhandled rejection if send throws first
    stream.send(encodeFrames([frame]));
    await stream.close({ signal: AbortSignal.timeout(ctx.limits.introTimeoutMs) }).catch(() => undefined);
    return await verdict;
  } catch (err) {
    if (err instanceof TransportError) throw err;
    throw new TransportError('refused', 'introduction stream was reset', { cause: err });
  } finally {
    if (stream.status === 'open') resetStream(stream, 'introduction done');
  }
}
