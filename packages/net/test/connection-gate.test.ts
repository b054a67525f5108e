/**
 * The connection gate (connection-gate.ts) against real sockets and real
 * libp2p nodes on loopback. Attackers dial from other loopback addresses
 * (127.0.0.2, 127.0.0.3: Linux routes all of 127/8 to lo) so that they form
 * a source of their own, and the nodes under test set `perIpLimitsOnLoopback`
 * so that the per-IP caps apply to them at all.
 */

import net from 'node:net';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMITTED_RESERVED_CONNECTIONS,
  createRelayNode,
  generatePeerKey,
  INTRO_PROTOCOL,
  MAX_INCOMING_PENDING_CONNECTIONS,
  MAX_PENDING_INBOUND_PER_IP,
  MAX_STRANGER_CONNECTIONS_PER_IP,
  type ParleyTransport,
  STRANGER_IDLE_TIMEOUT_MS,
} from '../src/index.ts';
import {
  Cleanup,
  eventually,
  LOOPBACK_LISTEN,
  rawIntroduction,
  rawPeer,
  rawPeerFrom,
  sleep,
  startTransport,
  withTimeout,
} from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/**
 * Keeps `count` raw TCP sockets from `localAddress` to `port` that never send
 * a byte, reopening each one the node closes (after `reopenMs`), as an
 * attacker holding the node's upgrade slots would.
 */
function idleSockets(port: number, localAddress: string, count: number, reopenMs = 500) {
  const open = new Map<net.Socket, number>();
  let stopped = false;
  const connect = (): void => {
    if (stopped) return;
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    socket.on('connect', () => open.set(socket, Date.now()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      open.delete(socket);
      if (!stopped) setTimeout(connect, reopenMs).unref();
    });
  };
  for (let i = 0; i < count; i++) connect();
  return {
    /** Sockets the node has kept open for more than `ms` (it closes refused ones at once). */
    heldLongerThan: (ms: number): number => [...open.values()].filter((t) => Date.now() - t > ms).length,
    stop: (): void => {
      stopped = true;
      for (const socket of open.keys()) socket.destroy();
    },
  };
}

function tcpTarget(node: ParleyTransport): Multiaddr {
  return multiaddr(node.addresses()[0] as string);
}

/** Two transports that admit each other; frames `victim` receives are recorded. */
async function victimAndContact(victimOptions: Parameters<typeof startTransport>[1] = {}) {
  const victim = await startTransport(cleanup, victimOptions, { limits: { introMaxPerSource: 1000 } });
  const contact = await startTransport(cleanup);
  const admitted = new Set([contact.peerId]);
  victim.setAdmission((p) => admitted.has(p));
  contact.setAdmission((p) => p === victim.peerId);
  const got: string[] = [];
  victim.onFrame((f) => {
    got.push(f.from);
  });
  return { victim, contact, admitted, got };
}

/** `contact` connects to `victim` and delivers one frame, retrying refused dials until `deadlineMs`. */
async function connectAndDeliver(
  victim: ParleyTransport,
  contact: ParleyTransport,
  got: string[],
  deadlineMs: number,
): Promise<number> {
  const started = Date.now();
  const attempt = async (): Promise<void> => {
    for (;;) {
      try {
        await contact.connect(victim.peerId, { addresses: victim.addresses() });
        await contact.send(victim.peerId, Uint8Array.of(42));
        return;
      } catch {
        await sleep(200);
      }
    }
  };
  await withTimeout(attempt(), deadlineMs);
  await eventually(() => got.includes(contact.peerId), deadlineMs - (Date.now() - started), 'frame');
  return Date.now() - started;
}

function inboundFrom(node: ParleyTransport, ip: string): number {
  return node.node
    .getConnections()
    .filter((c) => c.direction === 'inbound' && c.remoteAddr.toString().startsWith(`/ip4/${ip}/`)).length;
}

