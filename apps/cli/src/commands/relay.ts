/**
 * `parley relay [--network public|private] [--listen MA]... [--announce MA]... [--bootstrap MA]...
 * [--private-addresses] [--max-reservations N] [--max-connections N] [--max-connections-per-ip N]
 * [--circuit-duration SECONDS] [--circuit-bytes BYTES] [--status-interval SECONDS]` — a
 * relay/bootstrap node anyone can run; needs no account.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createRelayNode,
  loadOrCreatePeerKey,
  RELAY_CIRCUIT_MAX_BYTES,
  RELAY_CIRCUIT_MAX_DURATION_MS,
  RELAY_MAX_CONNECTIONS,
  RELAY_MAX_CONNECTIONS_PER_IP,
  RELAY_MAX_RESERVATIONS,
  type RelayStatus,
  relayStatus,
} from '@parley/net';
import { usageError } from '../cli-error.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';
import { parseNetwork } from './daemon.ts';

/** The network options every node without an account takes (`relay`, `mailbox run`). */
export const NODE_NETWORK_OPTIONS = {
  network: { type: 'string' },
  listen: { type: 'string', multiple: true },
  announce: { type: 'string', multiple: true },
  bootstrap: { type: 'string', multiple: true },
  'private-addresses': { type: 'boolean' },
} as const;

/** Default of `--status-interval`. */
export const RELAY_STATUS_INTERVAL_S = 60;

/** Ceiling of `--max-reservations`, `--max-connections` and `--max-connections-per-ip`. */
const RELAY_COUNT_MAX = 100_000;
/** Ceiling of `--circuit-duration` and `--status-interval`: a day. */
const RELAY_SECONDS_MAX = 86_400;
const KIB = 1024n;
const CIRCUIT_BYTES_MIN: bigint = KIB;
const CIRCUIT_BYTES_MAX: bigint = KIB ** 4n;
const BYTE_UNITS: Readonly<Record<string, bigint>> = {
  '': 1n,
  kib: KIB,
  mib: KIB ** 2n,
  gib: KIB ** 3n,
  tib: KIB ** 4n,
};

export const RELAY_USAGE = `Usage: parley relay [options]     run a relay/bootstrap node (no account)

  --network public|private   public (default): an Amino DHT server and a relay for anyone on
                             the public libp2p network; private: /parley/kad/1.0.0 with only
                             the --bootstrap peers
  --bootstrap MA             a peer to join the DHT through (repeatable); replaces the default list
  --listen MA                a listen address (repeatable; default QUIC, TCP, WebSocket)
  --announce MA              the public address to advertise instead (repeatable), e.g. behind
                             port forwarding
  --private-addresses        keep private addresses in DHT records (LAN-only setups and tests)

Limits (each relayed connection uses two connections):
  --max-reservations N       peers reachable through this relay at once, 1..${RELAY_COUNT_MAX}
                             (default ${RELAY_MAX_RESERVATIONS})
  --max-connections N        open connections in all, 1..${RELAY_COUNT_MAX} (default ${RELAY_MAX_CONNECTIONS})
  --max-connections-per-ip N open connections from one IP address, 1..${RELAY_COUNT_MAX} (default ${RELAY_MAX_CONNECTIONS_PER_IP})
  --circuit-duration SECONDS how long one relayed connection may live, 1..${RELAY_SECONDS_MAX}
                             (default ${RELAY_CIRCUIT_MAX_DURATION_MS / 1000})
  --circuit-bytes BYTES      bytes one relayed connection may carry each way, 1KiB..1TiB;
                             a number or e.g. 128KiB, 64MiB, 1GiB (default ${formatBytes(RELAY_CIRCUIT_MAX_BYTES)})
  --status-interval SECONDS  print a status line this often, 0..${RELAY_SECONDS_MAX}; 0 = never
                             (default ${RELAY_STATUS_INTERVAL_S})
`;

