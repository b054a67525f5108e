/**
 * Sender-key announcements of large groups (docs/GROUPS.md "Sender keys and
 * rotation", docs/PROTOCOL.md "Group topics"): instead of sending its new
 * sender key to every other member over the pairwise sessions (O(n²) per
 * change), each member publishes it ONCE on the epoch's topic, encrypted
 * under the epoch's group secret and signed by its identity key; a member who
 * missed it fetches it with query kind 0x05. Pure codecs and crypto here; what
 * happens inside a store transaction is in key-receive.ts.
 *
 *   key          = HKDF-SHA256(ikm = group secret, salt = group id (16 bytes),
 *                  info = "Parley_GroupKeys_v1" ‖ epoch u32 BE, 32 bytes)
 *   announcement = 0x02 ‖ nonce (24) ‖ XChaCha20-Poly1305(key, nonce, plaintext,
 *                  ad = 0x02 ‖ group id (16) ‖ epoch u32 BE)
 *   plaintext    = len u8 ‖ owner PeerId UTF-8 ‖ distribution ‖ signature (64)
 *   signature    = Ed25519(owner's identity key, "Parley_GroupKeyAnnounce_v1" ‖ group id (16)
 *                  ‖ epoch u32 BE ‖ owner PeerId UTF-8 ‖ distribution)
 *   request      = 0x01 ‖ 0x05 ‖ group id (16) ‖ epoch u32 ‖ count u16 (1..GROUP_MAX_MEMBERS)
 *                  ‖ count × member index u16
 *   answer       = 0x01 ‖ 0x05 ‖ count u16 ‖ count × (len u16 ‖ announcement)
 *
 * The distribution is the same bytes a pairwise `sender-key` control carries
 * (its own proof of possession in the owner's context, crypto SPEC.md §12.1).
 *
 * A device linked to the owner's account (docs/MULTI-DEVICE.md "Groups") announces its own key
 * with first byte 0x03, signed by ITS device identity key, which the owner's device list (signed
 * by the account identity key, followed by every contact) names:
 *
 *   announcement = 0x03 ‖ nonce (24) ‖ XChaCha20-Poly1305(key, nonce, plaintext,
 *                  ad = 0x03 ‖ group id (16) ‖ epoch u32 BE)
 *   plaintext    = len u8 ‖ owner PeerId ‖ len u8 ‖ device PeerId ‖ distribution ‖ signature (64)
 *   signature    = Ed25519(device's identity key, "Parley_GroupDeviceKeyAnnounce_v1" ‖ group id (16)
 *                  ‖ epoch u32 BE ‖ len u8 ‖ owner PeerId ‖ len u8 ‖ device PeerId ‖ distribution)
 */
import { type Primitives, SENDER_KEY_DISTRIBUTION_BYTES } from '@parley/crypto';
import { CoreError, concat, fromHex, fromUtf8, InboundError, toHex, utf8 } from '../base/index.ts';
import { QUERY_MAX_BYTES } from '../ports/index.ts';
import { GROUP_MAX_MEMBERS, type GroupState } from './codec.ts';

/** First byte of a key announcement on a topic (0x01 is a sender-key message: topic.ts). */
export const GROUP_KEY_ANNOUNCE_VERSION = 0x02;
export const GROUP_KEYS_INFO = 'Parley_GroupKeys_v1';
export const GROUP_KEY_ANNOUNCE_DOMAIN = 'Parley_GroupKeyAnnounce_v1';
/** First byte of a linked device's key announcement (signed by the device, not the account). */
export const GROUP_DEVICE_KEY_ANNOUNCE_VERSION = 0x03;
export const GROUP_DEVICE_KEY_ANNOUNCE_DOMAIN = 'Parley_GroupDeviceKeyAnnounce_v1';
/**
 * Query kind on /parley/query: channels use 0x01 (sync) and 0x03 (descriptor), groups 0x02
 * (message catch-up) and 0x04 (state fetch), mailboxes 0x10..0x14, devices 0x20..0x22.
 */
export const QUERY_KIND_GROUP_KEYS = 0x05;
/** The query format's version byte (the same as message catch-up's). */
const QUERY_VERSION = 0x01;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const SIGNATURE_BYTES = 64;
const PEER_ID_MAX_BYTES = 255;
/** An announcement's size at most (the longest PeerId). */
export const GROUP_KEY_ANNOUNCE_MAX_BYTES: number =
  1 + NONCE_BYTES + 2 * (1 + PEER_ID_MAX_BYTES) + SENDER_KEY_DISTRIBUTION_BYTES + SIGNATURE_BYTES + TAG_BYTES;

/** Whether these published bytes are a key announcement (the account's or a device's). */
export const isAnnouncement = (data: Uint8Array): boolean =>
  data[0] === GROUP_KEY_ANNOUNCE_VERSION || data[0] === GROUP_DEVICE_KEY_ANNOUNCE_VERSION;

