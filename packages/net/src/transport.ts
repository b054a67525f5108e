/**
 * core's `Transport` on a Parley libp2p node: `/parley/msg/1.0.0` for frames
 * between admitted peers, `/parley/intro/1.0.0` for first contact,
 * `/parley/file/1.0.0` for pulling attachment chunks, `/parley/query/1.0.0`
 * (request/response with its own admission), gossipsub pubsub behind topic
 * admission (pubsub-guard.ts), and
 * connection establishment by known addresses, then the DHT.
 */
import type { IdentifyResult, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import {
  type ConnectOptions,
  FRAME_MAX_BYTES,
  type FrameHandler,
  INTRO_FRAME_MAX_BYTES,
  type PeerEventHandler,
  type Transport,
  TransportError,
} from '@parley/core';
import type { TransportContext } from './context.ts';
import { createFetchSlots, fetchFile, registerFile } from './file.ts';
import { type PunchStats, registerHolePunch } from './hole-punch.ts';
import { registerInbound } from './inbound.ts';
import { registerIntro, sendIntroduction } from './intro.ts';
import {
  DEFAULT_TRANSPORT_LIMITS,
  DHT_LOOKUP_ATTEMPTS,
  DHT_LOOKUP_RETRY_DELAY_MS,
  DHT_LOOKUP_TIMEOUT_MS,
  INBOUND_CONNECTION_GRACE_MS,
  type TransportLimits,
} from './limits.ts';
import {
  createParleyNode,
  DHT_PROTOCOL,
  type ParleyLibp2p,
  type ParleyNodeOptions,
  PUBLIC_DHT_PROTOCOL,
} from './node.ts';
import { createObservedAddresses } from './observed.ts';
import { createOutbound } from './outbound.ts';
import { createPubsub } from './pubsub.ts';
import { registerQuery, sendQuery } from './query.ts';
import { advertisedAddresses, connectionKindOf, type Reachability, reachabilityOf } from './reachability.ts';

export interface TransportOptions {
  /** Override limits (tests tighten them; production keeps the defaults). */
  readonly limits?: Partial<TransportLimits>;
  /** Diagnostics sink; receives no frame contents and no keys. Default: silent. */
  readonly log?: (message: string) => void;
  /**
   * Count private (non-loopback) addresses as public in `reachability()` and
   * in the addresses invites carry: the namespace lab, whose whole range
   * (198.18.0.0/15) libp2p calls private. Same switch as dhtAllowPrivateAddresses.
   */
  readonly privateAddressesArePublic?: boolean;
}

/** core's Transport plus what a daemon and the tests need on top. */
export interface ParleyTransport extends Transport {
  /** The libp2p node (owned: `stop()` stops it). */
  readonly node: ParleyLibp2p;
  /** Public/NAT/UPnP/relays/addresses as libp2p sees them now (reachability.ts). */
  reachability(): Reachability;
  /** Bytes buffered for inbound frames (decoded-undelivered and partial), frames queued outbound. */
  stats(): {
    inboundBufferedBytes: number;
    inboundStreams: number;
    outboundQueuedFrames: number;
    /** /parley/file streams we are serving / fetches in progress. */
    fileServing: number;
    fileFetching: number;
    /** /parley/query requests being answered. */
    queryServing: number;
    /** Hole punches to relayed contacts (hole-punch.ts). */
    holePunch: PunchStats;
  };
}

function toPeerId(peer: string): PeerId {
  try {
    return peerIdFromString(peer);
  } catch (err) {
    throw new TransportError('unreachable', `not a PeerId: ${peer.slice(0, 64)}`, { cause: err });
  }
}

function parseAddresses(addresses: readonly string[], peer: string): Multiaddr[] {
  const out: Multiaddr[] = [];
  for (const text of addresses) {
    try {
      const ma = multiaddr(text);
      out.push(ma.getComponents().some((c) => c.name === 'p2p') ? ma : ma.encapsulate(`/p2p/${peer}`));
    } catch {
      // an unparsable address from a contact card is skipped, not fatal
    }
  }
  return out;
}

/** Whether we are connected to at least one peer that speaks our DHT (else a lookup would just wait). */
async function hasDhtPeers(node: ParleyLibp2p): Promise<boolean> {
  for (const connection of node.getConnections()) {
    try {
      const info = await node.peerStore.get(connection.remotePeer);
      if (info.protocols.includes(DHT_PROTOCOL) || info.protocols.includes(PUBLIC_DHT_PROTOCOL)) return true;
    } catch {
      // unknown peer
    }
  }
  return false;
}

async function dialAny(
  node: ParleyLibp2p,
  target: PeerId | Multiaddr[],
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await node.dial(target, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}

/**
 * DHT lookup by PeerId, then dial what it found. A lookup can end before it
 * asked the one server that knows the peer (routing tables still filling), so
 * a miss is retried while the DHT_LOOKUP_TIMEOUT_MS budget lasts.
 */
async function lookUpAndDial(
  node: ParleyLibp2p,
  id: PeerId,
  log: (message: string) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  const budget = AbortSignal.timeout(DHT_LOOKUP_TIMEOUT_MS);
  const lookup = signal ? AbortSignal.any([signal, budget]) : budget;
  for (let attempt = 0; attempt < DHT_LOOKUP_ATTEMPTS && !lookup.aborted; attempt++) {
    try {
      const found = await node.peerRouting.findPeer(id, { signal: lookup, useCache: attempt === 0 });
      if (found.multiaddrs.length > 0 && (await dialAny(node, found.multiaddrs, signal))) {
        log(`reached …${id.toString().slice(-6)} through the DHT (${found.multiaddrs.length} addresses)`);
        return true;
      }
    } catch {
      // not found (yet) or timed out
    }
    // The lookup itself may have connected: a server answers with the peer, and the query then
    // dials it (a DHT client refuses the query, so findPeer fails, but the connection stands).
    if (node.getConnections(id).some((c) => c.status === 'open')) {
      log(`reached …${id.toString().slice(-6)} through the DHT (its lookup connected)`);
      return true;
    }
    await new Promise((r) => setTimeout(r, DHT_LOOKUP_RETRY_DELAY_MS * (attempt + 1)));
  }
  return false;
}

async function establish(ctx: TransportContext, peer: string, options?: ConnectOptions): Promise<void> {
  const node = ctx.node;
  const id = toPeerId(peer);
  if (node.getConnections(id).some((c) => c.status === 'open')) return;
  const signal = options?.signal;
  const given = parseAddresses(options?.addresses ?? [], peer);
  if (given.length > 0) {
    await node.peerStore
      .merge(id, { multiaddrs: given.map((ma) => ma.decapsulateCode(421)) })
      .catch(() => undefined);
    if (await dialAny(node, given, signal)) return;
  } else if ((await node.peerStore.get(id).catch(() => null))?.addresses.length) {
    // addresses learnt earlier (identify, mDNS, a previous lookup, a DHT answer naming the peer)
    if (await dialAny(node, id, signal)) {
      ctx.log(`reached …${id.toString().slice(-6)} at an address learnt earlier`);
      return;
    }
  }
  if (signal?.aborted) throw new TransportError('aborted', 'connect aborted');
  if ((await hasDhtPeers(node)) && (await lookUpAndDial(node, id, ctx.log, signal))) return;
  if (signal?.aborted) throw new TransportError('aborted', 'connect aborted');
  // The peer may be dialling us right now (the responder finishes the Noise
  // handshake after the initiator does): give an inbound connection a moment.
  if (given.length === 0 && (await connectionAppears(node, id, INBOUND_CONNECTION_GRACE_MS))) return;
  throw new TransportError('unreachable', `no route to ${peer}`);
}

/** Resolves true if a connection to `id` opens within `ms`. */
function connectionAppears(node: ParleyLibp2p, id: PeerId, ms: number): Promise<boolean> {
  if (node.getConnections(id).some((c) => c.status === 'open')) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onConnect = (evt: CustomEvent<PeerId>): void => {
      if (!evt.detail.equals(id)) return;
      finish(true);
    };
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      node.removeEventListener('peer:connect', onConnect);
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), ms);
    node.addEventListener('peer:connect', onConnect);
  });
}

