/**
 * An in-memory implementation of core's Transport, for tests: a simulated
 * network of peers that can be partitioned (taken offline) and that keeps the
 * Transport contract (admission before delivery, per-peer ordering and
 * inbound backpressure, bounded send queues). It passes the same compliance
 * suite as `@parley/net`.
 */
import {
  type AdmissionHook,
  type ConnectOptions,
  FILE_FRAME_MAX_BYTES,
  type FileRequest,
  type FileServer,
  FRAME_MAX_BYTES,
  type FrameHandler,
  INTRO_FRAME_MAX_BYTES,
  type IntroductionHandler,
  type PeerEventHandler,
  type PeerIdString,
  PUBSUB_MESSAGE_MAX_BYTES,
  type PubsubHandler,
  QUERY_MAX_BYTES,
  type QueryHandler,
  type SendOptions,
  type TopicAdmission,
  type Transport,
  TransportError,
} from '../ports/index.ts';

/** Frames a sender may have in flight to one peer before `send()` waits. */
export const MEMORY_SEND_QUEUE_MAX_FRAMES = 256;

export interface MemoryNetwork {
  /** Create a transport with the given PeerId (any unique string). */
  createTransport(peerId: PeerIdString): Transport;
  /** Take a peer off the network (its links drop) or bring it back. */
  setOnline(peerId: PeerIdString, online: boolean): void;
  /** Number of frames written on the wire so far (all peers). */
  framesSent(): number;
  /**
   * The topics `peer` subscribes to that `observer` would be told about (gossipsub announces
   * subscriptions to connected peers): open topics, and those whose admission admits `observer`.
   */
  topicsSeenBy(observer: PeerIdString, peer: PeerIdString): string[];
}

interface Link {
  readonly queue: Uint8Array[];
  waiters: Array<() => void>;
  pumping: boolean;
}

interface Node {
  readonly peerId: PeerIdString;
  admission: AdmissionHook;
  introduction: IntroductionHandler | undefined;
  fileServer: FileServer | undefined;
  queryHandler: QueryHandler | undefined;
  queryAdmission: AdmissionHook;
  readonly frameHandlers: Set<FrameHandler>;
  readonly peerHandlers: Set<PeerEventHandler>;
  readonly connected: Set<PeerIdString>;
  readonly outbound: Map<PeerIdString, Link>;
  stopped: boolean;
}

