/**
 * Friends as mailboxes (issue 17): a contact's daemon offers to hold our mail while we are away
 * (`parley mailbox offer CONTACT` on their side), we accept it like a paired mailbox, and either
 * side can end it. The offer travels end-to-end encrypted as a `mailbox` application message:
 *
 *   payload = 0x01 (offer) ‖ deposit token (16) ‖ k u8 (0..4) ‖ k × address (u16 len ‖ UTF-8)
 *           | 0x02 (withdrawn)
 *
 *           | 0x03 (offer to every device) ‖ secret (32) ‖ k u8 (0..4) ‖ k × address
 *
 * The offering daemon is the mailbox: its PeerId is the sender's. Offers we have not accepted
 * wait, sealed, in the account's meta (at most one per contact); the ones we hold mail for are
 * listed there too (with the secret we offered), so query admission knows without opening the
 * mail store. With `0x03` each device of the account pairs under its own PeerId with the secret,
 * as with a mailbox node's link, and the daemon pairs only devices the account's list names
 * (docs/PROTOCOL.md §7 "Mailboxes on several devices"); `0x01`, from an older daemon, serves the
 * founding device alone.
 */
import {
  accountIdOf,
  loadMailboxLinks,
  loadOwnMailboxes,
  saveMailboxLinks,
  saveOwnMailboxes,
} from '../account/index.ts';
import {
  CoreError,
  fromBase64Url,
  fromUtf8,
  InboundError,
  Reader,
  toBase64Url,
  utf8,
  Writer,
} from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { Effects, MailboxEffects } from '../messaging/index.ts';
import type { AccountTx, ContactRecord, StoreTx } from '../ports/index.ts';
import {
  MAILBOX_TOKEN_BYTES,
  MAILBOXES_PER_ACCOUNT_MAX,
  readAddresses,
  writeAddresses,
} from '../wire/index.ts';
import { decodeMailboxLink, encodeMailboxLink, MAILBOX_SECRET_BYTES } from './codec.ts';

const OP_OFFER = 0x01;
const OP_WITHDRAWN = 0x02;
const OP_OFFER_DEVICES = 0x03;
const OFFERS_KEY = 'mailbox-offers';
const HOSTED_KEY = 'mailbox-hosted';

export type MailboxControl =
  | { readonly op: 'offer'; readonly token: Uint8Array; readonly addresses: readonly string[] }
  | { readonly op: 'offer-devices'; readonly secret: Uint8Array; readonly addresses: readonly string[] }
  | { readonly op: 'withdrawn' };

export function encodeMailboxControl(c: MailboxControl): Uint8Array {
  if (c.op === 'withdrawn') return Uint8Array.of(OP_WITHDRAWN);
  const w =
    c.op === 'offer'
      ? new Writer().u8(OP_OFFER).bytes(c.token)
      : new Writer().u8(OP_OFFER_DEVICES).bytes(c.secret);
  writeAddresses(w, c.addresses);
  return w.done();
}

export function decodeMailboxControl(bytes: Uint8Array): MailboxControl {
  try {
    const r = new Reader(bytes, 'mailbox offer');
    const op = r.u8();
    if (op === OP_WITHDRAWN) {
      r.end();
      return { op: 'withdrawn' };
    }
    if (op === OP_OFFER_DEVICES) {
      const secret = r.take(MAILBOX_SECRET_BYTES).slice();
      const addresses = readAddresses(r);
      r.end();
      return { op: 'offer-devices', secret, addresses };
    }
    if (op !== OP_OFFER) throw new Error('unknown op');
    const token = r.take(MAILBOX_TOKEN_BYTES).slice();
    const addresses = readAddresses(r);
    r.end();
    return { op: 'offer', token, addresses };
  } catch {
    throw new InboundError('bad-message', 'a mailbox offer that does not parse');
  }
}

/**
 * An offer waiting for our answer: `secret` (0x03) lets each of our devices pair under its own
 * PeerId; a `token` (0x01, an older daemon) names the queue it opened for our founding device.
 */
export interface PendingOffer {
  readonly peerId: string;
  readonly token: Uint8Array | null;
  readonly secret: Uint8Array | null;
  readonly addresses: readonly string[];
  readonly receivedAt: number;
}

interface StoredOffer {
  readonly peerId: string;
  readonly token: string | null;
  readonly secret?: string | null;
  readonly addresses: readonly string[];
  readonly receivedAt: number;
}