/** Wraps a started Parley node as core's Transport. The transport owns the node. */
export async function createLibp2pTransport(
  node: ParleyLibp2p,
  options: TransportOptions = {},
): Promise<ParleyTransport> {
  const ctx: TransportContext = {
    node,
    limits: { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits },
    admission: () => false,
    introduction: null,
    fileServer: null,
    queryHandler: null,
    queryAdmission: () => false,
    frameHandlers: new Set<FrameHandler>(),
    introducing: new WeakSet<object>(),
    stopped: false,
    log: options.log ?? (() => undefined),
  };
  const inbound = await registerInbound(ctx);
  await registerIntro(ctx);
  const files = await registerFile(ctx);
  const queries = await registerQuery(ctx);
  const privateAddressesArePublic = options.privateAddressesArePublic ?? false;
  const observed = createObservedAddresses(privateAddressesArePublic);
  const onIdentify = (evt: CustomEvent<IdentifyResult>): void => observed.add(evt.detail);
  node.addEventListener('peer:identify', onIdentify);
  const punch = await registerHolePunch(ctx, { privateAddressesArePublic, observed });
  const pubsub = createPubsub(ctx);
  const fetchSlots = createFetchSlots();
  const ensureOpen = (): void => {
    if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
  };
  const outbound = createOutbound(ctx, (peer) => establish(ctx, peer));
  const sweepEvery = Math.max(50, Math.min(1000, ctx.limits.frameIdleTimeoutMs / 4));
  const sweeper = setInterval(() => inbound.sweep(Date.now()), sweepEvery);
  sweeper.unref();

  const peerHandlers = new Set<PeerEventHandler>();
  const emitPeer = (type: 'connected' | 'disconnected', id: PeerId): void => {
    for (const handler of peerHandlers) {
      try {
        handler({ type, peer: id.toString() });
      } catch (err) {
        ctx.log(`peer handler failed: ${(err as Error).name}`);
      }
    }
  };
  node.addEventListener('peer:connect', (evt) => emitPeer('connected', evt.detail));
  node.addEventListener('peer:disconnect', (evt) => emitPeer('disconnected', evt.detail));

  return {
    node,
    peerId: node.peerId.toString(),
    addresses: () => advertisedAddresses(node.getMultiaddrs(), privateAddressesArePublic),
    setAdmission: (hook) => {
      ctx.admission = hook;
    },
    setIntroductionHandler: (handler) => {
      ctx.introduction = handler;
    },
    setFileServer: (server) => {
      ctx.fileServer = server;
    },
    fetchFile: (peer, request, fetchOptions) =>
      fetchFile(
        ctx,
        fetchSlots,
        (p, signal) => establish(ctx, p, signal ? { signal } : {}),
        peer,
        request,
        fetchOptions?.signal,
      ),
    subscribe: (topic, handler, subscribeOptions) => pubsub.subscribe(topic, handler, subscribeOptions),
    publish: (topic, data) => pubsub.publish(topic, data),
    setQueryHandler: (handler, admission) => {
      ctx.queryHandler = handler;
      ctx.queryAdmission = admission;
    },
    query: (peer, request, queryOptions) =>
      sendQuery(
        ctx,
        (p, signal) => establish(ctx, p, { ...queryOptions, ...(signal ? { signal } : {}) }),
        peer,
        request,
        queryOptions?.signal,
      ),
    onFrame: (handler) => {
      ctx.frameHandlers.add(handler);
      return () => ctx.frameHandlers.delete(handler);
    },
    onPeer: (handler) => {
      peerHandlers.add(handler);
      return () => peerHandlers.delete(handler);
    },
    connect: async (peer, connectOptions) => {
      ensureOpen();
      await establish(ctx, peer, connectOptions);
    },
    isConnected: (peer) => {
      try {
        return node.getConnections(peerIdFromString(peer)).some((c) => c.status === 'open');
      } catch {
        return false;
      }
    },
    connectionKind: (peer) => {
      try {
        return connectionKindOf(node.getConnections(peerIdFromString(peer)));
      } catch {
        return null;
      }
    },
    reachability: () => reachabilityOf(node, privateAddressesArePublic, observed.nat()),
    send: async (peer, frame, sendOptions) => {
      ensureOpen();
      if (frame.length === 0 || frame.length > FRAME_MAX_BYTES) {
        throw new TransportError(
          'frame-too-large',
          `frame of ${frame.length} bytes is outside 1..${FRAME_MAX_BYTES}`,
        );
      }
      // the PeerId is parsed once, when the peer's stream is opened (an invalid one → unreachable)
      await outbound.send(peer, frame, sendOptions?.signal);
    },
    introduce: async (peer, frame, connectOptions) => {
      ensureOpen();
      if (frame.length === 0 || frame.length > INTRO_FRAME_MAX_BYTES) {
        throw new TransportError(
          'frame-too-large',
          `introduction of ${frame.length} bytes is outside 1..${INTRO_FRAME_MAX_BYTES}`,
        );
      }
      await establish(ctx, peer, connectOptions);
      return sendIntroduction(ctx, peer, frame, connectOptions?.signal);
    },
    stop: async () => {
      if (ctx.stopped) return;
      ctx.stopped = true;
      clearInterval(sweeper);
      punch.close();
      node.removeEventListener('peer:identify', onIdentify);
      outbound.close();
      pubsub.close();
      await node.stop();
    },
    stats: () => ({
      inboundBufferedBytes: inbound.bufferedBytes(),
      inboundStreams: inbound.openStreams(),
      outboundQueuedFrames: outbound.queuedFrames(),
      fileServing: files.servingStreams(),
      fileFetching: fetchSlots.active(),
      queryServing: queries.serving(),
      holePunch: punch.stats(),
    }),
  };
}

/** Convenience: create a Parley node and its Transport in one call. */
export async function createParleyTransport(
  nodeOptions: ParleyNodeOptions,
  options: TransportOptions = {},
): Promise<ParleyTransport> {
  const node = await createParleyNode(nodeOptions);
  try {
    return await createLibp2pTransport(node, options);
  } catch (err) {
    await node.stop();
    throw err;
  }
}
