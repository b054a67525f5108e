/**
 * Topic admission for gossipsub (docs/THREAT-MODEL.md "What strangers can
 * learn", docs/PROTOCOL.md §1 "Pubsub"). Plain gossipsub tells every
 * connected peer which topics we subscribe to, takes theirs, and exchanges
 * messages and gossip (IHAVE, GRAFT, PRUNE) of any shared topic. Here every
 * RPC to and from a peer is filtered per topic by a policy that core drives
 * (`subscribe(topic, handler, { admit })`): a peer the policy refuses for a
 * topic is never told that we subscribe to it, never sent its messages or
 * gossip, and what it sends about the topic is dropped before gossipsub sees
 * it. Topics we do not subscribe to are refused for everyone.
 *
 * How, with gossipsub's own code untouched (v1.1 spec, RPC protobuf from
 * `@libp2p/gossipsub/message`):
 * - outbound: the registrar gossipsub is given hands it connections whose
 *   `newStream()` returns streams whose `send()` filters each RPC (one
 *   length-prefixed RPC per send, as gossipsub writes them);
 * - inbound: gossipsub's public `handleReceivedRpc` is wrapped, so every
 *   decoded RPC is filtered before gossipsub processes it;
 * - admission changes (a member added or removed): `recheck()` tells each
 *   peer of subscriptions it may now see or must forget, and replays to
 *   gossipsub (or withdraws) what the peer told us earlier.
 */
import { type GossipSub, type GossipSubComponents, type GossipsubOpts, gossipsub } from '@libp2p/gossipsub';
import { RPC } from '@libp2p/gossipsub/message';
import type { Connection, PeerId, Stream, Topology } from '@libp2p/interface';
import type { Uint8ArrayList } from 'uint8arraylist';
import { encodeFrames } from './frame-codec.ts';

/** Whether `peer` may share `topic` with us. */
export type TopicPolicy = (peer: string, topic: string) => boolean;

/** Topics remembered per peer from its subscriptions (gossipsub bounds its own copy by bytes). */
export const PUBSUB_GUARD_HEARD_TOPICS_MAX = 1024;
/** Topics we left whose PRUNE may still be on its way to a peer. */
const LEFT_TOPICS_MAX = 64;

export interface PubsubGuard {
  /** Replaces the policy (default: every topic refused to every peer). */
  setPolicy(policy: TopicPolicy): void;
  /** The policy may have changed: tell peers what they may now see or must forget, both ways. */
  recheck(): void;
}

type Registrar = GossipSubComponents['registrar'];
type RpcHandler = (from: PeerId, rpc: RPC) => Promise<void>;

interface PeerRecord {
  readonly id: PeerId;
  /** The raw outbound gossipsub stream to the peer (ours to announce on), if open. */
  out: Stream | undefined;
  /** Topics the peer told us it subscribes to, and those of them gossipsub was told. */
  readonly heard: Set<string>;
  readonly passed: Set<string>;
  /** Our subscriptions the peer was told about, and topics we withdrew (their PRUNE may follow). */
  readonly shown: Set<string>;
  readonly left: Set<string>;
}

const guards = new WeakMap<object, PubsubGuard>();

/** The guard of a gossipsub service made by `guardedGossipsub`, if it is one. */
export function pubsubGuardOf(service: object): PubsubGuard | undefined {
  return guards.get(service);
}

/** `gossipsub(init)` behind a topic admission guard (see the file comment). */
export function guardedGossipsub(
  init: Partial<GossipsubOpts>,
): (components: GossipSubComponents) => GossipSub {
  return (components) => {
    const guard = createGuard();
    const service = gossipsub(init)(withRegistrar(components, guardRegistrar(components.registrar, guard)));
    guard.attach(service);
    guards.set(service, guard);
    return service;
  };
}

