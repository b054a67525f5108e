import type { InboundFrame } from '@parley/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelayNode, generatePeerKey } from '../src/index.ts';
import { Cleanup, eventually, LOOPBACK_LISTEN, startTransport } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('circuit relay', () => {
  it('two nodes that cannot dial each other exchange frames and an introduction through a relay', async () => {
    const relay = await createRelayNode({
      privateKey: generatePeerKey(),
      listen: LOOPBACK_LISTEN,
      dhtAllowPrivateAddresses: true,
      inboundConnectionsPerIpPerSecond: 1000,
    });
    cleanup.add(async () => {
      await relay.stop();
    });
    const relayAddr = relay.getMultiaddrs()[0]!.toString();

    // b listens only through the relay; a has no listen address at all
    const b = await startTransport(cleanup, { listen: [], relays: [relayAddr] });
    const a = await startTransport(cleanup, { listen: [] });
    await eventually(
      () => b.addresses().some((ma) => ma.includes('/p2p-circuit')),
      10_000,
      'relay reservation',
    );
    const bAddresses = b.addresses();
    expect(bAddresses.every((ma) => ma.includes('/p2p-circuit'))).toBe(true);

    b.setIntroductionHandler(async (f) => f.data[0] === 1);
    expect(await a.introduce(b.peerId, Uint8Array.of(1), { addresses: bAddresses })).toBe(true);
    const connection = a.node.getConnections(b.node.peerId)[0]!;
    expect(connection.limits).toBeDefined(); // a limited (relayed) connection

    a.setAdmission((p) => p === b.peerId);
    b.setAdmission((p) => p === a.peerId);
    const atA: InboundFrame[] = [];
    const atB: InboundFrame[] = [];
    a.onFrame((f) => {
      atA.push(f);
    });
    b.onFrame((f) => {
      atB.push(f);
    });
    for (let i = 0; i < 100; i++) await a.send(b.peerId, Uint8Array.of(i, 1, 2, 3));
    await b.send(a.peerId, new Uint8Array(60_000).fill(5));
    await eventually(() => atB.length === 100 && atA.length === 1, 10_000, 'relayed frames');
    expect(atB.map((f) => f.data[0])).toEqual([...Array(100).keys()]);
    expect(atA[0]?.data.length).toBe(60_000);
  });
});
