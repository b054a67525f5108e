/**
 * Which local user opened a loopback TCP connection to us. TCP has no peer
 * credentials (a Unix socket has SO_PEERCRED), but on Linux the kernel lists
 * every socket of the network namespace, with the uid that owns it, in
 * /proc/net/tcp and /proc/net/tcp6 (proc(5), "/proc/net/tcp"): the client
 * end of our connection is the row whose local address is the request's
 * remote address and whose remote address is ours.
 *
 * The desktop session uses it to bind the browser to the user who runs the
 * daemon: a ticket or a session cookie presented over a connection that
 * another user of the machine opened is refused (desktop-launch.ts,
 * api-guard.ts). Where the table cannot be read (not Linux, /proc not
 * mounted) the check is skipped: the secrets alone then stand guard.
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { endianness } from 'node:os';

/** What is known about a connection's owner: a uid, or why there is none. */
export type PeerOwner =
  | { readonly kind: 'uid'; readonly uid: number }
  | { readonly kind: 'unlisted' }
  | { readonly kind: 'unsupported' };

/** The four ends of a connection, as the server sees them. */
export interface ConnectionEnds {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

export const PROC_NET_TABLES: readonly string[] = ['/proc/net/tcp', '/proc/net/tcp6'];

/** Socket states of a client socket still held by its process (include/net/tcp_states.h). */
const LIVE_STATES: ReadonlySet<string> = new Set(['01', '04', '05']); // ESTABLISHED, FIN_WAIT1, FIN_WAIT2

const LITTLE_ENDIAN = endianness() === 'LE';

/** The bytes of an address as /proc/net/tcp* prints it: 32-bit words in host byte order. */
export function decodeProcAddress(hex: string, littleEndian = LITTLE_ENDIAN): number[] {
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= hex.length; i += 8) {
    const word = Number.parseInt(hex.slice(i, i + 8), 16);
    const be = [word >>> 24, (word >>> 16) & 255, (word >>> 8) & 255, word & 255];
    bytes.push(...(littleEndian ? be.reverse() : be));
  }
  return bytes;
}

/** An address's bytes, IPv4-mapped IPv6 as IPv4; undefined if it is not an IP address. */
function addressBytes(address: string): number[] | undefined {
  const v4 = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.split('.').map(Number);
  if (!isIPv6(address)) return undefined;
  const [head = '', tail = ''] = address.split('::');
  const words = (s: string) => (s ? s.split(':').map((w) => Number.parseInt(w, 16)) : []);
  const h = words(head);
  const t = words(tail);
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((w) => [w >>> 8, w & 255]);
}

function sameAddress(procBytes: number[], address: string): boolean {
  const want = addressBytes(address);
  if (!want) return false;
  // ::ffff:a.b.c.d (an IPv4 peer of a dual-stack socket) compares as a.b.c.d
  const mapped =
    procBytes.length === 16 &&
    procBytes.slice(0, 10).every((b) => b === 0) &&
    procBytes[10] === 255 &&
    procBytes[11] === 255;
  const got = mapped ? procBytes.slice(12) : procBytes;
  return got.length === want.length && got.every((b, i) => b === want[i]);
}

/** The uid owning the client end of `ends` in a /proc/net/tcp* table's text; undefined if not listed. */
export function ownerInTable(
  table: string,
  ends: ConnectionEnds,
  littleEndian = LITTLE_ENDIAN,
): number | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = ends;
  if (!remoteAddress || !localAddress || remotePort === undefined || localPort === undefined)
    return undefined;
  for (const line of table.split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    const [, local, remote, state, , , , uid] = line.trim().split(/\s+/);
    if (!local || !remote || !state || uid === undefined || !LIVE_STATES.has(state)) continue;
    const [lAddr = '', lPort = ''] = local.split(':');
    const [rAddr = '', rPort = ''] = remote.split(':');
    if (Number.parseInt(lPort, 16) !== remotePort || Number.parseInt(rPort, 16) !== localPort) continue;
    if (!sameAddress(decodeProcAddress(lAddr, littleEndian), remoteAddress)) continue;
    if (!sameAddress(decodeProcAddress(rAddr, littleEndian), localAddress)) continue;
    return Number(uid);
  }
  return undefined;
}

/** Who owns the client end of a loopback connection to this process. */
export function loopbackPeerOwner(ends: ConnectionEnds, tables = PROC_NET_TABLES): PeerOwner {
  let readable = false;
  for (const path of tables) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    readable = true;
    const uid = ownerInTable(text, ends);
    if (uid !== undefined) return { kind: 'uid', uid };
  }
  return readable ? { kind: 'unlisted' } : { kind: 'unsupported' };
}

const verdicts = new WeakMap<object, boolean>();

/**
 * True if the connection was opened by the user this daemon runs as (or if the
 * system cannot tell: see the file comment). Remembered per socket: a
 * keep-alive connection keeps its owner.
 */
export function openedBySameUser(socket: ConnectionEnds & object): boolean {
  const known = verdicts.get(socket);
  if (known !== undefined) return known;
  const me = process.getuid?.();
  const owner = me === undefined ? ({ kind: 'unsupported' } as const) : loopbackPeerOwner(socket);
  const verdict = owner.kind === 'unsupported' || (owner.kind === 'uid' && owner.uid === me);
  verdicts.set(socket, verdict);
  return verdict;
}
