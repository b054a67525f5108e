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
  type Transport,
  TransportError,
} from './transport.ts';

/** Frames a sender may have in flight to one peer before `send()` waits. */
export const MEMORY_SEND_QUEUE_MAX_FRAMES = 256;

export interface MemoryNetwork {
  /** Create a transport with the given PeerId (any unique string). */
  createTransport(peerId: PeerIdString): Transport;
  /** Take a peer off the network (its links drop) or bring it back. */
  setOnline(peerId: PeerIdString, online: boolean): void;
  /** Number of frames written on the wire so far (all peers). */
  framesSent(): number;
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
        if (!target.admission(from.peerId)) continue; // refused: the frame is never read
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
    const chunks = target.admission(self.peerId) ? target.fileServer?.(self.peerId, request) : undefined;
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

  const topics = new Map<string, Set<{ readonly peerId: PeerIdString; readonly handler: PubsubHandler }>>();

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
      subscribe: (topic, handler) => {
        let set = topics.get(topic);
        if (!set) {
          set = new Set();
          topics.set(topic, set);
        }
        const entry = { peerId, handler };
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
        for (const s of topics.get(topic) ?? []) {
          // Like gossipsub: every reachable subscriber but the publisher itself, once.
          if (s.peerId === peerId || !reachable(self, s.peerId)) continue;
          const message = { topic, from: peerId, data: data.slice() };
          queueMicrotask(() => s.handler(message));
        }
      },
      setQueryHandler: (handler) => {
        self.queryHandler = handler;
      },
      query: async (peer, request, options) => {
        if (request.length === 0 || request.length > QUERY_MAX_BYTES) {
          throw new TransportError(
            'frame-too-large',
            `query of ${request.length} bytes is outside 1..${QUERY_MAX_BYTES}`,
          );
        }
        const target = await connect(peer, options);
        const answer = await target.queryHandler?.(peerId, request.slice()).catch(() => undefined);
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
  };
}
