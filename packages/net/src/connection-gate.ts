/**
 * The connection gate: who may hold a connection to us, decided by libp2p's
 * ConnectionGater hooks (before Noise, and after it when the PeerId is known)
 * plus a small libp2p service that watches open connections.
 *
 * An inbound connection passes, in order (libp2p upgrader.js):
 *  1. the connection manager: MAX_INCOMING_PENDING_CONNECTIONS upgrading at
 *     once, INBOUND_CONNECTIONS_PER_IP_PER_SECOND, maxConnections;
 *  2. `denyInboundConnection`: at most MAX_PENDING_INBOUND_PER_IP of them
 *     from one source (source.ts) are upgrading at once — idle sockets from
 *     one IP can no longer occupy the whole pending budget; the upgrade
 *     itself is cut at INBOUND_UPGRADE_TIMEOUT_MS;
 *  3. Noise, then `denyInboundEncryptedConnection(peer)`: an admitted peer
 *     (a contact, a group member) always passes; a stranger passes only while
 *     it has fewer than MAX_STRANGER_CONNECTIONS_PER_IP connections from its
 *     source and the node has fewer than maxConnections −
 *     ADMITTED_RESERVED_CONNECTIONS connections: the rest is kept for
 *     admitted peers (and our own dials);
 *  4. open: an admitted peer arriving when the node is into that reserve
 *     evicts one stranger's connection (unused ones first); a stranger that
 *     opens no stream on an open protocol (introduction, query, pubsub, DHT,
 *     relay, autoNAT, DCUtR) within STRANGER_IDLE_TIMEOUT_MS of its
 *     connection opening is closed. Once it has, the connection is kept like
 *     any other (a relay reservation or a DHT client idles for long
 *     stretches); the caps above bound how many such strangers there are.
 *     Invitees are strangers until their introduction succeeds: the
 *     /parley/intro stream (once its budget lets it in) is what keeps them.
 *
 * Loopback sources are exempt from the per-source caps (2 and 3) unless
 * `perIpLimitsOnLoopback`: many nodes on one host (tests, several accounts)
 * share 127.0.0.1, as go-libp2p's resource manager also assumes. The global
 * caps, the reserve and the idle rule apply to them too.
 */
import type { Connection, ConnectionGater, MultiaddrConnection, PeerId, Startable } from '@libp2p/interface';
import {
  ADMITTED_RESERVED_CONNECTIONS,
  MAX_PENDING_INBOUND_PER_IP,
  MAX_STRANGER_CONNECTIONS_PER_IP,
  STRANGER_IDLE_TIMEOUT_MS,
} from './limits.ts';
import { type Source, sourceOf } from './source.ts';

export interface ConnectionGateOptions {
  /** The node's connection ceiling (libp2p's maxConnections). */
  readonly maxConnections: number;
  /**
   * Protocols a stranger may use: a stream it opened on one, seen open by the
   * sweep (every STRANGER_IDLE_TIMEOUT_MS / 20), marks its connection used.
   * Parley's own protocols also mark it when their limits let a stream in
   * (`touch`), so a stream reset by a rate limit buys a stranger nothing.
   * Every Parley node keeps a gossipsub stream open to each peer, so short
   * streams (a DHT query, an autoNAT request) only matter for other libp2p
   * implementations, which then reconnect when they need us again.
   */
  readonly openProtocols: readonly string[];
  readonly maxPendingInboundPerIp?: number;
  readonly maxStrangerConnectionsPerIp?: number;
  /** Apply the per-source caps to loopback too (tests of those caps). Default false. */
  readonly perIpLimitsOnLoopback?: boolean;
  /** Default STRANGER_IDLE_TIMEOUT_MS. */
  readonly strangerIdleTimeoutMs?: number;
  /** The node runs the circuit relay server (`components.relay`): peers holding a reservation are kept. */
  readonly relayServer?: boolean;
}

/** What the libp2p components give the gate's service (a narrow view of libp2p's Components). */
export interface ConnectionGateComponents {
  readonly events: {
    addEventListener(type: 'connection:open', listener: (evt: CustomEvent<Connection>) => void): void;
    removeEventListener(type: 'connection:open', listener: (evt: CustomEvent<Connection>) => void): void;
  };
  readonly connectionManager: { getConnections(): Connection[] };
  /** The circuit relay server (read only with `relayServer`: libp2p throws for a service not configured). */
  readonly relay?: { readonly reservations: { has(peer: PeerId): boolean } };
}

