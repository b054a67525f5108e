/**
 * The account's device list (issue 19; design in docs/MULTI-DEVICE.md, format in SPEC.md §13):
 * which devices speak for an account, signed by the account's identity key, numbered by a
 * strictly increasing serial and chained to its predecessor by hash, so that whoever follows an
 * account accepts only a list that extends the one it holds — never an older one (a replay), a
 * forged one, or a fork that drops a change it has seen.
 *
 * Pure: no storage, no clock; decoding verifies everything and throws {@link DeviceListError}.
 * @module
 */
import { concat, equalBytes, type Fail, fromUtf8, Reader, utf8, Writer } from './bytes.ts';
import { DeviceListError } from './errors.ts';
import { checkIdentityPublic, type Identity, type IdentityPublic } from './identity.ts';
import { KEY_BYTES, type Primitives, SIGNATURE_BYTES } from './primitives.ts';

/** Format version. */
export const DEVICE_LIST_VERSION = 1;
/** Most devices one account may have. */
export const DEVICE_LIST_MAX_DEVICES = 8;
/** Account id and device PeerIds: bytes of UTF-8 (as a card's peerId). */
export const DEVICE_LIST_PEER_ID_MAX_BYTES = 128;
/** A device's name: bytes of UTF-8. */
export const DEVICE_LIST_NAME_MAX_BYTES = 64;
/** Bytes of the hash that chains a list to its predecessor (SHA-256). */
export const DEVICE_LIST_HASH_BYTES = 32;
const DOMAIN: Uint8Array = utf8('Parley_DeviceList_v1');

/** One device of the account: its own identity keys and PeerId. */
export interface DeviceEntry {
  readonly identity: IdentityPublic;
  readonly peerId: string;
  readonly name: string;
  /** When it was linked, ms since the Unix epoch. */
  readonly addedAt: number;
}

/** A decoded and verified device list. */
export interface DeviceList {
  readonly version: 1;
  /** ≥ 1, strictly increasing from list to list. */
  readonly serial: number;
  /** The account id: the PeerId of the device that created the account. */
  readonly accountId: string;
  readonly devices: readonly DeviceEntry[];
  readonly issuedAt: number;
  /** SHA-256 of the previous list's bytes; 32 zero bytes for serial 1. */
  readonly previous: Uint8Array;
}

/** What a list is made from; the signer is the account identity. */
export type DeviceListFields = Omit<DeviceList, 'version'>;

const fail: Fail = (code, what) => new DeviceListError(code as DeviceListError['code'], what);

function bounded(s: string, max: number, what: string): Uint8Array {
  const b = utf8(s);
  if (b.length === 0 || b.length > max)
    throw new DeviceListError('bad-length', `${what} is ${b.length} bytes; it must be 1..${max}`);
  return b;
}

function checkFields(f: DeviceListFields): void {
  if (!Number.isSafeInteger(f.serial) || f.serial < 1)
    throw new DeviceListError('bad-field', 'serial must be an integer ≥ 1');
  if (f.devices.length < 1 || f.devices.length > DEVICE_LIST_MAX_DEVICES)
    throw new DeviceListError('bad-length', `a list holds 1..${DEVICE_LIST_MAX_DEVICES} devices`);
  if (f.previous.length !== DEVICE_LIST_HASH_BYTES)
    throw new DeviceListError('bad-length', 'previous must be 32 bytes');
  const first = f.serial === 1;
  if (first !== f.previous.every((b) => b === 0))
    throw new DeviceListError('bad-field', 'previous is all zeros exactly for serial 1');
  const keys = new Set<string>();
  const peers = new Set<string>();
  for (const d of f.devices) {
    checkIdentityPublic(d.identity);
    const key = Array.from(d.identity.signingKey).join(',');
    const agreement = Array.from(d.identity.agreementKey).join(',');
    if (keys.has(key) || keys.has(agreement) || peers.has(d.peerId))
      throw new DeviceListError('bad-field', 'two devices share a key or a PeerId');
    keys.add(key);
    keys.add(agreement);
    peers.add(d.peerId);
  }
}

function writeBody(w: Writer, f: DeviceListFields): void {
  w.u8(DEVICE_LIST_VERSION);
  w.u64(f.serial);
  w.var16(bounded(f.accountId, DEVICE_LIST_PEER_ID_MAX_BYTES, 'account id'), DEVICE_LIST_PEER_ID_MAX_BYTES);
  w.u8(f.devices.length);
  for (const d of f.devices) {
    w.bytes(d.identity.signingKey);
    w.bytes(d.identity.agreementKey);
    w.var16(bounded(d.peerId, DEVICE_LIST_PEER_ID_MAX_BYTES, 'device PeerId'), DEVICE_LIST_PEER_ID_MAX_BYTES);
    w.var16(bounded(d.name, DEVICE_LIST_NAME_MAX_BYTES, 'device name'), DEVICE_LIST_NAME_MAX_BYTES);
    w.u64(d.addedAt);
  }
  w.u64(f.issuedAt);
  w.bytes(f.previous);
}

