/**
 * `/parley/punch/1.0.0`: turns a contact's relayed connection into a direct one
 * (hole punching), the job DCUtR does in libp2p — which cannot do it here.
 *
 * Why not DCUtR over QUIC: a punch needs each side to send from the very port
 * the other side then reaches. @chainsafe/libp2p-quic dials from one UDP socket
 * and listens on another whose server never sends first, and DCUtR offers only
 * addresses AutoNAT verified (none, behind a NAT that lets nothing in). Node's
 * TCP can dial *from a chosen port* (`localPort`), so each side picks a free
 * port, tells the other that port and its public IPv4 addresses (as peers
 * observed them, observed.ts) over the relayed connection, and both connect at
 * the same moment, port to port: a TCP simultaneous open. Each NAT has then
 * seen an outgoing SYN to the other before the other's SYN arrives and lets it
 * in. A cone NAT keeps the port (Linux MASQUERADE does) and the punch works; a
 * symmetric NAT picks another, the connection stays relayed, and the punch is
 * retried later with a growing backoff.
 *
 * Roles: the peer whose PeerId sorts first is the initiator I, the other R.
 *
 *   I → R  CONNECT  0x01 ‖ port u16 ‖ n u8 ‖ n × IPv4     (1 ≤ n ≤ OBSERVED_MAX_IPS)
 *   R → I  CONNECT  (R's)
 *   I → R  SYNC     0x02
 *
 * each uvarint-length-prefixed (frame-codec.ts). I measures the round trip
 * from its CONNECT to R's and dials half of it after sending SYNC; R dials on
 * SYNC. I runs Noise as initiator, R as responder (libp2p's `initiator:
 * false`, as in DCUtR). Only admitted peers (contacts) are punched to or
 * answered — an address is not something strangers get — and only addresses
 * that count as public (never loopback or a LAN range) are dialled, at ports
 * ≥ 1024: a contact cannot aim our dials at our own network.
 */
import { createServer } from 'node:net';
import type { Connection, PeerId, Stream, StreamMessageEvent } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { resetStream, type TransportContext } from './context.ts';
import { createFrameDecoder, encodeFrames } from './frame-codec.ts';
import {
  OBSERVED_MAX_IPS,
  PUNCH_ATTEMPT_TIMEOUT_MS,
  PUNCH_CHECK_INTERVAL_MS,
  PUNCH_FIRST_BACKOFF_MS,
  PUNCH_MAX_BACKOFF_MS,
  PUNCH_MAX_CONCURRENT,
  PUNCH_MAX_TRACKED_PEERS,
  PUNCH_START_DELAY_MS,
} from './limits.ts';
import type { ObservedAddresses } from './observed.ts';
import { PUNCH_PROTOCOL } from './protocols.ts';
import { isPublicIp } from './reachability.ts';

export { PUNCH_PROTOCOL };

const CONNECT = 0x01;
const SYNC = 0x02;
const FRAME_MAX_BYTES = 4 + 4 * OBSERVED_MAX_IPS;

export interface PunchOptions {
  /** Count the lab's private ranges as public (TransportOptions.privateAddressesArePublic). */
  readonly privateAddressesArePublic: boolean;
  /** Where our public addresses come from (observed.ts). */
  readonly observed: ObservedAddresses;
}

export interface PunchStats {
  /** Punches started (as initiator) or answered (as responder). */
  readonly attempts: number;
  /** Of those, the ones that ended in a direct connection. */
  readonly direct: number;
  readonly failed: number;
  readonly inProgress: number;
}

export interface HolePuncher {
  stats(): PunchStats;
  close(): void;
}

interface Offer {
  readonly port: number;
  readonly ips: readonly string[];
}

interface PeerState {
  failures: number;
  notBefore: number;
}

/** Encodes a CONNECT frame's body. */
export function encodeConnect(offer: Offer): Uint8Array {
  const out = new Uint8Array(4 + 4 * offer.ips.length);
  out[0] = CONNECT;
  out[1] = offer.port >> 8;
  out[2] = offer.port & 0xff;
  out[3] = offer.ips.length;
  offer.ips.forEach((ip, i) => {
    out.set(ip.split('.').map(Number), 4 + 4 * i);
  });
  return out;
}