/** A contact we hold mail for (its account id) and the secret its devices pair with (null: 0x01). */
export interface HostedAccount {
  readonly peer: string;
  readonly secret: Uint8Array | null;
}

function loadJson<T>(ctx: Ctx, tx: AccountTx, key: string): T[] {
  const sealed = tx.getMeta(key);
  return sealed ? (JSON.parse(fromUtf8(ctx.account.vault.open(`meta:${key}`, sealed))) as T[]) : [];
}

function saveJson<T>(ctx: Ctx, tx: AccountTx, key: string, list: readonly T[]): void {
  if (list.length === 0) tx.deleteMeta(key);
  else tx.setMeta(key, ctx.account.vault.seal(`meta:${key}`, utf8(JSON.stringify(list))));
}

const bytesOrNull = (text: string | null | undefined): Uint8Array | null =>
  typeof text === 'string' ? fromBase64Url(text) : null;
const textOrNull = (bytes: Uint8Array | null): string | null => (bytes ? toBase64Url(bytes) : null);

export const loadOffers = (ctx: Ctx, tx: AccountTx): PendingOffer[] =>
  loadJson<StoredOffer>(ctx, tx, OFFERS_KEY).map((o) => ({
    peerId: o.peerId,
    token: bytesOrNull(o.token),
    secret: bytesOrNull(o.secret),
    addresses: o.addresses,
    receivedAt: o.receivedAt,
  }));

function saveOffers(ctx: Ctx, tx: AccountTx, offers: readonly PendingOffer[]): void {
  saveJson<StoredOffer>(
    ctx,
    tx,
    OFFERS_KEY,
    offers.map((o) => ({ ...o, token: textOrNull(o.token), secret: textOrNull(o.secret) })),
  );
}

/** Drops the pending offer of mailbox `peerId` (we paired with it: pairing.ts). */
export function dropOffer(ctx: Ctx, tx: AccountTx, peerId: string): void {
  const offers = loadOffers(ctx, tx);
  const others = offers.filter((o) => o.peerId !== peerId);
  if (others.length !== offers.length) saveOffers(ctx, tx, others);
}

/** The contacts we hold mail for (stored as bare PeerIds before offers named every device). */
export const loadHosted = (ctx: Ctx, tx: AccountTx): HostedAccount[] =>
  loadJson<string | { peer: string; secret: string | null }>(ctx, tx, HOSTED_KEY).map((h) =>
    typeof h === 'string' ? { peer: h, secret: null } : { peer: h.peer, secret: bytesOrNull(h.secret) },
  );
export function saveHosted(ctx: Ctx, tx: AccountTx, hosted: readonly HostedAccount[]): void {
  const byPeer = new Map(hosted.map((h) => [h.peer, h]));
  saveJson(
    ctx,
    tx,
    HOSTED_KEY,
    [...byPeer.values()].map((h) => ({ peer: h.peer, secret: textOrNull(h.secret) })),
  );
}

const mailboxEffects = (effects: Effects): MailboxEffects => {
  effects.mailbox ??= { announce: false, offers: [] };
  return effects.mailbox;
};

/**
 * Applies a contact's `mailbox` message (inside the inbox's transaction), on whichever of our
 * devices it reaches; `device` is the contact's device that sent it, the mailbox.
 */
export function applyMailboxControl(
  ctx: Ctx,
  tx: AccountTx,
  contact: ContactRecord,
  payload: Uint8Array,
  effects: Effects,
  device: string = contact.peerId,
): Effects {
  if (contact.state !== 'active') throw new InboundError('not-admitted', 'mailbox offers come from contacts');
  const control = decodeMailboxControl(payload);
  // An older daemon's offer names a queue it opened for our founding device alone.
  if (control.op === 'offer' && accountIdOf(ctx.account.info) !== ctx.account.info.peerId) return effects;
  const others = loadOffers(ctx, tx).filter((o) => o.peerId !== device);
  const own = loadOwnMailboxes(tx, ctx.account.vault);
  const using = own.find((m) => m.peerId === device && m.kind === 'friend');
  if (control.op === 'withdrawn') {
    saveOffers(ctx, tx, others);
    forgetLink(ctx, tx, device);
    if (using) {
      saveOwnMailboxes(
        tx,
        ctx.account.vault,
        own.filter((m) => m !== using),
      );
      mailboxEffects(effects).announce = true;
    }
    effects.contactChanged = true;
    return effects;
  }
  if (using && control.op === 'offer') {
    // Already accepted: a new offer is a new token (they re-keyed); take it and tell contacts.
    saveOwnMailboxes(
      tx,
      ctx.account.vault,
      own.map((m) => (m === using ? { ...m, token: control.token, addresses: control.addresses } : m)),
    );
    mailboxEffects(effects).announce = true;
    return effects;
  }
  if (using && control.op === 'offer-devices' && linkOf(ctx, tx, device) !== undefined) {
    // Already accepted: our queue there stays; a device of ours that pairs later uses the new secret.
    keepLink(
      ctx,
      tx,
      device,
      encodeMailboxLink({ peerId: device, secret: control.secret, addresses: control.addresses }),
    );
    return effects;
  }
  // (one accepted from an older daemon, by token, is offered again: accepting pairs every device)
  const offer: PendingOffer = {
    peerId: device,
    token: control.op === 'offer' ? control.token : null,
    secret: control.op === 'offer-devices' ? control.secret : null,
    addresses: control.addresses,
    receivedAt: ctx.now(),
  };
  saveOffers(ctx, tx, [...others, offer]);
  mailboxEffects(effects).offers.push(contact.name);
  effects.contactChanged = true;
  return effects;
}

