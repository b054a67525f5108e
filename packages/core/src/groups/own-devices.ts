/**
 * Group controls from our own other devices (docs/MULTI-DEVICE.md "Groups"). Every device of an
 * account is the same member, each with its own sender key; a device tells the others the state
 * it holds (`own-state`: when it creates a group, changes it, accepts an invitation, or at each
 * new epoch; `own-state-ref` when the state is too large for one payload: this device fetches it
 * from the other, groups/state-fetch.ts), and that it left. A device of ours holds the account's identity key, so what it
 * says about our own membership is taken as ours; everything else goes through apply.ts's rules
 * like any member's control.
 */
import { CoreError, InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { type Effects, type GroupEffects, groupEffects } from '../messaging/index.ts';
import type { ContactRecord } from '../ports/index.ts';
import { acceptInvitation } from './accept.ts';
import { applyGroupControl } from './apply.ts';
import { decodeGroupControl, type GroupControl, GroupNotReadyError, type GroupState } from './codec.ts';
import { forgetInvitation, introduceMembers } from './invites.ts';
import { devicesOf, dropGroupOutbox } from './send.ts';
import { fetchedState, forgetFetched, stateArrived, wantState } from './state-fetch.ts';
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
  else if (control.type === 'own-state-ref') adoptOwnStateRef(ctx, tx, self, control, device, effects, out);
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

/**
 * Our other device's state by reference: fetched from that device (the ref waits, not ACKed, until
 * the bytes are here and hash to its digest), then adopted with the ref's secret as `own-state`.
 */
function adoptOwnStateRef(
  ctx: Ctx,
  tx: GroupApplyTx,
  self: ContactRecord,
  r: Extract<GroupControl, { type: 'own-state-ref' }>,
  device: string,
  effects: Effects,
  out: GroupEffects,
): void {
  const g = loadGroup(ctx, tx, r.id);
  if (g?.status === 'active' && r.epoch <= g.state.epoch) return; // held already, or a later one
  const bare = fetchedState(ctx, r.digest);
  if (!bare) {
    wantState(ctx, { peer: device, id: r.id, digest: r.digest });
    throw new GroupNotReadyError('the group state is being fetched from our other device');
  }
  if (bare.id !== r.id || bare.epoch !== r.epoch) {
    forgetFetched(ctx, r.digest);
    throw new InboundError('bad-message', 'group control: an own-state-ref names another state');
  }
  const s = r.secret ? { ...bare, secret: r.secret } : bare;
  adoptOwnState(ctx, tx, self, s, r.author, effects, out);
  forgetFetched(ctx, r.digest);
  stateArrived(ctx, r.id);
  // Members' frames that came while the state was on its way (their sender keys) wait un-ACKed:
  // a HELLO makes the connected devices send them again now rather than at their ACK timeout.
  const me = selfId(ctx);
  for (const m of s.members)
    if (m.peerId !== me)
      for (const d of devicesOf(ctx, tx, m.peerId)) if (ctx.transport.isConnected(d)) out.resend.add(d);
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