/** Decodes and checks a CONNECT frame: null unless well formed, a port ≥ 1024 and every IP public. */
export function decodeConnect(frame: Uint8Array, privateAddressesArePublic: boolean): Offer | null {
  if (frame.length < 4 || frame[0] !== CONNECT) return null;
  const port = ((frame[1] ?? 0) << 8) | (frame[2] ?? 0);
  const n = frame[3] ?? 0;
  if (port < 1024 || n < 1 || n > OBSERVED_MAX_IPS || frame.length !== 4 + 4 * n) return null;
  const ips: string[] = [];
  for (let i = 0; i < n; i++) ips.push([...frame.subarray(4 + 4 * i, 8 + 4 * i)].join('.'));
  if (!ips.every((ip) => isPublicIp(multiaddr(`/ip4/${ip}`), privateAddressesArePublic))) return null;
  return { port, ips };
}

/** A free TCP port on all interfaces (bound, read, released: the dial binds it again at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Reads frames one after another from a stream (a punch is three frames, in turn). */
function frameReader(stream: Stream): (timeoutMs: number) => Promise<Uint8Array | null> {
  const frames: Uint8Array[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  const decoder = createFrameDecoder(FRAME_MAX_BYTES);
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  stream.addEventListener('message', (evt: StreamMessageEvent) => {
    if (decoder.push(evt.data, (f) => frames.push(f)) !== null || frames.length > 3) ended = true;
    wake();
  });
  stream.addEventListener('close', () => {
    ended = true;
    wake();
  });
  return async (timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (frames.length === 0 && !ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return frames.shift() ?? null;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the hole puncher on a transport's node: answers punches and starts them for relayed contacts. */
export async function registerHolePunch(ctx: TransportContext, options: PunchOptions): Promise<HolePuncher> {
  const { node } = ctx;
  const self = node.peerId.toString();
  const peers = new Map<string, PeerState>();
  const running = new Set<string>();
  let attempts = 0;
  let direct = 0;
  let failed = 0;

  const ourOffer = async (): Promise<Offer | null> => {
    const ips = options.observed.ips();
    if (ips.length === 0) return null;
    return { port: await freePort(), ips };
  };

  const admitted = (peer: string): boolean => {
    try {
      return ctx.admission(peer) === true;
    } catch {
      return false;
    }
  };
  const openConnections = (peer: PeerId): Connection[] =>
    node.getConnections(peer).filter((c) => c.status === 'open');
  const isDirect = (peer: PeerId): boolean => openConnections(peer).some((c) => c.limits === undefined);

  const settle = (peer: string, ok: boolean): void => {
    if (ok) {
      direct++;
      peers.delete(peer);
      return;
    }
    failed++;
    const state = peers.get(peer) ?? { failures: 0, notBefore: 0 };
    peers.delete(peer); // re-insert: the map is oldest-first
    state.failures++;
    state.notBefore =
      Date.now() + Math.min(PUNCH_MAX_BACKOFF_MS, PUNCH_FIRST_BACKOFF_MS * 2 ** (state.failures - 1));
    peers.set(peer, state);
    while (peers.size > PUNCH_MAX_TRACKED_PEERS) peers.delete(peers.keys().next().value as string);
  };

  /** Dials the peer's offer from our port; on success the relayed connections go (streams move over). */
  const dialOffer = async (
    peer: PeerId,
    ours: Offer,
    theirs: Offer,
    initiator: boolean,
    signal: AbortSignal,
  ): Promise<boolean> => {
    // The first address that connects wins; the others are tried only after it failed (they would
    // share our one local port).
    let connection: Connection | undefined;
    for (const ip of theirs.ips) {
      const target = multiaddr(`/ip4/${ip}/tcp/${theirs.port}/p2p/${peer.toString()}`);
      try {
        connection = await node.services.punchDialer.dial(target, {
          signal,
          initiator,
          localPort: ours.port,
        });
        break;
      } catch (err) {
        if (signal.aborted) throw err;
      }
    }
    if (!connection?.remotePeer.equals(peer)) return false;
    for (const c of openConnections(peer)) {
      if (c.limits !== undefined)
        c.close().catch(() => c.abort(new Error('replaced by a direct connection')));
    }
    return true;
  };

  const initiate = async (peer: PeerId, via: Connection): Promise<void> => {
    const key = peer.toString();
    const signal = AbortSignal.timeout(PUNCH_ATTEMPT_TIMEOUT_MS);
    const ours = await ourOffer().catch(() => null);
    if (!ours) {
      ctx.log('hole punch: no public address observed yet');
      return;
    }
    attempts++;
    let stream: Stream | undefined;
    let ok = false;
    try {
      stream = await via.newStream(PUNCH_PROTOCOL, { runOnLimitedConnection: true, signal });
      const read = frameReader(stream);
      const sent = Date.now();
      stream.send(encodeFrames([encodeConnect(ours)]));
      const reply = await read(PUNCH_ATTEMPT_TIMEOUT_MS);
      const theirs = reply ? decodeConnect(reply, options.privateAddressesArePublic) : null;
      if (!theirs) throw new Error('bad CONNECT');
      const rtt = Date.now() - sent;
      stream.send(encodeFrames([Uint8Array.of(SYNC)]));
      await sleep(rtt / 2);
      ok = await dialOffer(peer, ours, theirs, true, signal);
      ctx.log(`hole punch to ${key.slice(-8)}: ${ok ? 'direct' : 'no direct connection'}`);
    } catch (err) {
      ctx.log(`hole punch to ${key.slice(-8)} failed: ${(err as Error).name}`);
    } finally {
      if (stream) resetStream(stream, 'punch done');
      settle(key, ok);
    }
  };

  const answer = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer;
    const key = peer.toString();
    const signal = AbortSignal.timeout(PUNCH_ATTEMPT_TIMEOUT_MS);
    let ok = false;
    attempts++;
    try {
      const read = frameReader(stream);
      const first = await read(PUNCH_ATTEMPT_TIMEOUT_MS);
      const theirs = first ? decodeConnect(first, options.privateAddressesArePublic) : null;
      const ours = await ourOffer();
      if (!theirs || !ours) throw new Error(theirs ? 'no public address observed yet' : 'bad CONNECT');
      stream.send(encodeFrames([encodeConnect(ours)]));
      const sync = await read(PUNCH_ATTEMPT_TIMEOUT_MS);
      if (sync?.length !== 1 || sync[0] !== SYNC) throw new Error('no SYNC');
      ok = await dialOffer(peer, ours, theirs, false, signal);
      ctx.log(`hole punch from ${key.slice(-8)}: ${ok ? 'direct' : 'no direct connection'}`);
    } catch (err) {
      ctx.log(`hole punch from ${key.slice(-8)} failed: ${(err as Error).message}`);
    } finally {
      resetStream(stream, 'punch done');
      running.delete(key);
      settle(key, ok);
    }
  };

  await node.handle(
    PUNCH_PROTOCOL,
    (stream, connection) => {
      const key = connection.remotePeer.toString();
      // Decided before a byte is read: contacts only, one punch per peer, a bounded number at once.
      if (ctx.stopped || !admitted(key) || running.has(key) || running.size >= PUNCH_MAX_CONCURRENT) {
        resetStream(stream, 'punch refused');
        return;
      }
      running.add(key);
      void answer(stream, connection);
    },
    { runOnLimitedConnection: true, maxInboundStreams: 1, maxOutboundStreams: 1 },
  );

  /** Starts a punch to every relayed-only contact we initiate for and whose backoff is over. */
  const check = (): void => {
    if (ctx.stopped) return;
    const now = Date.now();
    for (const connection of node.getConnections()) {
      if (running.size >= PUNCH_MAX_CONCURRENT) return;
      const peer = connection.remotePeer;
      const key = peer.toString();
      if (connection.status !== 'open' || connection.limits === undefined) continue;
      if (!(self < key) || running.has(key) || isDirect(peer) || !admitted(key)) continue;
      if ((peers.get(key)?.notBefore ?? 0) > now) continue;
      running.add(key);
      void initiate(peer, connection).finally(() => running.delete(key));
    }
  };
  const onOpen = (evt: CustomEvent<Connection>): void => {
    if (evt.detail.limits !== undefined) setTimeout(check, PUNCH_START_DELAY_MS).unref();
  };
  node.addEventListener('connection:open', onOpen);
  const timer = setInterval(check, PUNCH_CHECK_INTERVAL_MS);
  timer.unref();

  return {
    stats: () => ({ attempts, direct, failed, inProgress: running.size }),
    close: () => {
      clearInterval(timer);
      node.removeEventListener('connection:open', onOpen);
    },
  };
}
