/**
 * How this node can be reached: the dial order that prefers QUIC, and the
 * reachability a daemon reports (`parley status --json`).
 *
 * libp2p's default sorter puts TCP first (`reliableTransportsFirst`); Parley
 * sorts QUIC ahead of TCP among equally ranked addresses (one round trip less to
 * set up, no head-of-line blocking between streams). Hole punching is TCP's job
 * (hole-punch.ts).
 */
import type { Address, Connection } from '@libp2p/interface';
import {
  circuitRelayAddressesLast,
  isPrivate,
  loopbackAddressLast,
  publicAddressesFirst,
  reliableTransportsFirst,
} from '@libp2p/utils';
import type { Multiaddr } from '@multiformats/multiaddr';
import { Circuit } from '@multiformats/multiaddr-matcher';

/** What libp2p's address manager says of one of our addresses (@libp2p/interface-internal). */
export interface NodeAddress {
  readonly multiaddr: Multiaddr;
  /** 'transport' | 'observed' | 'ip-mapping' | 'dns-mapping' | 'announce' */
  readonly type: string;
  readonly verified: boolean;
}

/** A libp2p service that exposes the address manager's view (libp2p keeps its components private). */
export interface AddressView {
  addresses(): NodeAddress[];
}

export function addressView(): (components: {
  addressManager: { getAddressesWithMetadata(): NodeAddress[] };
}) => AddressView {
  return (components) => ({ addresses: () => components.addressManager.getAddressesWithMetadata() });
}

/** QUIC before TCP and WebSockets; otherwise libp2p's default order. */
function quicFirst(a: Multiaddr, b: Multiaddr): -1 | 0 | 1 {
  // For a relay address this is the transport to the relay: the part we dial.
  const qa = a.getComponents().some((c) => c.name === 'quic-v1');
  const qb = b.getComponents().some((c) => c.name === 'quic-v1');
  if (qa === qb) return 0;
  return qa ? -1 : 1;
}

function certifiedFirst(a: Address, b: Address): -1 | 0 | 1 {
  if (a.isCertified === b.isCertified) return 0;
  return a.isCertified ? -1 : 1;
}

/** libp2p's defaultAddressSorter (connection-manager/address-sorter.ts) with QUIC preferred. */
export function quicFirstAddressSorter(a: Address, b: Address): -1 | 0 | 1 {
  return (
    loopbackAddressLast(a.multiaddr, b.multiaddr) ||
    publicAddressesFirst(a.multiaddr, b.multiaddr) ||
    circuitRelayAddressesLast(a.multiaddr, b.multiaddr) ||
    quicFirst(a.multiaddr, b.multiaddr) ||
    certifiedFirst(a, b) ||
    reliableTransportsFirst(a.multiaddr, b.multiaddr)
  );
}

export type NatKind = 'none' | 'cone' | 'symmetric' | 'unknown';

/** What `parley status --json` reports as `reachability`. */
export interface Reachability {
  /** A public address verified by AutoNAT (or announced, or mapped by UPnP); null: not known yet. */
  readonly public: boolean | null;
  readonly nat: NatKind;
  /** A UPnP/NAT-PMP port mapping is in place. */
  readonly upnp: boolean;
  /** PeerIds of the relays we hold a reservation on. */
  readonly relays: readonly string[];
  /** The addresses we advertise (peer record, invites). */
  readonly addresses: readonly string[];
}

/** How the node talks to a peer: a direct connection, only relayed (limited) ones, or none. */
export type ConnectionKind = 'direct' | 'relayed' | null;

export function connectionKindOf(connections: readonly Connection[]): ConnectionKind {
  const open = connections.filter((c) => c.status === 'open');
  if (open.some((c) => !Circuit.matches(c.remoteAddr))) return 'direct';
  return open.length > 0 ? 'relayed' : null;
}

const ipPort = (ma: Multiaddr): { ip: string; port: string; transport: string } | null => {
  const parts = ma.getComponents();
  const ip = parts[0];
  const port = parts[1];
  if (!ip || !port || (ip.name !== 'ip4' && ip.name !== 'ip6')) return null;
  return { ip: ip.value ?? '', port: port.value ?? '', transport: port.name };
};

/**
 * The node's reachability from libp2p's address manager. `public` is true once
 * some non-relayed public address is verified (AutoNAT dial-back, UPnP, or
 * `--announce`), false once relay addresses are all we have, else null. The
 * NAT kind comes from observed addresses (identify): one external port per
 * transport is a cone NAT, several a symmetric one; a listen address seen as
 * is means no NAT. `observedNat` (observed.ts, from QUIC observations) answers
 * where libp2p's observed addresses do not (it drops TCP ones and, in the lab,
 * private ones). `privateAddressesArePublic`: the lab (198.18.0.0/15).
 */
export function reachabilityOf(
  node: { getMultiaddrs(): Multiaddr[]; services: { addressView: AddressView } },
  privateAddressesArePublic = false,
  observedNat: NatKind = 'unknown',
): Reachability {
  const all = node.services.addressView.addresses();
  const isPublic = (ma: Multiaddr): boolean =>
    !Circuit.matches(ma) && isPublicIp(ma, privateAddressesArePublic);
  const addresses = node.getMultiaddrs();
  const verifiedPublic = all.some((a) => a.verified && isPublic(a.multiaddr));
  const relayed = addresses.some((ma) => Circuit.matches(ma));
  const upnp = all.some((a) => a.type === 'ip-mapping' && a.verified);
  return {
    public: verifiedPublic ? true : relayed ? false : null,
    nat: combinedNat(natKind(all, verifiedPublic), observedNat),
    upnp,
    relays: relayPeers(addresses),
    addresses: addresses.map((ma) => ma.toString()),
  };
}