export function createMemoryNetwork(): MemoryNetwork {
  const nodes = new Map<PeerIdString, Node>();
  const offline = new Set<PeerIdString>();
  let wireFrames = 0;

  const reachable = (a: Node, b: PeerIdString): Node | undefined => {
    const target = nodes.get(b);
    if (!target || target.stopped || offline.has(b) || offline.has(a.peerId) || a.stopped) return undefined;
    return target;
  };

  const emitPeer = (node: Node, type: 'connected' | 'disconnected', peer: PeerIdString): void => {
    for (const h of node.peerHandlers) h({ type, peer });
  };

  const link = (a: Node, b: Node): void => {
    if (a.connected.has(b.peerId)) return;
    a.connected.add(b.peerId);
    b.connected.add(a.peerId);
    emitPeer(a, 'connected', b.peerId);
    emitPeer(b, 'connected', a.peerId);
  };

  const unlink = (a: Node, peer: PeerIdString): void => {
    const b = nodes.get(peer);
    if (!a.connected.delete(peer)) return;
    emitPeer(a, 'disconnected', peer);
    dropQueue(a, peer);
    if (b?.connected.delete(a.peerId)) {
      emitPeer(b, 'disconnected', a.peerId);
      dropQueue(b, a.peerId);
    }
  };

  const dropQueue = (node: Node, peer: PeerIdString): void => {
    const l = node.outbound.get(peer);
    if (!l) return;
    l.queue.length = 0;
    for (const w of l.waiters.splice(0)) w();
  };

  /** Deliver queued frames from `from` to `to` one at a time, awaiting handlers (ordering + backpressure). */
  const pump = async (from: Node, to: PeerIdString, l: Link): Promise<void> => {
    if (l.pumping) return;
    l.pumping = true;
    try {
      while (l.queue.length > 0) {
        const target = reachable(from, to);
        if (!target?.connected.has(from.peerId)) break;
        const data = l.queue.shift() as Uint8Array;
        for (const w of l.waiters.splice(0)) w();
        if (!target.admission(from.peerId, 'msg')) continue; // refused: the frame is never read
        for (const h of target.frameHandlers) {
          try {
            await h({ from: from.peerId, data });
          } catch {
            // A failing handler must not stop the link (the net impl resets nothing either).
          }
        }
        await Promise.resolve();
      }
    } finally {
      l.pumping = false;
    }
  };

  async function* fetchFile(
    self: Node,
    peer: PeerIdString,
    request: FileRequest,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Uint8Array> {
    if (self.stopped) throw new TransportError('closed', 'transport is stopped');
    const target = reachable(self, peer);
    if (!target) throw new TransportError('unreachable', `peer ${peer} is not reachable`);
    link(self, target);
    const chunks = target.admission(self.peerId, 'file')
      ? target.fileServer?.(self.peerId, request)
      : undefined;
    if (!chunks) throw new TransportError('refused', `peer ${peer} has no file ${request.fileId} for us`);
    for await (const chunk of chunks) {
      if (signal?.aborted) throw new TransportError('aborted', 'file transfer aborted');
      if (!reachable(self, peer) || !self.connected.has(peer))
        throw new TransportError('unreachable', `peer ${peer} went away`);
      if (chunk.length === 0 || chunk.length > FILE_FRAME_MAX_BYTES)
        throw new TransportError('refused', 'bad file frame');
      yield chunk.slice();
    }
  }

  interface Subscription {
    readonly peerId: PeerIdString;
    readonly handler: PubsubHandler;
    readonly admit: TopicAdmission | undefined;
  }
  const topics = new Map<string, Set<Subscription>>();
  /** Whether `peer`'s subscriptions to `topic` admit `other` (an open one admits everyone). */
  const admits = (topic: string, peer: PeerIdString, other: PeerIdString): boolean => {
    const mine = [...(topics.get(topic) ?? [])].filter((s) => s.peerId === peer);
    return mine.some((s) => s.admit === undefined || s.admit(other));
  };

  /**
   * Like gossipsub behind Parley's topic admission (net's pubsub-guard.ts): the message spreads
   * from its publisher along links whose two ends subscribe and admit each other, each reachable
   * subscriber getting it once; a publisher that does not subscribe reaches no one.
   */
  const flood = (publisher: Node, topic: string, data: Uint8Array): void => {
    const holders = [publisher.peerId];
    const reached = new Set(holders);
    const subscribers = [...(topics.get(topic) ?? [])];
    while (holders.length > 0) {
      const from = nodes.get(holders.shift() as PeerIdString) as Node;
      for (const s of subscribers) {
        if (reached.has(s.peerId) || !reachable(from, s.peerId)) continue;
        if (!admits(topic, from.peerId, s.peerId) || !admits(topic, s.peerId, from.peerId)) continue;
        reached.add(s.peerId);
        holders.push(s.peerId);
        for (const each of subscribers.filter((x) => x.peerId === s.peerId)) {
          const message = { topic, from: publisher.peerId, data: data.slice() };
          queueMicrotask(() => each.handler(message));
        }
      }
    }
  };

  const createTransport = (peerId: PeerIdString): Transport => {
    if (nodes.has(peerId) && !nodes.get(peerId)?.stopped) {
      throw new TransportError('refused', `peer ${peerId} already exists on this memory network`);
    }
    const self: Node = {
      peerId,
      admission: () => false,
      introduction: undefined,
      fileServer: undefined,
      queryHandler: undefined,
      queryAdmission: () => false,
      frameHandlers: new Set(),
      peerHandlers: new Set(),
      connected: new Set(),
      outbound: new Map(),
      stopped: false,
    };
    nodes.set(peerId, self);

    const connect = async (peer: PeerIdString, options?: ConnectOptions): Promise<Node> => {
      if (self.stopped) throw new TransportError('closed', 'transport is stopped');
      if (options?.signal?.aborted) throw new TransportError('aborted', 'connect aborted');
      const target = reachable(self, peer);
      if (!target) throw new TransportError('unreachable', `peer ${peer} is not reachable`);
      link(self, target);
      return target;
    };

    const transport: Transport = {
      peerId,
      addresses: () => [`/memory/${peerId}/p2p/${peerId}`],
      setAdmission: (hook) => {
        self.admission = hook;
      },
      subscribe: (topic, handler, options) => {
        let set = topics.get(topic);
        if (!set) {
          set = new Set();
          topics.set(topic, set);
        }
        const entry: Subscription = { peerId, handler, admit: options?.admit };
        set.add(entry);
        return () => set.delete(entry);
      },
      publish: async (topic, data) => {
        if (self.stopped) throw new TransportError('closed', 'transport is stopped');
        if (data.length === 0 || data.length > PUBSUB_MESSAGE_MAX_BYTES) {
          throw new TransportError(
            'frame-too-large',
            `pubsub message of ${data.length} bytes is outside 1..${PUBSUB_MESSAGE_MAX_BYTES}`,
          );
        }
        flood(self, topic, data);
      },
      setQueryHandler: (handler, admission) => {
        self.queryHandler = handler;
        self.queryAdmission = admission;
      },
      query: async (peer, request, options) => {
        if (request.length === 0 || request.length > QUERY_MAX_BYTES) {
          throw new TransportError(
            'frame-too-large',
            `query of ${request.length} bytes is outside 1..${QUERY_MAX_BYTES}`,
          );
        }
        const target = await connect(peer, options);
        // not admitted: reset before a byte is read (net), the same refusal as a declined query
        const admitted = target.queryAdmission(peerId);
        const answer = admitted
          ? await target.queryHandler?.(peerId, request.slice()).catch(() => undefined)
          : undefined;
        if (answer === undefined) throw new TransportError('refused', `peer ${peer} declined the query`);
        if (answer.length === 0 || answer.length > QUERY_MAX_BYTES)
          throw new TransportError('refused', 'bad answer size');
        return answer.slice();
      },
      setFileServer: (server) => {
        self.fileServer = server;
      },
      fetchFile: (peer, request, options) => fetchFile(self, peer, request, options?.signal),
      setIntroductionHandler: (handler) => {
        self.introduction = handler;
      },
      onFrame: (handler) => {
        self.frameHandlers.add(handler);
        return () => self.frameHandlers.delete(handler);
      },
      onPeer: (handler) => {
        self.peerHandlers.add(handler);
        return () => self.peerHandlers.delete(handler);
      },
      connect: async (peer, options) => {
        await connect(peer, options);
      },
      isConnected: (peer) => self.connected.has(peer) && reachable(self, peer) !== undefined,
      // The memory network has no relays: a connection is always direct.
      connectionKind: (peer) =>
        self.connected.has(peer) && reachable(self, peer) !== undefined ? 'direct' : null,
      send: async (peer, frame, options?: SendOptions) => {
        if (frame.length === 0 || frame.length > FRAME_MAX_BYTES) {
          throw new TransportError(
            'frame-too-large',
            `frame of ${frame.length} bytes is outside 1..${FRAME_MAX_BYTES}`,
          );
        }
        await connect(peer, options);
        let l = self.outbound.get(peer);
        if (!l) {
          l = { queue: [], waiters: [], pumping: false };
          self.outbound.set(peer, l);
        }
        while (l.queue.length >= MEMORY_SEND_QUEUE_MAX_FRAMES) {
          const current = l;
          await new Promise<void>((resolve) => current.waiters.push(resolve));
          if (self.stopped) throw new TransportError('closed', 'transport is stopped');
          if (options?.signal?.aborted) throw new TransportError('aborted', 'send aborted');
          if (!self.connected.has(peer)) throw new TransportError('unreachable', `peer ${peer} went away`);
        }
        l.queue.push(frame.slice());
        wireFrames++;
        void pump(self, peer, l);
      },
      introduce: async (peer, frame, options) => {
        if (frame.length === 0 || frame.length > INTRO_FRAME_MAX_BYTES) {
          throw new TransportError(
            'frame-too-large',
            `introduction of ${frame.length} bytes is outside 1..${INTRO_FRAME_MAX_BYTES}`,
          );
        }
        const target = await connect(peer, options);
        wireFrames++;
        if (!target.introduction) return false;
        try {
          return await target.introduction({ from: peerId, data: frame.slice() });
        } catch {
          return false;
        }
      },
      stop: async () => {
        if (self.stopped) return;
        for (const peer of [...self.connected]) unlink(self, peer);
        self.stopped = true;
        for (const l of self.outbound.values()) for (const w of l.waiters.splice(0)) w();
      },
    };
    return transport;
  };

  return {
    createTransport,
    setOnline: (peerId, online) => {
      if (online) {
        offline.delete(peerId);
        return;
      }
      offline.add(peerId);
      const node = nodes.get(peerId);
      if (node) for (const peer of [...node.connected]) unlink(node, peer);
    },
    framesSent: () => wireFrames,
    topicsSeenBy: (observer, peer) =>
      [...topics.keys()].filter((t) =>
        [...(topics.get(t) ?? [])].some(
          (s) => s.peerId === peer && (s.admit === undefined || s.admit(observer)),
        ),
      ),
  };
}