function createGuard() {
  let policy: TopicPolicy = () => false;
  let service: GossipSub | undefined;
  let deliver: RpcHandler | undefined;
  const peers = new Map<string, PeerRecord>();

  const record = (id: PeerId): PeerRecord => {
    const key = id.toString();
    let r = peers.get(key);
    if (!r) {
      r = { id, out: undefined, heard: new Set(), passed: new Set(), shown: new Set(), left: new Set() };
      peers.set(key, r);
    }
    return r;
  };
  const allows = (r: PeerRecord, topic: string | undefined): topic is string =>
    topic !== undefined && policy(r.id.toString(), topic);

  /** Our RPC to the peer, reduced to what it may see; null when nothing is left. */
  const outbound = (r: PeerRecord, rpc: RPC): RPC | null => {
    const subscriptions = rpc.subscriptions.filter((s) => {
      if (s.topic === undefined) return false;
      if (s.subscribe === true) {
        if (!allows(r, s.topic)) return false;
        r.shown.add(s.topic);
        return true;
      }
      if (!r.shown.delete(s.topic)) return false; // it never knew
      if (r.left.size >= LEFT_TOPICS_MAX) r.left.clear();
      r.left.add(s.topic);
      return true;
    });
    const prunable = (topic: string | undefined): boolean =>
      allows(r, topic) || (topic !== undefined && r.left.delete(topic));
    return reduce(rpc, subscriptions, (t) => allows(r, t), prunable);
  };

  /** The peer's RPC to us, reduced to what it may share; null when nothing is left. */
  const inbound = (r: PeerRecord, rpc: RPC): RPC | null => {
    const subscriptions = rpc.subscriptions.filter((s) => {
      if (s.topic === undefined) return false;
      if (s.subscribe === true) {
        if (r.heard.size < PUBSUB_GUARD_HEARD_TOPICS_MAX) r.heard.add(s.topic);
        if (!allows(r, s.topic)) return false;
        r.passed.add(s.topic);
        return true;
      }
      r.heard.delete(s.topic);
      return r.passed.delete(s.topic);
    });
    return reduce(
      rpc,
      subscriptions,
      (t) => allows(r, t),
      (t) => allows(r, t),
    );
  };

  const recheckPeer = (r: PeerRecord, ours: readonly string[]): void => {
    const tell: RPC.SubOpts[] = [];
    const prune: string[] = [];
    if (r.out && r.out.status === 'open' && r.out.writeStatus === 'writable') {
      for (const topic of ours) {
        const ok = allows(r, topic);
        if (ok && !r.shown.has(topic)) {
          r.shown.add(topic);
          tell.push({ topic, subscribe: true });
        } else if (!ok && r.shown.delete(topic)) {
          tell.push({ topic, subscribe: false });
          prune.push(topic);
        }
      }
      for (const topic of [...r.shown]) {
        if (ours.includes(topic)) continue;
        r.shown.delete(topic); // left while its announcement was filtered: nothing to say
      }
    }
    if (tell.length > 0) {
      try {
        r.out?.send(encodeFrames([RPC.encode(rpcOf(tell, prune))]));
      } catch {
        // the stream is going away: the next one announces afresh
      }
    }
    const replay: RPC.SubOpts[] = [];
    const withdrawn: string[] = [];
    for (const topic of r.heard) {
      const ok = allows(r, topic);
      if (ok && !r.passed.has(topic)) {
        r.passed.add(topic);
        replay.push({ topic, subscribe: true });
      } else if (!ok && r.passed.delete(topic)) {
        replay.push({ topic, subscribe: false });
        withdrawn.push(topic);
      }
    }
    if (replay.length > 0) deliver?.(r.id, rpcOf(replay, withdrawn)).catch(() => undefined);
  };

  return {
    attach(s: GossipSub): void {
      service = s;
      // public in gossipsub (its own comment expects it to be overridden); every decoded RPC passes here
      const target = s as unknown as { handleReceivedRpc: RpcHandler };
      const original = target.handleReceivedRpc.bind(s);
      deliver = original;
      target.handleReceivedRpc = async (from, rpc) => {
        const kept = inbound(record(from), rpc);
        if (kept) await original(from, kept);
      };
    },
    /** Wraps a connection gossipsub will open its outbound stream on. */
    connection(connection: Connection): Connection {
      const r = record(connection.remotePeer);
      return facade(connection, {
        newStream: async (...args: Parameters<Connection['newStream']>) => {
          const stream = await connection.newStream(...args);
          r.out = stream;
          r.shown.clear(); // a new stream: gossipsub announces everything again
          stream.addEventListener('close', () => {
            if (r.out === stream) r.out = undefined;
          });
          return facade(stream, {
            send: (data: Uint8Array | Uint8ArrayList): boolean => {
              const rpc = decodeRpc(data);
              if (!rpc) return stream.send(data); // an empty RPC: nothing to filter
              const kept = outbound(r, rpc);
              if (!kept) return true;
              return stream.send(kept === rpc ? data : encodeFrames([RPC.encode(kept)]));
            },
          });
        },
      });
    },
    forget(peer: PeerId): void {
      peers.delete(peer.toString());
    },
    setPolicy(next: TopicPolicy): void {
      policy = next;
    },
    recheck(): void {
      if (!service) return;
      const ours = service.getTopics();
      const known = new Set(service.getPeers().map((p) => p.toString()));
      for (const [key, r] of peers) if (known.has(key)) recheckPeer(r, ours);
    },
  };
}

