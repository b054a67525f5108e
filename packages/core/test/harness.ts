/** Test harness: messengers over the in-memory network and store. */
import { createContactCard, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { type Account, currentSignedPrekey } from '../src/account/account.ts';
import { createVault } from '../src/account/vault.ts';
import type { Ctx, Limits, MessengerEvents } from '../src/context/context.ts';
import { completeLink, createPendingDevice, linkRequest } from '../src/devices/link.ts';
import { decodeDeviceLink, requestLink } from '../src/devices/link-protocol.ts';
import {
  createMailboxServer,
  encodeMailboxLink,
  isMailRequest,
  type MailboxLimits,
} from '../src/mailbox/index.ts';
import { createMessenger, type Messenger } from '../src/messenger/messenger.ts';
import { type BlobStore, createMemoryBlobStore } from '../src/ports/blob-store.ts';
import type { MailStore } from '../src/ports/mail-store.ts';
import type { Store } from '../src/ports/store.ts';
import type { Transport } from '../src/ports/transport.ts';
import { createMemoryMailStore } from '../src/testing/memory-mail-store.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import type { MemoryNetwork } from '../src/testing/memory-transport.ts';
import { createTestAccount, testPeerId } from '../testing/accounts.ts';
import { eventually } from '../testing/transport-compliance.ts';

export interface Peer {
  readonly name: string;
  readonly peerId: string;
  readonly store: Store;
  readonly transport: Transport;
  readonly messenger: Messenger;
  /** What core's internals need to look into this peer's sealed store (group keys, sessions…). */
  readonly ctx: Ctx;
  readonly events: Array<{ type: keyof MessengerEvents; event: unknown }>;
}

export interface PeerOptions {
  readonly store?: Store;
  readonly now?: () => number;
  readonly limits?: Partial<Limits>;
  /** Wraps the peer's memory transport (to watch or feed what passes through it). */
  readonly transport?: (inner: Transport) => Transport;
  /** Where it keeps mail it holds for friends (mailbox/offers.ts). */
  readonly mailStore?: () => MailStore;
  /** Make this peer a new device of `linkTo`'s account (devices/link.ts), approved by it. */
  readonly linkTo?: Peer;
  /** Where it keeps files' encrypted bytes (to look at them); a fresh memory store by default. */
  readonly blobs?: BlobStore;
}

export async function makePeer(
  network: MemoryNetwork,
  name: string,
  options: PeerOptions = {},
): Promise<Peer> {
  const peerId = testPeerId(name);
  const store = options.store ?? createMemoryStore();
  const inner = network.createTransport(peerId);
  const transport = options.transport ? options.transport(inner) : inner;
  const account = options.linkTo
    ? await linkedAccount(store, options.linkTo, peerId, name, inner)
    : await createTestAccount(store, name, nodePrimitives);
  const messenger = createMessenger({
    store,
    transport,
    account,
    blobs: options.blobs ?? createMemoryBlobStore(),
    primitives: nodePrimitives,
    random: systemRandom,
    ...(options.now ? { now: options.now } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.mailStore ? { mailStore: options.mailStore } : {}),
  });
  const events: Peer['events'] = [];
  for (const type of [
    'message',
    'contact',
    'typing',
    'conversation',
    'problem',
    'expired',
    'attachment',
    'group',
    'outbox',
    'history',
    'devices',
  ] as const) {
    messenger.events.on(type, (event) => events.push({ type, event }));
  }
  await messenger.start();
  const ctx = {
    store,
    account,
    primitives: nodePrimitives,
    random: systemRandom,
    now: options.now ?? Date.now,
  } as unknown as Ctx;
  return { name, peerId, store, transport, messenger, ctx, events };
}

/** A new device `name` of `owner`'s account: asks with its card, `owner` approves, it opens the grant. */
async function linkedAccount(
  store: Store,
  owner: Peer,
  peerId: string,
  name: string,
  transport: Transport,
): Promise<Account> {
  const now = Date.now();
  const device = createPendingDevice({ peerId, name, now }, systemRandom, nodePrimitives);
  const request = linkRequest(device, [], now, nodePrimitives);
  // The link as the owner shows it, and the request over /parley/query as a new device makes it.
  const offer = decodeDeviceLink(owner.messenger.createDeviceLink().link, now);
  const { secret } = offer;
  const grant = await requestLink({ primitives: nodePrimitives }, transport, offer, request);
  const { vault } = await createVault({ keyFile: systemRandom(32) }, systemRandom, nodePrimitives);
  return completeLink(
    store,
    {
      vault,
      device,
      peerKey: Uint8Array.of(1),
      request,
      secret,
      grant,
      now,
      random: systemRandom,
      from: owner.peerId,
    },
    nodePrimitives,
  );
}

/** a invites b; b accepts; resolves when both see each other as active contacts. */
/** Stops every peer's messenger, then its transport (each test file's afterEach). */
export async function stopPeers(peers: readonly Pick<Peer, 'messenger' | 'transport'>[]): Promise<void> {
  for (const p of peers) {
    await p.messenger.stop();
    await p.transport.stop();
  }
}

export async function befriend(a: Peer, b: Peer): Promise<void> {
  const { link } = a.messenger.createInvite();
  b.messenger.acceptInvite(link);
  await eventually(
    () =>
      a.messenger.contacts().some((c) => c.peerId === b.peerId && c.state === 'active') &&
      b.messenger.contacts().some((c) => c.peerId === a.peerId && c.state === 'active'),
    5_000,
    `${a.name} and ${b.name} to become contacts`,
  );
}

export { eventually };

/**
 * `p` accepts its invitation to `group` once it has arrived (a group invitation is a request:
 * docs/GROUPS.md "Invitations").
 */
export async function join(p: Peer, group: string, timeoutMs = 20_000): Promise<void> {
  await eventually(
    () => p.messenger.groups().some((g) => g.name === group && g.status === 'invited'),
    timeoutMs,
    `${p.name} to be invited to "${group}"`,
  );
  p.messenger.acceptGroup(group);
}

/** A file to send, from bytes in memory (messenger.sendFile). */
export function fileSource(bytes: Uint8Array, name = 'photo.jpg', mime = 'image/jpeg') {
  return { name, mime, size: bytes.length, read: async (o: number, n: number) => bytes.slice(o, o + n) };
}

export const randomBytes = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)));
  return out;
};

