/**
 * `parley daemon [--network public|private] [--listen MA]... [--bootstrap MA]... [--relay MA]...
 * [--no-mdns] [--private-addresses] [--passphrase-stdin] [--allow-locked] [--stop]`
 */
import { parseArgs } from 'node:util';
import type { ParleyNetwork } from '@parley/net';
import { CliError, usageError } from '../cli-error.ts';
import { connect } from '../client.ts';
import { desktopRoutes } from '../daemon/desktop-routes.ts';
import { rememberedListen } from '../daemon/listen.ts';
import { startDaemon } from '../daemon/run.ts';
import { ensureHome, resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { readPassphrase } from './passphrase.ts';

export const DAEMON_USAGE = `Usage: parley daemon [options]     run the node in the foreground

  --network public|private   public (default, or $PARLEY_NETWORK): the public libp2p network (Amino DHT
                             /ipfs/kad/1.0.0 in client mode, the standard bootstrap list,
                             its relays); private: a closed network (/parley/kad/1.0.0)
                             with only the --bootstrap peers
  --bootstrap MA             a bootstrap peer (repeatable); replaces the default list
  --relay MA                 a relay to hold a reservation on (repeatable), besides the
                             relays found among connected peers
  --listen MA                a listen address (repeatable; default QUIC, TCP and WebSocket
                             on every interface, last run's ports)
  --no-mdns                  no local-network discovery
  --private-addresses        keep private addresses in DHT records and invites (LAN-only
                             setups and tests)
  --passphrase-stdin         read the account passphrase from stdin
  --allow-locked             start without a usable account (the desktop app onboards)
  --stop                     stop the running daemon
`;

/** Parses `--network`; a usage error names the two values. */
export function parseNetwork(value: string | undefined): ParleyNetwork {
  if (value === undefined || value === 'public') return 'public';
  if (value === 'private') return 'private';
  throw usageError(`--network is "public" or "private", not "${value.slice(0, 40)}"`);
}

export async function daemon(argv: string[], io: Io, global: Global): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(DAEMON_USAGE);
    return 0;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      network: { type: 'string' },
      listen: { type: 'string', multiple: true },
      bootstrap: { type: 'string', multiple: true },
      relay: { type: 'string', multiple: true },
      'no-mdns': { type: 'boolean' },
      'passphrase-stdin': { type: 'boolean' },
      'private-addresses': { type: 'boolean' },
      stop: { type: 'boolean' },
      // Start without a usable account; the desktop app onboards/unlocks (parley ui).
      'allow-locked': { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const home = resolveHome(global.home, io.env);
  if (values.stop) {
    await connect(home).call('daemon.stop');
    if (global.json) printJson(io, { stopping: true });
    else io.stderr('the daemon is stopping\n');
    return 0;
  }
  ensureHome(home);
  const passphrase = values['passphrase-stdin']
    ? await readPassphrase(io, true, false)
    : io.env.PARLEY_PASSPHRASE;
  // Without --listen the daemon reuses last run's ports (daemon/listen.ts), else random ones.
  const listen = values.listen;
  // PARLEY_NETWORK: the default for daemons started by `parley ui` (and for tests).
  const network = parseNetwork(values.network ?? io.env.PARLEY_NETWORK);
  const bootstrap = values.bootstrap ?? [];
  const relays = values.relay ?? [];
  const mdns = !values['no-mdns'];
  // Signals are handled from the start: one that arrives while starting up stops the daemon
  // as soon as it is up, through the same clean shutdown.
  let stopRequested = false;
  let stopNow = (): void => {
    stopRequested = true;
  };
  const onSignal = (): void => {
    io.stderr('stopping…\n');
    stopNow();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const handle = await startDaemon({
    home,
    ...(listen ? { listen } : {}),
    network,
    bootstrap,
    relays,
    mdns,
    privateAddresses: values['private-addresses'] ?? false,
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(values['allow-locked'] ? { allowLocked: true } : {}),
    extraRoutes: desktopRoutes({
      launchDir: home.launchDir,
      config: { listen: listen ?? rememberedListen(home.dir), bootstrap, mdns },
    }),
    log: (line) => io.stderr(`${line}\n`),
  }).catch((error: unknown) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (error instanceof CliError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'wrong-passphrase') throw new CliError(code, (error as Error).message);
    if (code === 'no-account')
      throw new CliError(code, `no account in ${home.dir}; create one with "parley init --name NAME"`);
    throw error;
  });
  const m = handle.messenger();
  if (m) {
    const status = m.status();
    if (global.json)
      printJson(io, {
        event: 'ready',
        peerId: status.peerId,
        apiPort: handle.port,
        addresses: status.addresses,
      });
    else {
      io.stdout(`Parley is running as ${status.name} (${status.peerId})\n`);
      io.stderr(
        `listening on ${status.addresses.join(', ') || '(no addresses)'}; local API on 127.0.0.1:${handle.port}\n`,
      );
      io.stderr('press Ctrl+C to stop\n');
    }
  } else {
    const state = handle.state();
    if (global.json) printJson(io, { event: 'ready', state, apiPort: handle.port });
    else
      io.stderr(
        `Parley is waiting (${state === 'no-account' ? 'no account yet' : 'locked'}); local API on 127.0.0.1:${handle.port}; open it with "parley ui"\n`,
      );
  }
  stopNow = () => void handle.stop();
  if (stopRequested) stopNow();
  await handle.stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (global.json) printJson(io, { event: 'stopped' });
  return 0;
}
