/**
 * Friends as mailboxes (issue 17): a contact's daemon offers to hold our mail while we are away
 * (`parley mailbox offer CONTACT` on their side), we accept it like a paired mailbox, and either
 * side can end it. The offer travels end-to-end encrypted as a `mailbox` application message:
 *
 *   payload = 0x01 (offer) ‖ deposit token (16) ‖ k u8 (0..4) ‖ k × address (u16 len ‖ UTF-8)
 *           | 0x02 (withdrawn)
 *
 * The offering daemon is the mailbox: its PeerId is the sender's. Offers we have not accepted
 * wait, sealed, in the account's meta (at most one per contact); the ones we hold mail for are
 * listed there too, so query admission knows without opening the mail store.
 */
import { loadOwnMailboxes, saveOwnMailboxes } from '../account/index.ts';
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
import type { AccountTx, ContactRecord } from '../ports/index.ts';
import {
  MAILBOX_TOKEN_BYTES,
  MAILBOXES_PER_ACCOUNT_MAX,
  readAddresses,
  writeAddresses,
} from '../wire/index.ts';

const OP_OFFER = 0x01;
const OP_WITHDRAWN = 0x02;
const OFFERS_KEY = 'mailbox-offers';
const HOSTED_KEY = 'mailbox-hosted';

export type MailboxControl =
  | { readonly op: 'offer'; readonly token: Uint8Array; readonly addresses: readonly string[] }
  | { readonly op: 'withdrawn' };

export function encodeMailboxControl(c: MailboxControl): Uint8Array {
  if (c.op === 'withdrawn') return Uint8Array.of(OP_WITHDRAWN);
  const w = new Writer().u8(OP_OFFER).bytes(c.token);
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
    if (op !== OP_OFFER) throw new Error('unknown op');
    const token = r.take(MAILBOX_TOKEN_BYTES).slice();
    const addresses = readAddresses(r);
    r.end();
    return { op: 'offer', token, addresses };
  } catch {
    throw new InboundError('bad-message', 'a mailbox offer that does not parse');
  }
}

/** An offer waiting for our answer. */
export interface PendingOffer {
  readonly peerId: string;
  readonly token: Uint8Array;
  readonly addresses: readonly string[];
  readonly receivedAt: number;
}

interface StoredOffer {
  readonly peerId: string;
  readonly token: string;
  readonly addresses: readonly string[];
  readonly receivedAt: number;
}

function loadJson<T>(ctx: Ctx, tx: AccountTx, key: string): T[] {
  const sealed = tx.getMeta(key);
  return sealed ? (JSON.parse(fromUtf8(ctx.account.vault.open(`meta:${key}`, sealed))) as T[]) : [];
}

function saveJson<T>(ctx: Ctx, tx: AccountTx, key: string, list: readonly T[]): void {
  if (list.length === 0) tx.deleteMeta(key);
  else tx.setMeta(key, ctx.account.vault.seal(`meta:${key}`, utf8(JSON.stringify(list))));
}

export const loadOffers = (ctx: Ctx, tx: AccountTx): PendingOffer[] =>
  loadJson<StoredOffer>(ctx, tx, OFFERS_KEY).map((o) => ({ ...o, token: fromBase64Url(o.token) }));

function saveOffers(ctx: Ctx, tx: AccountTx, offers: readonly PendingOffer[]): void {
  saveJson<StoredOffer>(
    ctx,
    tx,
    OFFERS_KEY,
    offers.map((o) => ({ ...o, token: toBase64Url(o.token) })),
  );
}

/** PeerIds of the contacts we hold mail for. */
export const loadHosted = (ctx: Ctx, tx: AccountTx): string[] => loadJson<string>(ctx, tx, HOSTED_KEY);
export const saveHosted = (ctx: Ctx, tx: AccountTx, peers: readonly string[]): void =>
  saveJson(ctx, tx, HOSTED_KEY, [...new Set(peers)]);

const mailboxEffects = (effects: Effects): MailboxEffects => {
  effects.mailbox ??= { announce: false, offers: [] };
  return effects.mailbox;
};

/** Applies a contact's `mailbox` message (inside the inbox's transaction). */
export function applyMailboxControl(
  ctx: Ctx,
  tx: AccountTx,
  contact: ContactRecord,
  payload: Uint8Array,
  effects: Effects,
): Effects {
  if (contact.state !== 'active') throw new InboundError('not-admitted', 'mailbox offers come from contacts');
  const control = decodeMailboxControl(payload);
  const others = loadOffers(ctx, tx).filter((o) => o.peerId !== contact.peerId);
  const own = loadOwnMailboxes(tx, ctx.account.vault);
  const using = own.find((m) => m.peerId === contact.peerId && m.kind === 'friend');
  if (control.op === 'withdrawn') {
    saveOffers(ctx, tx, others);
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
  if (using) {
    // Already accepted: a new offer is a new token (they re-keyed); take it and tell contacts.
    saveOwnMailboxes(
      tx,
      ctx.account.vault,
      own.map((m) => (m === using ? { ...m, token: control.token, addresses: control.addresses } : m)),
    );
    mailboxEffects(effects).announce = true;
    return effects;
  }
  const offer = {
    peerId: contact.peerId,
    token: control.token,
    addresses: control.addresses,
    receivedAt: ctx.now(),
  };
  saveOffers(ctx, tx, [...others, offer]);
  mailboxEffects(effects).offers.push(contact.name);
  effects.contactChanged = true;
  return effects;
}

/** Moves a contact's pending offer to our mailboxes (inside `tx`); throws if there is none. */
export function acceptOffer(ctx: Ctx, tx: AccountTx, contact: ContactRecord): void {
  const offers = loadOffers(ctx, tx);
  const offer = offers.find((o) => o.peerId === contact.peerId);
  if (!offer)
    throw new CoreError(
      'bad-input',
      `${contact.name} has not offered to hold your mail (they can: parley mailbox offer <your name>)`,
    );
  const own = loadOwnMailboxes(tx, ctx.account.vault).filter((m) => m.peerId !== contact.peerId);
  if (own.length >= MAILBOXES_PER_ACCOUNT_MAX)
    throw new CoreError(
      'not-allowed',
      `an account uses at most ${MAILBOXES_PER_ACCOUNT_MAX} mailboxes; remove one first (parley mailbox remove ID)`,
    );
  saveOwnMailboxes(tx, ctx.account.vault, [
    ...own,
    {
      peerId: contact.peerId,
      token: offer.token,
      addresses: offer.addresses,
      kind: 'friend',
      addedAt: ctx.now(),
      quota: null,
    },
  ]);
  saveOffers(
    ctx,
    tx,
    offers.filter((o) => o !== offer),
  );
}
