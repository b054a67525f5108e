/**
 * A member's devices in a large group (docs/MULTI-DEVICE.md "Groups", "Large groups"): a member is
 * an account, and its devices are those the latest device list we hold for it names (signed by
 * its account identity key and followed like every contact's: devices/lists.ts). A member we hold
 * no list for has one device, its account id. We are a member too: our devices are our own list's.
 *
 * What the topic accepts from a member's device, who may share the topic and who may ask for a
 * catch-up are all decided here, from the list held NOW: a device that left the list is nobody.
 */
import { decodeIdentityPublic } from '../account/index.ts';
import type { Ctx } from '../context/index.ts';
import { SELF } from '../devices/index.ts';
import type { ContactsTx, DevicesTx } from '../ports/index.ts';
import { memberOf, type StoredGroup, selfId } from './store.ts';

export type DevicesReadTx = ContactsTx & DevicesTx;

/** The list owner's key in the devices table: `self`, or the contact's id (undefined: no contact). */
function listOwner(ctx: Ctx, tx: DevicesReadTx, member: string): string | undefined {
  return member === selfId(ctx) ? SELF : tx.getContactByPeerId(member)?.id;
}

/** A member's devices, by the latest list we hold (its account id alone when we hold none). */
export function memberDevices(ctx: Ctx, tx: DevicesReadTx, member: string): string[] {
  const owner = listOwner(ctx, tx, member);
  const listed = owner === undefined ? [] : tx.listDevices(owner).map((d) => d.peerId);
  return listed.length > 0 ? listed : [member];
}

/** Whether `device` is one of `member`'s devices now. */
export const isMemberDevice = (ctx: Ctx, tx: DevicesReadTx, member: string, device: string): boolean =>
  memberDevices(ctx, tx, member).includes(device);

/**
 * The signing key of `member`'s device `device` as the member's list names it; undefined when
 * the list we hold does not name it (not theirs, removed, or a list that has not reached us yet).
 */
export function deviceSigningKey(
  ctx: Ctx,
  tx: DevicesReadTx,
  member: string,
  device: string,
): Uint8Array | undefined {
  const owner = listOwner(ctx, tx, member);
  const record = tx.getDevice(device);
  if (owner === undefined || record?.owner !== owner) return undefined;
  return decodeIdentityPublic(record.identityKey).signingKey;
}

/** The member (account id) of `g` whose device `peer` is, or undefined; our own devices are us. */
export function memberOfDevice(
  ctx: Ctx,
  tx: DevicesReadTx,
  g: StoredGroup,
  peer: string,
): string | undefined {
  if (memberOf(g, peer)) return isMemberDevice(ctx, tx, peer, peer) ? peer : undefined;
  const record = tx.getDevice(peer);
  if (!record) return undefined;
  const account = record.owner === SELF ? selfId(ctx) : tx.getContact(record.owner)?.peerId;
  return account !== undefined && memberOf(g, account) ? account : undefined;
}

/** Every device of every member (ours but this one): who may share the group's topic with us. */
export function groupDevices(ctx: Ctx, tx: DevicesReadTx, g: StoredGroup): Set<string> {
  const out = new Set(g.state.members.flatMap((m) => memberDevices(ctx, tx, m.peerId)));
  out.delete(ctx.account.info.peerId);
  return out;
}
