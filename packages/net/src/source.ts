/**
 * Where a connection comes from, as Parley's per-source limits count it (the
 * connection gate's per-IP caps, the introduction budget):
 *
 *  - direct IPv4: the address;
 *  - direct IPv6: its /IPV6_SOURCE_PREFIX_BITS prefix — a home or a server is
 *    usually given a whole /56 or /64, so one address per key would hand one
 *    subscriber thousands of keys (go-libp2p's resource manager counts IPv6
 *    per /56 as well);
 *  - relayed (`…/p2p/<relay>/p2p-circuit/p2p/<remote>`): the relay's PeerId
 *    and the remote PeerId. Everyone behind a relay shares the relay's IP, so
 *    the IP says nothing; the remote PeerId alone is free to mint, so the
 *    relay is part of the key (and Noise proves the remote PeerId before any
 *    limit that uses it is charged on an open connection).
 */
import type { Multiaddr } from '@multiformats/multiaddr';
import { IPV6_SOURCE_PREFIX_BITS } from './limits.ts';

export interface Source {
  /** The key per-source counters are kept under. */
  readonly key: string;
  /** A direct connection from a loopback address (127.0.0.0/8, ::1): a process on this machine. */
  readonly loopback: boolean;
}

/** The source of a connection's remote address (a MultiaddrConnection's or a Connection's). */
export function sourceOf(addr: Multiaddr): Source {
  const components = addr.getComponents();
  const circuit = components.findIndex((c) => c.name === 'p2p-circuit');
  if (circuit >= 0) {
    const relay = components.slice(0, circuit).findLast((c) => c.name === 'p2p')?.value;
    const remote = components.slice(circuit + 1).find((c) => c.name === 'p2p')?.value;
    const relayKey = relay ?? hostKey(components[0]?.name, components[0]?.value).key;
    return { key: `relay:${relayKey}/${remote ?? 'unknown'}`, loopback: false };
  }
  return hostKey(components[0]?.name, components[0]?.value);
}

function hostKey(name: string | undefined, value: string | undefined): Source {
  if (value === undefined) return { key: 'unknown', loopback: false };
  if (name === 'ip4') return { key: value, loopback: value.startsWith('127.') };
  if (name === 'ip6') {
    const words = parseIpv6(value);
    if (words === null) return { key: `ip6:${value}`, loopback: false };
    if (isV4Mapped(words)) {
      const v4 = `${words[6]! >> 8}.${words[6]! & 0xff}.${words[7]! >> 8}.${words[7]! & 0xff}`;
      return { key: v4, loopback: v4.startsWith('127.') };
    }
    const loopback = words.slice(0, 7).every((w) => w === 0) && words[7] === 1;
    return { key: `ip6:${prefixOf(words, IPV6_SOURCE_PREFIX_BITS)}/${IPV6_SOURCE_PREFIX_BITS}`, loopback };
  }
  return { key: `${name}:${value}`, loopback: false };
}

function isV4Mapped(words: readonly number[]): boolean {
  return words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
}

/** The first `bits` bits of an IPv6 address as 8 hex words (the rest zeroed), e.g. `2001:db8:aa:bb00:0:0:0:0`. */
function prefixOf(words: readonly number[], bits: number): string {
  return words
    .map((w, i) => {
      const keep = Math.max(0, Math.min(16, bits - i * 16));
      return (keep === 0 ? 0 : w & (0xffff << (16 - keep)) & 0xffff).toString(16);
    })
    .join(':');
}

/** The 8 16-bit words of a textual IPv6 address (RFC 4291 §2.2, including `::` and a trailing IPv4), or null. */
export function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (i === groups.length - 1 && g.includes('.')) {
        const octets = g.split('.').map(Number);
        if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return null;
        out.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const head = parse(halves[0] as string);
  const tail = halves.length === 2 ? parse(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}