/** What `p` saves of attachment `id` in its conversation with `contact`, decrypted. */
export async function saved(p: Peer, contact: string, id: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await p.messenger.saveAttachment(contact, id, async (b) => {
    parts.push(b.slice());
  });
  const out = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of parts) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** A mailbox node (no account) on the memory network, and its pairing link. */
export function startMailbox(net: MemoryNetwork, name = 'mailbox', limits: Partial<MailboxLimits> = {}) {
  const transport: Transport = net.createTransport(testPeerId(name));
  const store = createMemoryMailStore();
  const server = createMailboxServer({
    store,
    primitives: nodePrimitives,
    random: systemRandom,
    now: Date.now,
    pairing: true,
    limits,
  });
  transport.setQueryHandler(
    async (peer, req) => (isMailRequest(req) ? server.answer(peer, req) : undefined),
    () => true,
  );
  const link = encodeMailboxLink({ peerId: transport.peerId, secret: server.pairingSecret(), addresses: [] });
  return { transport, store, server, link };
}

/** The texts of a group's messages as `p` shows them, oldest first. */
export const groupTexts = (p: { readonly messenger: Messenger }, group: string): string[] =>
  p.messenger.messages(group, { limit: 1000 }).map((m) => m.text);

/** Every listed peer sees the group active at `epoch`, with every member's key both ways. */
export async function groupReady(
  group: string,
  epoch: number,
  ...ps: ReadonlyArray<{ readonly messenger: Messenger }>
): Promise<void> {
  await eventually(
    () =>
      ps.every((p) => {
        try {
          const g = p.messenger.group(group);
          return (
            g.epoch === epoch && g.status === 'active' && g.members.every((m) => m.keyReceived && m.keySent)
          );
        } catch {
          return false;
        }
      }),
    20_000,
    `everyone to hold the keys of "${group}" at epoch ${epoch}`,
  );
}

/**
 * `owner`'s card as suite 1 (no KEM prekey; same identity and signed prekey): what a card made
 * before suite 2 looked like, and a quarter of a suite-2 card's size.
 */
export function suite1Card(owner: Pick<Peer, 'ctx' | 'store' | 'peerId' | 'name'>): Uint8Array {
  const { account, primitives: p } = owner.ctx;
  const spk = owner.store.transaction((tx) => currentSignedPrekey(tx, account.vault, p));
  const { id, createdAt, publicKey, signature } = spk;
  const fields = { peerId: owner.peerId, displayName: owner.name, addresses: [], issuedAt: Date.now() };
  return createContactCard(
    account.identity,
    { ...fields, signedPrekey: { id, createdAt, publicKey, signature } },
    p,
  );
}
