/**
 * Linking a new device to the account (docs/MULTI-DEVICE.md "Linking"), the part that does not
 * depend on how the bytes travel:
 *
 * 1. The new device makes its own keys before it has an account (createPendingDevice) and asks
 *    with its card (linkRequest): its PeerId, device identity and signed prekey, its name.
 * 2. A device of the account, holding the one-time link secret `L` it showed the user, approves
 *    (approveLink): signs the successor of the device list with the new device in it and seals the
 *    grant — the account identity, the account's name and id, the list with its devices' cards,
 *    and the contacts with their verification state and device lists — under
 *    K = HKDF-SHA256(L, salt = SHA-256(request card), "Parley_Link_v1"), ChaCha20-Poly1305 with a
 *    random nonce, the request card's hash as associated data: only the holder of `L` opens it,
 *    and only for the device that asked.
 * 3. The new device opens the grant and becomes a device of the account (completeLink).
 *
 * The grant carries the account identity's secret: every device of the account holds it (no
 * primary; docs/MULTI-DEVICE.md "What a stolen, not-yet-revoked device can do").
 */
import {
  createContactCard,
  createIdentity,
  createKemPrekey,
  createSignedPrekey,
  DEVICE_LIST_MAX_DEVICES,
  decodeDeviceList,
  decodeIdentity,
  decodeKemPrekey,
  decodePrekey,
  encodeIdentity,
  encodeKemPrekey,
  encodePrekey,
  type HeldDeviceList,
  type Identity,
  type IdentityPublic,
  type KemPrekeyPair,
  type PrekeyPair,
  type Primitives,
  type RandomSource,
  sameIdentity,
} from '@parley/crypto';
import {
  type Account,
  type AccountInfo,
  accountIdOf,
  checkDisplayName,
  decodeIdentityPublic,
  encodeIdentityPublic,
  loadMailboxLinks,
  putKemPrekey,
  putPrekey,
  saveMailboxLinks,
  setPostQuantumSince,
  type Vault,
  writeInfo,
} from '../account/index.ts';
import {
  CoreError,
  concat,
  fromBase64Url,
  fromUtf8,
  redact,
  toBase64Url,
  toHex,
  utf8,
} from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ContactRecord, DevicesTx, Store, StoreTx } from '../ports/index.ts';
import { HISTORY_FROM_META } from './history.ts';
import { ensureOwnList, publishOwnList, readCard, SELF, withDevice } from './lists.ts';

/** How long a link shown to the user stays valid. */
export const LINK_TTL_MS: number = 10 * 60_000;
/** Bytes of the one-time link secret. */
export const LINK_SECRET_BYTES = 32;
/** Largest sealed grant (contacts, their cards and device lists). */
export const LINK_GRANT_MAX_BYTES: number = 16 * 1024 * 1024;
const GRANT_VERSION = 1;
const NONCE_BYTES = 12;

/** The new device's own keys, before it belongs to an account. Holds secrets: prints `[redacted]`. */
export interface PendingDevice {
  readonly identity: Identity;
  readonly signedPrekey: PrekeyPair;
  /**
   * Its signed ML-KEM-768 prekey (id 2): its first card is suite 2, so contacts and our other
   * devices start post-quantum sessions with it from the start. Absent only in a pending device
   * kept by an older Parley mid-link (its card is then suite 1 until its first start).
   */
  readonly kemPrekey?: KemPrekeyPair;
  readonly peerId: string;
  readonly name: string;
}

/** Prekey ids of a new device: its signed X25519 prekey, its signed KEM prekey, then the rest. */
const DEVICE_SIGNED_PREKEY_ID = 1;
const DEVICE_KEM_PREKEY_ID = 2;

export function createPendingDevice(
  options: { readonly peerId: string; readonly name: string; readonly now: number },
  random: RandomSource,
  p: Primitives,
): PendingDevice {
  const name = checkDisplayName(options.name);
  const identity = createIdentity(random, p);
  const signedPrekey = createSignedPrekey(identity, DEVICE_SIGNED_PREKEY_ID, options.now, random, p);
  const kemPrekey = createKemPrekey(identity, DEVICE_KEM_PREKEY_ID, options.now, random, p);
  return Object.freeze(redact({ identity, signedPrekey, kemPrekey, peerId: options.peerId, name }));
}