/** What an announcement says once opened (the signature still to be checked: verifyAnnouncement). */
export interface KeyAnnouncement {
  readonly owner: string;
  /** 0x03 only: the owner's device that signed it (0x02: the owner's first device, signed by the account). */
  readonly device?: string;
  readonly distribution: Uint8Array;
  readonly signature: Uint8Array;
}

/** The part of a group state an announcement is bound to. */
export type AnnounceScope = Pick<GroupState, 'id' | 'epoch' | 'secret'>;

const u32 = (n: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
};

/** The epoch's key for announcements (distinct from the topic name's derivation by its info). */
export function groupKeysKey(p: Primitives, secret: Uint8Array, groupId: string, epoch: number): Uint8Array {
  return p.hkdfSha256(secret, fromHex(groupId), concat(utf8(GROUP_KEYS_INFO), u32(epoch)), 32);
}

const associatedData = (s: AnnounceScope, version = GROUP_KEY_ANNOUNCE_VERSION): Uint8Array =>
  concat(Uint8Array.of(version), fromHex(s.id), u32(s.epoch));

const prefixed = (id: string): Uint8Array => {
  const bytes = utf8(id);
  if (bytes.length === 0 || bytes.length > PEER_ID_MAX_BYTES) throw new CoreError('bad-input', 'bad PeerId');
  return concat(Uint8Array.of(bytes.length), bytes);
};

/** The bytes the owner's identity key (0x02) or the device's identity key (0x03) signs. */
export const announceSigned = (
  s: AnnounceScope,
  owner: string,
  distribution: Uint8Array,
  device?: string,
): Uint8Array =>
  device === undefined
    ? concat(utf8(GROUP_KEY_ANNOUNCE_DOMAIN), fromHex(s.id), u32(s.epoch), utf8(owner), distribution)
    : concat(
        utf8(GROUP_DEVICE_KEY_ANNOUNCE_DOMAIN),
        fromHex(s.id),
        u32(s.epoch),
        prefixed(owner),
        prefixed(device),
        distribution,
      );

function xaead(p: Primitives): Required<Pick<Primitives, 'xaeadSeal' | 'xaeadOpen'>> {
  if (!p.xaeadSeal || !p.xaeadOpen)
    throw new CoreError('bad-input', `the crypto backend "${p.name}" has no XChaCha20-Poly1305`);
  return { xaeadSeal: p.xaeadSeal, xaeadOpen: p.xaeadOpen };
}

/**
 * Our announcement of `distribution` for the state's epoch, signed with our
 * identity key (`signingSecret`: Account.identity, the key our card names).
 * `device`: we are a device linked to `owner`'s account, and `signingSecret`
 * is this device's identity key, as the account's device list names it (0x03).
 */
export function sealAnnouncement(
  p: Primitives,
  random: (n: number) => Uint8Array,
  s: AnnounceScope,
  owner: string,
  distribution: Uint8Array,
  signingSecret: Uint8Array,
  device?: string,
): Uint8Array {
  if (!s.secret) throw new CoreError('bad-input', 'only a large group (with a secret) announces keys');
  const version = device === undefined ? GROUP_KEY_ANNOUNCE_VERSION : GROUP_DEVICE_KEY_ANNOUNCE_VERSION;
  const signature = p.ed25519Sign(signingSecret, announceSigned(s, owner, distribution, device));
  const names = device === undefined ? prefixed(owner) : concat(prefixed(owner), prefixed(device));
  const plaintext = concat(names, distribution, signature);
  const nonce = random(NONCE_BYTES);
  const key = groupKeysKey(p, s.secret, s.id, s.epoch);
  const sealed = xaead(p).xaeadSeal(key, nonce, plaintext, associatedData(s, version));
  return concat(Uint8Array.of(version), nonce, sealed);
}

/** A canonical UTF-8 PeerId of `len` bytes at `at`, or undefined. */
function readId(plain: Uint8Array, at: number): string | undefined {
  const len = plain[at] ?? 0;
  if (len === 0 || at + 1 + len > plain.length) return undefined;
  const bytes = plain.subarray(at + 1, at + 1 + len);
  try {
    const id = fromUtf8(bytes);
    return toHex(utf8(id)) === toHex(bytes) ? id : undefined; // not canonical UTF-8
  } catch {
    return undefined;
  }
}

/**
 * Opens an announcement with the state's epoch key; undefined when it is not
 * one (wrong version, size, epoch, group or secret, or malformed inside).
 * The signature is NOT checked here: see {@link verifyAnnouncement}.
 */
