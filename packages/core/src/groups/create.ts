/** Creating a group: we are its first admin, the contacts named its members, epoch 1. */
import { CoreError, toHex } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { AccountTx, ContactsTx, DevicesTx, GroupsTx, MessagesTx } from '../ports/index.ts';
import type { GroupView } from '../views/index.ts';
import type { GroupMember, GroupState } from './codec.ts';
import type { GroupLocal } from './local.ts';
import { checkGroupName, checkMemberCount, contactsToAdd, memberFrom, ownMemberCard } from './members.ts';
import { syncGroup, withSecret } from './send.ts';
import { activeGroup, type StoredGroup, saveGroup, selfId } from './store.ts';
import type { GroupSendTx } from './tx.ts';
import { groupView } from './views.ts';

export function createGroup(local: GroupLocal, name: string, memberNames: readonly string[]): GroupView {
  const { ctx, me } = local;
  const g = ctx.store.transaction((tx) => {
    const stored = sendFirstState(ctx, tx, newGroup(ctx, tx, name, memberNames));
    return { stored, kicks: syncGroup(ctx, tx, stored) };
  });
  local.kickAll([...g.stored.state.members.map((m) => m.peerId).filter((p) => p !== me), ...g.kicks]);
  local.drain(g.stored.state.id);
  local.topics.refresh();
  local.emitGroup(g.stored.state.id, 'added');
  return ctx.store.transaction((tx) => groupView(ctx, tx, g.stored));
}

/** The new group and its conversation, stored; its first state not sent yet. */
function newGroup(
  ctx: Ctx,
  tx: AccountTx & ContactsTx & MessagesTx & GroupsTx & DevicesTx,
  name: string,
  memberNames: readonly string[],
): StoredGroup {
  const me = selfId(ctx);
  const groupName = checkGroupName(ctx, tx, name);
  const contacts = contactsToAdd(tx, memberNames);
  if (contacts.length === 0) throw new CoreError('bad-input', 'a group needs at least one other member');
  checkMemberCount(contacts.length + 1);
  const self: GroupMember = {
    peerId: me,
    name: ctx.account.info.name,
    role: 'admin',
    card: ownMemberCard(ctx, tx),
  };
  const state: GroupState = withSecret(ctx, {
    id: toHex(ctx.random(16)),
    name: groupName,
    epoch: 1,
    members: [self, ...contacts.map((c) => memberFrom(ctx, c))],
  });
  const now = ctx.now();
  tx.putConversation({
    id: state.id,
    kind: 'group',
    disappearingMs: null,
    readUpTo: 0,
    markedUnread: false,
    createdAt: now,
  });
  const draft = activeGroup(state, me, now);
  saveGroup(ctx, tx, draft);
  return draft;
}

/** changeState needs a previous view; the first state is owed whole to everyone (sent in batches). */
function sendFirstState(ctx: Ctx, tx: GroupSendTx, g: StoredGroup): StoredGroup {
  const owed = g.state.members.map((m) => m.peerId).filter((p) => p !== selfId(ctx));
  const stored = { ...g, owed };
  saveGroup(ctx, tx, stored);
  return stored;
}
