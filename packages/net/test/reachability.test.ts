import { circuitRelayServer } from '@libp2p/circuit-relay-v2';
import { multiaddr } from '@multiformats/multiaddr';
import { TransportError } from '@parley/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bootstrapList,
  DHT_PROTOCOL,
  generatePeerKey,
  PUBLIC_BOOTSTRAP,
  PUBLIC_DHT_PROTOCOL,
  parleyLibp2pOptions,
  quicFirstAddressSorter,
  RELAY_DISCOVERED_RESERVATIONS,
} from '../src/index.ts';
import { advertisedAddresses } from '../src/reachability.ts';
import { Cleanup, eventually, startTransport } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const ME = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK';
const R1 = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq';
const R2 = '12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X';
const circuit = (ip: string, relay: string, tail = `tcp/4001`): string =>
  `/ip4/${ip}/${tail}/p2p/${relay}/p2p-circuit/p2p/${ME}`;

describe('the addresses a node hands out (invites, cards)', () => {
  it('relay and public addresses only, never LAN or loopback next to them; QUIC first; relays take turns', () => {
    const all = [
      `/ip4/192.168.1.7/tcp/4001/p2p/${ME}`,
      `/ip4/127.0.0.1/udp/4001/quic-v1/p2p/${ME}`,
      circuit('203.0.114.1', R1),
      circuit('203.0.114.1', R1, 'udp/4001/quic-v1'),
      circuit('203.0.114.2', R2),
      `/ip4/8.8.4.4/tcp/4001/p2p/${ME}`,
      `/ip4/8.8.4.4/udp/4001/quic-v1/p2p/${ME}`,
    ].map((a) => multiaddr(a));
    expect(advertisedAddresses(all)).toEqual([
      `/ip4/8.8.4.4/udp/4001/quic-v1/p2p/${ME}`,
      `/ip4/8.8.4.4/tcp/4001/p2p/${ME}`,
      circuit('203.0.114.1', R1, 'udp/4001/quic-v1'),
      circuit('203.0.114.2', R2),
      circuit('203.0.114.1', R1),
    ]);
  });

  it('LAN and loopback addresses when there is nothing public (one LAN, tests on loopback)', () => {
    const all = [`/ip4/127.0.0.1/tcp/1/p2p/${ME}`, `/ip4/10.0.0.2/tcp/1/p2p/${ME}`].map((a) => multiaddr(a));
    expect(advertisedAddresses(all)).toEqual([
      `/ip4/10.0.0.2/tcp/1/p2p/${ME}`,
      `/ip4/127.0.0.1/tcp/1/p2p/${ME}`,
    ]);
  });

  it('with privateAddressesArePublic the lab range (198.18.0.0/15) counts as public, a LAN range does not', () => {
    const all = [`/ip4/10.1.0.10/tcp/1/p2p/${ME}`, circuit('198.18.1.1', R1)].map((a) => multiaddr(a));
    // without it both are private (libp2p's view): nothing public, so both are given
    expect(advertisedAddresses(all)).toEqual([`/ip4/10.1.0.10/tcp/1/p2p/${ME}`, circuit('198.18.1.1', R1)]);
    expect(advertisedAddresses(all, true)).toEqual([circuit('198.18.1.1', R1)]);
  });
});

