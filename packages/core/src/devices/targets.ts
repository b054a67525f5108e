/**
 * Fan-out (docs/MULTI-DEVICE.md): a message to a person goes to each device of theirs in the
 * latest list we hold — one pairwise session and one outbox entry per device — and a frame from a
 * PeerId belongs to the account whose list names it. A contact we hold no list for has one
 * device: the one its card names (every account before multi-device, and most after).
 */
import { CARD_SUITE_X25519_MLKEM768, type ContactCard, initiateSession, type Session } from '@parley/crypto';
import type { Ctx } from '../context/index.ts';
import type { ContactRecord, ContactsTx, DevicesTx } from '../ports/index.ts';
import type { SessionBatch } from '../sessions/index.ts';
import { readCard, SELF, sessionKeyOf } from './lists.ts';

/** One device a message goes to. */
export interface DeviceTarget {
  readonly peerId: string;
  /** Where its session is kept (lists.ts sessionKeyOf). */
  readonly sessionKey: string;
  /** Its card, to start a session with it if there is none yet. */
  readonly card: Uint8Array | null;
}

/** The devices a message to `contact` goes to, founding device (if listed) first. */
export function contactTargets(tx: DevicesTx, contact: ContactRecord): DeviceTarget[] {
  const devices = tx.listDevices(contact.id);
  if (devices.length === 0)
    return [
      { peerId: contact.peerId, sessionKey: contact.id, card: contact.card.length > 0 ? contact.card : null },
    ];
  return devices.map((d) => ({
    peerId: d.peerId,
    sessionKey: sessionKeyOf(contact, d.peerId),
    // The founding device's card: the contact's record, which `profile` updates keep current.
    card: d.peerId === contact.peerId && contact.card.length > 0 ? contact.card : d.card,
  }));
}

/** Our other devices (not this one): where sync copies go. */
export function ownTargets(ctx: Ctx, tx: DevicesTx): DeviceTarget[] {
  return tx
    .listDevices(SELF)
    .filter((d) => d.peerId !== ctx.account.info.peerId)
    .map((d) => ({ peerId: d.peerId, sessionKey: sessionKeyOf(SELF, d.peerId), card: d.card }));
}

/** Whose device a PeerId is: a contact's (with its session key and listed identity) or ours. */
export type PeerOwner =
  | {
      readonly kind: 'contact';
      readonly peerId: string;
      readonly contact: ContactRecord;
      readonly sessionKey: string;
      /** The identity its sessions must be made with: the device's, as its account's list names it. */
      readonly identityKey: Uint8Array;
      /** Whether it is a device other than the one the contact's card named. */
      readonly linked: boolean;
    }
  | {
      readonly kind: 'self';
      readonly peerId: string;
      readonly sessionKey: string;
      readonly identityKey: Uint8Array;
    };

/** The owner of `peerId`, or undefined for a stranger (or a device that left its list). */
export function ownerOf(ctx: Ctx, tx: ContactsTx & DevicesTx, peerId: string): PeerOwner | undefined {
  if (peerId === ctx.account.info.peerId) return undefined;
  // A contact's own PeerId (its account id) is that contact's, whatever another account's list says.
  const direct = tx.getContactByPeerId(peerId);
  const device = tx.getDevice(peerId);
  if (!direct && device?.owner === SELF)
    return { kind: 'self', peerId, sessionKey: sessionKeyOf(SELF, peerId), identityKey: device.identityKey };
  const contact = direct ?? (device ? tx.getContact(device.owner) : undefined);
  if (!contact) return undefined;
  // A contact whose list we hold speaks only through the devices it names.
  if (direct && device?.owner !== direct.id && tx.listDevices(direct.id).length > 0) return undefined;
  return {
    kind: 'contact',
    peerId,
    contact,
    sessionKey: sessionKeyOf(contact, peerId),
    identityKey:
      peerId === contact.peerId ? contact.identityKey : (device?.identityKey ?? contact.identityKey),
    linked: peerId !== contact.peerId,
  };
}

/**
 * The session to encrypt to `target` with: the one we have, or a new one started from its card
 * (its one-time prefix left out: another device of ours may have used it already). Undefined if
 * we have neither (its card has not reached us yet). A classical (suite-1) session with a peer
 * whose card now offers ML-KEM is replaced by a hybrid one here, by the lower PeerId alone
 * (docs/PROTOCOL.md §3 "Migration"); the old one is set aside so frames sealed with it still open.
 */