describe('connection gate', () => {
  it('idle TCP sockets from one IP hold at most MAX_PENDING_INBOUND_PER_IP upgrade slots; a contact still gets in', async () => {
    const { victim, contact, got } = await victimAndContact({ perIpLimitsOnLoopback: true });
    const port = Number(
      tcpTarget(victim)
        .getComponents()
        .find((c) => c.name === 'tcp')?.value,
    );
    // more idle sockets than the node's whole pending budget: the global cap alone would not save it
    const flood = idleSockets(port, '127.0.0.2', MAX_INCOMING_PENDING_CONNECTIONS + 16);
    cleanup.add(async () => flood.stop());
    await sleep(1_500);
    expect(flood.heldLongerThan(1_000)).toBeLessThanOrEqual(MAX_PENDING_INBOUND_PER_IP);
    expect(await connectAndDeliver(victim, contact, got, 5_000)).toBeLessThan(5_000);
    expect(flood.heldLongerThan(1_000)).toBeLessThanOrEqual(MAX_PENDING_INBOUND_PER_IP);
  });

  it('closes a stranger that completes Noise but opens nothing within STRANGER_IDLE_TIMEOUT_MS; keeps an invitee and a contact', async () => {
    const { victim, contact, admitted, got } = await victimAndContact();
    victim.setIntroductionHandler(async ({ from, data }) => {
      if (data[0] !== 7) return false; // 7 is this test's valid invite token
      admitted.add(from);
      return true;
    });
    await connectAndDeliver(victim, contact, got, 5_000);
    const target = tcpTarget(victim);
    const idle = await rawPeer(cleanup);
    const invitee = await rawPeer(cleanup);
    const guesser = await rawPeer(cleanup);
    const opened = Date.now();
    await idle.dial(target);
    expect(await rawIntroduction(invitee, target, Uint8Array.of(7))).toBe(1);
    expect(await rawIntroduction(guesser, target, Uint8Array.of(0))).toBe(0);
    await sleep(Math.max(0, STRANGER_IDLE_TIMEOUT_MS / 2 - (Date.now() - opened)));
    expect(idle.getConnections(victim.node.peerId).length).toBe(1); // not before its time
    await eventually(
      () => idle.getConnections(victim.node.peerId).length === 0,
      STRANGER_IDLE_TIMEOUT_MS + 3_000,
      'idle stranger closed',
    );
    expect(Date.now() - opened).toBeGreaterThanOrEqual(STRANGER_IDLE_TIMEOUT_MS - 100);
    // the invitee is admitted now; the guesser used an open protocol: both are kept, as is the contact
    expect(invitee.getConnections(victim.node.peerId).length).toBe(1);
    expect(guesser.getConnections(victim.node.peerId).length).toBe(1);
    expect(contact.isConnected(victim.peerId)).toBe(true);
  });

  it('caps strangers at MAX_STRANGER_CONNECTIONS_PER_IP per IP; contacts and other IPs are not affected; loopback is exempt by default', async () => {
    const { victim, contact, got } = await victimAndContact({ perIpLimitsOnLoopback: true });
    const relaxed = await startTransport(cleanup); // default: loopback exempt
    relaxed.setAdmission(() => false);
    const strangers = await Promise.all(
      Array.from({ length: MAX_STRANGER_CONNECTIONS_PER_IP + 4 }, () => rawPeerFrom(cleanup, '127.0.0.3')),
    );
    // one at a time: this is about open connections, not the pending cap
    for (const s of strangers) {
      await s.dial(tcpTarget(victim)).catch(() => undefined);
      await s.dial(tcpTarget(relaxed)).catch(() => undefined);
    }
    await sleep(300);
    expect(inboundFrom(victim, '127.0.0.3')).toBe(MAX_STRANGER_CONNECTIONS_PER_IP);
    expect(inboundFrom(relaxed, '127.0.0.3')).toBe(strangers.length);
    await connectAndDeliver(victim, contact, got, 5_000);
    const other = await rawPeerFrom(cleanup, '127.0.0.4');
    await other.dial(tcpTarget(victim));
    await eventually(() => inboundFrom(victim, '127.0.0.4') === 1, 2_000, 'a stranger from another IP');
  });

  it('keeps a reserve for admitted peers: strangers stop at the line, a contact still gets in and evicts one', async () => {
    const maxConnections = 40;
    const line = maxConnections - Math.min(ADMITTED_RESERVED_CONNECTIONS, maxConnections / 4);
    const { victim, contact, got } = await victimAndContact({ maxConnections });
    const target = tcpTarget(victim);
    // more strangers than the node takes at all; each keeps an introduction open (in use, not idle)
    const strangers = await Promise.all(Array.from({ length: maxConnections + 5 }, () => rawPeer(cleanup)));
    const held: Libp2p[] = [];
    for (const s of strangers) {
      const stream = await s.dialProtocol(target, INTRO_PROTOCOL).catch(() => null);
      if (stream) held.push(s);
    }
    const strangersAtVictim = (): number =>
      victim.node.getConnections().filter((c) => c.remotePeer.toString() !== contact.peerId).length;
    await sleep(300);
    expect(strangersAtVictim()).toBe(line);
    await connectAndDeliver(victim, contact, got, 5_000);
    await eventually(() => strangersAtVictim() === line - 1, 2_000, 'one stranger evicted');
    expect(held.length).toBeGreaterThanOrEqual(line);
  });

  it('a relay keeps a peer that holds a reservation (and speaks nothing else) past STRANGER_IDLE_TIMEOUT_MS', async () => {
    const relay = await createRelayNode({
      privateKey: generatePeerKey(),
      listen: LOOPBACK_LISTEN,
      dhtAllowPrivateAddresses: true,
      inboundConnectionsPerIpPerSecond: 1000,
    });
    cleanup.add(async () => {
      await relay.stop();
    });
    const relayAddr = relay.getMultiaddrs()[0] as Multiaddr;
    const holder = await createLibp2p({
      addresses: { listen: [`${relayAddr.toString()}/p2p-circuit`] },
      transports: [tcp(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    });
    cleanup.add(async () => {
      await holder.stop();
    });
    await eventually(
      () => holder.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')),
      10_000,
      'reservation',
    );
    const idle = await rawPeer(cleanup);
    await idle.dial(relayAddr);
    await sleep(STRANGER_IDLE_TIMEOUT_MS + 1_500);
    expect(holder.getConnections(relay.peerId).length).toBe(1);
    expect(idle.getConnections(relay.peerId).length).toBe(0);
  });
});