describe('dialling and configuration', () => {
  it('dials QUIC before TCP among addresses of the same rank, relayed ones last', () => {
    const address = (a: string) => ({ multiaddr: multiaddr(a), isCertified: false });
    const sorted = [
      address(circuit('8.8.8.8', R1, 'udp/1/quic-v1')),
      address('/ip4/8.8.8.8/tcp/1'),
      address('/ip4/8.8.8.8/udp/1/quic-v1'),
    ].sort(quicFirstAddressSorter);
    expect(sorted.map((a) => a.multiaddr.toString())).toEqual([
      '/ip4/8.8.8.8/udp/1/quic-v1',
      '/ip4/8.8.8.8/tcp/1',
      circuit('8.8.8.8', R1, 'udp/1/quic-v1'),
    ]);
  });

  it('private network: no default bootstrap peers, /parley/kad; public: the standard list, /ipfs/kad', () => {
    expect(bootstrapList('private', undefined)).toEqual([]);
    expect(bootstrapList('public', undefined)).toEqual(PUBLIC_BOOTSTRAP);
    expect(bootstrapList('public', ['/ip4/198.18.1.1/tcp/4001/p2p/x'])).toEqual([
      '/ip4/198.18.1.1/tcp/4001/p2p/x',
    ]);
    const privateNode = parleyLibp2pOptions({ privateKey: generatePeerKey() });
    expect(privateNode.peerDiscovery?.length).toBe(1); // mDNS only: nothing dialled
    expect(privateNode.addresses?.listen).toEqual([
      '/ip4/0.0.0.0/udp/0/quic-v1',
      '/ip4/0.0.0.0/tcp/0',
      '/ip4/0.0.0.0/tcp/0/ws',
      ...Array(RELAY_DISCOVERED_RESERVATIONS).fill('/p2p-circuit'),
    ]);
    const relay = parleyLibp2pOptions({ privateKey: generatePeerKey(), relayServer: true });
    expect(relay.addresses?.listen?.filter((a) => a === '/p2p-circuit')).toEqual([]);
    expect(DHT_PROTOCOL).toBe('/parley/kad/1.0.0');
    expect(PUBLIC_DHT_PROTOCOL).toBe('/ipfs/kad/1.0.0');
  });

  it('a node speaks QUIC: two nodes on loopback connect over it', async () => {
    const a = await startTransport(cleanup, { listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] });
    const b = await startTransport(cleanup, { listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] });
    await a.connect(b.peerId, { addresses: b.addresses() });
    expect(a.connectionKind(b.peerId)).toBe('direct');
    expect(a.node.getConnections(b.node.peerId)[0]?.remoteAddr.toString()).toContain('/quic-v1');
  });
});

describe('a relay that limits circuits as the public network’s do (128 KiB, 2 min)', () => {
  it('messages run over it; a file fetch waits for a direct connection, then fails and says why', async () => {
    const publicLike = await createLimitedRelay(cleanup);
    const b = await startTransport(cleanup, { listen: [], relays: [publicLike], discoveredRelays: 0 });
    const a = await startTransport(
      cleanup,
      { listen: [], discoveredRelays: 0 },
      { limits: { fileDirectWaitMs: 500 } },
    );
    await eventually(() => b.addresses().some((x) => x.includes('/p2p-circuit')), 10_000, 'reservation');
    a.setAdmission(() => true);
    b.setAdmission(() => true);
    b.setFileServer(() =>
      (async function* () {
        yield new Uint8Array(10);
      })(),
    );
    await a.connect(b.peerId, { addresses: b.addresses() });
    expect(a.connectionKind(b.peerId)).toBe('relayed');
    await a.send(b.peerId, Uint8Array.of(1, 2, 3)); // a message fits in the limits
    const fetching = (async () => {
      for await (const _ of a.fetchFile(b.peerId, {
        fileId: '0123456789abcdef0123456789abcdef',
        fromChunk: 0,
      })) {
        // nothing should arrive
      }
    })();
    await expect(fetching).rejects.toBeInstanceOf(TransportError);
    await expect(fetching).rejects.toThrow(/limited relayed connection.*direct connection/);
  });
});

/** A relay node with libp2p's default circuit limits (128 KiB, 2 min), as public relays have. */
async function createLimitedRelay(c: Cleanup): Promise<string> {
  const { createLibp2p } = await import('libp2p');
  const { tcp } = await import('@libp2p/tcp');
  const { noise } = await import('@chainsafe/libp2p-noise');
  const { yamux } = await import('@chainsafe/libp2p-yamux');
  const { identify } = await import('@libp2p/identify');
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), relay: circuitRelayServer() },
  });
  c.add(async () => {
    await node.stop();
  });
  return (node.getMultiaddrs()[0] as { toString(): string }).toString();
}
