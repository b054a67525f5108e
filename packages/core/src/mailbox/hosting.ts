/**
 * Holding mail for friends: we offer a contact to hold their mail on this daemon (offers.ts
 * carries the offer in a `mailbox` message, with a secret), answer their mailbox requests
 * (server.ts: each device the contact's latest device list names pairs with that secret under its
 * own PeerId, and only listed devices are served), and revoke it; and we accept a contact's offer
 * to hold ours (each of our devices pairs: docs/PROTOCOL.md §7 "Mailboxes on several devices").
 */
import type { OwnMailbox } from '../account/index.ts';
import { CoreError, equalBytes } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { ownerOf } from '../devices/index.ts';
import { compose, type Effects } from '../messaging/index.ts';
import type { ContactRecord } from '../ports/index.ts';
import { isMailRequest, MAILBOX_SECRET_BYTES } from './codec.ts';
import { drainOne } from './drain.ts';
import {
  acceptTokenOffer,
  encodeMailboxControl,
  type HostedAccount,
  loadHosted,
  loadOffers,
  offerLink,
  pendingOffer,
  saveHosted,
} from './offers.ts';
import { addMailbox, announce, contactNames, viewOf } from './pairing.ts';
import { type MailboxOfferView, type MailboxRuntime, type MailboxView, ownMailboxes } from './runtime.ts';
import { createMailboxServer, type MailboxServer } from './server.ts';

/** The mail one running Mailboxes holds for friends. */
export interface Hosting {
  readonly rt: MailboxRuntime;
  /** Answers friends' mailbox requests (opened on first use; none without a mail store). */
  server: MailboxServer | undefined;
  /** Whether we hold mail for anyone, once asked (undefined: ask the store). */
  cached: boolean | undefined;
}

export function createHosting(rt: MailboxRuntime): Hosting {
  return { rt, server: undefined, cached: undefined };
}

/** Answers a mailbox request made to us; undefined if not one (or we hold mail for no one). */
export function answer(h: Hosting, peer: string, request: Uint8Array): Uint8Array | undefined {
  if (!isMailRequest(request)) return undefined;
  return hostServer(h)?.answer(peer, request);
}

/** Whether we hold mail for anyone (then strangers may deposit: query admission). */
export function isHosting(h: Hosting): boolean {
  const { ctx } = h.rt;
  h.cached ??= ctx.store.transaction((tx) => loadHosted(ctx, tx)).length > 0;
  return h.cached;
}

/**
 * Offers to hold `contact`'s mail on this daemon, on each of their devices: every device of theirs
 * (those their device list names, now and later) may pair here with the secret the offer carries.
 * Offering again makes a new secret (links given before stop pairing; queues opened stay).
 */
export function offer(h: Hosting, contact: ContactRecord): void {
  const { ctx, deps } = h.rt;
  if (!hostServer(h))
    throw new CoreError('not-allowed', 'this daemon cannot hold mail for others (it has no mail store)');
  if (contact.state !== 'active') throw new CoreError('not-allowed', `${contact.name} is not a contact yet`);
  const secret = ctx.random(MAILBOX_SECRET_BYTES);
  const payload = encodeMailboxControl({ op: 'offer-devices', secret, addresses: ctx.transport.addresses() });
  const peers = ctx.store.transaction((tx) => {
    const others = loadHosted(ctx, tx).filter((x) => x.peer !== contact.peerId);
    saveHosted(ctx, tx, [...others, { peer: contact.peerId, secret }]);
    return compose(ctx, tx, contact, { kind: 'mailbox', payload }).frames.map((f) => f.peerId);
  });
  h.cached = true;
  for (const peer of peers) deps.kick(peer);
}

/** Stops holding mail for `contact`: what we hold for any device of theirs is deleted, and they are told. */
export function revoke(h: Hosting, contact: ContactRecord): boolean {
  const { ctx, deps } = h.rt;
  const hosted = ctx.store.transaction((tx) => loadHosted(ctx, tx));
  if (!hosted.some((x) => x.peer === contact.peerId)) return false;
  const peers = ctx.store.transaction((tx) => {
    saveHosted(
      ctx,
      tx,
      hosted.filter((x) => x.peer !== contact.peerId),
    );
    const payload = encodeMailboxControl({ op: 'withdrawn' });
    return compose(ctx, tx, contact, { kind: 'mailbox', payload }).frames.map((f) => f.peerId);
  });
  hostServer(h)?.revoke(contact.peerId);
  sweep(h);
  h.cached = undefined;
  for (const peer of peers) deps.kick(peer);
  return true;
}