type Guard = ReturnType<typeof createGuard>;

/**
 * `rpc` with `subscriptions` and only the messages and gossip whose topic `keep` allows (PRUNE:
 * `prunable`); the same object when nothing was removed, null when nothing is left.
 */
function reduce(
  rpc: RPC,
  subscriptions: RPC.SubOpts[],
  keep: (topic: string | undefined) => boolean,
  prunable: (topic: string | undefined) => boolean,
): RPC | null {
  const messages = rpc.messages.filter((m) => keep(m.topic));
  const c = rpc.control;
  const control = c && {
    ihave: c.ihave.filter((x) => keep(x.topicID)),
    iwant: c.iwant, // message ids we announced, or asked of us: the messages themselves are filtered
    graft: c.graft.filter((x) => keep(x.topicID)),
    prune: c.prune.filter((x) => prunable(x.topicID)),
    idontwant: c.idontwant,
  };
  const same =
    subscriptions.length === rpc.subscriptions.length &&
    messages.length === rpc.messages.length &&
    (!c ||
      (control?.ihave.length === c.ihave.length &&
        control.graft.length === c.graft.length &&
        control.prune.length === c.prune.length));
  if (same) return rpc;
  const controls = control
    ? control.ihave.length + control.iwant.length + control.graft.length + control.prune.length
    : 0;
  if (subscriptions.length + messages.length + controls + (control?.idontwant.length ?? 0) === 0) return null;
  return { subscriptions, messages, ...(control ? { control } : {}) };
}

function rpcOf(subscriptions: RPC.SubOpts[], prune: readonly string[]): RPC {
  if (prune.length === 0) return { subscriptions, messages: [] };
  return {
    subscriptions,
    messages: [],
    control: {
      ihave: [],
      iwant: [],
      graft: [],
      prune: prune.map((topicID) => ({ topicID, peers: [] })),
      idontwant: [],
    },
  };
}

/** One length-prefixed RPC as gossipsub writes it; undefined for an empty one (length 0). */
function decodeRpc(data: Uint8Array | Uint8ArrayList): RPC | undefined {
  const bytes = data instanceof Uint8Array ? data : data.subarray();
  let length = 0;
  let at = 0;
  for (let shift = 0; at < bytes.length && shift < 35; shift += 7) {
    const b = bytes[at++] as number;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length === 0) return undefined;
  if (at + length !== bytes.length) throw new Error('pubsub guard: not one length-prefixed RPC');
  return RPC.decode(bytes.subarray(at));
}

function withRegistrar(components: GossipSubComponents, registrar: Registrar): GossipSubComponents {
  return new Proxy(components, {
    get: (target, prop) => (prop === 'registrar' ? registrar : Reflect.get(target, prop)),
  });
}

/** The registrar gossipsub sees: the connections it is handed (inbound stream, topology) are wrapped. */
function guardRegistrar(registrar: Registrar, guard: Guard): Registrar {
  return facade(registrar, {
    handle: (
      protocol: string,
      handler: (stream: Stream, connection: Connection) => void | Promise<void>,
      options?: Parameters<Registrar['handle']>[2],
    ) => registrar.handle(protocol, (stream, c) => handler(stream, guard.connection(c)), options),
    register: (protocol: string, topology: Topology) =>
      registrar.register(protocol, {
        ...topology,
        onConnect: (peer, c) => topology.onConnect?.(peer, guard.connection(c)),
        onDisconnect: (peer) => {
          guard.forget(peer);
          topology.onDisconnect?.(peer);
        },
      }),
  });
}

/**
 * `target` with some members replaced. Everything else reads and writes the target itself (its
 * getters, setters and private fields see the real object, not the proxy).
 */
function facade<T extends object>(target: T, overrides: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop)) return overrides[prop];
      const value = Reflect.get(t, prop, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
    set: (t, prop, value) => Reflect.set(t, prop, value, t),
  });
}
