/**
 * Invites, introductions and the contact book (DESIGN.md §2).
 *
 * Flow: Alice creates an invite (a signed card carrying a token). Bob accepts
 * it: he starts a session from Alice's card and queues ONE introduction frame
 * (token + first ratchet message carrying his own card) to Alice's
 * `/parley/intro/1.0.0`. Alice checks the token first, then the session, then
 * that Bob's card is signed by the identity that ran the handshake and names
 * the PeerId the transport authenticated. Both end up with each other as
 * contacts; Alice replies with a `welcome` message through the ratchet.
 */
import {
  type ContactCard,
  CryptoError,
  createContactCard,
  decodeContactCard,
  encrypt,
  initiateSession,
  safetyNumber,
} from '@parley/crypto';
import {
  accountIdOf,
  type ClaimedAccount,
  checkDisplayName,
  claimForDevice,
  currentSignedPrekey,
  encodeIdentityPublic,
  kemPrekeyToPublish,
  loadOwnMailboxes,
  newOneTimeKemPrekey,
  newOneTimePrekey,
} from '../account/index.ts';
import { CoreError, equalBytes } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { AccountTx, ContactRecord, ContactsTx, MessagesTx } from '../ports/index.ts';
import { saveSession } from '../sessions/index.ts';
import {
  decodeInviteExtension,
  decodeInviteLink,
  encodeAppMessage,
  encodeCardExtension,
  encodeIntro,
  encodeInviteExtension,
  encodeInviteLink,
  frameDigest,
  INVITE_MAX_ADDRESSES,
  INVITE_TOKEN_BYTES,
  newMessageId,
} from '../wire/index.ts';
import { addClaimedContact, claimOf, deviceSessionKey, knownAccount } from './device-invites.ts';
import { tokenHash } from './introductions.ts';
import { storeNewContact } from './new-contact.ts';

/** Default lifetime of a single-use invite. */
export const INVITE_DEFAULT_TTL_MS: number = 30 * 24 * 3600 * 1000;
/** Default lifetime of a reusable invite (for posting publicly): shorter on purpose. */
export const REUSABLE_INVITE_DEFAULT_TTL_MS: number = 7 * 24 * 3600 * 1000;

export interface InviteOptions {
  readonly reusable?: boolean;
  /** Lifetime in ms; defaults above. */
  readonly ttlMs?: number;
  /**
   * A single-use invite also carries a one-time ML-KEM-768 prekey (packages/crypto SPEC.md §3.1):
   * the first messages then stay confidential to a quantum adversary even if the signed KEM prekey
   * leaks before it is deleted. Off by default: it adds 1,252 bytes (1,670 characters) and puts the
   * link beyond the largest QR code (2,953 bytes at level L); for links sent as text.
   */
  readonly oneTimeKemPrekey?: boolean;
}

export interface Invite {
  readonly link: string;
  readonly reusable: boolean;
  readonly expiresAt: number;
}

/**
 * Our signed card: `extension` carries the invite fields when this card is an invite. Always suite 2
 * (packages/crypto SPEC.md §4): it carries our signed ML-KEM-768 prekey; a single-use invite
 * (`oneTime`) a one-time X25519 prekey, and with `oneTimeKem` a one-time KEM prekey of the same id.
 */
export function ownCard(
  ctx: Ctx,
  tx: AccountTx,
  extras: { oneTime?: boolean; oneTimeKem?: boolean; invite?: Uint8Array },
): {
  card: Uint8Array;
  oneTimePrekeyId: number | null;
} {
  const { account, primitives: p } = ctx;
  const spk = currentSignedPrekey(tx, account.vault, p);
  const kpk = kemPrekeyToPublish(tx, account, ctx.now(), ctx.random, p);
  const otpk = extras.oneTime ? newOneTimePrekey(tx, account.vault, ctx.random, p) : undefined;
  const kotpk =
    otpk && extras.oneTimeKem ? newOneTimeKemPrekey(tx, account, otpk.id, ctx.random, p) : undefined;
  // The invite record (if any), the mailboxes contacts may deposit our mail at (card-extension.ts)
  // and, on a linked device, the account it speaks for (account/device-claim.ts).
  const claim = claimForDevice(account, p);
  const extension = encodeCardExtension({
    ...(extras.invite ? { invite: extras.invite } : {}),
    mailboxes: loadOwnMailboxes(tx, account.vault),
    ...(claim ? { account: claim } : {}),
  });
  const fields = {
    peerId: account.info.peerId,
    displayName: account.info.name,
    addresses: ctx.transport.addresses().slice(0, INVITE_MAX_ADDRESSES),
    signedPrekey: {
      id: spk.id,
      createdAt: spk.createdAt,
      publicKey: spk.publicKey,
      signature: spk.signature,
    },
    kemPrekey: kpk.publicKey,
    issuedAt: ctx.now(),
    ...(otpk ? { oneTimePrekey: { id: otpk.id, publicKey: otpk.publicKey } } : {}),
    ...(kotpk ? { oneTimeKemPrekey: kotpk.publicKey } : {}),
    ...(extension.length > 0 ? { extension } : {}),
  };
  return { card: createContactCard(account.identity, fields, p), oneTimePrekeyId: otpk?.id ?? null };
}

