/**
 * Accepting a pending invitation: checked again, the members introduced, the group made active,
 * and what waited for the acceptance (sender keys, the picture) applied through the usual checks
 * of apply.ts. Apart from invites.ts so that storing invitations does not import applying them.
 */
import { CoreError, InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { type Effects, groupEffects } from '../messaging/index.ts';
import type { ContactRecord } from '../ports/index.ts';
import { applyGroupControl } from './apply.ts';
import { encodeGroupControl } from './codec.ts';
import {
  introduceMembers,
  loadWaitingKeys,
  loadWaitingPicture,
  PICTURE_ROW,
  waitingPeer,
} from './invites.ts';
import { isAdmin, memberOf, type StoredGroup, saveGroup, selfId } from './store.ts';
import type { GroupApplyTx } from './tx.ts';

/**
 * The user accepts a pending invitation: checked again now (the inviter is still our contact and
 * an admin of the state, which still names us, every card verifies), then the members we do not
 * know are introduced, the group becomes active and the keys that waited are applied. Inside
 * `tx`; what to do after commit (admit and reach the introduced, send our key) is in the effects.
 */
export function acceptInvitation(
  ctx: Ctx,
  tx: GroupApplyTx,
  g: StoredGroup,
  effects: Effects = { messages: [], downloads: [] },
): Effects {
  const inviter = tx.getContactByPeerId(g.author);
  const invalid = (why: string): CoreError =>
    new CoreError(
      'not-allowed',
      `the invitation to "${g.state.name}" is no longer valid (${why}); decline it and ask a member to add you again`,
    );
  if (!inviter || inviter.state === 'introduced') throw invalid('its sender is not your contact any more');
  if (!isAdmin(g, inviter.peerId) || !memberOf(g, selfId(ctx))) throw invalid('it does not add you');
  let contacts: ContactRecord[];
  try {
    contacts = introduceMembers(ctx, tx, g.state, inviter) ?? [];
  } catch (error) {
    if (error instanceof InboundError) throw invalid('a member’s card does not verify');
    throw error;
  }
  const { invitedAt: _invited, ...rest } = g;
  const group: StoredGroup = { ...rest, status: 'active', prev: [], owed: [], leaving: [] };
  saveGroup(ctx, tx, group);
  if (!tx.getConversation(g.state.id))
    tx.putConversation({
      id: g.state.id,
      kind: 'group',
      disappearingMs: null,
      readUpTo: 0,
      markedUnread: false,
      createdAt: ctx.now(),
    });
  const out = groupEffects(effects);
  out.contacts.push(...contacts);
  applyWaitingKeys(ctx, tx, group, effects);
  applyWaitingPicture(ctx, tx, group, effects);
  out.changed.set(g.state.id, 'added');
  out.sync.add(g.state.id);
  return effects;
}

/** The keys that waited for the acceptance, applied now through the usual checks (then gone). */
function applyWaitingKeys(ctx: Ctx, tx: GroupApplyTx, g: StoredGroup, effects: Effects): void {
  for (const m of g.state.members) {
    const keys = loadWaitingKeys(ctx, tx, g.state.id, m.peerId);
    tx.deleteSenderKey(g.state.id, waitingPeer(m.peerId));
    const contact = tx.getContactByPeerId(m.peerId);
    if (!contact) continue;
    for (const k of [...keys].reverse()) {
      const payload = encodeGroupControl({ type: 'sender-key', id: g.state.id, epoch: k.epoch, key: k.key });
      applyGroupControl(ctx, tx, contact, payload, effects);
    }
  }
}

/** The picture that waited for the acceptance, applied now through the usual checks (then gone). */
function applyWaitingPicture(ctx: Ctx, tx: GroupApplyTx, g: StoredGroup, effects: Effects): void {
  const waiting = loadWaitingPicture(ctx, tx, g.state.id);
  tx.deleteSenderKey(g.state.id, PICTURE_ROW);
  const admin = waiting && tx.getContactByPeerId(waiting.from);
  if (waiting && admin) applyGroupControl(ctx, tx, admin, waiting.payload, effects);
}
