/**
 * Group controls from our own other devices (docs/MULTI-DEVICE.md "Groups"). Every device of an
 * account is the same member, each with its own sender key; a device tells the others the state
 * it holds (`own-state`: when it creates a group, changes it, accepts an invitation, or at each
 * new epoch), and that it left. A device of ours holds the account's identity key, so what it
 * says about our own membership is taken as ours; everything else goes through apply.ts's rules
 * like any member's control.
 */
import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { type Effects, type GroupEffects, groupEffects } from '../messaging/index.ts';
import type { ContactRecord } from '../ports/index.ts';
import { acceptInvitation } from './accept.ts';
import { applyGroupControl } from './apply.ts';
import { decodeGroupControl, type GroupState } from './codec.ts';
import { forgetInvitation, introduceMembers } from './invites.ts';
import { dropGroupOutbox } from './send.ts';
import { forgetSenderKeys, loadGroup, type StoredGroup, saveGroup, selfId } from './store.ts';
import type { GroupApplyTx } from './tx.ts';

/**
 * A group control from our other device `device`; `self` is us as a member (peerId = account id).
 * Inside the inbox's transaction.
 */
export function applyOwnGroupControl(
  ctx: Ctx,
  tx: GroupApplyTx,
  self: ContactRecord,
  payload: Uint8Array,
  effects: Effects,
  device: string,
): Effects {
  const control = decodeGroupControl(payload);
  const out = groupEffects(effects);
  if (control.type === 'own-state') adoptOwnState(ctx, tx, self, control.group, control.author, effects, out);
  else if (control.type === 'leave') leaveHere(ctx, tx, control.id, out);
  else applyGroupControl(ctx, tx, self, payload, effects, device);
  return effects;
}

/** The state our other device holds: ours too, unless we hold a later epoch. */
function adoptOwnState(
  ctx: Ctx,
  tx: GroupApplyTx,
  self: ContactRecord,
  s: GroupState,
  author: string,
  effects: Effects,
  out: GroupEffects,
): void {
  const me = selfId(ctx);
  if (!s.members.some((m) => m.peerId === me)) return; // (our leaving comes as `leave`)
  let g = loadGroup(ctx, tx, s.id);
  if (g?.status === 'invited') {
    // The invitation this device holds, accepted on the other: accepted here, with its waiting keys.
    try {
      acceptInvitation(ctx, tx, g, effects);
    } catch (error) {
      if (!(error instanceof CoreError)) throw error; // no longer valid here: adopted below instead
    }
    g = loadGroup(ctx, tx, s.id);
  }
  const active = g?.status === 'active' ? g : undefined;
  if (active && s.epoch <= active.state.epoch) return;
  out.contacts.push(...(introduceMembers(ctx, tx, s, self) ?? []));
  const kept = new Set(s.members.map((m) => m.peerId));
  for (const m of active?.state.members ?? []) {
    if (kept.has(m.peerId)) continue;
    forgetSenderKeys(ctx, tx, s.id, m.peerId);
    tx.deleteGroupLog(s.id, m.peerId);
    tx.deleteReadMarks(s.id, m.peerId);
  }
  const next: StoredGroup = {
    state: s,
    author,
    prev: active ? active.state.members.map((m) => ({ peerId: m.peerId, role: m.role })) : [],
    status: 'active',
    owed: [],
    leaving: active ? active.leaving.filter((p) => kept.has(p)) : [],
    createdAt: g?.createdAt ?? ctx.now(),
    ...(g?.picture ? { picture: g.picture } : {}),
  };
  saveGroup(ctx, tx, next);
  if (!tx.getConversation(s.id))
    tx.putConversation({
      id: s.id,
      kind: 'group',
      disappearingMs: null,
      readUpTo: 0,
      markedUnread: false,
      createdAt: ctx.now(),
    });
  out.changed.set(s.id, active ? 'changed' : 'added');
  out.sync.add(s.id);
}

/** Our other device left the group (or declined its invitation): so do we, without telling anyone. */
function leaveHere(ctx: Ctx, tx: GroupApplyTx, id: string, out: GroupEffects): void {
  const g = loadGroup(ctx, tx, id);
  if (!g) return;
  if (g.status === 'invited') {
    forgetInvitation(ctx, tx, g);
    out.changed.set(id, 'removed');
    return;
  }
  if (g.status !== 'active') return;
  const { change: _change, ...rest } = g;
  saveGroup(ctx, tx, { ...rest, status: 'left', owed: [] });
  for (const m of g.state.members) forgetSenderKeys(ctx, tx, id, m.peerId);
  tx.deleteGroupLog(id);
  dropGroupOutbox(ctx, tx, g);
  out.changed.set(id, 'removed');
}
