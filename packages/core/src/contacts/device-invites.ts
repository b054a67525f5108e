/**
 * Invites and introductions from a linked device (docs/MULTI-DEVICE.md "Invites on any device").
 * A card whose extension claims an account (account/device-claim.ts) makes a contact of the
 * account — its account id and identity key, so the safety number is the account's — with the
 * card's device as its one device for now: a provisional device list (no bytes) naming only that
 * device, replaced by the account's signed list as soon as that device sends it (devices/lists.ts
 * takes the first list of an account whatever its serial, and drops the provisional device if
 * that list does not name it).
 */
import type { ContactCard } from '@parley/crypto';
import { type ClaimedAccount, claimedAccount, encodeIdentityPublic } from '../account/index.ts';
import { CoreError, equalBytes } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ContactRecord, ContactsTx, DevicesTx, MessagesTx } from '../ports/index.ts';
import { decodeCardExtension } from '../wire/index.ts';
import { storeNewContact } from './new-contact.ts';

/** A device list held before the account's own: no bytes, one device (ports DevicesTx). */
export const PROVISIONAL_LIST: Uint8Array = new Uint8Array(0);

/** Where the session with a contact's device other than its founding one is kept (devices/lists.ts). */
export const deviceSessionKey = (contact: ContactRecord, peerId: string): string =>
  peerId === contact.peerId ? contact.id : `${contact.id}@${peerId}`;

/**
 * The account a card claims (undefined: none, a founding device's card); `false` if the claim
 * is damaged or not signed by the account for this card's device.
 */
export function claimOf(card: ContactCard, p: Ctx['primitives']): ClaimedAccount | undefined | false {
  let record: ReturnType<typeof decodeCardExtension>['account'];
  try {
    record = decodeCardExtension(card.extension).account;
  } catch {
    return false;
  }
  return claimedAccount(record, card, p);
}

/** The contact `peerId` is a device of (by its list or provisional one), if any. */
export function ownerOfDevice(tx: ContactsTx & DevicesTx, peerId: string): ContactRecord | undefined {
  const device = tx.getDevice(peerId);
  return device ? tx.getContact(device.owner) : undefined;
}

/**
 * The contact we already hold for a claimed account, checked against the claim: same identity,
 * and the card's device is not someone else's. Throws CoreError for an invite that contradicts
 * what we hold.
 */
export function knownAccount(
  tx: ContactsTx & DevicesTx,
  claim: ClaimedAccount,
  card: ContactCard,
): ContactRecord | undefined {
  const known = tx.getContactByPeerId(claim.accountId);
  const owner = ownerOfDevice(tx, card.peerId) ?? tx.getContactByPeerId(card.peerId);
  if (owner && owner.id !== known?.id)
    throw new CoreError(
      'bad-invite',
      `this invite names a device of another of your contacts (${owner.name})`,
    );
  if (known && !equalBytes(known.identityKey, encodeIdentityPublic(claim.identity)))
    throw new CoreError(
      'identity-changed',
      `this invite from ${card.displayName} carries another key than the one you hold for them; check it with them`,
    );
  return known;
}

/**
 * A new contact for a claimed account, its one device (for now) the card's: the account id and
 * identity key from the claim, no card of the account's first device yet (it comes with the list).
 */
export function addClaimedContact(
  ctx: Ctx,
  tx: ContactsTx & DevicesTx & MessagesTx,
  c: {
    readonly claim: ClaimedAccount;
    readonly card: ContactCard;
    readonly cardBytes: Uint8Array;
    readonly name: string;
    readonly state: ContactRecord['state'];
  },
): ContactRecord {
  const contact = storeNewContact(ctx, tx, {
    peerId: c.claim.accountId,
    name: c.name,
    identityKey: encodeIdentityPublic(c.claim.identity),
    card: new Uint8Array(0),
    addresses: c.card.addresses,
    state: c.state,
  });
  tx.putDeviceList(contact.id, PROVISIONAL_LIST, [
    {
      owner: contact.id,
      peerId: c.card.peerId,
      identityKey: encodeIdentityPublic(c.card.identity),
      card: c.cardBytes,
    },
  ]);
  return contact;
}

/**
 * The inviter's side of an introduction whose card claims an account: the contact to keep the
 * session under (new, or the account we know, if the device is one its list names), or undefined
 * to refuse it — our own account, a device of someone else, a key other than the one we hold.
 */
export function introducedAccount(
  ctx: Ctx,
  tx: ContactsTx & DevicesTx & MessagesTx,
  c: {
    readonly claim: ClaimedAccount;
    readonly card: ContactCard;
    readonly cardBytes: Uint8Array;
    readonly name: string;
  },
  ownAccountId: string,
): { contact: ContactRecord; known: boolean } | undefined {
  const { claim, card } = c;
  if (claim.accountId === ownAccountId || tx.getDevice(claim.accountId)) return undefined;
  const known = tx.getContactByPeerId(claim.accountId);
  const device = tx.getDevice(card.peerId);
  if (!known) {
    if (device || tx.getContactByPeerId(card.peerId)) return undefined; // someone else's
    return { contact: addClaimedContact(ctx, tx, { ...c, state: 'active' }), known: false };
  }
  // An account we know speaks through the devices its list names, with the keys it names.
  const sameAccount = equalBytes(known.identityKey, encodeIdentityPublic(claim.identity));
  const listed =
    device?.owner === known.id && equalBytes(device.identityKey, encodeIdentityPublic(card.identity));
  if (!sameAccount || !listed) return undefined;
  const contact: ContactRecord =
    known.state === 'introduced' ? { ...known, state: 'active', updatedAt: ctx.now() } : known;
  tx.putContact(contact);
  return { contact, known: true };
}
