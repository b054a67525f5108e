/**
 * The receiving side of `/parley/msg/1.0.0`.
 *
 * Order of checks for every inbound stream (DESIGN.md §4; the connection
 * itself passed connection-gate.ts, which asks the same admission hook):
 *  1. admission hook on the Noise-authenticated remote PeerId, before a single
 *     byte is read: refused → stream reset (and, for an inbound connection
 *     with no introduction in progress, the connection closed);
 *  2. bounded frame decoding (frame-codec.ts): oversized prefix → reset;
 *  3. per-peer delivery queue: frames are handed to the handlers one at a
 *     time; above INBOUND_QUEUE_HIGH_WATER_BYTES the peer's streams are
 *     paused, which stops yamux window updates so the sender stalls.
 *
 * We read with 'message' events plus pause()/resume() rather than the
 * stream's async iterator: in libp2p 3 the iterator buffers without limit and
 * keeps granting yamux window, so a slow consumer would not slow the sender.
 */
import type { Connection, Stream, StreamMessageEvent } from '@libp2p/interface';
import { FRAME_MAX_BYTES } from '@parley/core';
import { MSG_PROTOCOL, resetStream, type TransportContext } from './context.ts';
import { createFrameDecoder, type FrameDecoder } from './frame-codec.ts';
import { MSG_MAX_INBOUND_STREAMS, MSG_MAX_OUTBOUND_STREAMS, STREAM_MAX_READ_BUFFER_BYTES } from './limits.ts';

interface InboundStream {
  readonly stream: Stream;
  readonly decoder: FrameDecoder;
  readonly inbox: PeerInbox;
  lastActivity: number;
  /** When the current partial frame's clock started; 0 when no partial frame or paused. */
  partialSince: number;
}

interface PeerInbox {
  readonly peer: string;
  queue: Array<Uint8Array | undefined>;
  head: number;
  queuedBytes: number;
  delivering: boolean;
  paused: boolean;
  /** Inside stream.resume(): a pause now would be undone by it (see resumeInbox). */
  resuming: boolean;
  readonly streams: Set<InboundStream>;
}

export interface InboundSide {
  /** Checks slow frames and idle streams; called periodically. */
  sweep(now: number): void;
  /** Bytes held for undelivered and partial frames, over all peers (for tests and metrics). */
  bufferedBytes(): number;
  openStreams(): number;
}

export async function registerInbound(ctx: TransportContext): Promise<InboundSide> {
  const inboxes = new Map<string, PeerInbox>();
  const open = new Set<InboundStream>();

  const inboxOf = (peer: string): PeerInbox => {
    let inbox = inboxes.get(peer);
    if (!inbox) {
      inbox = {
        peer,
        queue: [],
        head: 0,
        queuedBytes: 0,
        delivering: false,
        paused: false,
        resuming: false,
        streams: new Set(),
      };
      inboxes.set(peer, inbox);
    }
    return inbox;
  };

  const onStream = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer.toString();
    if (ctx.stopped || !safeAdmit(ctx, peer)) {
      resetStream(stream, 'not admitted');
      if (connection.direction === 'inbound' && !ctx.introducing.has(connection)) {
        connection.abort(new Error('peer is not admitted'));
      }
      return;
    }
    stream.maxReadBufferLength = STREAM_MAX_READ_BUFFER_BYTES;
    const entry: InboundStream = {
      stream,
      decoder: createFrameDecoder(FRAME_MAX_BYTES),
      inbox: inboxOf(peer),
      lastActivity: Date.now(),
      partialSince: 0,
    };
    open.add(entry);
    entry.inbox.streams.add(entry);
    if (entry.inbox.paused) pauseStream(entry);
    stream.addEventListener('message', (evt: StreamMessageEvent) => onMessage(ctx, entry, evt));
    stream.addEventListener('close', () => {
      open.delete(entry);
      entry.inbox.streams.delete(entry);
      if (entry.inbox.streams.size === 0 && !entry.inbox.delivering && entry.inbox.queuedBytes === 0) {
        inboxes.delete(peer);
      }
    });
    // the remote closed its write side: close ours so the stream is released
    stream.addEventListener('remoteCloseWrite', () => {
      stream.close().catch(() => resetStream(stream, 'close failed'));
    });
  };

  await ctx.node.handle(MSG_PROTOCOL, onStream, {
    runOnLimitedConnection: true,
    maxInboundStreams: MSG_MAX_INBOUND_STREAMS,
    maxOutboundStreams: MSG_MAX_OUTBOUND_STREAMS,
  });
  // The same decision one level down (connection-gate.ts): a peer admitted here
  // may use the connection slots kept for admitted peers, and is never closed as
  // an idle stranger.
  ctx.node.services.gate.setAdmission((peer) => safeAdmit(ctx, peer));

  return {
    sweep(now) {
      for (const entry of open) sweepStream(ctx, entry, now);
    },
    bufferedBytes() {
      let total = 0;
      for (const inbox of inboxes.values()) total += inbox.queuedBytes;
      for (const entry of open) total += entry.decoder.bufferedBytes + entry.stream.readBufferLength;
      return total;
    },
    openStreams() {
      return open.size;
    },
  };
}

