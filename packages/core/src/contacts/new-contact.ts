/**
 * A new contact's record and its empty direct conversation (contacts.ts, device-invites.ts, and a
 * contact another device of ours synced, inbound/apply-sync.ts).
 */
import type { Ctx } from '../context/index.ts';
import type { ContactRecord, ContactsTx, MessagesTx } from '../ports/index.ts';
import { newMessageId } from '../wire/index.ts';
import { freeName } from './names.ts';

/**
 * A new contact record (under a free name) and its empty direct conversation: unverified and with
 * no pending identity change unless the caller says otherwise (a synced contact).
 */
export function storeNewContact(
  ctx: Ctx,
  tx: ContactsTx & MessagesTx,
  c: Pick<ContactRecord, 'peerId' | 'name' | 'identityKey' | 'card' | 'addresses' | 'state'> &
    Partial<Pick<ContactRecord, 'verified' | 'pendingIdentityKey'>>,
): ContactRecord {
  const now = ctx.now();
  const contact: ContactRecord = {
    verified: false,
    pendingIdentityKey: null,
    ...c,
    id: newMessageId(ctx),
    name: freeName(tx, c.name),
    createdAt: now,
    updatedAt: now,
  };
  tx.putContact(contact);
  tx.putConversation({
    id: contact.id,
    kind: 'direct',
    disappearingMs: null,
    readUpTo: 0,
    markedUnread: false,
    createdAt: now,
  });
  return contact;
}
