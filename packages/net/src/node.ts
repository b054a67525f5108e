/**
 * The libp2p node factory: the one place Parley's libp2p stack is assembled.
 *
 * Standard libp2p all the way down (QUIC, TCP + WebSockets, Noise, yamux,
 * identify, ping), so any conforming implementation can connect, identify and
 * ping a Parley node. Two networks (DESIGN.md §4):
 * - `public`: the Amino DHT (`/ipfs/kad/1.0.0`, the IPFS network's) entered
 *   through the standard libp2p bootstrap list, and its relays;
 * - `private` (the default here; the daemon defaults to public): a closed DHT
 *   under `/parley/kad/1.0.0` with only the given bootstrap peers.
 * Reachability (reachability.ts): AutoNAT v1 + v2, UPnP, reservations on
 * RELAY_DISCOVERED_RESERVATIONS discovered relays plus pinned ones, DCUtR.
 * Every limit is set on purpose (see limits.ts).
 */
import { noise } from '@chainsafe/libp2p-noise';
import { quic } from '@chainsafe/libp2p-quic';
import { yamux } from '@chainsafe/libp2p-yamux';
import { autoNAT } from '@libp2p/autonat';
import { autoNATv2 } from '@libp2p/autonat-v2';
import { bootstrap } from '@libp2p/bootstrap';
import {
  type CircuitRelayService,
  circuitRelayServer,
  circuitRelayTransport,
  RELAY_V2_HOP_CODEC,
  RELAY_V2_STOP_CODEC,
} from '@libp2p/circuit-relay-v2';
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys';
import { dcutr } from '@libp2p/dcutr';
import type { GossipSub } from '@libp2p/gossipsub';
import { type Identify, type IdentifyPush, identify, identifyPush } from '@libp2p/identify';
import type { Libp2p, PeerInfo } from '@libp2p/interface';
import { type KadDHT, kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { uPnPNAT } from '@libp2p/upnp-nat';
import { webSockets } from '@libp2p/websockets';
import { createLibp2p, type Libp2pOptions } from 'libp2p';
import { type ConnectionGate, type ConnectionGateParts, createConnectionGate } from './connection-gate.ts';
import {
  DIAL_TIMEOUT_MS,
  INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
  INBOUND_UPGRADE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  MAX_INCOMING_PENDING_CONNECTIONS,
  MAX_PARALLEL_DIALS,
  MAX_STRANGER_CONNECTIONS_PER_IP,
  PROTOCOL_NEGOTIATION_TIMEOUT_MS,
  PUBSUB_HEARTBEAT_MS,
  PUBSUB_MAX_TOPIC_BYTES_PER_PEER,
  PUBSUB_OUTBOUND_BUFFER_BYTES,
  PUBSUB_RPC_MAX_BYTES,
  RELAY_CIRCUIT_MAX_BYTES,
  RELAY_CIRCUIT_MAX_DURATION_MS,
  RELAY_DISCOVERED_RESERVATIONS,
  RELAY_MAX_CONNECTIONS,
  RELAY_MAX_CONNECTIONS_PER_IP,
  RELAY_MAX_RESERVATIONS,
  RELAY_RESERVATION_TTL_MS,
  YAMUX_MAX_STREAM_WINDOW_BYTES,
  YAMUX_MAX_STREAMS_PER_CONNECTION,
} from './limits.ts';
import { INTRO_PROTOCOL, QUERY_PROTOCOL } from './protocols.ts';
import { guardedGossipsub } from './pubsub-guard.ts';
import { type PunchDialer, punchDialer } from './punch-dialer.ts';
import { type AddressView, addressView, quicFirstAddressSorter } from './reachability.ts';

/** Parley's private Kademlia protocol id (libp2p kad-dht spec with a custom protocol id). */
export const DHT_PROTOCOL = '/parley/kad/1.0.0';

/** The Amino DHT's protocol id: the public libp2p/IPFS network (`--network public`). */
export const PUBLIC_DHT_PROTOCOL = '/ipfs/kad/1.0.0';

/** `public`: the Amino DHT and the standard bootstrap list; `private`: `/parley/kad/1.0.0`, given peers only. */
export type ParleyNetwork = 'public' | 'private';

/**
 * The standard libp2p bootstrap list (as in kubo and js-libp2p's examples): the
 * entry points of the public network, dialled only with `network: 'public'`
 * and no `bootstrap` of one's own.
 */
export const PUBLIC_BOOTSTRAP: readonly string[] = [
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt',
  '/dnsaddr/va1.bootstrap.libp2p.io/p2p/12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8',
  '/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ',
];

/**
 * Default listen addresses: QUIC (preferred: one handshake, no head-of-line
 * blocking), TCP (also what a hole punch uses, hole-punch.ts) and WebSockets on
 * every interface, ephemeral ports.
 */
export const DEFAULT_LISTEN_ADDRESSES: readonly string[] = [
  '/ip4/0.0.0.0/udp/0/quic-v1',
  '/ip4/0.0.0.0/tcp/0',
  '/ip4/0.0.0.0/tcp/0/ws',
];

/** The bootstrap peers a node dials: its own list, else the public one on the public network. */
export function bootstrapList(
  network: ParleyNetwork,
  given: readonly string[] | undefined,
): readonly string[] {
  if (given !== undefined && given.length > 0) return given;
  return network === 'public' ? PUBLIC_BOOTSTRAP : [];
}

/**
 * Protocols a stranger may use (connection-gate.ts: a stranger that opens no
 * stream on one is closed): gossipsub (+ floodsub fallback), the DHT, circuit
 * relay, autoNAT, DCUtR, and Parley's introduction and query (not /parley/punch: contacts only).
 */
const STRANGER_PROTOCOLS: readonly string[] = [
  '/meshsub/1.2.0',
  '/meshsub/1.1.0',
  '/meshsub/1.0.0',
  '/floodsub/1.0.0',
  DHT_PROTOCOL,
  PUBLIC_DHT_PROTOCOL,
  RELAY_V2_HOP_CODEC,
  RELAY_V2_STOP_CODEC,
  '/libp2p/autonat/1.0.0',
  '/libp2p/autonat/2/dial-request',
  '/libp2p/autonat/2/dial-back',
  '/libp2p/dcutr',
  INTRO_PROTOCOL,
  QUERY_PROTOCOL,
];

/** The libp2p services every Parley node runs. */
export interface ParleyServices extends Record<string, unknown> {
  /** Per-source connection caps, the reserve for admitted peers, idle strangers (connection-gate.ts). */
  gate: ConnectionGate;
  identify: Identify;
  identifyPush: IdentifyPush;
  ping: Ping;
  dht: KadDHT;
  pubsub: GossipSub;
  autoNAT: unknown;
  autoNATv2: unknown;
  /** The address manager's view, for reachability (reachability.ts). */
  addressView: AddressView;
  /** UPnP/NAT-PMP port mapping; absent on relays (they need a public address anyway). */
  upnp?: unknown;
  dcutr: unknown;
  /** Dials a hole punch's one address from a chosen port (hole-punch.ts). */
  punchDialer: PunchDialer;
  relay?: CircuitRelayService;
}

/** A started Parley libp2p node. */
export type ParleyLibp2p = Libp2p<ParleyServices>;

export interface ParleyNodeOptions {
  /** The identity key (libp2p PrivateKey protobuf, see peer-key.ts). */
  readonly privateKey: Uint8Array;
  /** Multiaddrs to listen on; default DEFAULT_LISTEN_ADDRESSES. `[]` = dial-only. */
  readonly listen?: readonly string[];
  /** Addresses to announce instead of the listen addresses (e.g. a public IP behind port forwarding). */
  readonly announce?: readonly string[];
  /** Default 'private' (tests and libraries never join the public network by accident). */
  readonly network?: ParleyNetwork;
  /**
   * Bootstrap peers (multiaddrs ending in /p2p/<id>), dialled at start: DHT entry points and
   * relays. Given, it replaces PUBLIC_BOOTSTRAP on the public network.
   */
  readonly bootstrap?: readonly string[];
  /** Relays to hold a reservation on (multiaddrs ending in /p2p/<relayId>), making us reachable through them. */
  readonly relays?: readonly string[];
  /**
   * Reservations to hold on relays found among connected peers (bootstrap peers,
   * DHT peers, contacts in relay mode). Default RELAY_DISCOVERED_RESERVATIONS; 0 for relays.
   */
  readonly discoveredRelays?: number;
  /** UPnP/NAT-PMP port mapping on the home router (default true; relays never). */
  readonly upnp?: boolean;
  /** Local-network discovery via mDNS (default true). */
  readonly mdns?: boolean;
  /** DHT mode: 'client' (default, user machines), 'server' (relays, always-on nodes). */
  readonly dhtMode?: 'client' | 'server';
  /** Keep private/loopback addresses in DHT records (LAN-only setups and tests). Default false. */
  readonly dhtAllowPrivateAddresses?: boolean;
  /** Run the circuit relay v2 server (relay mode). Default false. */
  readonly relayServer?: boolean;
  /** The relay server's limits (with relayServer); each one absent is its limits.ts default. */
  readonly relayLimits?: RelayServerLimits;
  /** New inbound connections per second per IP (default INBOUND_CONNECTIONS_PER_IP_PER_SECOND). */
  readonly inboundConnectionsPerIpPerSecond?: number;
  /** Maximum open connections (default MAX_CONNECTIONS, RELAY_MAX_CONNECTIONS with relayServer). */
  readonly maxConnections?: number;
  /**
   * Apply the per-IP caps (MAX_PENDING_INBOUND_PER_IP, MAX_STRANGER_CONNECTIONS_PER_IP)
   * to loopback addresses too. Default false: many nodes on one host (tests,
   * several accounts) share 127.0.0.1. Tests of those caps set it.
   */
  readonly perIpLimitsOnLoopback?: boolean;
  /**
   * IP addresses exempt from gossipsub's IP-colocation penalty (more than 10
   * peers behind one IP lose score, and with it gossip: Sybil defence). Only
   * for many nodes on one host (tests, benchmarks: `['127.0.0.1']`).
   */
  readonly pubsubColocationWhitelist?: readonly string[];
}

type PeerDiscoveryFactories = NonNullable<Libp2pOptions['peerDiscovery']>;

function peerDiscovery(options: ParleyNodeOptions): PeerDiscoveryFactories {
  const out: PeerDiscoveryFactories = [];
  const list = bootstrapList(options.network ?? 'private', options.bootstrap);
  if (list.length > 0) out.push(bootstrap({ list: [...list], timeout: 0 }));
  if (options.mdns ?? true) out.push(mdns());
  return out;
}

function services(
  options: ParleyNodeOptions,
  gate: ConnectionGateParts['service'],
): NonNullable<Libp2pOptions<ParleyServices>['services']> {
  const mapper = options.dhtAllowPrivateAddresses ? passthroughMapper : removePrivateAddressesMapper;
  return {
    gate,
    identify: identify(),
    identifyPush: identifyPush(),
    ping: ping(),
    dht: kadDHT({
      protocol: (options.network ?? 'private') === 'public' ? PUBLIC_DHT_PROTOCOL : DHT_PROTOCOL,
      clientMode: (options.dhtMode ?? 'client') === 'client',
      peerInfoMapper: (peer: PeerInfo) => mapper(peer),
    }),
    // Channel posts (and large groups). StrictSign: every message signed by its author's PeerId.
    // Guarded: a topic is shared only with the peers core admits for it (pubsub-guard.ts).
    pubsub: guardedGossipsub({
      globalSignaturePolicy: 'StrictSign',
      allowPublishToZeroTopicPeers: true,
      emitSelf: false,
      heartbeatInterval: PUBSUB_HEARTBEAT_MS,
      runOnLimitedConnection: true,
      maxInboundDataLength: PUBSUB_RPC_MAX_BYTES,
      maxOutboundBufferSize: PUBSUB_OUTBOUND_BUFFER_BYTES,
      maxTopicBytesPerPeer: PUBSUB_MAX_TOPIC_BYTES_PER_PEER,
      ...(options.pubsubColocationWhitelist?.length
        ? { scoreParams: { IPColocationFactorWhitelist: new Set(options.pubsubColocationWhitelist) } }
        : {}),
    }),
    autoNAT: autoNAT(),
    autoNATv2: autoNATv2(),
    addressView: addressView(),
    // Quiet where there is no UPnP gateway (the SSDP search just finds nothing).
    ...((options.upnp ?? true) && !options.relayServer ? { upnp: uPnPNAT() } : {}),
    dcutr: dcutr(),
    punchDialer: punchDialer(),
    ...(options.relayServer
      ? {
          relay: circuitRelayServer({
            reservations: {
              maxReservations: options.relayLimits?.maxReservations ?? RELAY_MAX_RESERVATIONS,
              reservationTtl: RELAY_RESERVATION_TTL_MS,
              applyDefaultLimit: true,
              defaultDurationLimit: options.relayLimits?.circuitDurationMs ?? RELAY_CIRCUIT_MAX_DURATION_MS,
              defaultDataLimit: options.relayLimits?.circuitBytes ?? RELAY_CIRCUIT_MAX_BYTES,
            },
          }),
        }
      : {}),
  };
}

/** The libp2p configuration of a Parley node (exported for inspection and tests). */
export function parleyLibp2pOptions(options: ParleyNodeOptions): Libp2pOptions<ParleyServices> {
  const listen = [...(options.listen ?? DEFAULT_LISTEN_ADDRESSES)];
  for (const relay of options.relays ?? []) listen.push(`${relay}/p2p-circuit`);
  // Each bare `/p2p-circuit` asks circuit-relay-v2 for one reservation on a relay it finds among
  // connected peers that speak the hop protocol (transport/discovery.ts, reservation-store.ts).
  const discovered = options.discoveredRelays ?? (options.relayServer ? 0 : RELAY_DISCOVERED_RESERVATIONS);
  for (let i = 0; i < discovered; i++) listen.push('/p2p-circuit');
  const maxConnections =
    options.maxConnections ?? (options.relayServer ? RELAY_MAX_CONNECTIONS : MAX_CONNECTIONS);
  const gate = createConnectionGate({
    maxConnections,
    openProtocols: STRANGER_PROTOCOLS,
    maxStrangerConnectionsPerIp: options.relayServer
      ? (options.relayLimits?.maxConnectionsPerIp ?? RELAY_MAX_CONNECTIONS_PER_IP)
      : MAX_STRANGER_CONNECTIONS_PER_IP,
    perIpLimitsOnLoopback: options.perIpLimitsOnLoopback ?? false,
    relayServer: options.relayServer ?? false,
  });
  return {
    privateKey: privateKeyFromProtobuf(options.privateKey),
    addresses: { listen, ...(options.announce ? { announce: [...options.announce] } : {}) },
    // QUIC first (quicFirstAddressSorter makes dials prefer it too); a hole punch runs over TCP,
    // whose dials can start from a chosen port (hole-punch.ts explains why not QUIC).
    transports: [quic(), tcp(), webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [
      yamux({
        maxInboundStreams: YAMUX_MAX_STREAMS_PER_CONNECTION,
        maxOutboundStreams: YAMUX_MAX_STREAMS_PER_CONNECTION,
        streamOptions: { maxStreamWindowSize: YAMUX_MAX_STREAM_WINDOW_BYTES },
      }),
    ],
    peerDiscovery: peerDiscovery(options),
    connectionGater: gate.gater,
    connectionManager: {
      maxConnections,
      inboundConnectionThreshold:
        options.inboundConnectionsPerIpPerSecond ?? INBOUND_CONNECTIONS_PER_IP_PER_SECOND,
      maxIncomingPendingConnections: MAX_INCOMING_PENDING_CONNECTIONS,
      maxParallelDials: MAX_PARALLEL_DIALS,
      addressSorter: quicFirstAddressSorter,
      dialTimeout: DIAL_TIMEOUT_MS,
      inboundUpgradeTimeout: INBOUND_UPGRADE_TIMEOUT_MS,
      inboundStreamProtocolNegotiationTimeout: PROTOCOL_NEGOTIATION_TIMEOUT_MS,
      outboundStreamProtocolNegotiationTimeout: PROTOCOL_NEGOTIATION_TIMEOUT_MS,
    },
    services: services(options, gate.service),
  };
}

/** Creates and starts a Parley libp2p node. */
export async function createParleyNode(options: ParleyNodeOptions): Promise<ParleyLibp2p> {
  return createLibp2p(parleyLibp2pOptions(options));
}

/** What a relay server allows (`parley relay` options); the defaults are in limits.ts. */
export interface RelayServerLimits {
  /** Reservations held at once (default RELAY_MAX_RESERVATIONS). */
  readonly maxReservations?: number;
  /** How long one relayed connection may live (default RELAY_CIRCUIT_MAX_DURATION_MS). */
  readonly circuitDurationMs?: number;
  /** Bytes one relayed connection may carry per direction (default RELAY_CIRCUIT_MAX_BYTES). */
  readonly circuitBytes?: bigint;
  /** Open inbound connections per source IP (default RELAY_MAX_CONNECTIONS_PER_IP). */
  readonly maxConnectionsPerIp?: number;
}

export interface RelayNodeOptions extends RelayServerLimits {
  readonly privateKey: Uint8Array;
  /** Default DEFAULT_LISTEN_ADDRESSES; a relay needs a publicly reachable one. */
  readonly listen?: readonly string[];
  readonly announce?: readonly string[];
  /** Default 'private'. On 'public' the relay is an Amino DHT server and a relay for anyone. */
  readonly network?: ParleyNetwork;
  /** Other relays/bootstrap nodes to join the DHT through (replaces PUBLIC_BOOTSTRAP). */
  readonly bootstrap?: readonly string[];
  readonly dhtAllowPrivateAddresses?: boolean;
  readonly inboundConnectionsPerIpPerSecond?: number;
  readonly maxConnections?: number;
}

/**
 * Relay mode (`parley relay`): circuit relay v2 server with Parley's raised
 * limits, DHT server, bootstrap point for others. It relays Noise-encrypted
 * bytes between peers; it never holds a key that could decrypt them.
 */
export async function createRelayNode(options: RelayNodeOptions): Promise<ParleyLibp2p> {
  const { maxReservations, circuitDurationMs, circuitBytes, maxConnectionsPerIp, ...rest } = options;
  const relayLimits: RelayServerLimits = {
    ...(maxReservations === undefined ? {} : { maxReservations }),
    ...(circuitDurationMs === undefined ? {} : { circuitDurationMs }),
    ...(circuitBytes === undefined ? {} : { circuitBytes }),
    ...(maxConnectionsPerIp === undefined ? {} : { maxConnectionsPerIp }),
  };
  return createParleyNode({
    ...rest,
    relayLimits,
    mdns: false,
    dhtMode: 'server',
    relayServer: true,
    upnp: false,
  });
}
