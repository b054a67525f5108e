/**
 * A mailbox node (`parley mailbox run`): a libp2p node of its own that answers the mailbox
 * protocol (core's createMailboxServer over a SQLite MailStore in `<home>/mailbox.db`). It has no
 * account; its PeerId key lives in `<home>/mailbox.key`. It never learns what it holds: envelopes
 * are sealed to their recipients.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMailboxServer,
  encodeMailboxLink,
  isMailRequest,
  type MailboxLimits,
  type MailboxServer,
  type MailStore,
} from '@parley/core';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import {
  createParleyTransport,
  loadOrCreatePeerKey,
  type ParleyNetwork,
  type ParleyTransport,
} from '@parley/net';
import { openMailStore } from '@parley/store';

/** Mailbox requests one peer may make per 10 s window (a sender depositing, a recipient draining). */
export const MAILBOX_QUERIES_PER_PEER = 300;
/** Mailbox requests everyone together may make per 10 s window. */
export const MAILBOX_QUERIES_GLOBAL = 6000;
/** Requests answered at once. */
export const MAILBOX_QUERIES_CONCURRENT = 32;

export interface MailboxNodeOptions {
  readonly dir: string;
  readonly network: ParleyNetwork;
  readonly listen?: readonly string[];
  readonly announce?: readonly string[];
  readonly bootstrap?: readonly string[];
  readonly privateAddresses?: boolean;
  readonly limits?: Partial<MailboxLimits>;
  readonly log?: (message: string) => void;
}

export interface MailboxNode {
  readonly peerId: string;
  readonly transport: ParleyTransport;
  readonly server: MailboxServer;
  readonly store: MailStore;
  addresses(): string[];
  /** The pairing link: give it to the accounts this mailbox should hold mail for (a secret). */
  link(): string;
  stop(): Promise<void>;
}

export const mailboxPaths = (dir: string) => ({
  key: join(dir, 'mailbox.key'),
  db: join(dir, 'mailbox.db'),
  /** The addresses of the last start, for `parley mailbox link` (not secret). */
  addresses: join(dir, 'mailbox-addresses.json'),
});

/** The addresses the mailbox in `dir` last ran with, or none. */
export function rememberedAddresses(dir: string): string[] {
  try {
    const list: unknown = JSON.parse(readFileSync(mailboxPaths(dir).addresses, 'utf8'));
    return Array.isArray(list) ? list.filter((a): a is string => typeof a === 'string') : [];
  } catch {
    return [];
  }
}

/** The mailbox's side of the protocol over `store`, with the given limits (defaults otherwise). */
const serverOver = (store: MailStore, limits?: Partial<MailboxLimits>): MailboxServer =>
  createMailboxServer({
    store,
    primitives: nodePrimitives,
    random: systemRandom,
    now: Date.now,
    pairing: true,
    ...(limits ? { limits } : {}),
  });

/** The pairing link of the mailbox kept in `dir`, without running it (`parley mailbox link`). */
export async function mailboxLink(
  dir: string,
  addresses: readonly string[],
  fresh = false,
): Promise<{ peerId: string; link: string }> {
  const { peerIdOfKey } = await import('@parley/net');
  const paths = mailboxPaths(dir);
  const peerId = peerIdOfKey(await loadOrCreatePeerKey(paths.key));
  const store = openMailStore(paths.db);
  try {
    const server = serverOver(store);
    const secret = fresh ? server.newPairingSecret() : server.pairingSecret();
    return { peerId, link: encodeMailboxLink({ peerId, secret, addresses }) };
  } finally {
    store.close();
  }
}

export async function startMailboxNode(options: MailboxNodeOptions): Promise<MailboxNode> {
  const paths = mailboxPaths(options.dir);
  const privateKey = await loadOrCreatePeerKey(paths.key);
  const store = openMailStore(paths.db);
  const server = serverOver(store, options.limits);
  let transport: ParleyTransport;
  try {
    transport = await createParleyTransport(
      {
        privateKey,
        network: options.network,
        dhtMode: 'server',
        mdns: false,
        upnp: options.network === 'public',
        ...(options.listen ? { listen: options.listen } : {}),
        ...(options.announce ? { announce: options.announce } : {}),
        ...(options.bootstrap ? { bootstrap: options.bootstrap } : {}),
        ...(options.privateAddresses ? { dhtAllowPrivateAddresses: true } : {}),
      },
      {
        ...(options.log ? { log: options.log } : {}),
        privateAddressesArePublic: options.privateAddresses ?? false,
        limits: {
          queryMaxPerPeer: MAILBOX_QUERIES_PER_PEER,
          queryMaxGlobal: MAILBOX_QUERIES_GLOBAL,
          queryMaxConcurrent: MAILBOX_QUERIES_CONCURRENT,
        },
      },
    );
  } catch (error) {
    store.close();
    throw error;
  }
  // Anyone may ask (depositors are strangers to the mailbox); the token or the PeerId decides.
  transport.setQueryHandler(
    async (peer, request) => (isMailRequest(request) ? server.answer(peer, request) : undefined),
    () => true,
  );
  writeFileSync(paths.addresses, `${JSON.stringify([...transport.addresses()])}\n`, { mode: 0o600 });
  const sweep = setInterval(() => server.expire(), 10 * 60_000);
  sweep.unref();
  const addresses = (): string[] => [...transport.addresses()];
  return {
    peerId: transport.peerId,
    transport,
    server,
    store,
    addresses,
    link: () =>
      encodeMailboxLink({ peerId: transport.peerId, secret: server.pairingSecret(), addresses: addresses() }),
    async stop() {
      clearInterval(sweep);
      await transport.stop();
      store.close();
    },
  };
}
