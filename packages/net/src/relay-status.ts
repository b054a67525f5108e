/**
 * What a relay node is carrying right now, for `parley relay`'s status line.
 * Counts only: no PeerId, no address, no payload (the relay sees only
 * Noise-encrypted bytes anyway).
 */
import { RELAY_V2_STOP_CODEC } from '@libp2p/circuit-relay-v2';

/** The counts of one status line. */
export interface RelayStatus {
  /** Reservations held: peers reachable through this relay. */
  readonly reservations: number;
  /** Relayed connections open through this relay. */
  readonly circuits: number;
  /** Open connections (each circuit uses two). */
  readonly connections: number;
  /** Distinct connected peers. */
  readonly peers: number;
}

/** The parts of a relay node (ParleyLibp2p) that relayStatus reads. */
export interface RelayStatusSource {
  readonly services: { readonly relay?: { readonly reservations: { readonly size: number } } };
  getConnections(): ReadonlyArray<{
    readonly streams: ReadonlyArray<{ readonly protocol?: string; readonly direction: string }>;
  }>;
  getPeers(): readonly unknown[];
}

/**
 * The relay's counts. A circuit is counted by the STOP stream the relay opens
 * to the destination for it (circuit relay v2 spec, "Stop protocol"): the
 * stream lives exactly as long as the relayed connection, and the server keeps
 * no count of its own. Inbound STOP streams would be circuits *to* this node,
 * not relayed ones, so only outbound ones count.
 *
 * @example
 * const { reservations, circuits } = relayStatus(await createRelayNode({ privateKey }));
 */
export function relayStatus(node: RelayStatusSource): RelayStatus {
  const connections = node.getConnections();
  let circuits = 0;
  for (const connection of connections)
    for (const stream of connection.streams)
      if (stream.protocol === RELAY_V2_STOP_CODEC && stream.direction === 'outbound') circuits++;
  return {
    reservations: node.services.relay?.reservations.size ?? 0,
    circuits,
    connections: connections.length,
    peers: node.getPeers().length,
  };
}