export function openAnnouncement(
  p: Primitives,
  s: AnnounceScope,
  bytes: Uint8Array,
): KeyAnnouncement | undefined {
  const min = 1 + NONCE_BYTES + 1 + 1 + SIGNATURE_BYTES + TAG_BYTES + 1;
  if (!s.secret || bytes.length < min || bytes.length > GROUP_KEY_ANNOUNCE_MAX_BYTES) return undefined;
  const version = bytes[0] as number;
  if (!isAnnouncement(bytes)) return undefined;
  const key = groupKeysKey(p, s.secret, s.id, s.epoch);
  const plain = xaead(p).xaeadOpen(
    key,
    bytes.subarray(1, 1 + NONCE_BYTES),
    bytes.subarray(1 + NONCE_BYTES),
    associatedData(s, version),
  );
  if (!plain) return undefined;
  const owner = readId(plain, 0);
  if (owner === undefined) return undefined;
  let at = 1 + utf8(owner).length;
  let device: string | undefined;
  if (version === GROUP_DEVICE_KEY_ANNOUNCE_VERSION) {
    device = readId(plain, at);
    if (device === undefined || device === owner) return undefined; // the first device signs as 0x02
    at += 1 + utf8(device).length;
  }
  const distributionBytes = plain.length - at - SIGNATURE_BYTES;
  if (distributionBytes <= 0 || distributionBytes > SENDER_KEY_DISTRIBUTION_BYTES) return undefined;
  return {
    owner,
    ...(device !== undefined ? { device } : {}),
    distribution: plain.slice(at, at + distributionBytes),
    signature: plain.slice(plain.length - SIGNATURE_BYTES),
  };
}

/**
 * Whether the announcement is signed by `identitySigningKey`: the owner's identity key (from
 * their card in the state) for 0x02, the device's (from the owner's device list) for 0x03.
 */
export function verifyAnnouncement(
  p: Primitives,
  s: AnnounceScope,
  a: KeyAnnouncement,
  identitySigningKey: Uint8Array,
): boolean {
  return p.ed25519Verify(
    a.signature,
    announceSigned(s, a.owner, a.distribution, a.device),
    identitySigningKey,
  );
}

/** "Send me these members' keys for this epoch" (indices into the asker's current member list). */
export interface GroupKeysRequest {
  readonly groupId: string;
  readonly epoch: number;
  readonly members: readonly number[];
}

export function encodeGroupKeysRequest(req: GroupKeysRequest): Uint8Array {
  const count = req.members.length;
  if (count === 0 || count > GROUP_MAX_MEMBERS)
    throw new RangeError(`a key catch-up request names 1..${GROUP_MAX_MEMBERS} members`);
  const out = new Uint8Array(24 + 2 * count);
  const view = new DataView(out.buffer);
  out.set([QUERY_VERSION, QUERY_KIND_GROUP_KEYS]);
  out.set(fromHex(req.groupId), 2);
  view.setUint32(18, req.epoch);
  view.setUint16(22, count);
  req.members.forEach((m, i) => {
    view.setUint16(24 + 2 * i, m);
  });
  return out;
}

/** null when the bytes are not a key catch-up request (another query kind, or malformed). */
export function decodeGroupKeysRequest(bytes: Uint8Array): GroupKeysRequest | null {
  if (bytes.length < 24 || bytes[0] !== QUERY_VERSION || bytes[1] !== QUERY_KIND_GROUP_KEYS) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(22);
  if (count === 0 || count > GROUP_MAX_MEMBERS || bytes.length !== 24 + 2 * count) return null;
  const members: number[] = [];
  for (let i = 0; i < count; i++) members.push(view.getUint16(24 + 2 * i));
  return { groupId: toHex(bytes.subarray(2, 18)), epoch: view.getUint32(18), members };
}

/** An answer of these announcements; the caller keeps it under QUERY_MAX_BYTES (answerGroupKeys). */
export function encodeGroupKeysAnswer(announcements: readonly Uint8Array[]): Uint8Array {
  if (announcements.length > GROUP_MAX_MEMBERS) throw new RangeError('too many announcements');
  const head = new Uint8Array(4);
  head.set([QUERY_VERSION, QUERY_KIND_GROUP_KEYS]);
  new DataView(head.buffer).setUint16(2, announcements.length);
  const parts: Uint8Array[] = [head];
  for (const a of announcements) {
    if (a.length === 0 || a.length > GROUP_KEY_ANNOUNCE_MAX_BYTES) throw new RangeError('bad announcement');
    parts.push(Uint8Array.of(a.length >>> 8, a.length & 0xff), a);
  }
  return concat(...parts);
}

/** Throws InboundError on anything malformed; every length is checked before it is used. */
export function decodeGroupKeysAnswer(bytes: Uint8Array): Uint8Array[] {
  const bad = (why: string): InboundError => new InboundError('bad-message', `group key answer: ${why}`);
  if (bytes.length < 4 || bytes.length > QUERY_MAX_BYTES) throw bad('bad size');
  if (bytes[0] !== QUERY_VERSION || bytes[1] !== QUERY_KIND_GROUP_KEYS) throw bad('not an answer');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(2);
  if (count > GROUP_MAX_MEMBERS) throw bad('too many keys');
  const out: Uint8Array[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 2 > bytes.length) throw bad('truncated');
    const len = view.getUint16(at);
    at += 2;
    if (len === 0 || len > GROUP_KEY_ANNOUNCE_MAX_BYTES || at + len > bytes.length)
      throw bad('bad announcement length');
    out.push(bytes.slice(at, at + len));
    at += len;
  }
  if (at !== bytes.length) throw bad('trailing bytes');
  return out;
}