/** A pending device as its own store keeps it until linked (sealed by the caller's vault). */
export function encodePendingDevice(device: PendingDevice, peerKey: Uint8Array): Uint8Array {
  return utf8(
    JSON.stringify({
      v: 1,
      identity: toBase64Url(encodeIdentity(device.identity)),
      prekey: toBase64Url(encodePrekey(device.signedPrekey)),
      ...(device.kemPrekey ? { kem: toBase64Url(encodeKemPrekey(device.kemPrekey)) } : {}),
      peerKey: toBase64Url(peerKey),
      peerId: device.peerId,
      name: device.name,
    }),
  );
}

export function decodePendingDevice(
  bytes: Uint8Array,
  p: Primitives,
): { readonly device: PendingDevice; readonly peerKey: Uint8Array } {
  const o = JSON.parse(fromUtf8(bytes)) as Record<string, string>;
  const device = {
    identity: decodeIdentity(fromBase64Url(o.identity ?? ''), p),
    signedPrekey: decodePrekey(fromBase64Url(o.prekey ?? ''), p),
    ...(o.kem ? { kemPrekey: decodeKemPrekey(fromBase64Url(o.kem), p) } : {}),
    peerId: o.peerId ?? '',
    name: o.name ?? '',
  };
  return { device: Object.freeze(redact(device)), peerKey: fromBase64Url(o.peerKey ?? '') };
}

/** The new device's request: its card (its keys, PeerId, name and where to reach it). */
export function linkRequest(
  device: PendingDevice,
  addresses: readonly string[],
  now: number,
  p: Primitives,
): Uint8Array {
  const spk = device.signedPrekey;
  return createContactCard(
    device.identity,
    {
      peerId: device.peerId,
      displayName: device.name,
      addresses: addresses.slice(0, 8),
      signedPrekey: {
        id: spk.id,
        createdAt: spk.createdAt,
        publicKey: spk.publicKey,
        signature: spk.signature,
      },
      ...(device.kemPrekey ? { kemPrekey: device.kemPrekey.publicKey } : {}),
      issuedAt: now,
    },
    p,
  );
}

/** One contact as the grant carries it. */
interface GrantContact {
  readonly peerId: string;
  readonly name: string;
  readonly identityKey: string;
  readonly card: string;
  readonly addresses: readonly string[];
  readonly verified: boolean;
  readonly state: ContactRecord['state'];
  readonly deviceList?: string;
  readonly deviceCards?: readonly string[];
}

interface Grant {
  readonly v: number;
  readonly accountId: string;
  readonly name: string;
  readonly accountIdentity: string;
  readonly list: string;
  readonly cards: readonly string[];
  readonly contacts: readonly GrantContact[];
  /** The pairing links of the account's mailbox nodes: the new device pairs with each under its own PeerId. */
  readonly mailboxLinks?: readonly string[];
}

/**
 * On a device of the account: adds the requesting device to the list (signed, serial + 1) and
 * seals the grant for it. `ownCard` is this device's current card (so the new one can reach it).
 * Must run inside `tx`; afterwards the caller tells every contact and device (a `devices` control).
 */
