/** A new contact's record and its empty direct conversation (contacts.ts, device-invites.ts). */
import type { Ctx } from '../context/index.ts';
import type { ContactRecord, ContactsTx, MessagesTx } from '../ports/index.ts';
import { newMessageId } from '../wire/index.ts';
import { freeName } from './names.ts';

/** A new contact record (under a free name) and its empty direct conversation. */
export function storeNewContact(
  ctx: Ctx,
  tx: ContactsTx & MessagesTx,
  c: Pick<ContactRecord, 'peerId' | 'name' | 'identityKey' | 'card' | 'addresses' | 'state'>,
): ContactRecord {
  const now = ctx.now();
  const contact: ContactRecord = {
    ...c,
    id: newMessageId(ctx),
    name: freeName(tx, c.name),
    verified: false,
    pendingIdentityKey: null,
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
