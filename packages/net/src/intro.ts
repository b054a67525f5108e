/**
 * `/parley/intro/1.0.0`: a peer we have not admitted (someone accepting our
 * invite) sends exactly one frame, we answer with a one-byte verdict.
 *
 *   introducer → us:  uvarint length (1..INTRO_FRAME_MAX_BYTES), frame bytes, then close-write
 *   us → introducer:  0x01 (accepted) or 0x00 (refused), then close
 *
 * Anything else (a second frame, an oversized prefix, silence past
 * INTRO_TIMEOUT_MS, a source over its budget) resets the stream.
 *
 * Budget (limits.ts, INTRO_*): per source (source.ts) and window, an accepted
 * introduction costs 1 and a refused one INTRO_REFUSED_COST. The charge is
 * settled after the handler's verdict: the handler checks the token first
 * (core: SHA-256 and a lookup), so telling a bogus token from a valid one is
 * cheap, and a source that has not failed is always served — a real invitee
 * is not locked out by others' bogus tokens, from any number of relayed
 * PeerIds. The global cap (INTRO_MAX_GLOBAL) then only takes second chances
 * away from sources that failed; INTRO_RATE_MAX_TRACKED_SOURCES bounds memory.
 */
import type { Connection, Stream, StreamMessageEvent } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { INTRO_FRAME_MAX_BYTES, TransportError } from '@parley/core';
import { INTRO_PROTOCOL, resetStream, type TransportContext } from './context.ts';
import { createFrameDecoder, encodeFrames } from './frame-codec.ts';
import {
  DIAL_TIMEOUT_MS,
  INTRO_CLOSE_GRACE_MS,
  INTRO_RATE_MAX_TRACKED_SOURCES,
  INTRO_REFUSED_COST,
  type TransportLimits,
} from './limits.ts';
import { openProtocolStream } from './open-stream.ts';
import { sourceOf } from './source.ts';

const VERDICT_ACCEPTED = 0x01;
const VERDICT_REFUSED = 0x00;

interface SourceBudget {
  /** Introductions charged in this window (accepted 1, refused INTRO_REFUSED_COST). */
  spent: number;
  /** Had one refused in this window. */
  refused: boolean;
}

export interface IntroBudget {
  /** Charges 1 for an introduction about to be read; false: reset it unread. */
  begin(source: string): boolean;
  /** After the verdict: a refused (or broken) introduction costs INTRO_REFUSED_COST in all. */
  settle(source: string, accepted: boolean): void;
}

/** Fixed-window budgets per source and overall (see the file comment); bounded number of tracked sources. */
export function createIntroBudget(
  limits: Pick<TransportLimits, 'introMaxPerSource' | 'introMaxGlobal' | 'introRateWindowMs'>,
): IntroBudget {
  let windowStart = 0;
  let globalSpent = 0;
  const sources = new Map<string, SourceBudget>();
  const roll = (): void => {
    const now = Date.now();
    if (now - windowStart < limits.introRateWindowMs) return;
    windowStart = now;
    globalSpent = 0;
    sources.clear();
  };
  const budgetOf = (source: string): SourceBudget | undefined => {
    let budget = sources.get(source);
    if (!budget && sources.size < INTRO_RATE_MAX_TRACKED_SOURCES) {
      budget = { spent: 0, refused: false };
      sources.set(source, budget);
    }
    return budget;
  };
  return {
    begin(source) {
      roll();
      const budget = budgetOf(source);
      if (!budget || budget.spent >= limits.introMaxPerSource) return false;
      if (budget.refused && globalSpent >= limits.introMaxGlobal) return false;
      budget.spent++;
      globalSpent++;
      return true;
    },
    settle(source, accepted) {
      if (accepted) return;
      roll();
      const budget = budgetOf(source);
      if (!budget) return;
      budget.spent += INTRO_REFUSED_COST - 1;
      budget.refused = true;
      globalSpent += INTRO_REFUSED_COST - 1;
    },
  };
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

/** Reads the frame, asks the handler, answers; resolves whether the introduction was accepted. */
async function answerIntroduction(
  ctx: TransportContext,
  stream: Stream,
  connection: Connection,
): Promise<boolean> {
  const from = connection.remotePeer.toString();
  const frame = await readOneFrame(stream, ctx.limits.introTimeoutMs, INTRO_FRAME_MAX_BYTES);
  if (frame === null) {
    resetStream(stream, 'bad introduction');
    return false;
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
  try {
    stream.send(Uint8Array.of(accepted ? VERDICT_ACCEPTED : VERDICT_REFUSED));
    await stream.close({ signal: AbortSignal.timeout(ctx.limits.introTimeoutMs) });
    // the introducer closes its write side after its frame; one that keeps the
    // stream half-open would hold the connection's only intro stream slot
    if (!(await remoteClosed(stream, INTRO_CLOSE_GRACE_MS))) resetStream(stream, 'introducer did not close');
  } catch {
    resetStream(stream, 'introduction failed');
  }
  return accepted;
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
  const budget = createIntroBudget(ctx.limits);
  await ctx.node.handle(
    INTRO_PROTOCOL,
    (stream, connection) => {
      const source = sourceOf(connection.remoteAddr).key;
      if (ctx.stopped || !budget.begin(source)) {
        resetStream(stream, 'introduction rate limit');
        return;
      }
      ctx.node.services.gate.touch(connection); // an invitee is a stranger until this succeeds
      ctx.introducing.add(connection);
      answerIntroduction(ctx, stream, connection)
        .catch(() => {
          resetStream(stream, 'introduction failed');
          return false;
        })
        .then((accepted) => budget.settle(source, accepted))
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