export function approveLink(
  ctx: Ctx,
  tx: StoreTx,
  request: { readonly card: Uint8Array; readonly secret: Uint8Array; readonly ownCard: Uint8Array },
): { readonly grant: Uint8Array; readonly list: HeldDeviceList; readonly peerId: string } {
  const { primitives: p } = ctx;
  let card: ReturnType<typeof readCard>;
  try {
    card = readCard(request.card, p);
  } catch {
    throw new CoreError('bad-link', 'the new device sent a damaged request; start linking again');
  }
  const known = tx.getDevice(card.peerId);
  // Already in our list with this very key: we approved it before and went down before it fetched
  // its grant (kill -9 mid-link). A new link's proof lets it finish: the same list, a new grant.
  const again = known?.owner === SELF && sameIdentity(decodeIdentityPublic(known.identityKey), card.identity);
  if (tx.getContactByPeerId(card.peerId) || (known && !again))
    throw new CoreError('device-exists', 'that device is already known here');
  const current = ensureOwnList(ctx, tx);
  const entry = { identity: card.identity, peerId: card.peerId, name: card.displayName, addedAt: ctx.now() };
  const cards = new Map<string, Uint8Array>([
    [card.peerId, request.card],
    [ctx.account.info.peerId, request.ownCard],
  ]);
  const list = again
    ? current
    : publishOwnList(ctx, tx, withDevice(current.list, entry, DEVICE_LIST_MAX_DEVICES), cards);
  const grant: Grant = {
    v: GRANT_VERSION,
    accountId: accountIdOf(ctx.account.info),
    name: ctx.account.info.name,
    accountIdentity: toBase64Url(encodeIdentity(ctx.account.accountIdentity)),
    list: toBase64Url(list.bytes),
    cards: tx.listDevices(SELF).flatMap((d) => (d.card ? [toBase64Url(d.card)] : [])),
    contacts: tx
      .listContacts()
      .filter((c) => c.state !== 'pending')
      .map((c) => grantContact(tx, c)),
    mailboxLinks: loadMailboxLinks(tx, ctx.account.vault),
  };
  const plaintext = utf8(JSON.stringify(grant));
  const nonce = ctx.random(NONCE_BYTES);
  const sealed = p.aeadSeal(
    linkKey(request.secret, request.card, p),
    nonce,
    plaintext,
    p.sha256(request.card),
  );
  const bytes = concat(nonce, sealed);
  if (bytes.length > LINK_GRANT_MAX_BYTES)
    throw new CoreError('bad-input', 'too much to send to a new device at once');
  return { grant: bytes, list, peerId: card.peerId };
}

function grantContact(tx: DevicesTx, c: ContactRecord): GrantContact {
  const held = tx.getDeviceList(c.id);
  // (a provisional list, contacts/device-invites.ts, is no list: the new device waits for the real one)
  const list = held && held.length > 0 ? held : undefined;
  return {
    peerId: c.peerId,
    name: c.name,
    identityKey: toBase64Url(c.identityKey),
    card: toBase64Url(c.card),
    addresses: c.addresses,
    verified: c.verified,
    state: c.state,
    ...(list
      ? {
          deviceList: toBase64Url(list),
          deviceCards: tx.listDevices(c.id).flatMap((d) => (d.card ? [toBase64Url(d.card)] : [])),
        }
      : {}),
  };
}

const linkKey = (secret: Uint8Array, card: Uint8Array, p: Primitives): Uint8Array =>
  p.hkdfSha256(secret, p.sha256(card), utf8('Parley_Link_v1'), 32);

/**
 * On the new device: opens the grant and makes this store the account's, as this device. A
 * grant that does not open (a wrong or used link, tampering) throws CoreError('bad-link') and
 * writes nothing.
 */
