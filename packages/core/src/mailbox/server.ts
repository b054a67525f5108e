/**
 * The mailbox's side of the protocol (codec.ts): pairing, deposits, fetches and deletes, over a
 * MailStore. It needs no account: `parley mailbox run` serves it from a node of its own, and a
 * daemon serves it for the contacts it offered to hold mail for.
 *
 * It decides on PeerIds the transport authenticated and on tokens, never on anything inside an
 * envelope (it cannot open one). Quotas per queue and per depositing peer, in bytes and items;
 * mail expires after `expiryMs`. Every answer is bounded by QUERY_MAX_BYTES, every request was
 * bounded by the transport before it got here.
 */
import type { Primitives, RandomSource } from '@parley/crypto';
import { equalBytes, toHex } from '../base/index.ts';
import type { MailQueue, MailStore } from '../ports/index.ts';
import { QUERY_MAX_BYTES } from '../ports/index.ts';
import {
  decodeMailRequest,
  encodeDeleteAnswer,
  encodeDepositAnswer,
  encodeFetchAnswer,
  encodeMailError,
  encodePairAnswer,
  encodeUnpairAnswer,
  FETCH_ANSWER_OVERHEAD,
  type FetchedItem,
  fetchedItemBytes,
  MAILBOX_SECRET_BYTES,
  MAILBOX_TOKEN_BYTES,
  type MailRequest,
  tokenHashHex,
} from './codec.ts';

export interface MailboxLimits {
  /** Accounts (queues) this mailbox holds mail for. */
  readonly maxAccounts: number;
  readonly maxBytesPerAccount: number;
  readonly maxItemsPerAccount: number;
  /** What one depositing peer may hold in one queue. */
  readonly maxBytesPerDepositor: number;
  readonly maxItemsPerDepositor: number;
  /** Mail older than this is deleted unread. */
  readonly expiryMs: number;
}

export const DEFAULT_MAILBOX_LIMITS: MailboxLimits = {
  maxAccounts: 64,
  maxBytesPerAccount: 512 * 1024 * 1024,
  maxItemsPerAccount: 50_000,
  maxBytesPerDepositor: 128 * 1024 * 1024,
  maxItemsPerDepositor: 20_000,
  expiryMs: 30 * 24 * 60 * 60 * 1000,
};

/** Items listed per fetch before packing them into one answer. */
const FETCH_LIST_MAX = 512;
/** Expired mail is swept at most this often while answering. */
const EXPIRE_EVERY_MS = 60_000;

const META_SECRET = 'pairing-secret';
const META_DEPOSITOR_KEY = 'depositor-key';

export interface MailboxServerOptions {
  readonly store: MailStore;
  readonly primitives: Primitives;
  readonly random: RandomSource;
  readonly now: () => number;
  readonly limits?: Partial<MailboxLimits>;
  /** Whether anyone with the pairing link may pair (a mailbox node); a daemon only offers. */
  readonly pairing: boolean;
  /**
   * A daemon holding friends' mail (hosting.ts): who may pair without the link (a device the
   * latest list of a contact we offered to names, with that offer's secret), and whose queues
   * are still served (a device removed from its list is refused, and its queue closed).
   */
  readonly guests?: MailboxGuests;
}

export interface MailboxGuests {
  mayPair(peer: string, secret: Uint8Array): boolean;
  serves(owner: string): boolean;
}

export interface MailboxServer {
  readonly limits: MailboxLimits;
  /** The pairing secret (made on first use, kept in the store). */
  pairingSecret(): Uint8Array;
  /** Replaces the pairing secret: links given out so far stop working; pairings made stay. */
  newPairingSecret(): Uint8Array;
  /** Answers a mailbox request from `peer` (an authenticated PeerId); undefined for a non-request. */
  answer(peer: string, request: Uint8Array): Uint8Array | undefined;
  /** Opens (or re-keys) a queue for `owner` without a link: a daemon holding a friend's mail. */
  offer(owner: string): { readonly token: Uint8Array; readonly queue: MailQueue };
  /** Closes `owner`'s queue and deletes what it holds. */
  revoke(owner: string): boolean;
  /** Deletes expired mail now; returns how many items went. */
  expire(): number;
  /** Whether any queue is open (someone may deposit). */
  hosting(): boolean;
  /** The owners of the queues open here. */
  owners(): string[];
}

