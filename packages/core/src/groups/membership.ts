/**
 * The user's own membership: accepting or declining a pending invitation, and leaving a group.
 */
import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { GroupsTx } from '../ports/index.ts';
import type { GroupView } from '../views/index.ts';
import { acceptInvitation } from './accept.ts';
import { applyEffects } from './effects.ts';
import { forgetInvitation } from './invites.ts';
import type { GroupLocal } from './local.ts';
import { changeState, sendLeave, withMembers } from './send.ts';
import { forgetSenderKeys, listGroups, loadGroup, memberOf, type StoredGroup, saveGroup } from './store.ts';
import type { GroupSendTx } from './tx.ts';
import { groupView } from './views.ts';

/** The pending invitation a name or id means (invitations only: an active group of that name is not one). */
function findInvitation(ctx: Ctx, tx: GroupsTx, nameOrId: string): StoredGroup {
  const wanted = nameOrId.trim();
  const lower = wanted.toLowerCase();
  const found = listGroups(ctx, tx).find(
    (g) => g.status === 'invited' && (g.state.id === wanted || g.state.name.toLowerCase() === lower),
  );
  if (!found)
    throw new CoreError(
      'unknown-contact',
      `no pending group invitation named "${nameOrId}"; see "parley group list"`,
    );
  return found;
}

/**
 * The user accepts a pending invitation (by the group's name or id): checked again, then the
 * members we do not know are introduced, admitted and reached, and we send our sender key.
 */
export function acceptGroup(local: GroupLocal, name: string): GroupView {
  const { ctx } = local;
  const { effects, id } = ctx.store.transaction((tx) => {
    const g = findInvitation(ctx, tx, name);
    return { effects: acceptInvitation(ctx, tx, g), id: g.state.id };
  });
  applyEffects(local, effects);
  return ctx.store.transaction((tx) => groupView(ctx, tx, loadGroup(ctx, tx, id) as StoredGroup));
}

/**
 * The user declines a pending invitation. The members who are our contacts (the inviter is one)
 * are told we leave, so the group's first admin removes us as for any member who leaves and
 * nobody keeps messages queued for us; nobody else is contacted. The invitation is forgotten.
 */
export function declineGroup(local: GroupLocal, name: string): GroupView {
  const { ctx, me } = local;
  const { view, peers } = ctx.store.transaction((tx) => {
    const g = findInvitation(ctx, tx, name);
    const view = groupView(ctx, tx, g);
    const peers = g.state.members
      .map((m) => m.peerId)
      .filter((p) => p !== me && tx.getContactByPeerId(p) !== undefined);
    sendLeave(ctx, tx, g, [...peers, me]); // (our other devices decline it too)
    forgetInvitation(ctx, tx, g);
    return { view: { ...view, status: 'left' as const, invitedBy: null }, peers };
  });
  local.kickAll(peers);
  ctx.events.emit('group', { group: view, change: 'removed' });
  return view;
}

/** An admin leaves with a new state (promoting someone if no admin remains); a member announces it. */
export function leaveGroup(local: GroupLocal, name: string): GroupView {
  const { ctx, me } = local;
  return local.change(name, (tx, g) => {
    const left = leave(local, tx, g);
    sendLeave(ctx, tx, g, [me]); // our other devices leave with us
    return left;
  });
}

function leave(local: GroupLocal, tx: GroupSendTx, g: StoredGroup): StoredGroup {
  const { ctx, me } = local;
  if (memberOf(g, me)?.role === 'admin') {
    const next = withMembers(g.state, (ms) => ms.filter((m) => m.peerId !== me));
    if (next.members.length === 0) {
      const left = { ...g, status: 'left' as const };
      saveGroup(ctx, tx, left);
      return left;
    }
    return changeState(ctx, tx, g, next);
  }
  const peers = g.state.members.map((m) => m.peerId).filter((p) => p !== me);
  const { change: _change, ...rest } = g;
  const left: StoredGroup = { ...rest, status: 'left', owed: [] };
  sendLeave(ctx, tx, left, peers);
  saveGroup(ctx, tx, left);
  for (const m of g.state.members) forgetSenderKeys(ctx, tx, g.state.id, m.peerId);
  tx.deleteGroupLog(g.state.id);
  return left;
}
