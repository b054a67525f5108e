/**
 * Joining a group (docs/GROUPS.md "Invitations", "Members who are not
 * contacts"). A state that adds us to a group we are not active in is a
 * REQUEST: it is kept as a pending invitation (status `invited`) and nothing
 * else happens — nobody is introduced, admitted or dialled — until the user
 * accepts it. Accepting introduces the members we do not know (from the cards
 * the inviting admin vouched for) as `introduced` contacts, with only the
 * addresses that admin could reach anyway (contacts/address-scope.ts).
 *
 * Bounds: GROUP_INVITES_MAX pending invitations (GROUP_INVITES_PER_INVITER_MAX
 * from one contact), the oldest dropped; one change of a group we are in may
 * introduce at most GROUP_INTRODUCE_MAX members we do not know.
 */
import { type ContactCard, decodeContactCard } from '@parley/crypto';
import { fromBase64Url, fromUtf8, InboundError, toBase64Url, utf8 } from '../base/index.ts';
import { addContact, vouchedAddresses } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import type { GroupEffects } from '../messaging/index.ts';
import type { ContactRecord, ContactsTx, GroupsTx, MessagesTx } from '../ports/index.ts';
import {
  aheadOfClock,
  encodeGroupControl,
  type GroupControl,
  type GroupMember,
  GroupNotReadyError,
  type GroupState,
} from './codec.ts';
import {
  isAdmin,
  listGroups,
  loadGroup,
  memberOf,
  SENDER_KEYS_KEPT,
  type StoredGroup,
  saveGroup,
  selfId,
} from './store.ts';
import { groupView } from './views.ts';

/** Pending invitations kept; one more drops the oldest (docs/GROUPS.md "Invitations"). */
export const GROUP_INVITES_MAX = 50;
/** Pending invitations kept from one inviter: a contact who floods us drops only their own. */
export const GROUP_INVITES_PER_INVITER_MAX = 10;
/**
 * Members we do not know that one change of a group we are in may introduce; a state adding more
 * is refused (`group-refused`). Admins add at most this many at a time. Accepting an invitation
 * introduces every member: the user saw the member count and chose to.
 */
export const GROUP_INTRODUCE_MAX = 20;

/** Verifies every member's card: one bad card refuses the whole state. */
function memberCards(ctx: Ctx, s: GroupState): Array<{ m: GroupMember; card: ContactCard }> {
  const me = selfId(ctx);
  return s.members
    .filter((m) => m.peerId !== me)
    .map((m) => {
      let card: ContactCard;
      try {
        card = decodeContactCard(m.card, ctx.primitives);
      } catch {
        throw new InboundError('bad-message', 'a group member’s card does not verify');
      }
      if (card.peerId !== m.peerId)
        throw new InboundError('bad-message', 'a member’s card names another peer');
      return { m, card };
    });
}

/**
 * Members we have no contact for become `introduced` contacts, from the card the introducer (the
 * admin whose state it is) vouched for, named by their own display name (made unique), with only
 * the card's addresses the introducer could reach anyway. A contact we already have keeps our own
 * record (an admin cannot change whom we trust). Returns undefined, adding nobody, if more than
 * `max` would be introduced.
 */
export function introduceMembers(
  ctx: Ctx,
  tx: ContactsTx & MessagesTx,
  s: GroupState,
  introducer: ContactRecord,
  max: number = Number.POSITIVE_INFINITY,
): ContactRecord[] | undefined {
  const fresh = memberCards(ctx, s).filter(({ m }) => !tx.getContactByPeerId(m.peerId));
  if (fresh.length > max) return undefined;
  return fresh.map(({ m, card }) =>
    addContact(ctx, tx, {
      peerId: m.peerId,
      name: card.displayName.trim() || m.name,
      card,
      cardBytes: m.card,
      state: 'introduced',
      addresses: vouchedAddresses(card.addresses, introducer.addresses),
    }),
  );
}

/** A change of a group we are in: its new members, at most GROUP_INTRODUCE_MAX strangers. */
export function introduceChanged(
  ctx: Ctx,
  tx: ContactsTx & MessagesTx,
  s: GroupState,
  from: ContactRecord,
  out: GroupEffects,
): boolean {
  const contacts = introduceMembers(ctx, tx, s, from, GROUP_INTRODUCE_MAX);
  if (!contacts) {
    out.problems.push({
      code: 'group-refused',
      message: `${from.name} added more than ${GROUP_INTRODUCE_MAX} people you do not know to group "${s.name}" in one change; it was ignored`,
    });
    return false;
  }
  out.contacts.push(...contacts);
  return true;
}

