/**
 * Holding mail for friends: we offer a contact to hold their mail on this daemon (offers.ts
 * carries the offer in a `mailbox` message), answer their mailbox requests (server.ts, without
 * pairing), and revoke it; and we accept a contact's offer to hold ours.
 */
import type { OwnMailbox } from '../account/index.ts';
import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { compose, type Effects } from '../messaging/index.ts';
import type { ContactRecord } from '../ports/index.ts';
import { isMailRequest } from './codec.ts';
import { drainOne } from './drain.ts';
import { acceptOffer, encodeMailboxControl, loadHosted, loadOffers, saveHosted } from './offers.ts';
import { announce, viewOf } from './pairing.ts';
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

/** Offers to hold `contact`'s mail on this daemon (they accept it like a paired mailbox). */
export function offer(h: Hosting, contact: ContactRecord): void {
  const { ctx, deps } = h.rt;
  const s = hostServer(h);
  if (!s)
    throw new CoreError('not-allowed', 'this daemon cannot hold mail for others (it has no mail store)');
  if (contact.state !== 'active') throw new CoreError('not-allowed', `${contact.name} is not a contact yet`);
  const { token } = s.offer(contact.peerId);
  const payload = encodeMailboxControl({ op: 'offer', token, addresses: ctx.transport.addresses() });
  ctx.store.transaction((tx) => {
    saveHosted(ctx, tx, [...loadHosted(ctx, tx), contact.peerId]);
    compose(ctx, tx, contact, { kind: 'mailbox', payload });
  });
  h.cached = true;
  deps.kick(contact.peerId);
}

/** Stops holding mail for `contact`: what we hold for them is deleted, and they are told. */
export function revoke(h: Hosting, contact: ContactRecord): boolean {
  const { ctx, deps } = h.rt;
  const hosted = ctx.store.transaction((tx) => loadHosted(ctx, tx));
  if (!hosted.includes(contact.peerId)) return false;
  hostServer(h)?.revoke(contact.peerId);
  ctx.store.transaction((tx) => {
    saveHosted(
      ctx,
      tx,
      hosted.filter((p) => p !== contact.peerId),
    );
    compose(ctx, tx, contact, { kind: 'mailbox', payload: encodeMailboxControl({ op: 'withdrawn' }) });
  });
  h.cached = undefined;
  deps.kick(contact.peerId);
  return true;
}

/** Accepts `contact`'s offer to hold our mail: it becomes one of our mailboxes. */
export function accept(rt: MailboxRuntime, contact: ContactRecord): MailboxView {
  announce(
    rt,
    (boxes) => boxes,
    (tx) => {
      acceptOffer(rt.ctx, tx, contact);
      return [];
    },
  );
  const box = ownMailboxes(rt.ctx).find((m) => m.peerId === contact.peerId) as OwnMailbox;
  void drainOne(rt, box);
  return viewOf(rt, box, contactNames(rt.ctx));
}

/** Offers from contacts we have not answered. */
export function offers(ctx: Ctx): MailboxOfferView[] {
  const names = contactNames(ctx);
  return ctx.store
    .transaction((tx) => loadOffers(ctx, tx))
    .map((o) => ({ contact: names.get(o.peerId) ?? o.peerId, receivedAt: o.receivedAt }));
}

/** Contacts (names) we hold mail for. */
export function hostedFor(ctx: Ctx): string[] {
  const names = contactNames(ctx);
  return ctx.store.transaction((tx) => loadHosted(ctx, tx)).map((p) => names.get(p) ?? p);
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
  });
  return h.server;
}

function contactNames(ctx: Ctx): Map<string, string> {
  return ctx.store.transaction((tx) => new Map(tx.listContacts().map((c) => [c.peerId, c.name])));
}
