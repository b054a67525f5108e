import { multiaddr } from '@multiformats/multiaddr';
import type { InboundFrame } from '@parley/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createParleyNode,
  createRelayNode,
  generatePeerKey,
  type ParleyLibp2p,
  type RelayNodeOptions,
  relayStatus,
} from '../src/index.ts';
import { Cleanup, eventually, LOOPBACK_LISTEN, startTransport, testNodeOptions } from './helpers.ts';

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

/** A relay on loopback, on the private network only (never the public bootstrap list). */
async function startRelay(options: Partial<RelayNodeOptions> = {}): Promise<ParleyLibp2p> {
  const relay = await createRelayNode({
    privateKey: generatePeerKey(),
    network: 'private',
    listen: LOOPBACK_LISTEN,
    dhtAllowPrivateAddresses: true,
    inboundConnectionsPerIpPerSecond: 1000,
    ...options,
  });
  cleanup.add(async () => {
    await relay.stop();
  });
  return relay;
}

describe('relay status and limits', () => {
  it('relayStatus counts the reservation and the relayed connection through it', async () => {
    const relay = await startRelay();
    expect(relayStatus(relay)).toEqual({ reservations: 0, circuits: 0, connections: 0, peers: 0 });
    const relayAddr = relay.getMultiaddrs()[0]!.toString();
    const b = await startTransport(cleanup, { listen: [], relays: [relayAddr] });
    // a takes no reservation of its own on the relay it dials through
    const a = await startTransport(cleanup, { listen: [], discoveredRelays: 0 });
    await eventually(() => b.addresses().some((ma) => ma.includes('/p2p-circuit')), 10_000, 'reservation');
    expect(relayStatus(relay).reservations).toBe(1);

    const circuitAddr = b.addresses().find((ma) => ma.includes('/p2p-circuit'))!;
    const connection = await a.node.dial(multiaddr(circuitAddr));
    expect(connection.limits).toBeDefined(); // relayed, not direct
    await eventually(() => relayStatus(relay).circuits >= 1, 5_000, 'a circuit in the status');
    const status = relayStatus(relay);
    expect(status.reservations).toBe(1);
    expect(status.connections).toBeGreaterThanOrEqual(2); // b's, a's
    expect(status.peers).toBeGreaterThanOrEqual(2);

    await connection.close();
    await eventually(() => relayStatus(relay).circuits === 0, 5_000, 'the circuit to close');
  });

  it('--max-reservations 1: a second peer is refused a reservation, the first keeps its own', async () => {
    const relay = await startRelay({ maxReservations: 1 });
    const relayAddr = relay.getMultiaddrs()[0]!.toString();
    const b = await startTransport(cleanup, { listen: [], relays: [relayAddr] });
    await eventually(() => b.addresses().some((ma) => ma.includes('/p2p-circuit')), 10_000, 'reservation');

    // Listening on one configured relay fails when its reservation is refused (and libp2p stops the node).
    await expect(createParleyNode(testNodeOptions({ listen: [], relays: [relayAddr] }))).rejects.toThrow(
      /RESERVATION_REFUSED/,
    );
    expect(relayStatus(relay).reservations).toBe(1);
    expect(relay.services.relay?.reservations.has(b.node.peerId)).toBe(true);
  });
});