function isLoopback(ma: Multiaddr): boolean {
  const ip = ma.getComponents()[0]?.value ?? '';
  return ip.startsWith('127.') || ip === '::1';
}

/** A home/office network's own range (RFC 1918, RFC 6598 CGNAT, link-local, IPv6 ULA/link-local). */
function isLan(ip: string): boolean {
  if (ip.includes(':')) return /^f[cd]|^fe[89ab]/i.test(ip);
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254)
  );
}

/**
 * Whether an address counts as public. libp2p calls every special-purpose range
 * private (@libp2p/utils private-ip.ts); with `privateAddressesArePublic` (the
 * lab's 198.18.0.0/15, a LAN-only deployment) only loopback and LAN ranges do not count.
 */
export function isPublicIp(ma: Multiaddr, privateAddressesArePublic: boolean): boolean {
  if (!isPrivate(ma)) return true;
  const ip = ma.getComponents()[0]?.value ?? '';
  return privateAddressesArePublic && !isLoopback(ma) && !isLan(ip);
}

function natKind(all: readonly NodeAddress[], verifiedPublic: boolean): NatKind {
  const observed = all.filter((a) => a.type === 'observed').map((a) => ipPort(a.multiaddr));
  const ports = new Map<string, Set<string>>();
  for (const o of observed) {
    if (!o) continue;
    const key = `${o.ip}/${o.transport}`;
    ports.set(key, (ports.get(key) ?? new Set()).add(o.port));
  }
  if ([...ports.values()].some((p) => p.size > 1)) return 'symmetric';
  if (verifiedPublic && all.some((a) => a.type === 'transport' && a.verified)) return 'none';
  if (ports.size > 0) return 'cone';
  return 'unknown';
}

/** libp2p's view, unless it knows nothing or ours saw a symmetric NAT (one port per peer). */
function combinedNat(libp2p: NatKind, observed: NatKind): NatKind {
  if (observed === 'symmetric' || libp2p === 'unknown') return observed;
  return libp2p;
}

function relayPeers(addresses: readonly Multiaddr[]): string[] {
  const out = new Set<string>();
  for (const ma of addresses) {
    if (!Circuit.matches(ma)) continue;
    const parts = ma.getComponents();
    const circuit = parts.findIndex((c) => c.name === 'p2p-circuit');
    const relay = parts
      .slice(0, circuit)
      .reverse()
      .find((c) => c.name === 'p2p');
    if (relay?.value) out.add(relay.value);
  }
  return [...out];
}

type Scope = 'public' | 'lan' | 'loopback';

/** The scope of the IP an address is dialled at; a relay address takes its relay's. */
function scopeOf(ma: Multiaddr, privateAddressesArePublic: boolean): Scope {
  const ip = ma.getComponents().find((c) => c.name === 'ip4' || c.name === 'ip6');
  if (!ip) return 'public'; // dns and the like: someone else's name for us
  const value = ip.value ?? '';
  if (value.startsWith('127.') || value === '::1') return 'loopback';
  const direct = Circuit.matches(ma) ? ma.decapsulate('/p2p-circuit') : ma;
  return isPublicIp(direct, privateAddressesArePublic) ? 'public' : 'lan';
}

function relayOf(ma: Multiaddr): string {
  return relayPeers([ma])[0] ?? '';
}

/**
 * The addresses we hand out (contact cards, invites, `parley id`), best first:
 * public direct addresses, then relay (`/p2p-circuit`) addresses taking turns
 * between relays (so a card cut to INVITE_MAX_ADDRESSES names several), QUIC
 * first within each. LAN and loopback addresses only when there is nothing
 * public: a LAN peer finds us through mDNS, and a card that carries our
 * private addresses tells strangers about our home network for nothing.
 * `privateAddressesArePublic`: LAN-only deployments and the lab.
 */
export function advertisedAddresses(all: readonly Multiaddr[], privateAddressesArePublic = false): string[] {
  const byScope = (scope: Scope): Multiaddr[] =>
    all.filter((ma) => scopeOf(ma, privateAddressesArePublic) === scope);
  const quicFirstSort = (list: Multiaddr[]): Multiaddr[] => [...list].sort(quicFirst);
  const pub = byScope('public');
  const direct = quicFirstSort(pub.filter((ma) => !Circuit.matches(ma)));
  const relays = new Map<string, Multiaddr[]>();
  for (const ma of quicFirstSort(pub.filter((ma) => Circuit.matches(ma)))) {
    const key = relayOf(ma);
    relays.set(key, [...(relays.get(key) ?? []), ma]);
  }
  const circuits: Multiaddr[] = [];
  for (let i = 0; circuits.length < [...relays.values()].flat().length; i++)
    for (const list of relays.values()) if (list[i]) circuits.push(list[i] as Multiaddr);
  const out = [...direct, ...circuits];
  if (out.length === 0) out.push(...quicFirstSort(byScope('lan')), ...quicFirstSort(byScope('loopback')));
  return out.map((ma) => ma.toString());
}
