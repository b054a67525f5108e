/**
 * `parley relay [--network public|private] [--listen MA]... [--announce MA]... [--bootstrap MA]...
 * [--private-addresses]` — a relay/bootstrap node anyone can run; needs no account.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRelayNode, loadOrCreatePeerKey } from '@parley/net';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { parseNetwork } from './daemon.ts';

export const RELAY_USAGE = `Usage: parley relay [options]     run a relay/bootstrap node (no account)

  --network public|private   public (default): an Amino DHT server and a relay for anyone on
                             the public libp2p network; private: /parley/kad/1.0.0 with only
                             the --bootstrap peers
  --bootstrap MA             a peer to join the DHT through (repeatable); replaces the default list
  --listen MA                a listen address (repeatable; default QUIC, TCP, WebSocket)
  --announce MA              the public address to advertise instead (repeatable), e.g. behind
                             port forwarding
  --private-addresses        keep private addresses in DHT records (LAN-only setups and tests)
`;

export async function relay(argv: string[], io: Io, global: Global): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(RELAY_USAGE);
    return 0;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      network: { type: 'string' },
      listen: { type: 'string', multiple: true },
      announce: { type: 'string', multiple: true },
      bootstrap: { type: 'string', multiple: true },
      'private-addresses': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const network = parseNetwork(values.network ?? io.env.PARLEY_NETWORK);
  const home = resolveHome(global.home, io.env);
  mkdirSync(home.dir, { recursive: true, mode: 0o700 });
  const privateKey = await loadOrCreatePeerKey(join(home.dir, 'relay.key'));
  const node = await createRelayNode({
    privateKey,
    network,
    ...(values.listen ? { listen: values.listen } : {}),
    ...(values.announce ? { announce: values.announce } : {}),
    ...(values.bootstrap ? { bootstrap: values.bootstrap } : {}),
    ...(values['private-addresses'] ? { dhtAllowPrivateAddresses: true } : {}),
  });
  const addresses = node.getMultiaddrs().map((a) => a.toString());
  if (global.json) printJson(io, { event: 'ready', peerId: node.peerId.toString(), network, addresses });
  else {
    io.stdout(`Parley relay ${node.peerId.toString()}\n`);
    for (const a of addresses) io.stdout(`  ${a}\n`);
    io.stderr('give these addresses to others as --bootstrap; Ctrl+C to stop\n');
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await node.stop();
  return 0;
}
