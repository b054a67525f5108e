/**
 * An account's mailboxes (issue 17): pairing with mailboxes, telling contacts about them,
 * depositing for contacts who are away, and draining our own.
 *
 * This file composes the parts over runtime.ts's MailboxRuntime: pairing.ts (our mailboxes and
 * the card that names them), deposit.ts (the outbox pump's `unreachable` hook: envelopes left at
 * a contact's mailboxes, kept in the outbox until ACKed), drain.ts (on start, when a mailbox
 * connects and every DRAIN_INTERVAL_MS: fetch ours, deliver through the inbox, then delete) and
 * hosting.ts (holding mail for friends).
 */
import type { Ctx } from '../context/index.ts';
import type { Effects } from '../messaging/index.ts';
import type { ContactRecord } from '../ports/index.ts';
import { cancelRetries, createDeposits, idle, undelivered, unreachable } from './deposit.ts';
import { drainAll } from './drain.ts';
import {
  accept,
  answer,
  applied,
  createHosting,
  hostedFor,
  isHosting,
  offer,
  offers,
  revoke,
  sweep,
} from './hosting.ts';
import { addMailbox, followOwnDevice, listMailboxes, pairWithLinks, removeMailbox } from './pairing.ts';
import {
  type MailboxesDeps,
  type MailboxOfferView,
  type MailboxRuntime,
  type MailboxView,
  ownMailboxes,
} from './runtime.ts';

export {
  ACK_DEPOSIT_DELAY_MS,
  ACK_DEPOSIT_MAX_FRAMES,
  contactMailboxes,
  DEPOSIT_RETRY_MAX_MS,
  DEPOSIT_RETRY_MIN_MS,
} from './deposit.ts';
export type { InlineFile, MailboxesDeps, MailboxOfferView, MailboxView } from './runtime.ts';

/** How often our mailboxes are asked for mail while we run. */
export const DRAIN_INTERVAL_MS = 60_000;

export interface Mailboxes {
  start(): void;
  stop(): void;
  add(link: string): Promise<MailboxView>;
  remove(id: string): Promise<void>;
  list(): MailboxView[];
  /**
   * Ask every mailbox of ours for mail now, after pairing with those our other devices use and this
   * one does not yet; resolves when each was tried.
   */
  drain(): Promise<{ readonly envelopes: number; readonly frames: number }>;
  /** The outbox pump could not reach `peerId`: deposit what waits for it. */
  unreachable(peerId: string): void;
  /** An ACK for `peerId` could not be sent: leave it at its mailboxes (best effort, batched). */
  undelivered(peerId: string, frame: Uint8Array): void;
  /** Deposits for `peerId` in progress (tests, benchmarks). */
  idle(): Promise<void>;
  /** Answers a mailbox request made to us (we hold mail for friends); undefined if not one. */
  answer(peer: string, request: Uint8Array): Uint8Array | undefined;
  /** Whether we hold mail for anyone (then strangers may deposit: query admission). */
  hosting(): boolean;
  /** Offer to hold a contact's mail on this daemon (they accept it like a paired mailbox). */
  offer(contact: ContactRecord): void;
  /** Stop holding mail for a contact: what we hold for them is deleted, and they are told. */
  revoke(contact: ContactRecord): boolean;
  /** Accept a contact's offer to hold our mail (this device pairs there; our others follow). */
  accept(contact: ContactRecord): Promise<MailboxView>;
  /** Offers from contacts we have not answered. */
  offers(): MailboxOfferView[];
  /** Contacts (names) we hold mail for. */
  hostedFor(): string[];
  /** After an incoming `mailbox` message committed (offers.ts): tell contacts our new card. */
  applied(effects: Effects): void;
  /** After our other device's `mailbox` sync op committed: pair with it too, or stop using it. */
  followOwnDevice(peer: string, link: string | null): void;
  /** A device list changed: queues we hold for devices no longer listed are closed. */
  devicesChanged(): void;
}

export function createMailboxes(ctx: Ctx, deps: MailboxesDeps): Mailboxes {
  const rt: MailboxRuntime = { ctx, deps, stopped: true, drains: new Map(), draining: undefined };
  const deposits = createDeposits(rt);
  const hosting = createHosting(rt);
  let timer: ReturnType<typeof setInterval> | undefined;
  let unsubscribe: (() => void) | undefined;
  return {
    start() {
      rt.stopped = false;
      unsubscribe ??= ctx.transport.onPeer((e) => {
        if (e.type === 'connected' && ownMailboxes(ctx).some((m) => m.peerId === e.peer)) void drainAll(rt);
      });
      // Each round first pairs with mailboxes our other devices use and this one does not yet.
      const round = () => void pairWithLinks(rt).then(() => drainAll(rt));
      timer ??= setInterval(round, DRAIN_INTERVAL_MS);
      round();
    },
    stop() {
      rt.stopped = true;
      unsubscribe?.();
      unsubscribe = undefined;
      if (timer) clearInterval(timer);
      timer = undefined;
      cancelRetries(deposits);
    },
    add: (link) => addMailbox(rt, link),
    remove: (id) => removeMailbox(rt, id),
    list: () => listMailboxes(rt),
    // (pairing first with the mailboxes our other devices use, as each round does)
    drain: () => pairWithLinks(rt).then(() => drainAll(rt)),
    unreachable: (peerId) => unreachable(deposits, peerId),
    undelivered: (peerId, frame) => undelivered(deposits, peerId, frame),
    idle: () => idle(deposits),
    answer: (peer, request) => answer(hosting, peer, request),
    hosting: () => isHosting(hosting),
    offer: (contact) => offer(hosting, contact),
    revoke: (contact) => revoke(hosting, contact),
    accept: (contact) => accept(rt, contact),
    offers: () => offers(ctx),
    hostedFor: () => hostedFor(ctx),
    applied: (effects) => applied(rt, effects),
    followOwnDevice: (peer, link) => void followOwnDevice(rt, peer, link),
    devicesChanged: () => sweep(hosting),
  };
}