/**
 * A state that names us, for a group we are not active in, from an admin of it (and of the pending
 * invitation or our last view, if any: checked by the caller): stored as a pending invitation,
 * replacing an older one. A state that no longer names us withdraws the pending invitation.
 * Members we do not know are introduced only when the user accepts.
 */
export function storeInvitation(
  ctx: Ctx,
  tx: ContactsTx & MessagesTx & GroupsTx,
  from: ContactRecord,
  s: GroupState,
  g: StoredGroup | undefined,
  out: GroupEffects,
): 'applied' | 'ignored' {
  const me = selfId(ctx);
  if (!s.members.some((m) => m.peerId === me)) {
    if (g?.status !== 'invited') return 'ignored';
    dropInvitation(ctx, tx, g, out);
    return 'applied';
  }
  // Only the user's contacts invite: a member we know only through a group is not one.
  if (from.state === 'introduced') return 'ignored';
  memberCards(ctx, s); // one bad card refuses the whole state, as for members
  const now = ctx.now();
  if (g?.status === 'invited') dropWaitingKeys(tx, g, s);
  saveGroup(ctx, tx, {
    state: s,
    author: from.peerId,
    prev: [],
    status: 'invited',
    owed: [],
    leaving: [],
    createdAt: g?.createdAt ?? now,
    invitedAt: g?.status === 'invited' ? (g.invitedAt ?? now) : now,
    ...(g?.picture ? { picture: g.picture } : {}),
  });
  out.changed.set(s.id, 'invited');
  for (const old of overBound(ctx, tx, from.peerId)) dropInvitation(ctx, tx, old, out);
  return 'applied';
}

/** The pending invitations beyond the bounds: the inviter's oldest, then everyone's oldest. */
function overBound(ctx: Ctx, tx: GroupsTx, inviter: string): StoredGroup[] {
  const pending = listGroups(ctx, tx)
    .filter((g) => g.status === 'invited')
    .sort((a, b) => (a.invitedAt ?? a.createdAt) - (b.invitedAt ?? b.createdAt));
  const theirs = pending.filter((g) => g.author === inviter);
  const dropped = theirs.slice(0, Math.max(0, theirs.length - GROUP_INVITES_PER_INVITER_MAX));
  const rest = pending.filter((g) => !dropped.includes(g));
  return [...dropped, ...rest.slice(0, Math.max(0, rest.length - GROUP_INVITES_MAX))];
}

/**
 * Forgets a pending invitation: the keys kept for it go; the record too, unless it was an
 * invitation back into a group whose history we keep (then it is `left` again).
 */
export function forgetInvitation(ctx: Ctx, tx: MessagesTx & GroupsTx, g: StoredGroup): 'deleted' | 'left' {
  dropWaitingKeys(tx, g, undefined);
  tx.deleteSenderKey(g.state.id, PICTURE_ROW);
  if (tx.getConversation(g.state.id)) {
    const { invitedAt: _invited, ...rest } = g;
    saveGroup(ctx, tx, { ...rest, status: 'left' });
    return 'left';
  }
  tx.deleteGroup(g.state.id);
  return 'deleted';
}

function dropInvitation(
  ctx: Ctx,
  tx: ContactsTx & MessagesTx & GroupsTx,
  g: StoredGroup,
  out: GroupEffects,
): void {
  const view = groupView(ctx, tx, g);
  out.changed.delete(g.state.id);
  if (forgetInvitation(ctx, tx, g) === 'deleted') out.gone.push(view);
  else out.changed.set(g.state.id, 'removed');
}

/** Where a key that came while we were only invited waits: its own row, never read as a receiver. */
export const waitingPeer = (peer: string): string => `invited:${peer}`;
const waitingLabel = (id: string, peer: string): string => `invited-key:${id}:${peer}`;