export function sessionFor(
  ctx: Ctx,
  sessions: SessionBatch,
  target: DeviceTarget,
  start: boolean,
): Session | undefined {
  const existing = sessions.get(target.sessionKey);
  if (!existing) return target.card && start ? startFrom(ctx, target.card) : undefined;
  if (!target.card || !upgrades(ctx, existing, target)) return existing;
  let session: Session;
  try {
    session = startFrom(ctx, target.card);
  } catch {
    return existing; // a card we cannot use: the classical session goes on
  }
  sessions.replace(target.sessionKey, session);
  return session;
}

/** Whether we move this classical session to suite 2 now: their card is hybrid and we go first. */
function upgrades(ctx: Ctx, existing: Session, target: DeviceTarget): boolean {
  return (
    existing.pq === undefined &&
    target.card?.[1] === CARD_SUITE_X25519_MLKEM768 &&
    ctx.account.info.peerId < target.peerId
  );
}

function startFrom(ctx: Ctx, cardBytes: Uint8Array): Session {
  const {
    oneTimePrekey: _used,
    oneTimeKemPrekey: _usedKem,
    ...card
  }: ContactCard = readCard(cardBytes, ctx.primitives);
  return initiateSession(ctx.account.identity, card as ContactCard, ctx.random, ctx.primitives);
}

/** Every device a send to `peerId`'s account may have queued frames for, and our other devices. */
export function fanoutPeers(ctx: Ctx, tx: ContactsTx & DevicesTx, peerId: string): string[] {
  const peers = new Set([peerId]);
  const owner = ownerOf(ctx, tx, peerId);
  // (a contact's account id names it even when its list does not name that PeerId as a device)
  const contact = owner?.kind === 'contact' ? owner.contact : tx.getContactByPeerId(peerId);
  if (contact) for (const t of contactTargets(tx, contact)) peers.add(t.peerId);
  for (const t of ownTargets(ctx, tx)) peers.add(t.peerId);
  return [...peers];
}

/**
 * The record a frame to or from `peerId` is handled as: the contact's own for its founding device;
 * for a linked device the contact's, addressed to that device; for one of ours a record named
 * "your other device". Undefined for a stranger.
 */
export function recipientOf(ctx: Ctx, tx: ContactsTx & DevicesTx, peerId: string): ContactRecord | undefined {
  const owner = ownerOf(ctx, tx, peerId);
  if (!owner) return undefined;
  if (owner.kind === 'contact') return owner.linked ? { ...owner.contact, peerId } : owner.contact;
  return ownDeviceRecord(peerId, owner.identityKey);
}

/** One of our own devices, as a record the outbox and inbox handle like a contact. */
export function ownDeviceRecord(peerId: string, identityKey: Uint8Array): ContactRecord {
  return {
    id: SELF,
    peerId,
    name: 'your other device',
    identityKey,
    card: new Uint8Array(0),
    addresses: [],
    verified: true,
    state: 'active',
    pendingIdentityKey: null,
    createdAt: 0,
    updatedAt: 0,
  };
}

/** Every device PeerId of our contacts and of our own other devices, with whose it is (admission). */
export function listedDevices(ctx: Ctx, tx: ContactsTx & DevicesTx): ListedDevice[] {
  const out: ListedDevice[] = [];
  for (const t of ownTargets(ctx, tx))
    out.push({ peerId: t.peerId, contact: null, addresses: addressesOf(ctx, t.card) });
  for (const c of tx.listContacts())
    for (const d of tx.listDevices(c.id))
      if (d.peerId !== c.peerId)
        out.push({ peerId: d.peerId, contact: c, addresses: addressesOf(ctx, d.card) });
  return out;
}

/** A device of a contact's (`contact`) or of ours (null), and where its card says it listens. */
export interface ListedDevice {
  readonly peerId: string;
  readonly contact: ContactRecord | null;
  readonly addresses: readonly string[];
}

const addressesOf = (ctx: Ctx, card: Uint8Array | null): readonly string[] => {
  if (!card) return [];
  try {
    return readCard(card, ctx.primitives).addresses;
  } catch {
    return [];
  }
};
