/**
 * Group control messages arriving through a pairwise session (the `group`
 * application kind; docs/GROUPS.md "Control"). Runs inside the receiving
 * transaction and never sends anything itself: whatever must be sent in
 * answer (our new sender key, a state owed to someone) is derived from the
 * stored group afterwards by `syncGroup`, in a transaction of its own.
 *
 * Verification (by every member): a `state` for epoch e+1 must come from an
 * admin of our current view (epoch e); the first `state` of a group we are
 * invited to must come from an admin named in it (a contact: the ratchet
 * authenticated them), and is only kept as a pending invitation until the
 * user accepts it (groups/invites.ts). Two admins changing the group at once both produce
 * e+1: the state from the lower PeerId wins everywhere (docs/GROUPS.md).
 */

import { InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { type Effects, type GroupEffects, groupEffects } from '../messaging/index.ts';
import type { ContactRecord, GroupsTx } from '../ports/index.ts';
import {
  aheadOfClock,
  decodeGroupControl,
  type GroupControl,
  type GroupDelta,
  GroupNotReadyError,
  type GroupState,
  type GroupStatePart,
  type GroupStateRef,
} from './codec.ts';
import { deltaResult, firstRequest } from './delta.ts';
import {
  introduceChanged,
  keepKeyWhileInvited,
  keepPictureWhileInvited,
  storeInvitation,
} from './invites.ts';
import { checkDistribution, registerOwner } from './key-owners.ts';
import { dropGroupOutbox } from './send.ts';
import { fetchedState, fetchingState, forgetFetched, stateArrived, wantState } from './state-fetch.ts';
import {
  addStatePart,
  assembling,
  dropAssemblies,
  dropAssembly,
  finishAssembly,
  heldStateDigest,
  isSettled,
  stateDigest,
} from './state-parts.ts';
import {
  isAdmin,
  loadGroup,
  loadReceivers,
  memberOf,
  type StoredGroup,
  saveGroup,
  saveReceivers,
  selfId,
} from './store.ts';
import type { GroupApplyTx } from './tx.ts';

export function applyGroupControl(
  ctx: Ctx,
  tx: GroupApplyTx,
  contact: ContactRecord,
  payload: Uint8Array,
  effects: Effects,
  /** The device of `contact`'s account it came from (their first device by default). */
  device: string = contact.peerId,
): Effects {
  const control = decodeGroupControl(payload);
  const out = groupEffects(effects);
  switch (control.type) {
    case 'own-state':
    case 'own-state-ref':
      // Only our own devices hold our view of a group (groups/own-devices.ts): from anyone else, a forgery.
      out.problems.push({
        code: 'group-forged',
        message: `${contact.name} sent a group state only your own devices may send; it was ignored`,
      });
      return effects;
    case 'state':
      if (applyState(ctx, tx, contact, control.group, out) === 'applied')
        dropAssemblies(ctx, control.group.id, control.group.epoch);
      return effects;
    case 'state-part':
      applyStatePart(ctx, tx, contact, control, payload.length, out);
      return effects;
    case 'delta':
      if (applyDelta(ctx, tx, contact, control, out) === 'applied')
        dropAssemblies(ctx, control.id, control.epoch);
      return effects;
    case 'state-request':
      answerStateRequest(ctx, tx, contact, control, out);
      return effects;
    case 'state-ref':
      if (applyStateRef(ctx, tx, contact, control, out) === 'applied')
        dropAssemblies(ctx, control.id, control.epoch);
      return effects;
    case 'sender-key':
      // A group we are only invited to: the key waits for the user's answer (groups/invites.ts).
      if (!keepKeyWhileInvited(ctx, tx, contact, control))
        applySenderKey(ctx, tx, contact, device, control, out);
      return effects;
    case 'picture':
      if (!keepPictureWhileInvited(ctx, tx, contact, control)) applyPicture(ctx, tx, contact, control, out);
      return effects;
    case 'leave': {
      const g = loadGroup(ctx, tx, control.id);
      if (g?.status !== 'active' || !memberOf(g, contact.peerId)) return effects;
      if (!g.leaving.includes(contact.peerId))
        saveGroup(ctx, tx, { ...g, leaving: [...g.leaving, contact.peerId] });
      out.sync.add(g.state.id);
      return effects;
    }
  }
}

function applySenderKey(
  ctx: Ctx,
  tx: GroupsTx,
  contact: ContactRecord,
  device: string,
  c: { id: string; epoch: number; key: Uint8Array },
  out: GroupEffects,
): void {
  const g = loadGroup(ctx, tx, c.id);
  // The admin's state may still be on its way (another pairwise link): not our failure, wait.
  if (!g) throw new GroupNotReadyError(`${contact.name} sent a key for a group we do not know yet`);
  if (g.status !== 'active' || c.epoch < g.state.epoch) return; // stale
  if (c.epoch === g.state.epoch && !memberOf(g, contact.peerId)) return;
  const from = contact.peerId;
  // Bound to its owner: its own proof of possession for `from`, and no one else's key (groups/key-owners.ts).
  const receiver = checkDistribution(ctx, tx, g, from, c.key);
  if ('refused' in receiver) {
    out.problems.push({
      code: 'group-forged',
      message: `${contact.name} sent a sender key for group "${g.state.name}" that ${receiver.refused}; it was ignored`,
    });
    return;
  }
  // One key per device and epoch: each device of a member has its own (docs/MULTI-DEVICE.md "Groups").
  const keys = loadReceivers(ctx, tx, c.id, from);
  const ofDevice = (k: { device?: string }): boolean => (k.device ?? from) === device;
  const same = keys.find((k) => k.epoch === c.epoch && ofDevice(k));
  if (same && same.receiver.keyId === receiver.keyId) return; // a repeat: keep the advanced state
  saveReceivers(ctx, tx, c.id, from, [
    ...keys.filter((k) => k.epoch !== c.epoch || !ofDevice(k)),
    { epoch: c.epoch, receiver, ...(device !== from ? { device } : {}) },
  ]);
  registerOwner(ctx, tx, g, from, receiver.signingPublic);
  out.sync.add(c.id); // a session with them may exist now: we may owe them our key
}

/**
 * A picture from an admin of our current view; it waits for the state it was
 * set in (a new member's invitation may still be on its way). The newer one
 * wins (by time, then the setter's PeerId), the same way on every member. A
 * time more than GROUP_CLOCK_AHEAD_MAX_MS ahead of our clock is refused: the
 * setter chooses it, and a picture dated far ahead would win over every later one.
 */
function applyPicture(
  ctx: Ctx,
  tx: GroupsTx,
  contact: ContactRecord,
  c: Extract<GroupControl, { type: 'picture' }>,
  out: GroupEffects,
): void {
  const g = loadGroup(ctx, tx, c.id);
  if (!g || (g.status === 'active' && c.epoch > g.state.epoch))
    throw new GroupNotReadyError(`${contact.name} sent a picture for a group state we do not have yet`);
  if (g.status !== 'active') return;
  if (!isAdmin(g, contact.peerId)) {
    out.problems.push({
      code: 'group-forged',
      message: `${contact.name} tried to change the picture of group "${g.state.name}" but is not an admin; it was ignored`,
    });
    return;
  }
  const now = ctx.now();
  if (aheadOfClock(c.at, now)) {
    out.problems.push({
      code: 'group-clock',
      message: `${contact.name} changed the picture of group "${g.state.name}" with a time ahead of this device's clock; it was ignored (check both devices' clocks)`,
    });
    return;
  }
  const had = g.picture;
  // The one we hold wins if newer (or a repeat); not if dated ahead (stored before that was refused).
  const older =
    had && !aheadOfClock(had.at, now) && (had.at > c.at || (had.at === c.at && had.by <= contact.peerId));
  if (older) return;
  if (!had && c.picture === null) return;
  const { picture: _old, ...rest } = g;
  saveGroup(ctx, tx, c.picture ? { ...rest, picture: { ...c.picture, at: c.at, by: contact.peerId } } : rest);
  out.changed.set(g.state.id, 'changed');
}

/**
 * One part of a state too large for one payload (groups/state-parts.ts). What
 * can be checked before the whole is here is checked at once: a sender who
 * is not an admin of our view is refused without buffering anything. Parts
 * of a state we already have (or an older one) are the leftovers of a state
 * that applied: ACKed silently. An incomplete state waits, un-ACKed.
 */
function applyStatePart(
  ctx: Ctx,
  tx: GroupApplyTx,
  contact: ContactRecord,
  part: GroupStatePart,
  bytes: number,
  out: GroupEffects,
): void {
  const from = contact.peerId;
  if (isSettled(ctx, from, part.digest)) return; // a leftover of a state we applied or refused
  const g = loadGroup(ctx, tx, part.id);
  if (g) {
    if (part.epoch < g.state.epoch) return;
    const digest = heldStateDigest(ctx.primitives.sha256, g.state);
    if (part.epoch === g.state.epoch && digest.every((b, i) => b === part.digest[i])) return;
    if (!mayIssue(g, from, part.epoch)) {
      forgedProblem(out, contact, g.state.name);
      finishAssembly(ctx, from, part); // its other parts: refused without another report
      return;
    }
  }
  const state = addStatePart(ctx, from, part, bytes);
  if (!state) throw new GroupNotReadyError('the other parts of a group change are still on their way');
  let verdict: Verdict;
  try {
    verdict = applyState(ctx, tx, contact, state, out);
  } catch (error) {
    // Waiting for an earlier epoch: the assembly stays for when a part comes again.
    // Anything else (a card that does not verify) refuses it like a whole `state`: counted (D7).
    if (!(error instanceof GroupNotReadyError)) dropAssembly(ctx, from, part);
    throw error;
  }
  finishAssembly(ctx, from, part);
  if (verdict === 'applied') dropAssemblies(ctx, part.id, part.epoch);
  out.resend.add(from);
}

/**
 * A whole state by reference (groups/state-fetch.ts): what can be checked before the bytes are here
 * is checked at once (a sender who is not an admin of our view is refused without fetching
 * anything; a ref of a state we hold, or an older one, is a leftover). Then the state must have
 * been fetched (else we fetch it and the ref waits, un-ACKed) and goes through applyState's rules.
 */
function applyStateRef(
  ctx: Ctx,
  tx: GroupApplyTx,
  contact: ContactRecord,
  r: GroupStateRef,
  out: GroupEffects,
): Verdict {
  const from = contact.peerId;
  const g = loadGroup(ctx, tx, r.id);
  if (g) {
    if (r.epoch < g.state.epoch) return 'stale';
    const held = heldStateDigest(ctx.primitives.sha256, g.state, true);
    if (r.epoch === g.state.epoch && equalBytes(held, r.digest) && sameSecret(g.state.secret, r.secret))
      return 'ignored';
    if (!mayIssue(g, from, r.epoch)) {
      forgedProblem(out, contact, g.state.name);
      return 'forged';
    }
  }
  const bare = fetchedState(ctx, r.digest);
  if (!bare) {
    wantState(ctx, { peer: from, id: r.id, digest: r.digest });
    throw new GroupNotReadyError('the group state is being fetched');
  }
  if (bare.epoch !== r.epoch) {
    forgetFetched(ctx, r.digest);
    throw new InboundError('bad-message', 'group control: a state-ref names another epoch than its state');
  }
  const s = r.secret ? { ...bare, secret: r.secret } : bare;
  const verdict = applyState(ctx, tx, contact, s, out); // may wait (skipped epoch): kept for then
  forgetFetched(ctx, r.digest);
  stateArrived(ctx, r.id);
  return verdict;
}

/**
 * A change as a delta (docs/GROUPS.md "Deltas"): from an admin of our view, following the state we
 * hold (its `base` digest is ours), giving exactly the state its `digest` names; then it is a
 * whole state and goes through applyState's rules unchanged. One that follows another state than
 * ours (a change we missed, or a competing state we hold) makes us ask its author for the whole
 * state; one that does not give its digest is refused.
 */
function applyDelta(
  ctx: Ctx,
  tx: GroupApplyTx,
  contact: ContactRecord,
  d: GroupDelta,
  out: GroupEffects,
): Verdict {
  const from = contact.peerId;
  const g = loadGroup(ctx, tx, d.id);
  // Its whole state (a ref or parts, earlier on the same link) is on its way: wait for it.
  if (!g && (fetchingState(ctx, d.id) || assembling(ctx, d.id)))
    throw new GroupNotReadyError('a group change arrived before the state it follows');
  // A group we left, declined or never had: nothing to apply it to (an invitation comes whole).
  if (g?.status !== 'active' && g?.status !== 'invited') return 'ignored';
  const sha = ctx.primitives.sha256;
  const ours = heldStateDigest(sha, g.state);
  if (d.epoch <= g.state.epoch) {
    if (d.epoch === g.state.epoch && equalBytes(ours, d.digest)) return 'ignored'; // a repeat
    const wasAdmin = wasAdminBefore(g, from);
    // A competing state of our epoch: we cannot rebuild it from a parent we no longer hold.
    if (d.epoch === g.state.epoch && wasAdmin && from !== g.author)
      return askWhole(ctx, tx, g, from, d.epoch, out);
    if (d.epoch === g.state.epoch && !wasAdmin) {
      forgedProblem(out, contact, g.state.name);
      return 'forged';
    }
    return 'stale';
  }
  if (!isAdmin(g, from)) {
    forgedProblem(out, contact, g.state.name);
    return 'forged';
  }
  if (d.epoch > g.state.epoch + 1 || !equalBytes(ours, d.base))
    return askWhole(ctx, tx, g, from, d.epoch, out);
  let s: GroupState | undefined = deltaResult(g.state, d);
  try {
    if (s && !equalBytes(stateDigest(sha, s), d.digest)) s = undefined;
  } catch (error) {
    if (!(error instanceof InboundError)) throw error;
    s = undefined; // not a valid state (no admin, too many members)
  }
  if (!s) {
    out.problems.push({
      code: 'group-forged',
      message: `${contact.name} sent a change to group "${g.state.name}" that does not give the state it claims; it was ignored`,
    });
    return 'forged';
  }
  return applyState(ctx, tx, contact, s, out);
}

/** Asks `from` (an admin) for the whole state: syncGroup sends the request after commit. */
function askWhole(
  ctx: Ctx,
  tx: GroupsTx,
  g: StoredGroup,
  from: string,
  epoch: number,
  out: GroupEffects,
): Verdict {
  if (g.wants?.from === from && g.wants.epoch >= epoch) return 'ignored';
  saveGroup(ctx, tx, { ...g, wants: { from, epoch } });
  out.sync.add(g.state.id);
  return 'ignored';
}

/**
 * A member (or a member we just removed) asks us, an admin, for the whole state: they are owed
 * it, once per epoch (a member cannot make us queue the whole state again and again). Anyone
 * else learns nothing.
 */
function answerStateRequest(
  ctx: Ctx,
  tx: GroupsTx,
  contact: ContactRecord,
  c: { readonly id: string; readonly epoch: number },
  out: GroupEffects,
): void {
  const from = contact.peerId;
  const g = loadGroup(ctx, tx, c.id);
  if (g?.status !== 'active' || !isAdmin(g, selfId(ctx))) return;
  const known = memberOf(g, from) !== undefined || g.prev.some((p) => p.peerId === from);
  if (!known || g.owed.includes(from) || !firstRequest(ctx, g.state.id, from, g.state.epoch)) return;
  const to = g.change?.to.filter((p) => p !== from);
  const { change: _change, ...rest } = g;
  saveGroup(ctx, tx, {
    ...rest,
    owed: [...g.owed, from],
    ...(g.change && to && to.length > 0 ? { change: { ...g.change, to } } : {}),
  });
  out.sync.add(g.state.id);
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const sameSecret = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === undefined || b === undefined ? a === b : equalBytes(a, b);

/** Whether `from` was an admin of the epoch before ours (may issue a competing state of ours). */
const wasAdminBefore = (g: StoredGroup, from: string): boolean =>
  g.prev.some((p) => p.peerId === from && p.role === 'admin');

/**
 * Whether `from` may issue a state of `epoch` for us, as far as we can tell before we hold it: an
 * admin of our view, or, for a competing state of our own epoch, an admin of the one before.
 */
const mayIssue = (g: StoredGroup, from: string, epoch: number): boolean =>
  isAdmin(g, from) || (g.status === 'active' && epoch === g.state.epoch && wasAdminBefore(g, from));

function forgedProblem(out: GroupEffects, contact: ContactRecord, group: string): void {
  out.problems.push({
    code: 'group-forged',
    message: `${contact.name} sent a change to group "${group}" that they may not make (not an admin); it was ignored`,
  });
}

function sameState(a: GroupState, b: GroupState): boolean {
  return (
    a.name === b.name &&
    a.members.length === b.members.length &&
    a.members.every((m, i) => m.peerId === b.members[i]?.peerId && m.role === b.members[i]?.role)
  );
}

const roles = (s: GroupState): StoredGroup['prev'] =>
  s.members.map((m) => ({ peerId: m.peerId, role: m.role }));

type Verdict = 'applied' | 'ignored' | 'forged' | 'stale';

function applyState(
  ctx: Ctx,
  tx: GroupApplyTx,
  contact: ContactRecord,
  s: GroupState,
  out: GroupEffects,
): Verdict {
  const from = contact.peerId;
  const g = loadGroup(ctx, tx, s.id);
  const adminIn = (state: GroupState): boolean =>
    state.members.some((m) => m.peerId === from && m.role === 'admin');
  const forged = (why: string): Verdict => {
    out.problems.push({
      code: 'group-forged',
      message: `${contact.name} sent a change to group "${g?.state.name ?? s.name}" that they may not make (${why}); it was ignored`,
    });
    return 'forged';
  };
  const stale = (): Verdict => {
    out.problems.push({
      code: 'group-stale',
      message: `an outdated change to group "${g?.state.name ?? s.name}" from ${contact.name} was ignored`,
    });
    return 'stale';
  };
  if (g?.status !== 'active') {
    // An invitation (or a newer one, or one back into a group we left): the sender must be an admin
    // of the state, and of the pending invitation or our last view if we have one. It is only stored:
    // the user accepts or declines it (groups/invites.ts).
    if (!adminIn(s) || (g !== undefined && !isAdmin(g, from))) return forged('not an admin');
    if (g?.status === 'invited' && s.epoch === g.state.epoch && sameState(s, g.state)) return 'ignored';
    if (g && s.epoch <= g.state.epoch) return stale();
    return storeInvitation(ctx, tx, contact, s, g, out);
  }
  const current = g.state;
  // The whole state we asked this admin for (a delta did not follow ours) may skip epochs.
  const asked = g.wants?.from === from && s.epoch >= g.wants.epoch;
  if (s.epoch > current.epoch + 1 && !asked) {
    if (!isAdmin(g, from)) return forged('not an admin');
    throw new GroupNotReadyError('a group change arrived before the one it follows');
  }
  if (s.epoch > current.epoch) {
    if (!isAdmin(g, from)) return forged('not an admin');
    return replaceState(ctx, tx, g, s, from, roles(current), out);
  }
  if (s.epoch === current.epoch && !sameState(s, current)) {
    // Two children of the same parent (epoch e−1, whose roles are g.prev): only an admin of that
    // parent may compete, and one rule picks the same winner on every member (competingWins).
    if (!wasAdminBefore(g, from)) return forged('not an admin');
    if (from !== g.author && competingWins(s, from, current, g.author))
      return replaceState(ctx, tx, g, s, from, g.prev, out);
  }
  if (s.epoch < current.epoch || (s.epoch === current.epoch && !sameState(s, current))) return stale();
  return 'ignored'; // a repeat of the current state
}

/**
 * Whether state `s` by `by` beats `current` by `currentBy`, two states of the
 * same epoch issued by admins of the same parent (docs/GROUPS.md "Concurrent
 * changes"). A state that ousts the other's author (removes or demotes them)
 * wins: so an admin removed at epoch e cannot take it back with a competing
 * e of its own, however low its PeerId; and a state issued at e+1 is never
 * in competition (its parent is e, where the ousted admin is not an admin).
 * Otherwise (neither ousts the other, or both do) the lower PeerId wins. The
 * rule depends on the two states only, so every member picks the same one
 * whichever it applied first.
 */
function competingWins(s: GroupState, by: string, current: GroupState, currentBy: string): boolean {
  const ousts = (state: GroupState, peer: string): boolean =>
    !state.members.some((m) => m.peerId === peer && m.role === 'admin');
  const mine = ousts(s, currentBy);
  const theirs = ousts(current, by);
  return mine === theirs ? by < currentBy : mine;
}

function replaceState(
  ctx: Ctx,
  tx: GroupApplyTx,
  g: StoredGroup,
  s: GroupState,
  from: string,
  prev: StoredGroup['prev'],
  out: GroupEffects,
): Verdict {
  const me = selfId(ctx);
  const stillIn = s.members.some((m) => m.peerId === me);
  // Its new members we do not know become `introduced` contacts, a bounded number per change.
  const introducer = tx.getContactByPeerId(from);
  if (stillIn && (!introducer || !introduceChanged(ctx, tx, s, introducer, out))) return 'forged';
  const kept = new Set(s.members.map((m) => m.peerId));
  for (const m of g.state.members) {
    if (kept.has(m.peerId)) continue;
    tx.deleteSenderKey(s.id, m.peerId);
    tx.deleteGroupLog(s.id, m.peerId);
    tx.deleteReadMarks(s.id, m.peerId);
  }
  if (!stillIn) {
    for (const m of g.state.members) tx.deleteSenderKey(s.id, m.peerId);
    tx.deleteGroupLog(s.id);
    dropGroupOutbox(ctx, tx, g);
  }
  saveGroup(ctx, tx, {
    state: s,
    author: from,
    prev,
    status: stillIn ? 'active' : 'removed',
    owed: [],
    leaving: g.leaving.filter((p) => s.members.some((m) => m.peerId === p)),
    createdAt: g.createdAt,
    ...(g.picture ? { picture: g.picture } : {}),
  });
  out.changed.set(s.id, stillIn ? 'changed' : 'removed');
  out.sync.add(s.id);
  return 'applied';
}