/**
 * Closes every queue here whose owner is no longer a listed device of a contact we hold mail for
 * (a device removed from its account's list, a contact we stopped hosting), deleting what it held.
 * Run when a device list changes and before each pairing, so an account has at most as many
 * queues here as its list has devices (≤ 8).
 */
export function sweep(h: Hosting): void {
  const s = h.server ?? (isHosting(h) ? hostServer(h) : undefined);
  if (!s) return;
  for (const owner of s.owners()) if (!servesDevice(h, owner)) s.revoke(owner);
}

/** The contact we hold mail for that lists `peer` as one of its devices, if any. */
function hostedOwner(h: Hosting, peer: string): HostedAccount | undefined {
  const { ctx } = h.rt;
  return ctx.store.transaction((tx) => {
    const owner = ownerOf(ctx, tx, peer);
    if (owner?.kind !== 'contact' || owner.contact.state !== 'active') return undefined;
    const account = owner.contact.peerId;
    return loadHosted(ctx, tx).find((x) => x.peer === account);
  });
}

const servesDevice = (h: Hosting, peer: string): boolean => hostedOwner(h, peer) !== undefined;

/** Whether `peer` may pair here with `secret`: a listed device of a contact we offered it to. */
function mayPair(h: Hosting, peer: string, secret: Uint8Array): boolean {
  const hosted = hostedOwner(h, peer);
  if (!hosted?.secret || !equalBytes(hosted.secret, secret)) return false;
  sweep(h);
  return true;
}

/**
 * Accepts `contact`'s offer to hold our mail: this device pairs with their daemon, and our other
 * devices follow (a `mailbox` sync op with the pairing link), each under its own PeerId.
 */
export async function accept(rt: MailboxRuntime, contact: ContactRecord): Promise<MailboxView> {
  const { ctx } = rt;
  const pending = ctx.store.transaction((tx) => pendingOffer(ctx, tx, contact));
  if (pending.secret) return addMailbox(rt, offerLink({ ...pending, secret: pending.secret }));
  // An older daemon's offer: its token names the queue it opened for our founding device.
  let peerId = pending.peerId;
  announce(
    rt,
    (boxes) => boxes,
    (tx) => {
      peerId = acceptTokenOffer(ctx, tx, contact);
      return [];
    },
  );
  const box = ownMailboxes(ctx).find((m) => m.peerId === peerId) as OwnMailbox;
  void drainOne(rt, box);
  return viewOf(rt, box, contactNames(ctx));
}

/** Offers from contacts we have not answered. */
export function offers(ctx: Ctx): MailboxOfferView[] {
  const names = contactNames(ctx);
  return loadOffersOf(ctx).map((o) => ({
    contact: names.get(o.peerId) ?? o.peerId,
    receivedAt: o.receivedAt,
  }));
}

/** Contacts (names) we hold mail for. */
export function hostedFor(ctx: Ctx): string[] {
  const names = contactNames(ctx);
  return ctx.store.transaction((tx) => loadHosted(ctx, tx)).map((x) => names.get(x.peer) ?? x.peer);
}

/** After an incoming `mailbox` message committed (offers.ts): tell contacts our new card. */
export function applied(rt: MailboxRuntime, effects: Effects): void {
  if (effects.mailbox?.announce) announce(rt, (boxes) => boxes);
}

function hostServer(h: Hosting): MailboxServer | undefined {
  const { ctx, deps } = h.rt;
  if (h.server || !deps.mailStore) return h.server;
  h.server = createMailboxServer({
    store: deps.mailStore(),
    primitives: ctx.primitives,
    random: ctx.random,
    now: ctx.now,
    pairing: false,
    guests: {
      mayPair: (peer, secret) => mayPair(h, peer, secret),
      serves: (peer) => servesDevice(h, peer),
    },
  });
  return h.server;
}

const loadOffersOf = (ctx: Ctx) => ctx.store.transaction((tx) => loadOffers(ctx, tx));
