/**
 * Listen addresses that survive restarts: with no --listen, the daemon binds
 * the same QUIC/TCP/WebSocket ports as last time (remembered in `listen.json`), so
 * contacts who know our old address can still reach us after a restart. If
 * those ports are taken, it falls back to fresh random ports.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Default listen addresses: every interface, QUIC, TCP and WebSocket, random ports. */
export const DEFAULT_LISTEN: readonly string[] = [
  '/ip4/0.0.0.0/udp/0/quic-v1',
  '/ip4/0.0.0.0/tcp/0',
  '/ip4/0.0.0.0/tcp/0/ws',
];

const QUIC_ANY = '/ip4/0.0.0.0/udp/0/quic-v1';
const REMEMBERED = /^\/ip4\/0\.0\.0\.0\/(tcp\/\d+(\/ws)?|udp\/\d+\/quic-v1)$/;

const file = (dir: string): string => join(dir, 'listen.json');

/** The remembered listen addresses, or the defaults. */
export function rememberedListen(dir: string): readonly string[] {
  try {
    const saved = JSON.parse(readFileSync(file(dir), 'utf8')) as unknown;
    if (
      Array.isArray(saved) &&
      saved.length > 0 &&
      saved.every((a) => typeof a === 'string' && REMEMBERED.test(a))
    ) {
      // A file from before QUIC (issue 15) gains a QUIC listener on a fresh port.
      const listen = saved as string[];
      return listen.some((a) => a.includes('/quic-v1')) ? listen : [QUIC_ANY, ...listen];
    }
  } catch {
    // first start, or an unreadable file: use the defaults
  }
  return DEFAULT_LISTEN;
}

/** Remembers the ports the node actually bound (from its announced addresses). */
export function rememberListen(dir: string, addresses: readonly string[]): void {
  const ports = (ws: boolean): string | undefined =>
    addresses
      .map((a) => /^\/ip[46]\/[^/]+\/tcp\/(\d+)(\/ws)?(\/p2p\/.*)?$/.exec(a))
      .find((m) => m !== null && Boolean(m[2]) === ws)?.[1];
  const tcp = ports(false);
  const ws = ports(true);
  const quic = addresses
    .map((a) => /^\/ip[46]\/[^/]+\/udp\/(\d+)\/quic-v1(\/p2p\/.*)?$/.exec(a))
    .find((m) => m !== null)?.[1];
  const listen = [
    quic && `/ip4/0.0.0.0/udp/${quic}/quic-v1`,
    tcp && `/ip4/0.0.0.0/tcp/${tcp}`,
    ws && `/ip4/0.0.0.0/tcp/${ws}/ws`,
  ].filter(Boolean);
  if (listen.length === 0) return;
  const tmp = `${file(dir)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(listen)}\n`, { mode: 0o600 });
  renameSync(tmp, file(dir));
}
