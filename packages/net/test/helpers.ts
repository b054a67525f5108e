import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import type { Libp2p, Stream } from '@libp2p/interface';
import { type TCPSocketOptions, tcp } from '@libp2p/tcp';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
/**
 * Test helpers: real nodes on loopback only, mDNS off, per-IP inbound
 * connection limit raised (every test node dials from 127.0.0.1), always
 * stopped by `stopAll`.
 */
import {
  createLibp2pTransport,
  createParleyNode,
  encodeFrames,
  generatePeerKey,
  INTRO_PROTOCOL,
  type ParleyNodeOptions,
  type ParleyTransport,
  type TransportOptions,
} from '../src/index.ts';

export const LOOPBACK_LISTEN: readonly string[] = ['/ip4/127.0.0.1/tcp/0'];

export function testNodeOptions(overrides: Partial<ParleyNodeOptions> = {}): ParleyNodeOptions {
  return {
    privateKey: generatePeerKey(),
    listen: LOOPBACK_LISTEN,
    mdns: false,
    dhtAllowPrivateAddresses: true,
    inboundConnectionsPerIpPerSecond: 1000,
    ...overrides,
  };
}

export class Cleanup {
  readonly #stops: Array<() => Promise<void>> = [];
  add(stop: () => Promise<void>): void {
    this.#stops.push(stop);
  }
  async run(): Promise<void> {
    const stops = this.#stops.splice(0);
    await Promise.allSettled(stops.map((stop) => withTimeout(stop(), 10_000)));
  }
}

export async function startTransport(
  cleanup: Cleanup,
  nodeOptions: Partial<ParleyNodeOptions> = {},
  options: TransportOptions = {},
): Promise<ParleyTransport> {
  const node = await createParleyNode(testNodeOptions(nodeOptions));
  const transport = await createLibp2pTransport(node, options);
  cleanup.add(() => transport.stop());
  return transport;
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export async function eventually(
  predicate: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A vanilla libp2p node (TCP, Noise, yamux, identify), as a stranger or a hostile peer would run; stopped by `cleanup`. */
export async function rawPeer(cleanup: Cleanup, listen: string[] = []): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  });
  cleanup.add(async () => {
    await node.stop();
  });
  return node;
}

/**
 * A vanilla libp2p node that can also dial through relays, its TCP dials
 * leaving from `localAddress` (a net.connect option @libp2p/tcp passes
 * through): another loopback address (Linux routes all of 127/8 to lo) makes
 * it a source of its own for the per-IP limits.
 */
export async function rawPeerFrom(cleanup: Cleanup, localAddress: string): Promise<Libp2p> {
  const node = await createLibp2p({
    transports: [tcp({ dialOpts: { localAddress } as unknown as TCPSocketOptions }), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  });
  cleanup.add(async () => {
    await node.stop();
  });
  return node;
}

/** One introduction on a new /parley/intro stream: the verdict byte, or 'reset'. */
export async function rawIntroduction(
  peer: Libp2p,
  target: Multiaddr,
  payload: Uint8Array,
): Promise<number | string> {
  try {
    const s = await peer.dialProtocol(target, INTRO_PROTOCOL, { runOnLimitedConnection: true });
    const verdict = new Promise<number | string>((resolve) => {
      s.addEventListener('message', (e) =>
        resolve(e.data instanceof Uint8Array ? (e.data[0] as number) : e.data.get(0)),
      );
      s.addEventListener('close', () => resolve('reset'));
    });
    s.send(encodeFrames([payload]));
    await s.close();
    return await verdict;
  } catch {
    return 'reset';
  }
}

/** Resolves with the stream's status once it is no longer open (rejects after `timeoutMs`). */
export function closed(stream: Stream, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (stream.status !== 'open') return resolve(stream.status);
    const timer = setTimeout(() => reject(new Error(`stream still ${stream.status}`)), timeoutMs);
    stream.addEventListener('close', () => {
      clearTimeout(timer);
      resolve(stream.status);
    });
  });
}