export function createInvite(ctx: Ctx, options: InviteOptions = {}): Invite {
  const reusable = options.reusable ?? false;
  const ttl = options.ttlMs ?? (reusable ? REUSABLE_INVITE_DEFAULT_TTL_MS : INVITE_DEFAULT_TTL_MS);
  if (!Number.isInteger(ttl) || ttl < 60_000 || ttl > 365 * 24 * 3600 * 1000) {
    throw new CoreError('bad-input', 'an invite lives between one minute and one year');
  }
  const token = ctx.random(INVITE_TOKEN_BYTES);
  const now = ctx.now();
  const expiresAt = now + ttl;
  const invite = encodeInviteExtension({ reusable, token, expiresAt });
  const card = ctx.store.transaction((tx) => {
    const oneTimeKem = !reusable && options.oneTimeKemPrekey === true;
    const made = ownCard(ctx, tx, { oneTime: !reusable, oneTimeKem, invite });
    tx.putInvite({
      tokenHash: tokenHash(token),
      createdAt: now,
      expiresAt,
      reusable,
      uses: 0,
      oneTimePrekeyId: made.oneTimePrekeyId,
    });
    return made.card;
  });
  return { link: encodeInviteLink(card), reusable, expiresAt };
}

/** Reads and verifies an invite link without changing anything. */
export function readInvite(
  ctx: Ctx,
  link: string,
): { card: ContactCard; token: Uint8Array; expiresAt: number | null; account?: ClaimedAccount } {
  const bytes = decodeInviteLink(link);
  let card: ContactCard;
  try {
    card = decodeContactCard(bytes, ctx.primitives);
  } catch (error) {
    const why = error instanceof CryptoError ? ` (${error.code})` : '';
    throw new CoreError(
      'bad-invite',
      `this invite link was damaged or tampered with${why}; ask for a new one`,
    );
  }
  const ext = decodeInviteExtension(card.extension);
  if (ext.expiresAt !== null && ext.expiresAt <= ctx.now()) {
    throw new CoreError(
      'invite-expired',
      `this invite from ${card.displayName} has expired; ask them for a new one`,
    );
  }
  // A linked device's invite names the account it speaks for, signed by the account (PROTOCOL §7).
  const claim = claimOf(card, ctx.primitives);
  if (claim === false)
    throw new CoreError('bad-invite', 'this invite names an account that did not sign it; ask for a new one');
  const ours = accountIdOf(ctx.account.info);
  if (card.peerId === ctx.account.info.peerId || card.peerId === ours || claim?.accountId === ours)
    throw new CoreError('own-invite', 'this is your own invite; send it to someone else');
  return { card, token: ext.token, expiresAt: ext.expiresAt, ...(claim ? { account: claim } : {}) };
}

/**
 * Accepts an invite: the new contact is 'pending' until the inviter accepts our introduction. An
 * invite from someone we know only through a group makes them one of our contacts on our side.
 */
export function acceptInvite(ctx: Ctx, link: string, localName?: string): ContactRecord {
  const { card, token, account: claim } = readInvite(ctx, link);
  const { account, primitives: p } = ctx;
  const session = initiateSession(account.identity, card, ctx.random, p);
  return ctx.store.transaction((tx) => {
    if (tx.getDevice(card.peerId)?.owner === 'self' || tx.getDevice(claim?.accountId ?? '')?.owner === 'self')
      throw new CoreError(
        'own-invite',
        'this invite is from another of your devices; send it to someone else',
      );
    const known = claim ? knownAccount(tx, claim, card) : tx.getContactByPeerId(card.peerId);
    if (known?.state === 'introduced') return keepIntroduced(ctx, tx, known, card, localName, claim);
    if (known) {
      throw new CoreError('contact-exists', `${card.displayName} is already one of your contacts`);
    }
    const wanted = checkDisplayName(localName ?? card.displayName);
    if (localName !== undefined && tx.getContactByName(wanted)) {
      throw new CoreError('name-taken', `you already have a contact named "${wanted}"; choose another name`);
    }
    const now = ctx.now();
    const { card: mine } = ownCard(ctx, tx, {});
    const body = { kind: 'profile', name: account.info.name, card: mine } as const;
    const plaintext = encodeAppMessage({ id: newMessageId(ctx), seq: 0, sentAt: now, body });
    const { session: next, message } = encrypt(session, plaintext, p);
    const intro = encodeIntro(token, message);
    const cardBytes = decodeInviteLink(link).slice();
    // A linked device's invite: the account is the contact, the device its one device until the
    // account's list comes (device-invites.ts).
    const contact = claim
      ? addClaimedContact(ctx, tx, { claim, card, cardBytes, name: wanted, state: 'pending' })
      : addContact(ctx, tx, { peerId: card.peerId, name: wanted, card, cardBytes, state: 'pending' });
    saveSession(tx, account.vault, deviceSessionKey(contact, card.peerId), next);
    tx.enqueueOutbox({
      peerId: card.peerId,
      kind: 'intro',
      frame: intro,
      digest: frameDigest(intro, ctx.primitives.sha256),
      message: null,
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
    });
    return contact;
  });
}