/** The gate as a libp2p service (`node.services.gate`). */
export interface ConnectionGate extends Startable {
  /**
   * Who is admitted (the transport's admission hook). Until set, everyone is a
   * stranger and nothing is reserved (a relay node never sets it).
   */
  setAdmission(admitted: (peer: string) => boolean): void;
  /** Marks a stranger's connection as used (an introduction that passed its budget). */
  touch(connection: Connection): void;
  /** Counts for tests and diagnostics. */
  stats(): { pendingInbound: number; strangerConnections: number };
}

export interface ConnectionGateParts {
  readonly gater: ConnectionGater;
  readonly service: (components: ConnectionGateComponents) => ConnectionGate;
}

/** The state the gater hooks and the service share. */
interface Gate {
  readonly maxConnections: number;
  readonly maxPendingPerIp: number;
  readonly maxStrangersPerIp: number;
  readonly idleMs: number;
  readonly openProtocols: ReadonlySet<string>;
  readonly perIpLimitsOnLoopback: boolean;
  readonly relayServer: boolean;
  admitted: ((peer: string) => boolean) | undefined;
  components: ConnectionGateComponents | undefined;
  /** Connections still upgrading per source, and the source each of them holds. */
  readonly pending: Map<string, number>;
  readonly pendingOf: Map<MultiaddrConnection, string>;
  /** Strangers past Noise whose connection is not open yet (they count against the caps). */
  readonly inFlight: Map<MultiaddrConnection, { readonly key: string; readonly peer: string }>;
  readonly sources: WeakMap<Connection, Source>;
  /** Strangers' connections that have not used an open protocol yet, with the time they opened. */
  readonly probation: Map<Connection, number>;
  /** Strangers' connections that have (kept for good, evicted last). */
  readonly used: WeakSet<Connection>;
}

/** Creates the gater (libp2p `connectionGater`) and the service (`services.gate`) sharing one state. */
export function createConnectionGate(options: ConnectionGateOptions): ConnectionGateParts {
  const gate: Gate = {
    maxConnections: options.maxConnections,
    maxPendingPerIp: options.maxPendingInboundPerIp ?? MAX_PENDING_INBOUND_PER_IP,
    maxStrangersPerIp: options.maxStrangerConnectionsPerIp ?? MAX_STRANGER_CONNECTIONS_PER_IP,
    idleMs: options.strangerIdleTimeoutMs ?? STRANGER_IDLE_TIMEOUT_MS,
    openProtocols: new Set(options.openProtocols),
    perIpLimitsOnLoopback: options.perIpLimitsOnLoopback ?? false,
    relayServer: options.relayServer ?? false,
    admitted: undefined,
    components: undefined,
    pending: new Map(),
    pendingOf: new Map(),
    inFlight: new Map(),
    sources: new WeakMap(),
    probation: new Map(),
    used: new WeakSet(),
  };
  return {
    gater: {
      denyInboundConnection: (maConn) => denyPending(gate, maConn),
      denyInboundEncryptedConnection: (peerId, maConn) => denyStranger(gate, peerId.toString(), maConn),
      denyInboundUpgradedConnection: (_peerId, maConn) => {
        upgraded(gate, maConn);
        return false;
      },
    },
    service: (components) => gateService(gate, components),
  };
}

function isAdmitted(gate: Gate, peer: string): boolean {
  try {
    return gate.admitted?.(peer) === true;
  } catch {
    return false;
  }
}

/** Whether the per-source caps apply to `source` (loopback only with perIpLimitsOnLoopback). */
function capped(gate: Gate, source: Source): boolean {
  return !source.loopback || gate.perIpLimitsOnLoopback;
}

function connections(gate: Gate): Connection[] {
  return gate.components?.connectionManager.getConnections() ?? [];
}

function strangerConnections(gate: Gate): Connection[] {
  return connections(gate).filter(
    (c) => c.direction === 'inbound' && c.status === 'open' && !isAdmitted(gate, c.remotePeer.toString()),
  );
}

/** Open connections beyond which a stranger is refused (the rest is reserved for admitted peers). */
function strangerLimit(gate: Gate): number {
  if (gate.admitted === undefined) return gate.maxConnections;
  return gate.maxConnections - Math.min(ADMITTED_RESERVED_CONNECTIONS, Math.floor(gate.maxConnections / 4));
}

/** Strangers' connections from `key`, open or past Noise. */
function strangersFrom(gate: Gate, key: string): number {
  let n = 0;
  for (const c of strangerConnections(gate)) {
    let source = gate.sources.get(c);
    if (!source) {
      source = sourceOf(c.remoteAddr);
      gate.sources.set(c, source);
    }
    if (source.key === key) n++;
  }
  for (const f of gate.inFlight.values()) if (f.key === key && !isAdmitted(gate, f.peer)) n++;
  return n;
}

