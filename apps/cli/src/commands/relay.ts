/** `parley relay [--listen MULTIADDR]...` — a relay/bootstrap node anyone can run; needs no account. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRelayNode, loadOrCreatePeerKey } from '@parley/net';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';

export async function relay(argv: string[], io: Io, global: Global): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { listen: { type: 'string', multiple: true } },
    strict: true,
    allowPositionals: false,
  });
  const home = resolveHome(global.home, io.env);
  mkdirSync(home.dir, { recursive: true, mode: 0o700 });
  const privateKey = await loadOrCreatePeerKey(join(home.dir, 'relay.key'));
  const node = await createRelayNode({
    privateKey,
    ...(values.listen ? { listen: values.listen } : {}),
  });
  const addresses = node.getMultiaddrs().map((a) => a.toString());
  if (global.json) printJson(io, { event: 'ready', peerId: node.peerId.toString(), addresses });
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