export function completeLink(
  store: Store,
  options: {
    readonly vault: Vault;
    readonly device: PendingDevice;
    readonly peerKey: Uint8Array;
    readonly request: Uint8Array;
    readonly secret: Uint8Array;
    readonly grant: Uint8Array;
    readonly now: number;
    readonly random: RandomSource;
    /** The device that approved us: the history is fetched from it (devices/history.ts). */
    readonly from: string;
  },
  p: Primitives,
): Account {
  const { vault, device, grant: sealed } = options;
  const plaintext =
    sealed.length > NONCE_BYTES && sealed.length <= LINK_GRANT_MAX_BYTES
      ? p.aeadOpen(
          linkKey(options.secret, options.request, p),
          sealed.subarray(0, NONCE_BYTES),
          sealed.subarray(NONCE_BYTES),
          p.sha256(options.request),
        )
      : undefined;
  if (!plaintext) throw new CoreError('bad-link', 'the link did not match (expired, used, or not this one)');
  const grant = parseGrant(plaintext);
  const accountIdentity = decodeIdentity(fromBase64Url(grant.accountIdentity), p);
  const listBytes = fromBase64Url(grant.list);
  const list = decodeDeviceList(listBytes, accountIdentity.publicIdentity, p);
  const me = list.devices.find((d) => d.peerId === device.peerId);
  if (list.accountId !== grant.accountId || !me || !sameIdentity(me.identity, device.identity.publicIdentity))
    throw new CoreError('bad-link', 'the account did not list this device; start linking again');
  const info: AccountInfo = {
    peerId: device.peerId,
    name: grant.name,
    createdAt: options.now,
    accountId: grant.accountId,
  };
  store.transaction((tx) => {
    if (tx.getMeta('account'))
      throw new CoreError('account-exists', 'an account already exists in this data folder');
    tx.setMeta('identity', vault.seal('identity', encodeIdentity(device.identity)));
    tx.setMeta('account-identity', vault.seal('account-identity', encodeIdentity(accountIdentity)));
    tx.setMeta('peer-key', vault.seal('peer-key', options.peerKey));
    putPrekey(tx, vault, device.signedPrekey);
    if (device.kemPrekey) {
      putKemPrekey(tx, vault, device.kemPrekey);
      setPostQuantumSince(tx, DEVICE_SIGNED_PREKEY_ID); // (its signed prekey was on suite-2 cards only)
    }
    setNextPrekeyId(tx, DEVICE_KEM_PREKEY_ID + 1);
    tx.putDeviceList(SELF, listBytes, deviceRecords(SELF, list.devices, grant.cards.map(fromBase64Url), p));
    for (const c of grant.contacts) addGrantContact(tx, c, options.now, options.random, p);
    tx.setMeta(HISTORY_FROM_META, utf8(options.from));
    saveMailboxLinks(tx, vault, grant.mailboxLinks ?? []);
    writeInfo(tx, info);
  });
  return Object.freeze(
    redact({ info, identity: device.identity, accountIdentity, vault, peerKey: options.peerKey.slice() }),
  );
}

function addGrantContact(
  tx: StoreTx,
  c: GrantContact,
  now: number,
  random: RandomSource,
  p: Primitives,
): void {
  const identityKey = fromBase64Url(c.identityKey);
  const record: ContactRecord = {
    id: toHex(random(16)),
    peerId: c.peerId,
    name: c.name,
    identityKey,
    card: fromBase64Url(c.card),
    addresses: c.addresses,
    verified: c.verified,
    state: c.state,
    pendingIdentityKey: null,
    createdAt: now,
    updatedAt: now,
  };
  tx.putContact(record);
  tx.putConversation({
    id: record.id,
    kind: 'direct',
    disappearingMs: null,
    readUpTo: 0,
    markedUnread: false,
    createdAt: now,
  });
  if (c.deviceList) {
    const identity: IdentityPublic = {
      signingKey: identityKey.slice(0, 32),
      agreementKey: identityKey.slice(32, 64),
    };
    const list = decodeDeviceList(fromBase64Url(c.deviceList), identity, p);
    tx.putDeviceList(
      record.id,
      fromBase64Url(c.deviceList),
      deviceRecords(record.id, list.devices, (c.deviceCards ?? []).map(fromBase64Url), p),
    );
  }
}

function deviceRecords(
  owner: string,
  devices: ReturnType<typeof decodeDeviceList>['devices'],
  cards: readonly Uint8Array[],
  p: Primitives,
) {
  const byPeer = new Map<string, Uint8Array>();
  for (const bytes of cards) {
    const card = readCard(bytes, p);
    const entry = devices.find((d) => d.peerId === card.peerId);
    if (entry && sameIdentity(entry.identity, card.identity)) byPeer.set(card.peerId, bytes);
  }
  return devices.map((d) => ({
    owner,
    peerId: d.peerId,
    identityKey: encodeIdentityPublic(d.identity),
    card: byPeer.get(d.peerId) ?? null,
  }));
}

function setNextPrekeyId(tx: StoreTx, value: number): void {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  tx.setMeta('prekey-next-id', out);
}

function parseGrant(bytes: Uint8Array): Grant {
  try {
    const g = JSON.parse(fromUtf8(bytes)) as Grant;
    if (g.v !== GRANT_VERSION || !Array.isArray(g.contacts) || !Array.isArray(g.cards))
      throw new Error('shape');
    const links = g.mailboxLinks ?? [];
    if (
      !Array.isArray(links) ||
      links.length > 8 ||
      links.some((l) => typeof l !== 'string' || l.length > 4096)
    )
      throw new Error('shape');
    return g;
  } catch {
    throw new CoreError('bad-link', 'the account sent a grant this version cannot read; update Parley');
  }
}