function safeAdmit(ctx: TransportContext, peer: string): boolean {
  try {
    return ctx.admission(peer, 'msg') === true;
  } catch {
    return false;
  }
}

/** The 'message' listener: must never throw (an EventTarget listener's throw is an uncaught exception). */
function onMessage(ctx: TransportContext, entry: InboundStream, evt: StreamMessageEvent): void {
  try {
    const inbox = entry.inbox;
    let completed = false;
    const error = entry.decoder.push(evt.data, (frame) => {
      completed = true;
      inbox.queue.push(frame);
      inbox.queuedBytes += frame.length;
    });
    if (error) {
      ctx.log(`reset /parley/msg stream from ${inbox.peer}: ${error}`);
      resetStream(entry.stream, error);
      return;
    }
    const now = Date.now();
    entry.lastActivity = now;
    if (!entry.decoder.partial) entry.partialSince = 0;
    else if (completed || entry.partialSince === 0) entry.partialSince = now;
    if (inbox.queuedBytes > ctx.limits.inboundQueueHighWaterBytes && !inbox.paused) {
      inbox.paused = true;
      if (!inbox.resuming) for (const s of inbox.streams) pauseStream(s);
    }
    if (!inbox.delivering && inbox.head < inbox.queue.length) void deliver(ctx, inbox);
  } catch (err) {
    ctx.log(`inbound stream error: ${(err as Error).name}`);
    resetStream(entry.stream, 'internal error');
  }
}

function pauseStream(entry: InboundStream): void {
  try {
    entry.stream.pause();
    entry.partialSince = 0; // our own backpressure does not count against the sender
  } catch {
    // closing already
  }
}

/**
 * stream.resume() first hands the bytes buffered while paused to our
 * 'message' listener and only then tells yamux to grant window again. A
 * pause() from inside that listener would leave the stream marked paused
 * while yamux keeps granting window (the read buffer then grows until libp2p
 * resets the stream), so onMessage only flags it and we pause afterwards.
 */
function resumeInbox(inbox: PeerInbox): void {
  inbox.paused = false;
  const now = Date.now();
  for (const s of inbox.streams) {
    if (inbox.paused) break;
    inbox.resuming = true;
    try {
      s.stream.resume();
      s.lastActivity = now;
      if (s.decoder.partial) s.partialSince = now;
    } catch {
      // closing already
    } finally {
      inbox.resuming = false;
    }
  }
  if (inbox.paused) for (const s of inbox.streams) pauseStream(s);
}

/** Hands the peer's queued frames to every handler in order, awaiting each. */
async function deliver(ctx: TransportContext, inbox: PeerInbox): Promise<void> {
  inbox.delivering = true;
  try {
    while (inbox.head < inbox.queue.length && !ctx.stopped) {
      const data = inbox.queue[inbox.head] as Uint8Array;
      inbox.queue[inbox.head++] = undefined;
      const frame = { from: inbox.peer, data };
      for (const handler of ctx.frameHandlers) {
        try {
          const result = handler(frame);
          if (result) await result;
        } catch (err) {
          ctx.log(`frame handler failed: ${(err as Error).name}`);
        }
      }
      inbox.queuedBytes -= data.length;
      if (inbox.paused && inbox.queuedBytes <= ctx.limits.inboundQueueHighWaterBytes / 2) resumeInbox(inbox);
      if (inbox.head >= 1024 && inbox.head * 2 >= inbox.queue.length) {
        inbox.queue = inbox.queue.slice(inbox.head);
        inbox.head = 0;
      }
    }
  } finally {
    inbox.delivering = false;
    if (inbox.head >= inbox.queue.length) {
      inbox.queue = [];
      inbox.head = 0;
    }
  }
}

function sweepStream(ctx: TransportContext, entry: InboundStream, now: number): void {
  if (entry.partialSince !== 0 && now - entry.partialSince > ctx.limits.frameIdleTimeoutMs) {
    ctx.log(`reset /parley/msg stream from ${entry.inbox.peer}: frame incomplete after timeout`);
    resetStream(entry.stream, 'frame timeout');
  } else if (!entry.inbox.paused && now - entry.lastActivity > ctx.limits.streamInactivityTimeoutMs) {
    resetStream(entry.stream, 'idle');
  }
}