/**
 * A member we know through a group, whose own invite the user accepted: now one of their contacts,
 * with the invite's card and addresses (their own). The session the group started stays (messages
 * may be on their way in it); nothing is sent: their side marks us as they choose.
 */
function keepIntroduced(
  ctx: Ctx,
  tx: ContactsTx,
  known: ContactRecord,
  card: ContactCard,
  localName: string | undefined,
  claim: ClaimedAccount | undefined,
): ContactRecord {
  if (!equalBytes(known.identityKey, encodeIdentityPublic(claim?.identity ?? card.identity)))
    throw new CoreError(
      'identity-changed',
      `this invite from ${card.displayName} carries another key than the one their group gave you; check it with them`,
    );
  const name = localName === undefined ? known.name : checkDisplayName(localName);
  const other = tx.getContactByName(name);
  if (other && other.id !== known.id)
    throw new CoreError('name-taken', `you already have a contact named "${name}"; choose another name`);
  const kept: ContactRecord = {
    ...known,
    name,
    state: 'active',
    // (a linked device's card: its addresses are the device's, not the account's first device's)
    addresses: claim ? known.addresses : card.addresses,
    updatedAt: ctx.now(),
  };
  tx.putContact(kept);
  return kept;
}

/** Stores a new contact, with its (empty) direct conversation, from a verified card. */
export function addContact(
  ctx: Ctx,
  tx: ContactsTx & MessagesTx,
  c: {
    peerId: string;
    name: string;
    card: ContactCard;
    cardBytes: Uint8Array;
    state: ContactRecord['state'];
    /** The addresses we may dial (default: the card's; a vouched card's are filtered, address-scope.ts). */
    addresses?: readonly string[];
  },
): ContactRecord {
  return storeNewContact(ctx, tx, {
    peerId: c.peerId,
    name: c.name,
    identityKey: encodeIdentityPublic(c.card.identity),
    card: c.cardBytes,
    addresses: c.addresses ?? c.card.addresses,
    state: c.state,
  });
}

export function findContact(tx: ContactsTx, name: string): ContactRecord {
  const contact = tx.getContactByName(name.trim());
  if (!contact)
    throw new CoreError('unknown-contact', `no contact named "${name}"; see "parley contacts list"`);
  return contact;
}

export function renameContact(ctx: Ctx, oldName: string, newName: string): ContactRecord {
  return ctx.store.transaction((tx) => {
    const contact = findContact(tx, oldName);
    const name = checkDisplayName(newName);
    const other = tx.getContactByName(name);
    if (other && other.id !== contact.id)
      throw new CoreError('name-taken', `you already have a contact named "${name}"`);
    const renamed = { ...contact, name, updatedAt: ctx.now() };
    tx.putContact(renamed);
    return renamed;
  });
}

/** Removes the contact, their session, conversation and queued messages. */
export function removeContact(ctx: Ctx, name: string): ContactRecord {
  return ctx.store.transaction((tx) => {
    const contact = findContact(tx, name);
    for (const entry of tx.listOutbox(contact.peerId)) tx.deleteOutbox(entry.seq);
    tx.deleteConversation(contact.id);
    tx.deleteContact(contact.id);
    return contact;
  });
}

export function contactSafetyNumber(ctx: Ctx, contact: ContactRecord): ReturnType<typeof safetyNumber> {
  const theirs = contact.pendingIdentityKey ?? contact.identityKey;
  return safetyNumber(
    { identity: ctx.account.accountIdentity.publicIdentity, peerId: accountIdOf(ctx.account.info) },
    {
      identity: { signingKey: theirs.slice(0, 32), agreementKey: theirs.slice(32, 64) },
      peerId: contact.peerId,
    },
    ctx.primitives,
  );
}

export function markVerified(ctx: Ctx, name: string, verified: boolean): ContactRecord {
  return ctx.store.transaction((tx) => {
    const contact = findContact(tx, name);
    if (contact.pendingIdentityKey && verified) {
      throw new CoreError(
        'identity-changed',
        `${contact.name}'s key changed; accept the new key first, then verify it`,
      );
    }
    const next = { ...contact, verified, updatedAt: ctx.now() };
    tx.putContact(next);
    return next;
  });
}

/** The user accepts a contact's new identity key; they must verify it again. */
export function acceptIdentityChange(ctx: Ctx, name: string): ContactRecord {
  return ctx.store.transaction((tx) => {
    const contact = findContact(tx, name);
    if (!contact.pendingIdentityKey)
      throw new CoreError('bad-input', `${contact.name}'s key has not changed`);
    const next = {
      ...contact,
      identityKey: contact.pendingIdentityKey,
      pendingIdentityKey: null,
      verified: false,
      updatedAt: ctx.now(),
    };
    tx.putContact(next);
    return next;
  });
}