/**
 * Builds and signs a list with the account identity (Ed25519, deterministic).
 * @example const bytes = createDeviceList(account.identity, { serial: 1, accountId, devices, issuedAt, previous: new Uint8Array(32) }, p);
 */
export function createDeviceList(account: Identity, fields: DeviceListFields, p: Primitives): Uint8Array {
  checkFields(fields);
  const w = new Writer(256 + fields.devices.length * 256);
  writeBody(w, fields);
  const body = w.finish();
  return concat(body, p.ed25519Sign(account.signingSecret, concat(DOMAIN, body)));
}

function text(r: Reader, max: number, what: string): string {
  const b = r.var16(max, what);
  if (b.length === 0) throw new DeviceListError('bad-length', `${what} is empty`);
  try {
    return fromUtf8(b);
  } catch {
    throw new DeviceListError('bad-field', `${what} is not valid UTF-8`);
  }
}

/**
 * Decodes a list and verifies its signature under `account` (the identity a safety number vouches
 * for) and every field. It says nothing yet about its place in the chain: see {@link acceptDeviceList}.
 */
export function decodeDeviceList(bytes: Uint8Array, account: IdentityPublic, p: Primitives): DeviceList {
  const r = new Reader(bytes, fail);
  if (r.u8('version') !== DEVICE_LIST_VERSION)
    throw new DeviceListError('bad-version', 'unknown device list version');
  const serial = r.u64('serial');
  const accountId = text(r, DEVICE_LIST_PEER_ID_MAX_BYTES, 'account id');
  const count = r.u8('device count');
  if (count < 1 || count > DEVICE_LIST_MAX_DEVICES)
    throw new DeviceListError('bad-length', `a list holds 1..${DEVICE_LIST_MAX_DEVICES} devices`);
  const devices: DeviceEntry[] = [];
  for (let i = 0; i < count; i++) {
    const identity = {
      signingKey: r.bytesN(KEY_BYTES, 'device signing key'),
      agreementKey: r.bytesN(KEY_BYTES, 'device agreement key'),
    };
    const peerId = text(r, DEVICE_LIST_PEER_ID_MAX_BYTES, 'device PeerId');
    const name = text(r, DEVICE_LIST_NAME_MAX_BYTES, 'device name');
    devices.push(Object.freeze({ identity, peerId, name, addedAt: r.u64('addedAt') }));
  }
  const issuedAt = r.u64('issuedAt');
  const previous = r.bytesN(DEVICE_LIST_HASH_BYTES, 'previous');
  const bodyEnd = r.offset;
  const signature = r.bytesN(SIGNATURE_BYTES, 'signature');
  r.end('device list');
  if (!p.ed25519Verify(signature, concat(DOMAIN, bytes.subarray(0, bodyEnd)), account.signingKey))
    throw new DeviceListError('bad-signature', 'the device list is not signed by this account');
  const list: DeviceList = {
    version: 1,
    serial,
    accountId,
    devices: Object.freeze(devices),
    issuedAt,
    previous,
  };
  try {
    checkFields(list);
  } catch (e) {
    if (e instanceof DeviceListError) throw e;
    throw new DeviceListError('bad-key', 'a device key is not a valid public key');
  }
  return Object.freeze(list);
}

/** The hash a successor's `previous` must carry. */
export function deviceListHash(bytes: Uint8Array, p: Primitives): Uint8Array {
  return p.sha256(bytes);
}

/** What a follower holds of an account: the latest list it accepted, as bytes and decoded. */
export interface HeldDeviceList {
  readonly bytes: Uint8Array;
  readonly list: DeviceList;
}

/**
 * Decides whether `bytes` may replace `held` (undefined: the first list we see of this account,
 * e.g. from its card; then its account id must be `accountId`). Accepted: signed by `account`,
 * same account id, serial exactly one more than held, `previous` = the hash of the held bytes.
 * Throws DeviceListError: 'stale' (serial ≤ held: a replay or a list we already have), 'gap'
 * (a later list whose predecessors we lack: fetch them first), 'fork' (right serial, wrong
 * predecessor), 'wrong-account', or a decoding code.
 */
export function acceptDeviceList(
  bytes: Uint8Array,
  account: IdentityPublic,
  accountId: string,
  held: HeldDeviceList | undefined,
  p: Primitives,
): HeldDeviceList {
  const list = decodeDeviceList(bytes, account, p);
  if (list.accountId !== accountId)
    throw new DeviceListError('wrong-account', 'the device list names another account');
  if (held) {
    if (list.serial <= held.list.serial)
      throw new DeviceListError('stale', `serial ${list.serial} is not newer than ${held.list.serial}`);
    if (list.serial > held.list.serial + 1)
      throw new DeviceListError(
        'gap',
        `serial ${list.serial} skips ${held.list.serial + 1}..${list.serial - 1}`,
      );
    if (!equalBytes(list.previous, deviceListHash(held.bytes, p)))
      throw new DeviceListError('fork', 'the device list does not follow the one we hold');
  }
  return Object.freeze({ bytes: bytes.slice(), list });
}
