/** What the rest of the Messenger asks of groups without changing them: which group a name means, views. */
import type { Ctx } from '../context/index.ts';
import type { ContactRecord, ContactsTx, GroupsTx, MessageRecord } from '../ports/index.ts';
import { type GroupView, type MessageView, messageView } from '../views/index.ts';
import type { GroupPicture } from './picture.ts';
import { findGroup, listGroups, loadGroup, type StoredGroup } from './store.ts';
import type { GroupViewTx } from './tx.ts';
import { groupMessageView, groupView } from './views.ts';

/** The group a name means, when it is not a contact's name (contacts first); in `tx` if given. */
export function resolveGroup(ctx: Ctx, name: string, tx?: ContactsTx & GroupsTx): StoredGroup | undefined {
  const resolveIn = (t: ContactsTx & GroupsTx): StoredGroup | undefined => {
    if (t.getContactByName(name.trim())) return undefined;
    try {
      return findGroup(ctx, t, name);
    } catch {
      return undefined;
    }
  };
  return tx ? resolveIn(tx) : ctx.store.transaction(resolveIn);
}

export function groups(ctx: Ctx): GroupView[] {
  return ctx.store.transaction((tx) => listGroups(ctx, tx).map((g) => groupView(ctx, tx, g)));
}

export function group(ctx: Ctx, name: string): GroupView {
  return ctx.store.transaction((tx) => groupView(ctx, tx, findGroup(ctx, tx, name)));
}

/** The group picture's bytes and type, or null when it has none. */
export function groupPicture(ctx: Ctx, name: string): GroupPicture | null {
  const g = ctx.store.transaction((tx) => findGroup(ctx, tx, name));
  return g.picture ? { type: g.picture.type, data: g.picture.data } : null;
}

/** The view of any stored message: a group's, or a contact's. */
export function anyView(ctx: Ctx, tx: GroupViewTx, contact: ContactRecord, m: MessageRecord): MessageView {
  if (m.conversationId === contact.id) return messageView(tx, ctx.account.vault, contact, m);
  const g = loadGroup(ctx, tx, m.conversationId);
  return g ? groupMessageView(ctx, tx, g, m) : messageView(tx, ctx.account.vault, contact, m);
}