/** Stage 2 (before Noise): the per-source cap on connections still upgrading. */
function denyPending(gate: Gate, maConn: MultiaddrConnection): boolean {
  const source = sourceOf(maConn.remoteAddr);
  if (capped(gate, source)) {
    const n = gate.pending.get(source.key) ?? 0;
    if (n >= gate.maxPendingPerIp) return true;
    gate.pending.set(source.key, n + 1);
    gate.pendingOf.set(maConn, source.key);
  }
  // a failed or timed-out upgrade ends here (the transport aborts the socket)
  maConn.addEventListener('close', () => upgraded(gate, maConn));
  return false;
}

/** Stage 3 (after Noise): admitted peers pass; strangers within the per-source cap and outside the reserve. */
function denyStranger(gate: Gate, peer: string, maConn: MultiaddrConnection): boolean {
  if (isAdmitted(gate, peer)) return false;
  if (connections(gate).length + gate.inFlight.size >= strangerLimit(gate)) return true;
  const source = sourceOf(maConn.remoteAddr);
  if (capped(gate, source) && strangersFrom(gate, source.key) >= gate.maxStrangersPerIp) return true;
  gate.inFlight.set(maConn, { key: source.key, peer });
  return false;
}

/** The upgrade is over (done, refused or failed): the pending slot and the in-flight mark go. */
function upgraded(gate: Gate, maConn: MultiaddrConnection): void {
  gate.inFlight.delete(maConn);
  const key = gate.pendingOf.get(maConn);
  if (key === undefined) return;
  gate.pendingOf.delete(maConn);
  const n = (gate.pending.get(key) ?? 1) - 1;
  if (n <= 0) gate.pending.delete(key);
  else gate.pending.set(key, n);
}

/** Stage 4: strangers go on probation; an admitted peer past the line evicts one stranger. */
function onOpen(gate: Gate, connection: Connection): void {
  if (connection.direction !== 'inbound') return;
  if (!isAdmitted(gate, connection.remotePeer.toString())) {
    gate.probation.set(connection, Date.now());
    return;
  }
  if (connections(gate).length > strangerLimit(gate)) evictOneStranger(gate);
}

/** Evicts the stranger connection worth least: never used first, then fewest streams, then newest. */
function evictOneStranger(gate: Gate): void {
  const rank = (c: Connection): number => (gate.used.has(c) ? 1 : 0);
  const victim = strangerConnections(gate).sort(
    (a, b) => rank(a) - rank(b) || a.streams.length - b.streams.length || b.timeline.open - a.timeline.open,
  )[0];
  victim?.abort(new Error('connection slots are reserved for contacts'));
}

function markUsed(gate: Gate, connection: Connection): void {
  if (gate.probation.delete(connection)) gate.used.add(connection);
}

/** A stream the stranger opened on an open protocol is open now, or it holds a relay reservation. */
function inUse(gate: Gate, c: Connection): boolean {
  if (c.streams.some((s) => s.direction === 'inbound' && gate.openProtocols.has(s.protocol ?? ''))) {
    return true;
  }
  return gate.relayServer && gate.components?.relay?.reservations.has(c.remotePeer) === true;
}

/** Closes strangers on probation for longer than the idle timeout. */
function sweep(gate: Gate): void {
  const now = Date.now();
  for (const [c, openedAt] of gate.probation) {
    if (c.status !== 'open' || isAdmitted(gate, c.remotePeer.toString())) gate.probation.delete(c);
    else if (inUse(gate, c)) markUsed(gate, c);
    else if (now - openedAt > gate.idleMs) {
      gate.probation.delete(c);
      c.abort(new Error('stranger opened no stream on an open protocol'));
    }
  }
}

function gateService(gate: Gate, components: ConnectionGateComponents): ConnectionGate {
  gate.components = components;
  const onOpenEvent = (evt: CustomEvent<Connection>): void => onOpen(gate, evt.detail);
  let sweeper: ReturnType<typeof setInterval> | undefined;
  return {
    start() {
      components.events.addEventListener('connection:open', onOpenEvent);
      sweeper = setInterval(() => sweep(gate), Math.max(50, gate.idleMs / 20));
      sweeper.unref();
    },
    stop() {
      components.events.removeEventListener('connection:open', onOpenEvent);
      clearInterval(sweeper);
      gate.probation.clear();
    },
    setAdmission(admitted) {
      gate.admitted = admitted;
    },
    touch: (connection) => markUsed(gate, connection),
    stats: () => ({
      pendingInbound: gate.pendingOf.size,
      strangerConnections: strangerConnections(gate).length,
    }),
  };
}
