/**
 * Pairwise sessions with group members (docs/GROUPS.md "Members who are not
 * contacts"): group controls and sender keys travel through the Double
 * Ratchet sessions, so a member we have no session with yet gets one, started
 * by the lower PeerId from OUR contact record of them. The card the group's
 * state carries (the admin's copy) must name the same identity key (then its
 * newer prekeys may be used); if it names another, no session is started,
 * our record stays, and the user is told.
 */
import { type ContactCard, decodeContactCard, initiateSession, sameIdentity } from '@parley/crypto';
import { type Account, decodeIdentityPublic } from '../account/index.ts';
import { soon } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ContactRecord, SessionsTx } from '../ports/index.ts';
import { saveSession } from '../sessions/index.ts';
import { memberOf, type StoredGroup, selfId } from './store.ts';

/**
 * Starts a session with a member who is a contact without a session yet, from
 * our record of their card; the group's copy (`vouched`, already checked to
 * name the same identity) is used only when it is newer (a fresher signed
 * prekey, signed by the same identity key). Only the lower PeerId does this;
 * the other waits for the first message. The card's one-time prekey is not
 * used: it was most likely spent by the invite the card came from.
 */
function startSession(ctx: Ctx, tx: SessionsTx, contact: ContactRecord, vouched?: ContactCard): boolean {
  try {
    const ours = decodeContactCard(contact.card, ctx.primitives);
    if (ours.peerId !== contact.peerId || !isIdentityOf(contact, ours)) return false;
    const newer = vouched && vouched.issuedAt > ours.issuedAt ? vouched : ours;
    const { oneTimePrekey: _spent, oneTimeKemPrekey: _spentKem, ...card } = newer;
    const session = initiateSession(ctx.account.identity, card, ctx.random, ctx.primitives);
    saveSession(tx, ctx.account.vault, contact.id, session);
    return true;
  } catch {
    return false;
  }
}

const isIdentityOf = (contact: ContactRecord, card: Pick<ContactCard, 'identity'>): boolean =>
  sameIdentity(card.identity, decodeIdentityPublic(contact.identityKey));

/** The card the group carries for `contact`, if it names the identity key of our record. */
function vouchedCard(ctx: Ctx, contact: ContactRecord, cardBytes: Uint8Array): ContactCard | undefined {
  try {
    const card = decodeContactCard(cardBytes, ctx.primitives);
    return card.peerId === contact.peerId && isIdentityOf(contact, card) ? card : undefined;
  } catch {
    return undefined;
  }
}

/** (group, member) mismatches already reported, per account: told once per process, not on every sync. */
const mismatches = new WeakMap<Account, Set<string>>();

function reportMismatch(ctx: Ctx, g: StoredGroup, contact: ContactRecord): void {
  let told = mismatches.get(ctx.account);
  if (!told) {
    told = new Set();
    mismatches.set(ctx.account, told);
  }
  const key = `${g.state.id}/${contact.peerId}`;
  if (told.has(key)) return;
  told.add(key);
  const problem = {
    code: 'group-identity-mismatch',
    contact: contact.name,
    message: `group "${g.state.name}" carries a card for ${contact.name} with another identity key than the one you know; no session was started from it. Compare safety numbers with ${contact.name}, or ask the group's admin`,
  };
  soon(() => ctx.events.emit('problem', problem)); // after the transaction, never inside it
}

/**
 * Whether we have a session with `contact` (a member of `g`), starting one if
 * it is ours to start; false = later (they start it, or it cannot be started).
 */
export function memberSession(ctx: Ctx, tx: SessionsTx, g: StoredGroup, contact: ContactRecord): boolean {
  if (tx.getSession(contact.id)) return true;
  // A device linked to our account starts its sessions with each device from its card, whatever
  // the PeerIds (messaging/outbound.ts startsSessions): there is no "they start it" for it.
  if (selfId(ctx) !== ctx.account.info.peerId) return true;
  if (ctx.account.info.peerId > contact.peerId) return false; // they start it
  const carried = memberOf(g, contact.peerId)?.card;
  const vouched = carried ? vouchedCard(ctx, contact, carried) : undefined;
  if (carried && !vouched) {
    reportMismatch(ctx, g, contact); // refused, never replaced: our record stands
    return false;
  }
  return startSession(ctx, tx, contact, vouched);
}
