/**
 * Device lists (docs/MULTI-DEVICE.md, SPEC.md §13): ours, which this device signs with the account
 * identity when a device is linked or removed, and our contacts', which we follow — a list is
 * taken only if it is signed by the account's identity key and extends the one we hold (never an
 * older one, a forged one, or a fork). Whom a message goes to follows from them (targets.ts).
 */
import {
  acceptDeviceList,
  type ContactCard,
  CryptoError,
  createDeviceList,
  type DeviceEntry,
  type DeviceList,
  decodeContactCard,
  decodeDeviceList,
  deviceListHash,
  type HeldDeviceList,
  type IdentityPublic,
  sameIdentity,
} from '@parley/crypto';
import { accountIdOf, decodeIdentityPublic, encodeIdentityPublic } from '../account/index.ts';
import { CoreError, InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type {
  ContactRecord,
  ContactsTx,
  DeviceRecord,
  DevicesTx,
  OutboxTx,
  SessionsTx,
} from '../ports/index.ts';
import { deleteSessions } from '../sessions/index.ts';
import type { DevicesPayload } from './codec.ts';

/** The owner of our own devices' records. */
export const SELF = 'self';
/** Name of the founding device in the first list, until the user names it. */
export const FIRST_DEVICE_NAME = 'First device';

/** Where the session with one device of `owner` is kept: the founding device's under the contact id. */
export function sessionKeyOf(owner: ContactRecord | typeof SELF, peerId: string): string {
  if (owner === SELF) return `${SELF}@${peerId}`;
  return peerId === owner.peerId ? owner.id : `${owner.id}@${peerId}`;
}

type Tx = ContactsTx & DevicesTx & SessionsTx & OutboxTx;

/**
 * The list we hold for `owner`, verified again under `identity` (it is ours to trust, but cheap).
 * An empty one is provisional (contacts/device-invites.ts: the device an invite or introduction
 * came from, until the account's list arrives): no list.
 */
function held(tx: DevicesTx, owner: string, identity: IdentityPublic, ctx: Ctx): HeldDeviceList | undefined {
  const bytes = tx.getDeviceList(owner);
  return bytes && bytes.length > 0
    ? { bytes, list: decodeDeviceList(bytes, identity, ctx.primitives) }
    : undefined;
}

/** Our own device list, or undefined while this account has never linked a device. */
export function ownDeviceList(ctx: Ctx, tx: DevicesTx): HeldDeviceList | undefined {
  return held(tx, SELF, ctx.account.accountIdentity.publicIdentity, ctx);
}

/**
 * Our list; on an account that has none yet, the first one (serial 1: this device alone), made
 * and stored here. Only the founding device can lack a list: a linked one receives it.
 */
export function ensureOwnList(ctx: Ctx, tx: Tx, name: string = FIRST_DEVICE_NAME): HeldDeviceList {
  const existing = ownDeviceList(ctx, tx);
  if (existing) return existing;
  const { account } = ctx;
  const fields = {
    serial: 1,
    accountId: accountIdOf(account.info),
    devices: [
      { identity: account.identity.publicIdentity, peerId: account.info.peerId, name, addedAt: ctx.now() },
    ],
    issuedAt: ctx.now(),
    previous: new Uint8Array(32),
  };
  const bytes = createDeviceList(account.accountIdentity, fields, ctx.primitives);
  const list = decodeDeviceList(bytes, account.accountIdentity.publicIdentity, ctx.primitives);
  store(tx, SELF, { bytes, list }, new Map());
  return { bytes, list };
}

/**
 * Signs and stores the successor of our list with `devices` (cards: the devices' cards we learned
 * with them). Sessions and queued frames to devices that leave are deleted at once.
 */
export function publishOwnList(
  ctx: Ctx,
  tx: Tx,
  devices: readonly DeviceEntry[],
  cards: ReadonlyMap<string, Uint8Array> = new Map(),
): HeldDeviceList {
  const current = ensureOwnList(ctx, tx);
  const { account, primitives: p } = ctx;
  const bytes = createDeviceList(
    account.accountIdentity,
    {
      serial: current.list.serial + 1,
      accountId: current.list.accountId,
      devices,
      issuedAt: ctx.now(),
      previous: deviceListHash(current.bytes, p),
    },
    p,
  );
  const next = { bytes, list: decodeDeviceList(bytes, account.accountIdentity.publicIdentity, p) };
  store(tx, SELF, next, cards);
  return next;
}

/**
 * A `devices` control from `contact` (or, with `SELF`, from one of our own devices): takes the
 * list if it extends the one we hold, with the cards it carries (each must be a listed device's,
 * signed by that device). 'same' for the list we hold already (a resend); a replayed older list,
 * a forged or forked one, or a card that matches no device throws InboundError('bad-message').
 */
export function followDeviceList(
  ctx: Ctx,
  tx: Tx,
  owner: ContactRecord | typeof SELF,
  payload: DevicesPayload,
): 'same' | DeviceChange {
  const { primitives: p } = ctx;
  const identity =
    owner === SELF ? ctx.account.accountIdentity.publicIdentity : decodeIdentityPublic(owner.identityKey);
  const accountId = owner === SELF ? accountIdOf(ctx.account.info) : owner.peerId;
  const before = held(tx, owner === SELF ? SELF : owner.id, identity, ctx);
  // The provisional device (contacts/device-invites.ts) is no news when the list names it.
  const provisional = before || owner === SELF ? [] : tx.listDevices(owner.id).map((d) => d.peerId);
  let next: HeldDeviceList;
  try {
    next = acceptDeviceList(payload.list, identity, accountId, before, p);
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    if (before && error.code === 'stale' && sameBytes(before.bytes, payload.list)) {
      // The list we hold, with newer cards (a device that moved announces where it is now).
      for (const [peerId, card] of matchingCards(before, payload.cards, p)) {
        const stored = tx.getDevice(peerId)?.card;
        if (!stored || readCard(card, p).issuedAt > readCard(stored, p).issuedAt)
          tx.setDeviceCard(peerId, card);
      }
      if (owner !== SELF) adoptFirstCard(ctx, tx, owner.id);
      return 'same';
    }
    throw new InboundError('bad-message', `device list refused (${error.code}): ${error.message}`);
  }
  // A device is no one else's: not us, not another contact, not one of our devices (a list naming
  // them would have their frames taken for this account's, or ours sent to them).
  for (const d of next.list.devices) {
    if (d.peerId === accountId) continue;
    const other = tx.getContactByPeerId(d.peerId);
    const listed = tx.getDevice(d.peerId);
    const ownerKey = owner === SELF ? SELF : owner.id;
    if (d.peerId === ctx.account.info.peerId && owner !== SELF)
      throw new InboundError('bad-message', 'a device list names this device');
    if ((other && other.id !== ownerKey) || (listed && listed.owner !== ownerKey))
      throw new InboundError('bad-message', 'a device list names a device of another account');
  }
  store(tx, owner, next, matchingCards(next, payload.cards, p));
  if (owner !== SELF) adoptFirstCard(ctx, tx, owner.id);
  const names = (l: HeldDeviceList | undefined) =>
    new Map((l?.list.devices ?? []).map((d) => [d.peerId, d.name]));
  const [was, now] = [names(before), names(next)];
  // Before any list, an account had one device: the one its card named.
  if (!before && owner !== SELF) for (const peer of [owner.peerId, ...provisional]) was.set(peer, '');
  return {
    added: [...now].filter(([p]) => !was.has(p)).map(([, n]) => n),
    removed: [...was].filter(([p]) => !now.has(p)).map(([, n]) => n),
  };
}

/**
 * A contact made from a linked device's invite or introduction holds no card of the account's
 * first device (contacts/device-invites.ts): it takes it from the list's cards once they name it.
 */
function adoptFirstCard(ctx: Ctx, tx: Tx, contactId: string): void {
  const contact = tx.getContact(contactId);
  if (!contact || contact.card.length > 0) return;
  const card = tx.getDevice(contact.peerId)?.card;
  if (!card) return;
  tx.putContact({
    ...contact,
    card,
    addresses: readCard(card, ctx.primitives).addresses,
    updatedAt: ctx.now(),
  });
}

/** The devices a newer list added and removed, by name. */
export interface DeviceChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** The cards by PeerId, each a listed device's (its PeerId and identity); else InboundError. */
function matchingCards(
  held: HeldDeviceList,
  cards: readonly Uint8Array[],
  p: Ctx['primitives'],
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const bytes of cards) {
    const card = readCard(bytes, p);
    const entry = held.list.devices.find((d) => d.peerId === card.peerId);
    if (!entry || !sameIdentity(entry.identity, card.identity))
      throw new InboundError('bad-message', 'a device card does not match the device list');
    out.set(card.peerId, bytes);
  }
  return out;
}

