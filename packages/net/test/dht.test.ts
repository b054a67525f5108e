import { afterEach, describe, expect, it } from 'vitest';
import { DHT_PROTOCOL, type ParleyTransport, PUBLIC_DHT_PROTOCOL } from '../src/index.ts';
import { Cleanup, startTransport, withTimeout } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('DHT (/parley/kad/1.0.0)', () => {
  it('finds a peer by PeerId across 20 nodes (5 servers, 15 clients) and connects to it', async () => {
    const first = await startTransport(cleanup, { dhtMode: 'server' });
    const bootstrap = [first.addresses()[0] as string];
    const servers: ParleyTransport[] = [first];
    for (let i = 0; i < 4; i++) servers.push(await startTransport(cleanup, { dhtMode: 'server', bootstrap }));
    const serverAddrs = servers.map((s) => s.addresses()[0] as string);
    const clients = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        startTransport(cleanup, {
          dhtMode: 'client',
          bootstrap: [serverAddrs[i % servers.length] as string],
        }),
      ),
    );
    // every client is connected to its bootstrap server (identify done: the server knows its addresses)
    const seeker = clients[0] as ParleyTransport;
    const target = clients[7] as ParleyTransport; // bootstrapped to a different server than the seeker
    const home = servers[7 % servers.length] as ParleyTransport;
    const knows = async (
      node: ParleyTransport,
      peer: ParleyTransport,
      protocol?: string,
    ): Promise<boolean> => {
      const info = await node.node.peerStore.get(peer.node.peerId).catch(() => null);
      return (
        info !== null &&
        info.addresses.length > 0 &&
        (protocol === undefined || info.protocols.includes(protocol))
      );
    };
    // the target's home server learnt its addresses (identify), the seeker knows a DHT server
    await withTimeout(
      (async () => {
        while (
          !((await knows(home, target)) && (await knows(seeker, servers[0] as ParleyTransport, DHT_PROTOCOL)))
        ) {
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      10_000,
    );
    expect(seeker.isConnected(target.peerId)).toBe(false);
    const started = Date.now();
    await withTimeout(seeker.connect(target.peerId), 15_000); // no addresses given: DHT lookup
    expect(seeker.isConnected(target.peerId)).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('DHT on the public network’s protocol (/ipfs/kad/1.0.0), on loopback', () => {
  it('a client finds a peer through servers speaking the Amino protocol; nothing else is dialled', async () => {
    // `bootstrap` is given, so PUBLIC_BOOTSTRAP is never dialled (bootstrapList).
    const server = await startTransport(cleanup, { network: 'public', dhtMode: 'server' });
    const bootstrap = [server.addresses()[0] as string];
    const [seeker, target] = await Promise.all([
      startTransport(cleanup, { network: 'public', bootstrap }),
      startTransport(cleanup, { network: 'public', bootstrap }),
    ]);
    await withTimeout(
      (async () => {
        for (;;) {
          const info = await seeker.node.peerStore.get(server.node.peerId).catch(() => null);
          const known = await server.node.peerStore.get(target.node.peerId).catch(() => null);
          if (info?.protocols.includes(PUBLIC_DHT_PROTOCOL) && (known?.addresses.length ?? 0) > 0) return;
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      10_000,
    );
    const info = await seeker.node.peerStore.get(server.node.peerId);
    expect(info.protocols).not.toContain(DHT_PROTOCOL);
    await withTimeout(seeker.connect(target.peerId), 15_000); // no addresses given: DHT lookup
    expect(seeker.isConnected(target.peerId)).toBe(true);
    const peers = seeker.node.getPeers().map((p) => p.toString());
    expect(peers.every((p) => [server.peerId, target.peerId].includes(p))).toBe(true);
  });
});
