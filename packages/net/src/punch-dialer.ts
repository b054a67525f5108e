/**
 * The hole punch's dialer (hole-punch.ts), as a libp2p service because it needs the transport
 * manager and the upgrader, which libp2p keeps among its private components.
 */
import type { Connection, Transport, Upgrader } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';

/**
 * A libp2p service that dials one address on the TCP transport itself: libp2p's dial queue
 * keeps only its own options (a `localPort` or `initiator: false` would not reach the
 * transport) and adds the peer's other addresses (its relayed ones) to the dial.
 */
export interface PunchDialer {
  dial(ma: Multiaddr, options: PunchDialOptions): Promise<Connection>;
}

export interface PunchDialOptions {
  readonly signal: AbortSignal;
  /** false: the responder (the other side dials as initiator at the same moment). */
  readonly initiator: boolean;
  /** The port to dial from (@libp2p/tcp passes its dial options on to net.connect). */
  readonly localPort: number;
}

/** The parts of libp2p's components the dialer uses (@libp2p/interface-internal). */
interface PunchDialerComponents {
  readonly transportManager: {
    dialTransportForMultiaddr(ma: Multiaddr): Transport | undefined;
  };
  readonly upgrader: Upgrader;
}

export function punchDialer(): (components: PunchDialerComponents) => PunchDialer {
  return (components) => ({
    dial: async (ma, options) => {
      const transport = components.transportManager.dialTransportForMultiaddr(ma);
      if (!transport) throw new Error(`no transport dials ${ma.toString()}`);
      // The responder's side of a simultaneous open is still a dial to @libp2p/tcp, which marks
      // the socket outbound; yamux takes its role from that (two "clients" refuse each other),
      // so the responder's socket is marked inbound before the upgrade, which then runs Noise
      // and multistream-select as the listener (`initiator: false`, as DCUtR does).
      const base = components.upgrader;
      const upgrader: Upgrader = {
        upgradeInbound: (maConn, opts) => base.upgradeInbound(maConn, opts),
        upgradeOutbound: (maConn, opts) => {
          if (!options.initiator) maConn.direction = 'inbound';
          return base.upgradeOutbound(maConn, { ...opts, initiator: options.initiator });
        },
        createInboundAbortSignal: (signal) => base.createInboundAbortSignal(signal),
        getConnectionEncrypters: () => base.getConnectionEncrypters(),
        getStreamMuxers: () => base.getStreamMuxers(),
      };
      // @libp2p/tcp hands the signal to net.connect, which destroys the socket whenever it aborts,
      // also long after the dial: so the dial gets a signal that only the dial's own end can abort.
      const dialSignal = new AbortController();
      const onAbort = (): void => dialSignal.abort(options.signal.reason);
      if (options.signal.aborted) onAbort();
      else options.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const dialOptions = { signal: dialSignal.signal, localPort: options.localPort, upgrader };
        return await transport.dial(ma, dialOptions as Parameters<Transport['dial']>[1]);
      } finally {
        options.signal.removeEventListener('abort', onAbort);
      }
    },
  });
}
