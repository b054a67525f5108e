/**
 * Moving contacts from before suite 2 to it (docs/PROTOCOL.md §3 "Migration"). A session keeps
 * its suite; a classical one is replaced by a hybrid one when the lower PeerId of the two holds
 * the other's hybrid card and sends (devices/targets.ts `sessionFor`). What gets the cards across:
 * - once per account, on the first start with this code, our card (now hybrid) goes to every
 *   contact as a `profile` message, over the sessions we have;
 * - a contact's new hybrid card that arrives over a classical session is answered with ours
 *   (inbound `hybridCard`): if we are the lower PeerId, that answer is the first message of the
 *   hybrid session; if not, it brings them our hybrid card, and their answer is.
 * Each side answers a given card once (an unchanged card is not answered), so it ends.
 */

import { accountIdOf } from '../account/index.ts';
import type { Ctx } from '../context/index.ts';
import { profileTo, sendProfile } from '../messaging/index.ts';
import type { ContactRecord } from '../ports/index.ts';

/** Meta key (u8 1): our hybrid card was sent to every contact (once per account). */
const TOLD_KEY = 'suite-2-card-told';

/** A linked device speaks for the account through the founding device's card: it sends none. */
const founding = (ctx: Ctx): boolean => accountIdOf(ctx.account.info) === ctx.account.info.peerId;

/** On start: our card to every contact, the first time this account runs with suite 2. */
export function tellHybridCard(ctx: Ctx, kick: (peerId: string) => void): void {
  if (!founding(ctx)) return;
  const peers = ctx.store.transaction((tx) => {
    if (tx.getMeta(TOLD_KEY)) return [];
    tx.setMeta(TOLD_KEY, Uint8Array.of(1));
    return sendProfile(ctx, tx);
  });
  for (const p of peers) kick(p);
}

/** A contact's hybrid card came over a classical session: answer with ours. */
export function answerHybridCard(ctx: Ctx, contact: ContactRecord, kick: (peerId: string) => void): void {
  if (!founding(ctx)) return;
  const sent = ctx.store.transaction((tx) => {
    const current = tx.getContact(contact.id);
    return current ? profileTo(ctx, tx, current) : false;
  });
  if (sent) kick(contact.peerId);
}
