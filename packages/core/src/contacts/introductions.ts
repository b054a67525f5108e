/**
 * The inviter's side of an invite: an introduction (docs/PROTOCOL.md §2 "Introduction") on
 * `/parley/intro`, its token checked before anything else is parsed, its first message opened,
 * and the contact it makes — a founding device's, or a linked device's account (device-invites.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  acceptSession,
  type ContactCard,
  decodeContactCard,
  peekMessage,
  sameIdentity,
} from '@parley/crypto';
import { accountIdOf, checkDisplayName, encodeIdentityPublic } from '../account/index.ts';
import { equalBytes, toHex } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type {
  AccountTx,
  ContactRecord,
  ContactsTx,
  DevicesTx,
  InboundFrame,
  MessagesTx,
} from '../ports/index.ts';
import { saveSession } from '../sessions/index.ts';
import { decodeAppMessage, decodeIntro, frameDigest } from '../wire/index.ts';
import { claimOf, deviceSessionKey, introducedAccount, ownerOfDevice } from './device-invites.ts';
import { storeNewContact } from './new-contact.ts';
import { acceptOptions, deleteUsedPrekeys, prekeyLookup } from './prekey-lookup.ts';

/** How an invite's token is kept: SHA-256, hex (the token itself never is). */
export const tokenHash = (token: Uint8Array): string => toHex(sha256(token));

type IntroOutcome =
  | { accepted: false }
  | {
      accepted: true;
      contact: ContactRecord;
      fresh: boolean;
      known?: boolean;
      /** A known contact came back with an identity key we had not seen (flagged for the user). */
      keyChanged?: boolean;
    };

/**
 * The inviter's side: the transport's introduction handler. Checks the token
 * before parsing anything else; refuses unknown, expired and used tokens.
 * A repeated introduction (our verdict was lost) is accepted again (D5). A card that claims an
 * account (a linked device's) makes a contact of the account (device-invites.ts).
 */
export function receiveIntroduction(ctx: Ctx, { from, data }: InboundFrame): IntroOutcome {
  const intro = decodeIntro(data);
  if (!intro) return { accepted: false };
  const digest = frameDigest(data, ctx.primitives.sha256);
  const hash = tokenHash(intro.token);
  return ctx.store.transaction((tx): IntroOutcome => {
    const repeated = tx.getContactByPeerId(from) ?? ownerOfDevice(tx, from);
    if (repeated && tx.hasReceived(from, digest)) return { accepted: true, contact: repeated, fresh: false };
    const invite = tx.getInvite(hash);
    const now = ctx.now();
    if (!invite || (invite.expiresAt !== null && invite.expiresAt <= now)) return { accepted: false };
    const opened = openIntroduction(ctx, tx, intro.message, from);
    if (!opened) return { accepted: false };
    const { accepted, card } = opened;
    const claim = claimOf(card, ctx.primitives);
    if (claim === false) return { accepted: false };
    let kept: { contact: ContactRecord; known: boolean; keyChanged: boolean } | undefined;
    if (claim) {
      const c = introducedAccount(ctx, tx, { ...opened, claim }, accountIdOf(ctx.account.info));
      kept = c && { ...c, keyChanged: false };
    } else kept = introducedPeer(ctx, tx, opened, from);
    if (!kept) return { accepted: false };
    saveSession(tx, ctx.account.vault, deviceSessionKey(kept.contact, from), accepted.session);
    deleteUsedPrekeys(tx, accepted);
    if (invite.reusable) tx.putInvite({ ...invite, uses: invite.uses + 1 });
    else tx.deleteInvite(hash);
    tx.markReceived(from, digest, now);
    return { accepted: true, fresh: true, ...kept };
  });
}

interface OpenedIntroduction {
  readonly accepted: ReturnType<typeof acceptSession>;
  readonly card: ContactCard;
  readonly cardBytes: Uint8Array;
  readonly name: string;
}

/**
 * The introduction's first message, opened: its `profile` card must be signed by the identity
 * that ran the handshake, for the PeerId Noise authenticated. Undefined if anything is wrong.
 */
function openIntroduction(
  ctx: Ctx,
  tx: AccountTx,
  message: Uint8Array,
  from: string,
): OpenedIntroduction | undefined {
  const { account, primitives: p } = ctx;
  try {
    // No card of theirs yet: a suite-1 introduction is refused if our invite was suite 2.
    const options = acceptOptions(tx, undefined, peekMessage(message));
    const accepted = acceptSession(
      account.identity,
      prekeyLookup(tx, account.vault, p),
      message,
      ctx.random,
      p,
      options,
    );
    const app = decodeAppMessage(accepted.plaintext);
    if (app.body.kind !== 'profile') return undefined;
    const card = decodeContactCard(app.body.card, p);
    if (card.peerId !== from || !sameIdentity(card.identity, accepted.remoteIdentity)) return undefined;
    return { accepted, card, cardBytes: app.body.card, name: checkDisplayName(app.body.name) };
  } catch {
    return undefined;
  }
}

/**
 * A founding device's introduction: a new contact, or a known one introducing themselves again
 * (they reinstalled): keep the contact, take the new session, and flag a changed identity.
 */
function introducedPeer(
  ctx: Ctx,
  tx: ContactsTx & MessagesTx & DevicesTx,
  { accepted, card, cardBytes, name }: OpenedIntroduction,
  from: string,
): { contact: ContactRecord; known: boolean; keyChanged: boolean } | undefined {
  // (a PeerId some contact's list names is that account's device: it must say so with a claim)
  const owner = ownerOfDevice(tx, from);
  if (owner && owner.peerId !== from) return undefined;
  const known = tx.getContactByPeerId(from);
  const identityKey = encodeIdentityPublic(accepted.remoteIdentity);
  let contact: ContactRecord;
  if (known) {
    contact = {
      ...known,
      state: known.state === 'introduced' ? 'active' : known.state, // they hold our invite
      card: cardBytes,
      addresses: card.addresses,
      pendingIdentityKey: equalBytes(known.identityKey, identityKey) ? known.pendingIdentityKey : identityKey,
      updatedAt: ctx.now(),
    };
    tx.putContact(contact);
  } else {
    contact = storeNewContact(ctx, tx, {
      peerId: from,
      name,
      identityKey,
      card: cardBytes,
      addresses: card.addresses,
      state: 'active',
    });
  }
  const keyChanged =
    known !== undefined &&
    contact.pendingIdentityKey !== null &&
    (known.pendingIdentityKey === null || !equalBytes(known.pendingIdentityKey, contact.pendingIdentityKey));
  return { contact, known: known !== undefined, keyChanged };
}
