/**
 * Conversations between lab daemons (test/support/netlab.ts) over their local APIs: what the
 * reachability tests and `bench:reach` ask of two people — an invite accepted, messages each way,
 * who is whose contact over which kind of connection, how many relays a daemon holds.
 */
import { expect } from 'vitest';
import type { LabDaemon } from './netlab.ts';
import { eventually } from './parley.ts';

/** `status` → `reachability` (packages/net/src/reachability.ts). */
export interface LabReachability {
  public: boolean | null;
  nat: string;
  upnp: boolean;
  relays: string[];
  addresses: string[];
}

export interface LabContact {
  name: string;
  online: boolean;
  connection: 'direct' | 'relayed' | null;
  state: string;
  addresses: string[];
}

interface MessageJson {
  text?: string;
  direction: 'in' | 'out';
}

export const MESSAGES_EACH_WAY = 10;

/** Waits until the daemon holds at least `atLeast` relay reservations; returns its reachability. */
export async function reservations(d: LabDaemon, atLeast: number): Promise<LabReachability> {
  let last: LabReachability | undefined;
  await eventually(
    async () => {
      last = (await d.rpc<{ reachability: LabReachability }>('status')).reachability;
      return last.relays.length >= atLeast;
    },
    30_000,
    `${d.host} to hold ${atLeast} relay reservation(s) (last: ${JSON.stringify(last?.relays)})`,
  );
  return last as LabReachability;
}

/** Incoming messages from `contact` whose text starts with `prefix`. */
export async function receivedFrom(d: LabDaemon, contact: string, prefix: string): Promise<number> {
  const list = await d.rpc<MessageJson[]>('messages.list', { contact, limit: 200 });
  return list.filter((m) => m.direction === 'in' && m.text?.startsWith(prefix)).length;
}

export async function contactOf(d: LabDaemon, name: string): Promise<LabContact | undefined> {
  return (await d.rpc<LabContact[]>('contacts.list')).find((c) => c.name === name);
}

/** Sends `count` messages each way tagged `tag` and waits (up to `timeoutMs`) until all arrived. */
export async function exchange(
  alice: LabDaemon,
  bob: LabDaemon,
  tag: string,
  count: number,
  timeoutMs = 30_000,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await alice.rpc('messages.send', { contact: 'bob', text: `${tag} a→b ${i}` });
    await bob.rpc('messages.send', { contact: 'alice', text: `${tag} b→a ${i}` });
  }
  await eventually(
    async () =>
      (await receivedFrom(bob, 'alice', `${tag} a→b`)) === count &&
      (await receivedFrom(alice, 'bob', `${tag} b→a`)) === count,
    timeoutMs,
    `${count} messages "${tag}" each way`,
  );
}

/** Alice invites Bob, Bob accepts; 10 messages each way. Returns when all 20 arrived (ms taken). */
export async function inviteAndChat(alice: LabDaemon, bob: LabDaemon, tag: string): Promise<number> {
  const started = Date.now();
  const invite = await alice.run(['invite']);
  expect(invite.code, invite.stderr).toBe(0);
  const accept = await bob.run(['contacts', 'add', 'alice', invite.stdout.trim()]);
  expect(accept.code, accept.stderr).toBe(0);
  await eventually(
    async () => (await contactOf(alice, 'bob'))?.state === 'active',
    30_000,
    'Bob to become Alice’s contact',
  );
  await exchange(alice, bob, tag, MESSAGES_EACH_WAY);
  return Date.now() - started;
}
