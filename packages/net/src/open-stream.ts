import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { TransportError } from '@parley/core';
import { FILE_RELAYED_MIN_BYTES } from './limits.ts';
import type { ParleyLibp2p } from './node.ts';

/**
 * A stream on an existing connection, preferring a direct one over a relayed
 * (limited) one, else dial. `dialProtocol` alone would try to upgrade away
 * from a limited connection and fail for a peer that has no direct address.
 * For small request/response and message protocols: they fit in a public
 * relay's limits (≈ 2 min, 128 KiB per circuit).
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

/** A connection that may carry bulk data: direct, or relayed with FILE_RELAYED_MIN_BYTES or more left. */
function bulkCapable(c: Connection): boolean {
  if (c.status !== 'open') return false;
  if (c.limits === undefined) return true;
  return c.limits.bytes === undefined || c.limits.bytes >= FILE_RELAYED_MIN_BYTES;
}

/**
 * A stream for bulk data (files). Over a limited relayed connection too small
 * for it (the public network's relays) it waits up to `waitMs` for a direct
 * connection (hole-punch.ts upgrades relayed ones), then fails with a TransportError
 * that says so, instead of a transfer cut off at the relay's byte limit.
 */
export async function openBulkStream(
  node: ParleyLibp2p,
  peer: PeerId,
  protocol: string,
  signal: AbortSignal,
  waitMs: number,
): Promise<Stream> {
  const openNow = (): Connection[] => node.getConnections(peer).filter((c) => c.status === 'open');
  if (openNow().length === 0) await node.dial(peer, { signal }).catch(() => undefined);
  const open = openNow();
  if (open.length === 0) throw new TransportError('unreachable', `no connection to ${peer.toString()}`);
  const ready = open.find(bulkCapable) ?? (await directConnection(node, peer, signal, waitMs));
  if (!ready)
    throw new TransportError(
      'unreachable',
      `only a limited relayed connection to ${peer.toString()}: files need a direct connection ` +
        '(none came within ' +
        `${Math.round(waitMs / 1000)} s) or an unlimited relay such as "parley relay"; the download resumes when one is available`,
    );
  return ready.newStream(protocol, { runOnLimitedConnection: true, signal });
}

function directConnection(
  node: ParleyLibp2p,
  peer: PeerId,
  signal: AbortSignal,
  waitMs: number,
): Promise<Connection | undefined> {
  return new Promise((resolve) => {
    const onOpen = (evt: CustomEvent<Connection>): void => {
      if (evt.detail.remotePeer.equals(peer) && bulkCapable(evt.detail)) finish(evt.detail);
    };
    const finish = (c: Connection | undefined): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      node.removeEventListener('connection:open', onOpen);
      resolve(c);
    };
    const onAbort = (): void => finish(undefined);
    const timer = setTimeout(() => finish(undefined), waitMs);
    signal.addEventListener('abort', onAbort);
    node.addEventListener('connection:open', onOpen);
  });
}
