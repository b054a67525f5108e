/**
 * What an admin changes (docs/GROUPS.md): members added or removed, their roles, the name, the
 * picture. Each change of members, roles or name is a new state (changeState); every member checks
 * it was an admin's.
 */
import { type ContactCard, decodeContactCard, equalBytes } from '@parley/crypto';
import { CoreError } from '../base/index.ts';
import type { ContactsTx } from '../ports/index.ts';
import type { GroupRole, GroupView } from '../views/index.ts';
import { encodeGroupControl, type GroupMember, nextChangeTime } from './codec.ts';
import { GROUP_INTRODUCE_MAX } from './invites.ts';
import { checkJoined, type GroupLocal } from './local.ts';
import { checkGroupName, checkMemberCount, contactsToAdd, memberFrom, ownMemberCard } from './members.ts';
import { pictureFromBytes } from './picture.ts';
import { changeState, sendControl, withMembers } from './send.ts';
import { findGroup, isAdmin, memberOf, type StoredGroup, saveGroup } from './store.ts';
import { groupView } from './views.ts';

export function addToGroup(local: GroupLocal, name: string, names: readonly string[]): GroupView {
  const { ctx, me } = local;
  return local.change(name, (tx, g) => {
    const adding = contactsToAdd(tx, names).filter((c) => !memberOf(g, c.peerId));
    if (adding.length === 0) throw new CoreError('bad-input', 'they are all members already');
    // Every member refuses a change that introduces more people they do not know (groups/invites.ts).
    if (adding.length > GROUP_INTRODUCE_MAX)
      throw new CoreError('bad-input', `add at most ${GROUP_INTRODUCE_MAX} members at a time`);
    checkMemberCount(g.state.members.length + adding.length);
    const next = withMembers(g.state, (ms) => [
      ...ms.map((m) =>
        m.peerId === me ? { ...m, card: newerCard(ctx, m.card, ownMemberCard(ctx, tx)) } : m,
      ),
      ...adding.map((c) => memberFrom(ctx, c)),
    ]);
    return changeState(ctx, tx, g, next);
  });
}

/**
 * Our card as the state should carry it: the one it has unless something a newcomer needs to reach
 * us changed (name, addresses, prekeys, mailboxes) — a card made now differs in its issue time
 * alone, and every member would get it again in the delta (1.6 KB each with suite 2's KEM prekey:
 * 1.6 MB per change at 1,000 members).
 */
function newerCard(ctx: GroupLocal['ctx'], held: Uint8Array, made: Uint8Array): Uint8Array {
  let a: ContactCard;
  let b: ContactCard;
  try {
    [a, b] = [decodeContactCard(held, ctx.primitives), decodeContactCard(made, ctx.primitives)];
  } catch {
    return made;
  }
  const same =
    a.peerId === b.peerId &&
    a.displayName === b.displayName &&
    a.addresses.length === b.addresses.length &&
    a.addresses.every((x, i) => x === b.addresses[i]) &&
    equalBytes(a.signedPrekey.publicKey, b.signedPrekey.publicKey) &&
    equalBytes(
      a.kemPrekey?.encapsulationKey ?? new Uint8Array(0),
      b.kemPrekey?.encapsulationKey ?? new Uint8Array(0),
    ) &&
    equalBytes(a.extension, b.extension);
  return same ? held : made;
}

/** The member a name means: our contact of that name, else the member's own name in the state. */
function memberNamed(tx: ContactsTx, g: StoredGroup, memberName: string): GroupMember {
  const contact = tx.getContactByName(memberName.trim());
  const target =
    (contact && memberOf(g, contact.peerId)) ??
    g.state.members.find((m) => m.name.toLowerCase() === memberName.trim().toLowerCase());
  if (!target) throw new CoreError('unknown-contact', `${memberName} is not a member of "${g.state.name}"`);
  return target;
}

/**
 * An admin makes a member an admin, or an admin a member again (one's own role included, unless
 * one is the last admin: a group never lacks one). Every member checks it like any change.
 */
export function setMemberRole(
  local: GroupLocal,
  name: string,
  memberName: string,
  role: GroupRole,
): GroupView {
  return local.change(name, (tx, g) => {
    const target = memberNamed(tx, g, memberName);
    if (target.role === role)
      throw new CoreError(
        'bad-input',
        `${target.name} is already ${role === 'admin' ? 'an admin' : 'not an admin'}`,
      );
    if (role === 'member' && g.state.members.filter((m) => m.role === 'admin').length === 1)
      throw new CoreError(
        'not-allowed',
        `${target.name} is the only admin of "${g.state.name}": make someone else an admin first`,
      );
    const next = withMembers(g.state, (ms) =>
      ms.map((m) => (m.peerId === target.peerId ? { ...m, role } : m)),
    );
    return changeState(local.ctx, tx, g, next);
  });
}

export function removeFromGroup(local: GroupLocal, name: string, memberName: string): GroupView {
  return local.change(name, (tx, g) => {
    const target = memberNamed(tx, g, memberName);
    if (target.peerId === local.me) throw new CoreError('bad-input', 'to leave the group, use leave');
    const next = withMembers(g.state, (ms) => ms.filter((m) => m.peerId !== target.peerId));
    return changeState(local.ctx, tx, g, next, [target.peerId]);
  });
}

export function renameGroup(local: GroupLocal, name: string, newName: string): GroupView {
  const { ctx } = local;
  return local.change(name, (tx, g) =>
    changeState(
      ctx,
      tx,
      g,
      withMembers(g.state, (ms) => ms, checkGroupName(ctx, tx, newName, g.state.id)),
    ),
  );
}

/**
 * An admin sets (or, with null, removes) the group picture: PNG, JPEG, WebP or GIF, at most
 * GROUP_PICTURE_MAX_BYTES. Every member accepts it only from an admin of its current view.
 */
export function setGroupPicture(local: GroupLocal, name: string, data: Uint8Array | null): GroupView {
  const { ctx, me } = local;
  const picture = data === null ? null : pictureFromBytes(data);
  const { g, kicks } = ctx.store.transaction((tx) => {
    const before = findGroup(ctx, tx, name);
    checkJoined(before);
    if (!isAdmin(before, me))
      throw new CoreError('not-allowed', `only an admin of "${before.state.name}" can change its picture`);
    const at = nextChangeTime(ctx.now(), before.picture?.at);
    const { picture: _old, ...rest } = before;
    const after: StoredGroup = picture ? { ...rest, picture: { ...picture, at, by: me } } : rest;
    saveGroup(ctx, tx, after);
    const others = after.state.members.map((m) => m.peerId).filter((p) => p !== me);
    const payload = encodeGroupControl({
      type: 'picture',
      id: after.state.id,
      epoch: after.state.epoch,
      at,
      picture,
    });
    return { g: after, kicks: others.filter((p) => sendControl(ctx, tx, after, p, payload)) };
  });
  local.kickAll(kicks);
  local.emitGroup(g.state.id, 'changed');
  return ctx.store.transaction((tx) => groupView(ctx, tx, g));
}