export function loadWaitingKeys(ctx: Ctx, tx: GroupsTx, id: string, peer: string): WaitingKey[] {
  const sealed = tx.getSenderKey(id, waitingPeer(peer));
  if (!sealed) return [];
  const raw = JSON.parse(fromUtf8(ctx.account.vault.open(waitingLabel(id, peer), sealed))) as {
    keys: Array<{ epoch: number; key: string }>;
  };
  return raw.keys.map((k) => ({ epoch: k.epoch, key: fromBase64Url(k.key) }));
}

export interface WaitingKey {
  readonly epoch: number;
  readonly key: Uint8Array;
}

/**
 * A member's sender key for a group we are only invited to: kept as it came (the 2 newest epochs
 * per member of the pending state) and applied like any key when the user accepts — so that we
 * can then read what they send without them sending it again. Returns false if the group is not
 * a pending invitation.
 */
export function keepKeyWhileInvited(
  ctx: Ctx,
  tx: GroupsTx,
  contact: ContactRecord,
  c: { readonly id: string; readonly epoch: number; readonly key: Uint8Array },
): boolean {
  const g = loadGroup(ctx, tx, c.id);
  if (g?.status !== 'invited') return false;
  if (c.epoch < g.state.epoch || !memberOf(g, contact.peerId)) return true; // stale, or not a member
  const keys = [
    ...loadWaitingKeys(ctx, tx, c.id, contact.peerId).filter((k) => k.epoch !== c.epoch),
    { epoch: c.epoch, key: c.key },
  ]
    .sort((a, b) => b.epoch - a.epoch)
    .slice(0, SENDER_KEYS_KEPT);
  const json = { keys: keys.map((k) => ({ epoch: k.epoch, key: toBase64Url(k.key) })) };
  const sealed = ctx.account.vault.seal(waitingLabel(c.id, contact.peerId), utf8(JSON.stringify(json)));
  tx.putSenderKey(c.id, waitingPeer(contact.peerId), sealed);
  return true;
}

/** Forgets the keys kept for members a newer invitation (or a forgotten one) no longer names. */
function dropWaitingKeys(tx: GroupsTx, g: StoredGroup, keep: GroupState | undefined): void {
  for (const m of g.state.members)
    if (!keep?.members.some((n) => n.peerId === m.peerId))
      tx.deleteSenderKey(g.state.id, waitingPeer(m.peerId));
}

/** The newest picture an admin set while we were only invited: kept as it came, like keys. */
export const PICTURE_ROW = 'invited:picture';
const pictureLabel = (id: string): string => `invited-picture:${id}`;

export function loadWaitingPicture(
  ctx: Ctx,
  tx: GroupsTx,
  id: string,
): { readonly from: string; readonly at: number; readonly payload: Uint8Array } | undefined {
  const sealed = tx.getSenderKey(id, PICTURE_ROW);
  if (!sealed) return undefined;
  const raw = JSON.parse(fromUtf8(ctx.account.vault.open(pictureLabel(id), sealed))) as {
    from: string;
    at: number;
    payload: string;
  };
  return { from: raw.from, at: raw.at, payload: fromBase64Url(raw.payload) };
}

/**
 * The group picture set by an admin of a group we are only invited to: the newest is kept as it
 * came and applied like any picture when the user accepts (an admin sends it right after the
 * state). Returns false if the group is not a pending invitation.
 */
export function keepPictureWhileInvited(
  ctx: Ctx,
  tx: GroupsTx,
  contact: ContactRecord,
  c: Extract<GroupControl, { type: 'picture' }>,
): boolean {
  const g = loadGroup(ctx, tx, c.id);
  if (g?.status !== 'invited') return false;
  if (c.epoch > g.state.epoch)
    throw new GroupNotReadyError(`${contact.name} sent a picture for a group state we do not have yet`);
  if (!isAdmin(g, contact.peerId)) return true; // checked again (and reported) if it were applied
  // A far-future time would keep every later picture from waiting here (applyPicture refuses it too).
  if (aheadOfClock(c.at, ctx.now())) return true;
  const had = loadWaitingPicture(ctx, tx, c.id);
  if (had && had.at > c.at) return true;
  const json = { from: contact.peerId, at: c.at, payload: toBase64Url(encodeGroupControl(c)) };
  tx.putSenderKey(c.id, PICTURE_ROW, ctx.account.vault.seal(pictureLabel(c.id), utf8(JSON.stringify(json))));
  return true;
}
