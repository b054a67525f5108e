import type { PeerId, Stream } from '@libp2p/interface';
import type { ParleyLibp2p } from './node.ts';

/**
 * A stream on an existing connection, preferring a direct one over a relayed
 * (limited) one, else dial. `dialProtocol` alone would try to upgrade away
 * from a limited connection and fail for a peer that has no direct address.
 */
export async function openProtocolStream(
  node: ParleyLibp2p,
  peer: PeerId,
  protocol: string,
  signal: AbortSignal,
): Promise<Stream> {
  const open = node.getConnections(peer).filter((c) => c.status === 'open');
  const connection = open.find((c) => c.limits === undefined) ?? open[0];
  if (connection) return connection.newStream(protocol, { runOnLimitedConnection: true, signal });
  return node.dialProtocol(peer, protocol, { runOnLimitedConnection: true, signal });
}
