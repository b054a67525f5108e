/**
 * Who and what a state we write may hold (create.ts and admin.ts): a name no contact or other
 * group has, contacts the user added themselves, at most GROUP_MAX_MEMBERS members.
 */
import { decodeContactCard } from '@parley/crypto';
import { checkDisplayName } from '../account/index.ts';
import { CoreError } from '../base/index.ts';
import { findContact, ownCard } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import type { AccountTx, ContactRecord, ContactsTx, DevicesTx, GroupsTx } from '../ports/index.ts';
import { GROUP_MAX_MEMBERS, type GroupMember, validGroupName } from './codec.ts';
import { listGroups, selfId } from './store.ts';

/**
 * Our card in a state we write: members know an account by its first device's card (its PeerId
 * is the account id), so a device linked later puts the one its device list holds
 * (docs/MULTI-DEVICE.md "Groups").
 */
export function ownMemberCard(ctx: Ctx, tx: AccountTx & DevicesTx): Uint8Array {
  const me = selfId(ctx);
  if (me === ctx.account.info.peerId) return ownCard(ctx, tx, {}).card;
  const card = tx.getDevice(me)?.card;
  if (!card)
    throw new CoreError(
      'not-allowed',
      'this device does not hold your first device’s card; create or change groups from another of your devices',
    );
  return card;
}

/** A member we add, with the card we hold for them, under their own display name. */
export function memberFrom(ctx: Ctx, contact: ContactRecord): GroupMember {
  let name = contact.name;
  try {
    const own = decodeContactCard(contact.card, ctx.primitives).displayName.trim();
    if (validGroupName(own)) name = own;
  } catch {
    // keep our name for them; the card itself is checked by every member
  }
  return { peerId: contact.peerId, name, role: 'member', card: contact.card };
}

/** `wanted` as a group name, unless a contact or another active group (not `except`) has it. */
export function checkGroupName(ctx: Ctx, tx: ContactsTx & GroupsTx, wanted: string, except?: string): string {
  const name = checkDisplayName(wanted);
  if (tx.getContactByName(name))
    throw new CoreError('name-taken', `"${name}" is a contact's name; choose another name for the group`);
  const lower = name.toLowerCase();
  if (
    listGroups(ctx, tx).some(
      (g) => g.status === 'active' && g.state.id !== except && g.state.name.toLowerCase() === lower,
    )
  )
    throw new CoreError('name-taken', `you already have a group named "${name}"`);
  return name;
}

/** The contacts these names mean (each once); all must be active contacts the user added. */
export function contactsToAdd(tx: ContactsTx, names: readonly string[]): ContactRecord[] {
  const contacts = [...new Map(names.map((n) => findContact(tx, n)).map((c) => [c.id, c])).values()];
  for (const c of contacts) {
    // We vouch for the cards we put in a state: only for contacts the user added themselves.
    if (c.state === 'introduced')
      throw new CoreError(
        'not-allowed',
        `you know ${c.name} only through a group; accept an invite from them before adding them to a group`,
      );
    if (c.state !== 'active')
      throw new CoreError('not-allowed', `${c.name} has not confirmed your invite yet; try again later`);
  }
  return contacts;
}

export function checkMemberCount(n: number): void {
  if (n > GROUP_MAX_MEMBERS)
    throw new CoreError('bad-input', `a group has at most ${GROUP_MAX_MEMBERS} members`);
}