export async function relay(argv: string[], io: Io, global: Global): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(RELAY_USAGE);
    return 0;
  }
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      ...NODE_NETWORK_OPTIONS,
      'max-reservations': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-connections-per-ip': { type: 'string' },
      'circuit-duration': { type: 'string' },
      'circuit-bytes': { type: 'string' },
      'status-interval': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const network = parseNetwork(values.network ?? io.env.PARLEY_NETWORK);
  const count = (name: string, text: string | undefined, fallback: number): number =>
    parseWholeNumber(name, text, fallback, 1, RELAY_COUNT_MAX);
  const maxReservations = count('max-reservations', values['max-reservations'], RELAY_MAX_RESERVATIONS);
  const maxConnections = count('max-connections', values['max-connections'], RELAY_MAX_CONNECTIONS);
  const maxConnectionsPerIp = count(
    'max-connections-per-ip',
    values['max-connections-per-ip'],
    RELAY_MAX_CONNECTIONS_PER_IP,
  );
  const circuitDurationS = parseWholeNumber(
    'circuit-duration',
    values['circuit-duration'],
    RELAY_CIRCUIT_MAX_DURATION_MS / 1000,
    1,
    RELAY_SECONDS_MAX,
  );
  const circuitBytes = parseCircuitBytes(values['circuit-bytes']);
  const statusIntervalS = parseWholeNumber(
    'status-interval',
    values['status-interval'],
    RELAY_STATUS_INTERVAL_S,
    0,
    RELAY_SECONDS_MAX,
  );

  const home = resolveHome(global.home, io.env);
  mkdirSync(home.dir, { recursive: true, mode: 0o700 });
  const privateKey = await loadOrCreatePeerKey(join(home.dir, 'relay.key'));
  const node = await createRelayNode({
    privateKey,
    network,
    maxReservations,
    maxConnections,
    maxConnectionsPerIp,
    circuitDurationMs: circuitDurationS * 1000,
    circuitBytes,
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
  const printStatus = (): void =>
    printRelayStatus(io, global.json, relayStatus(node), { maxReservations, maxConnections });
  const timer = statusIntervalS > 0 ? setInterval(printStatus, statusIntervalS * 1000) : undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await node.stop();
  return 0;
}

/** One status line: counts only, never a PeerId or an address. JSON on stdout, text on stderr. */
function printRelayStatus(
  io: Io,
  json: boolean,
  status: RelayStatus,
  limits: { readonly maxReservations: number; readonly maxConnections: number },
): void {
  const { reservations, circuits, connections, peers } = status;
  if (json) {
    printJson(io, {
      event: 'status',
      reservations,
      maxReservations: limits.maxReservations,
      circuits,
      connections,
      maxConnections: limits.maxConnections,
      peers,
    });
    return;
  }
  io.stderr(
    `relay: ${reservations} reservations (max ${limits.maxReservations}), ${circuits} circuits, ` +
      `${connections} connections (max ${limits.maxConnections}), ${peers} peers\n`,
  );
}

const NUMBER_OPTIONS: ReadonlySet<string> = new Set([
  '--max-reservations',
  '--max-connections',
  '--max-connections-per-ip',
  '--circuit-duration',
  '--circuit-bytes',
  '--status-interval',
]);

/**
 * parseArgs takes `--max-reservations -1` for an option without its value;
 * `--max-reservations=-1` lets the range check name the option and its range.
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (NUMBER_OPTIONS.has(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** `--NAME N`: a whole number in min..max, or `fallback` when absent; else a usage error naming both. */
export function parseWholeNumber(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max))
    throw usageError(`--${name} takes a whole number from ${min} to ${max}, not "${text.slice(0, 40)}"`);
  return n;
}

/** `--circuit-bytes`: "67108864", "64MiB", "128KiB" (binary units) in 1KiB..1TiB. */
export function parseCircuitBytes(text: string | undefined): bigint {
  if (text === undefined) return RELAY_CIRCUIT_MAX_BYTES;
  const m = /^(\d{1,20})\s*([KMGT]iB)?$/i.exec(text.trim());
  const bytes = m ? BigInt(m[1] as string) * (BYTE_UNITS[(m[2] ?? '').toLowerCase()] as bigint) : -1n;
  if (bytes < CIRCUIT_BYTES_MIN || bytes > CIRCUIT_BYTES_MAX)
    throw usageError(
      `--circuit-bytes takes a number of bytes from 1KiB to 1TiB, plain or with KiB, MiB, GiB ` +
        `or TiB (e.g. 64MiB), not "${text.slice(0, 40)}"`,
    );
  return bytes;
}

/** 67108864n → "64MiB" (the largest binary unit that divides it exactly). */
function formatBytes(bytes: bigint): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const size = BYTE_UNITS[unit.toLowerCase()] as bigint;
    if (bytes % size === 0n) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