/** The devices of a list as stored records: cards given now, or kept from before. */
function store(
  tx: Tx,
  who: ContactRecord | typeof SELF,
  next: HeldDeviceList,
  cards: ReadonlyMap<string, Uint8Array>,
): void {
  const owner = who === SELF ? SELF : who.id;
  const before = tx.listDevices(owner);
  const records: DeviceRecord[] = next.list.devices.map((d) => ({
    owner,
    peerId: d.peerId,
    identityKey: encodeIdentityPublic(d.identity),
    card: cards.get(d.peerId) ?? before.find((b) => b.peerId === d.peerId)?.card ?? null,
  }));
  tx.putDeviceList(owner, next.bytes, records);
  for (const gone of before) {
    if (next.list.devices.some((d) => d.peerId === gone.peerId)) continue;
    // No more encryption to a device that left its list: its session and queued frames go.
    deleteSessions(tx, sessionKeyOf(who, gone.peerId));
    for (const e of tx.listOutbox(gone.peerId)) tx.deleteOutbox(e.seq);
  }
}

/** A device's card, decoded and verified; InboundError if it is not one. */
export function readCard(bytes: Uint8Array, p: Ctx['primitives']): ContactCard {
  try {
    return decodeContactCard(bytes, p);
  } catch (error) {
    if (error instanceof CryptoError)
      throw new InboundError('bad-message', `bad device card (${error.code})`);
    throw error;
  }
}

/** The decoded list we hold for `owner`, if any (for views). */
export function deviceListOf(
  ctx: Ctx,
  tx: DevicesTx,
  owner: ContactRecord | typeof SELF,
): DeviceList | undefined {
  if (owner === SELF) return ownDeviceList(ctx, tx)?.list;
  return held(tx, owner.id, decodeIdentityPublic(owner.identityKey), ctx)?.list;
}

/** A new device entry, refusing a full list or a PeerId already listed. */
export function withDevice(list: DeviceList, entry: DeviceEntry, max: number): DeviceEntry[] {
  if (list.devices.length >= max)
    throw new CoreError('too-many-devices', `an account has at most ${max} devices; remove one first`);
  if (list.devices.some((d) => d.peerId === entry.peerId || sameIdentity(d.identity, entry.identity)))
    throw new CoreError('device-exists', 'that device is linked already');
  return [...list.devices, entry];
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
