/**
 * Address scopes of multiaddr strings, and which addresses learnt from someone
 * else's card we may dial (docs/THREAT-MODEL.md "Groups"). Pure: strings in,
 * strings out, no libp2p (core never parses a multiaddr object).
 *
 *   addressScope('/ip4/192.168.1.7/tcp/4001/p2p/12D3…')   // 'private'
 *   vouchedAddresses(card.addresses, admin.addresses)     // what we may dial
 *
 * Scopes (RFC 6890 special-purpose registries):
 * - IPv4: 0/8 unspecified, 127/8 loopback, 10/8 + 172.16/12 + 192.168/16 private
 *   (RFC 1918), 100.64/10 cgnat (RFC 6598), 169.254/16 link-local (RFC 3927),
 *   224/4 multicast, 240/4 and 255.255.255.255 reserved.
 * - IPv6: :: unspecified, ::1 loopback, fe80::/10 link-local, fc00::/7 ula
 *   (RFC 4193), ff00::/8 multicast, ::ffff:0:0/96 as its IPv4 (RFC 4291
 *   §2.5.5.2), 2000::/3 public, anything else reserved.
 * - `/dns`, `/dns4`, `/dns6`, `/dnsaddr`: dns (resolving a name someone else
 *   chose would let them pick our target, and learn that we resolved it).
 * - A relay address (`/ip4/R/tcp/…/p2p/RELAY/p2p-circuit/p2p/PEER`) is dialled
 *   at R, so its scope is R's. Anything else (memory, unix, no transport): other.
 */

export type AddressScope =
  | 'public'
  | 'private'
  | 'cgnat'
  | 'link-local'
  | 'ula'
  | 'loopback'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'dns'
  | 'other';

/** Scopes a card's address may have only when its introducer is reachable in the same network. */
const NEIGHBOUR_SCOPES: ReadonlySet<AddressScope> = new Set(['private', 'cgnat', 'link-local', 'ula']);

/** Most addresses kept from one vouched card: what our own cards carry (INVITE_MAX_ADDRESSES). */
export const VOUCHED_ADDRESSES_MAX = 4;

interface Ip {
  readonly version: 4 | 6;
  /** 4 or 16 bytes. */
  readonly bytes: readonly number[];
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^(0|[1-9][0-9]{0,2})$/.test(p) ? Number(p) : Number.NaN));
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split('::').length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        out.push((v4[0] as number) * 256 + (v4[1] as number), (v4[2] as number) * 256 + (v4[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) out.push(Number.parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  if (!left || !right) return undefined;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...new Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** The IP an address is dialled at (a relay address: the relay's), if it names one. */
function ipOf(multiaddr: string): Ip | 'dns' | undefined {
  const [empty, proto, value] = multiaddr.split('/');
  if (empty !== '' || value === undefined) return undefined;
  if (proto === 'dns' || proto === 'dns4' || proto === 'dns6' || proto === 'dnsaddr') return 'dns';
  if (proto === 'ip4') {
    const bytes = parseIpv4(value);
    return bytes ? { version: 4, bytes } : undefined;
  }
  if (proto === 'ip6') {
    const bytes = parseIpv6(value.split('%')[0] ?? '');
    if (!bytes) return undefined;
    // ::ffff:a.b.c.d is an IPv4 address (RFC 4291 §2.5.5.2)
    const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    return mapped ? { version: 4, bytes: bytes.slice(12) } : { version: 6, bytes };
  }
  return undefined;
}

function ipv4Scope([a = 0, b = 0, c = 0, d = 0]: readonly number[]): AddressScope {
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'cgnat';
  if (a === 169 && b === 254) return 'link-local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240 || (a === 255 && b === 255 && c === 255 && d === 255)) return 'reserved';
  return 'public';
}

function ipv6Scope(bytes: readonly number[]): AddressScope {
  const [a = 0, b = 0] = bytes;
  const zeroUpTo = (n: number): boolean => bytes.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback';
  if (a === 0xfe && (b & 0xc0) === 0x80) return 'link-local';
  if ((a & 0xfe) === 0xfc) return 'ula';
  if (a === 0xff) return 'multicast';
  if ((a & 0xe0) === 0x20) return 'public';
  return 'reserved';
}

/** The scope of the address a multiaddr is dialled at. */
export function addressScope(multiaddr: string): AddressScope {
  const ip = ipOf(multiaddr);
  if (ip === undefined) return 'other';
  if (ip === 'dns') return 'dns';
  return ip.version === 4 ? ipv4Scope(ip.bytes) : ipv6Scope(ip.bytes);
}

/** The network an address is in: its scope and its /16 (IPv4) or /64 (IPv6) prefix. */
function networkOf(multiaddr: string): string | undefined {
  const ip = ipOf(multiaddr);
  if (ip === undefined || ip === 'dns') return undefined;
  const prefix = ip.bytes.slice(0, ip.version === 4 ? 2 : 8).join('.');
  return `${addressScope(multiaddr)}:${ip.version}:${prefix}`;
}

/**
 * The addresses of a card someone else vouched for (a group admin's state) that
 * we may dial: public ones; a private-scope one (RFC 1918, CGNAT, link-local,
 * ULA) only if the introducer's own addresses (as we hold them) include one in
 * the same network (same scope, same /16 or /64); loopback only if theirs
 * include loopback. The introducer could reach those addresses anyway, so this
 * gives them no new reach through us. Never DNS names, unspecified, multicast,
 * reserved or unparsable addresses. At most VOUCHED_ADDRESSES_MAX, in order.
 */
export function vouchedAddresses(card: readonly string[], introducer: readonly string[]): string[] {
  const theirs = new Set(introducer.flatMap((a) => networkOf(a) ?? []));
  const loopback = introducer.some((a) => addressScope(a) === 'loopback');
  return card
    .filter((a) => {
      const scope = addressScope(a);
      if (scope === 'public') return true;
      if (scope === 'loopback') return loopback;
      return NEIGHBOUR_SCOPES.has(scope) && theirs.has(networkOf(a) ?? '');
    })
    .slice(0, VOUCHED_ADDRESSES_MAX);
}