export function createMailboxServer(options: MailboxServerOptions): MailboxServer {
  const { store, primitives: p, random, now } = options;
  const limits: MailboxLimits = { ...DEFAULT_MAILBOX_LIMITS, ...options.limits };
  let lastExpiry = Number.NEGATIVE_INFINITY;

  const metaSecret = (key: string, bytes: number): Uint8Array => {
    const found = store.getMeta(key);
    if (found?.length === bytes) return found;
    const made = random(bytes);
    store.setMeta(key, made);
    return made;
  };
  const depositorKey = metaSecret(META_DEPOSITOR_KEY, 32);
  /** A keyed hash: the store can count per depositor without holding its PeerId. */
  const depositorOf = (peer: string): string =>
    toHex(p.hmacSha256(depositorKey, new TextEncoder().encode(peer)).subarray(0, 16));

  const openQueue = (owner: string, kind: MailQueue['kind']): { token: Uint8Array; queue: MailQueue } => {
    const token = random(MAILBOX_TOKEN_BYTES);
    const old = store.getQueueByOwner(owner);
    const queue: MailQueue = {
      id: old?.id ?? toHex(random(16)),
      owner,
      tokenHash: tokenHashHex(p.sha256, token),
      kind: old?.kind === 'offered' && kind === 'paired' ? 'paired' : (old?.kind ?? kind),
      createdAt: old?.createdAt ?? now(),
    };
    store.putQueue(queue); // a new token: the old one stops working
    return { token, queue };
  };

  const pair = (peer: string, secret: Uint8Array): Uint8Array => {
    const linked = options.pairing && equalBytes(secret, metaSecret(META_SECRET, MAILBOX_SECRET_BYTES));
    const guest = !linked && options.guests?.mayPair(peer, secret) === true;
    if (!linked && !guest) return encodeMailError('bad-secret');
    if (!store.getQueueByOwner(peer) && store.totals().queues >= limits.maxAccounts)
      return encodeMailError('too-many-accounts');
    const { token } = openQueue(peer, guest ? 'offered' : 'paired');
    return encodePairAnswer({
      token,
      maxBytes: limits.maxBytesPerAccount,
      maxItems: limits.maxItemsPerAccount,
      expiryMs: limits.expiryMs,
    });
  };

  /** A guest's queue whose owner left its account's list (or that we stopped hosting) is closed. */
  const stale = (queue: MailQueue): boolean => {
    if (queue.kind !== 'offered' || !options.guests || options.guests.serves(queue.owner)) return false;
    store.deleteQueue(queue.id);
    return true;
  };

  const deposit = (peer: string, token: Uint8Array, envelope: Uint8Array): Uint8Array => {
    const queue = store.getQueueByToken(tokenHashHex(p.sha256, token));
    if (!queue || stale(queue)) return encodeMailError('unknown-queue');
    const depositor = depositorOf(peer);
    const all = store.usage(queue.id);
    const mine = store.usage(queue.id, depositor);
    const size = envelope.length;
    if (
      all.items + 1 > limits.maxItemsPerAccount ||
      all.bytes + size > limits.maxBytesPerAccount ||
      mine.items + 1 > limits.maxItemsPerDepositor ||
      mine.bytes + size > limits.maxBytesPerDepositor
    )
      return encodeMailError('full');
    const id = store.addItem({ queue: queue.id, depositor, receivedAt: now(), envelope: envelope.slice() });
    return encodeDepositAnswer(id);
  };

  const fetch = (queue: MailQueue, after: number): Uint8Array => {
    const listed = store.listItems(queue.id, after, FETCH_LIST_MAX);
    const items: FetchedItem[] = [];
    let bytes = 2 + FETCH_ANSWER_OVERHEAD;
    for (const item of listed) {
      const size = fetchedItemBytes(item.envelope.length);
      if (bytes + size > QUERY_MAX_BYTES) break;
      items.push({ id: item.id, receivedAt: item.receivedAt, envelope: item.envelope });
      bytes += size;
    }
    const more = items.length < listed.length || listed.length === FETCH_LIST_MAX;
    return encodeFetchAnswer({ items, more });
  };

  const handle = (peer: string, req: MailRequest): Uint8Array => {
    if (req.kind === 'pair') return pair(peer, req.secret);
    if (req.kind === 'deposit') return deposit(peer, req.token, req.envelope);
    const queue = store.getQueueByOwner(peer);
    if (!queue || stale(queue)) return encodeMailError('not-paired');
    if (req.kind === 'fetch') return fetch(queue, req.after);
    if (req.kind === 'delete') return encodeDeleteAnswer(store.deleteItems(queue.id, req.ids));
    store.deleteQueue(queue.id);
    return encodeUnpairAnswer();
  };

  const expire = (): number => {
    lastExpiry = now();
    return store.expire(lastExpiry - limits.expiryMs);
  };

  return {
    limits,
    pairingSecret: () => metaSecret(META_SECRET, MAILBOX_SECRET_BYTES),
    newPairingSecret() {
      const secret = random(MAILBOX_SECRET_BYTES);
      store.setMeta(META_SECRET, secret);
      return secret;
    },
    answer(peer, request) {
      const req = decodeMailRequest(request);
      if (!req) return request.length >= 2 ? encodeMailError('bad-request') : undefined;
      if (now() - lastExpiry >= EXPIRE_EVERY_MS) expire();
      return handle(peer, req);
    },
    offer: (owner) => openQueue(owner, 'offered'),
    revoke(owner) {
      const queue = store.getQueueByOwner(owner);
      if (!queue) return false;
      store.deleteQueue(queue.id);
      return true;
    },
    expire,
    hosting: () => store.totals().queues > 0,
    owners: () => store.listQueues().map((q) => q.owner),
  };
}
