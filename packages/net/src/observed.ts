/**
 * What the peers we dialled saw of us (identify's `observedAddr`): the public
 * IPv4 addresses a hole punch offers (hole-punch.ts) and the kind of NAT we
 * sit behind (`parley status`: reachability.nat).
 *
 * libp2p keeps observed addresses only when they are public by its own
 * definition and never TCP ones (ephemeral ports), so it cannot tell a cone
 * NAT from a symmetric one in a lab, and rarely behind TCP. Here: every QUIC
 * dial leaves from one UDP socket (@chainsafe/libp2p-quic's client), so two
 * peers at different addresses seeing one external port means a cone NAT
 * (endpoint-independent mapping), different ports a symmetric one.
 *
 * Only connections we dialled count (relays, bootstrap and DHT peers,
 * contacts): a stranger dialling us cannot plant an address. Direct ones
 * only: through a relay, the relay is who sees us.
 */
import type { Connection, IdentifyResult } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { OBSERVED_MAX_IPS, OBSERVED_MAX_PEERS } from './limits.ts';
import type { NatKind } from './reachability.ts';
import { isPublicIp } from './reachability.ts';

export interface ObservedAddresses {
  /** Public IPv4 addresses peers saw us at, most recently seen first (at most OBSERVED_MAX_IPS). */
  ips(): string[];
  /** From QUIC observations: 'cone', 'symmetric', or 'unknown' until two peers agree or differ. */
  nat(): NatKind;
  /** Feeds one identify result (the node's `peer:identify` event). */
  add(result: { observedAddr?: IdentifyResult['observedAddr']; connection: Connection }): void;
}

interface Observation {
  readonly ip: string;
  readonly transport: string;
  readonly port: string;
  /** The address of the peer that saw it (two peers behind one IP are one witness). */
  readonly witness: string;
}

export function createObservedAddresses(privateAddressesArePublic: boolean): ObservedAddresses {
  const ips = new Map<string, true>(); // insertion order = last seen, newest last
  const byPeer = new Map<string, Observation>(); // newest last
  const remember = <K, V>(map: Map<K, V>, key: K, value: V, max: number): void => {
    map.delete(key);
    map.set(key, value);
    while (map.size > max) map.delete(map.keys().next().value as K);
  };
  return {
    ips: () => [...ips.keys()].reverse(),
    nat: () => {
      const udp = [...byPeer.values()].filter((o) => o.transport === 'udp');
      const ports = new Set(udp.map((o) => `${o.ip}:${o.port}`));
      if (ports.size > 1) return 'symmetric';
      return new Set(udp.map((o) => o.witness)).size > 1 ? 'cone' : 'unknown';
    },
    add: ({ observedAddr, connection }) => {
      if (!observedAddr || connection.limits !== undefined || connection.direction !== 'outbound') return;
      const [ip, port] = observedAddr.getComponents();
      if (ip?.name !== 'ip4' || !ip.value || !port?.value) return;
      if (!isPublicIp(multiaddr(`/ip4/${ip.value}`), privateAddressesArePublic)) return;
      remember(ips, ip.value, true, OBSERVED_MAX_IPS);
      const witness = connection.remoteAddr.getComponents()[0]?.value ?? '';
      remember(
        byPeer,
        connection.remotePeer.toString(),
        { ip: ip.value, transport: port.name, port: port.value, witness },
        OBSERVED_MAX_PEERS,
      );
    },
  };
}