/** A contact's pending offer (from any of its devices); throws if there is none. */
export function pendingOffer(ctx: Ctx, tx: StoreTx, contact: ContactRecord): PendingOffer {
  const mine = new Set([contact.peerId, ...tx.listDevices(contact.id).map((d) => d.peerId)]);
  const offer = loadOffers(ctx, tx).find((o) => mine.has(o.peerId));
  if (!offer)
    throw new CoreError(
      'bad-input',
      `${contact.name} has not offered to hold your mail (they can: parley mailbox offer <your name>)`,
    );
  return offer;
}

/** The pairing link each of our devices pairs with to take an offer made to every device. */
export const offerLink = (offer: PendingOffer & { readonly secret: Uint8Array }): string =>
  encodeMailboxLink({ peerId: offer.peerId, secret: offer.secret, addresses: offer.addresses });

/**
 * Moves an older daemon's pending offer (a token for our founding device's queue) to our
 * mailboxes, inside `tx`; returns its mailbox's PeerId.
 */
export function acceptTokenOffer(ctx: Ctx, tx: StoreTx, contact: ContactRecord): string {
  const offer = pendingOffer(ctx, tx, contact);
  const own = loadOwnMailboxes(tx, ctx.account.vault).filter((m) => m.peerId !== offer.peerId);
  if (own.length >= MAILBOXES_PER_ACCOUNT_MAX)
    throw new CoreError(
      'not-allowed',
      `an account uses at most ${MAILBOXES_PER_ACCOUNT_MAX} mailboxes; remove one first (parley mailbox remove ID)`,
    );
  saveOwnMailboxes(tx, ctx.account.vault, [
    ...own,
    {
      peerId: offer.peerId,
      token: offer.token ?? new Uint8Array(MAILBOX_TOKEN_BYTES),
      addresses: offer.addresses,
      kind: 'friend',
      addedAt: ctx.now(),
      quota: null,
    },
  ]);
  dropOffer(ctx, tx, offer.peerId);
  return offer.peerId;
}

// ---- the pairing links our devices share (meta `mailbox-links`, pairing.ts) ----

function linkOf(ctx: Ctx, tx: AccountTx, peerId: string): string | undefined {
  return loadMailboxLinks(tx, ctx.account.vault).find((l) => mailboxLinkPeer(l) === peerId);
}

/** Keeps (or with null forgets) the pairing link of mailbox `peerId` for our devices. */
export function keepLink(ctx: Ctx, tx: AccountTx, peerId: string, link: string | null): void {
  const { vault } = ctx.account;
  const others = loadMailboxLinks(tx, vault).filter((l) => mailboxLinkPeer(l) !== peerId);
  saveMailboxLinks(tx, vault, link === null ? others : [...others, link].slice(-MAILBOXES_PER_ACCOUNT_MAX));
}

const forgetLink = (ctx: Ctx, tx: AccountTx, peerId: string): void => {
  if (linkOf(ctx, tx, peerId) !== undefined) keepLink(ctx, tx, peerId, null);
};

/** The mailbox a pairing link names, or undefined for one that does not decode. */
export const mailboxLinkPeer = (link: string): string | undefined => {
  try {
    return decodeMailboxLink(link).peerId;
  } catch {
    return undefined;
  }
};
