/**
 * Helpers for the multi-process durability tests (test/durability): a pair
 * of befriended daemons, fixed listen ports that survive restarts, RPC calls
 * that tolerate a daemon being down, a seeded PRNG, and the exactly-once /
 * in-order checks.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { MessageView } from '@parley/core';
import { type Daemon, eventually, type ParleyWorld } from './parley.ts';

export type { MessageView };

export interface Status {
  readonly outbox: number;
  readonly parked: number;
  readonly online: number;
  readonly contacts: number;
}

/**
 * A TCP port that is free now and stays out of the kernel's way: it lies below
 * the ephemeral range (`ip_local_port_range`), so while a daemon that listens
 * on it is killed and restarting, no outbound connection and no `listen(0)`
 * elsewhere on the machine can be handed it. (An OS-picked port can be, and a
 * restart then fails with EADDRINUSE: seen once in CI.)
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  const floor = 20_000;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = floor + Math.floor(Math.random() * Math.max(1, low - floor));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free TCP port between ${floor} and ${low}`);
}

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 21_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Extra daemon args that add a fixed loopback listen address (same address after a restart). */
export const fixedListen = (port: number): string[] => ['--listen', `/ip4/127.0.0.1/tcp/${port}`];

/** `PARLEY_FAULTS` env for `world.daemon(home, args, env)`. */
export const faultsEnv = (faults: Record<string, number>): NodeJS.ProcessEnv => ({
  PARLEY_FAULTS: JSON.stringify(faults),
});

export { seeded } from '@parley/core/testing';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Pair {
  /** The inviter (receiver in most tests). */
  readonly alice: string;
  /** The one who accepted the invite (sender in most tests). */
  readonly bob: string;
  aliceDaemon: Daemon;
  bobDaemon: Daemon;
}

export interface PairOptions {
  readonly aliceArgs?: readonly string[];
  readonly bobArgs?: readonly string[];
}

/** Two accounts, daemons on loopback, contacts of each other (alice invited bob). */
export async function befriendedPair(world: ParleyWorld, options: PairOptions = {}): Promise<Pair> {
  const alice = world.account('alice');
  const bob = world.account('bob');
  const [aliceDaemon, bobDaemon] = await Promise.all([
    world.daemon(alice, options.aliceArgs ?? []),
    world.daemon(bob, options.bobArgs ?? []),
  ]);
  await world.befriend(alice, 'alice', bob, 'bob');
  return { alice, bob, aliceDaemon, bobDaemon };
}

export const status = (world: ParleyWorld, home: string): Promise<Status> =>
  world.rpc<Status>(home, 'status');

/** Every message of the conversation, oldest first (pages of 1000 through the `before` cursor). */
export async function conversation(
  world: ParleyWorld,
  home: string,
  contact: string,
): Promise<MessageView[]> {
  let all: MessageView[] = [];
  for (let before: number | undefined; ; ) {
    const page = await world.rpc<MessageView[]>(home, 'messages.list', {
      contact,
      limit: 1000,
      ...(before === undefined ? {} : { before }),
    });
    all = [...page, ...all];
    if (page.length < 1000) return all;
    before = page[0]?.sortKey;
  }
}

/** Incoming texts of the conversation, in display order. */
export async function receivedTexts(world: ParleyWorld, home: string, contact: string): Promise<string[]> {
  return (await conversation(world, home, contact)).filter((m) => m.direction === 'in').map((m) => m.text);
}

/** Sends one text via RPC; returns its view. */
export const sendText = (
  world: ParleyWorld,
  home: string,
  contact: string,
  text: string,
): Promise<MessageView> => world.rpc<MessageView>(home, 'messages.send', { contact, text });

/** Waits until `home`'s daemon reports an empty outbox. */
export async function outboxDrains(world: ParleyWorld, home: string, timeoutMs: number): Promise<void> {
  await eventually(
    async () => (await status(world, home)).outbox === 0,
    timeoutMs,
    `outbox of ${home} to drain`,
  );
}

/** Waits until `home` shows `count` incoming messages from `contact`. */
export async function receivedCount(
  world: ParleyWorld,
  home: string,
  contact: string,
  count: number,
  timeoutMs: number,
): Promise<void> {
  await eventually(
    async () => (await receivedTexts(world, home, contact)).length >= count,
    timeoutMs,
    `${count} messages from ${contact} in ${home}`,
  );
}

/** The texts that appear more than once. */
export function duplicates(texts: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const t of texts) (seen.has(t) ? dup : seen).add(t);
  return [...dup];
}
