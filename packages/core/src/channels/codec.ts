/**
 * Channel wire formats (docs/CHANNELS.md, docs/PROTOCOL.md §5): the signed
 * channel descriptor (carried by the follow link), signed posts (published on
 * gossipsub, stored, relayed by anyone), the sync query on /parley/query, and
 * the `channel` control payload sent through pairwise sessions.
 *
 * Every decoder here takes hostile bytes: lengths are checked before use,
 * nothing is trusted before its Ed25519 signature was verified (strict,
 * through the crypto package's Primitives).
 */
import type { Primitives } from '@parley/crypto';
import {
  CoreError,
  concat,
  equalBytes,
  fromBase64Url,
  fromHex,
  Reader,
  toBase64Url,
  toHex,
  utf8,
  utf8Text,
  Writer,
} from '../base/index.ts';
import { decodePostFile, encodePostFile, type PostContent } from './post-file.ts';

export const CHANNEL_FORMAT_VERSION = 1;
/** Post format 2: a post carrying a file (post-file.ts). Text-only posts stay format 1. */
export const POST_FILE_VERSION = 2;
export const CHANNEL_LINK_SCHEME = 'parley://channel/';
/** Longest channel name, bytes of UTF-8. */
export const CHANNEL_NAME_MAX_BYTES = 64;
/** Largest post text, bytes of UTF-8 (the same as a text message). */
export const POST_TEXT_MAX_BYTES: number = 32 * 1024;
/**
 * Largest content of a format 2 post (a file's manifest, thumbnail and caption), bytes: the whole
 * post, sealed and in its private-channel envelope, stays under a pubsub message (64 KiB).
 */
export const POST_CONTENT_MAX_BYTES: number = 60 * 1024;
/** Publishers a descriptor may list (the owner's channel key included). */
export const CHANNEL_MAX_PUBLISHERS = 16;
/** Addresses a descriptor may carry, and the longest one. */
export const CHANNEL_MAX_ADDRESSES = 8;
export const CHANNEL_ADDRESS_MAX_BYTES = 256;
/** Longest follow link we accept (a descriptor is < 3 KiB). */
export const CHANNEL_LINK_MAX_CHARS = 8192;

const DESCRIPTOR_DOMAIN = utf8('parley-channel-descriptor-v1');
const POST_DOMAIN = utf8('parley-channel-post-v1');
const POST_AAD_DOMAIN = utf8('parley-channel-post-aad-v1');
const TOPIC_DOMAIN = utf8('parley-channel-topic-v1');
const SIGNATURE_BYTES = 64;
const KEY_BYTES = 32;
const ID_BYTES = 16;
const KEY_ID_BYTES = 8;
const NONCE_BYTES = 12;

export interface ChannelDescriptor {
  readonly id: string; // 32 hex
  readonly name: string;
  readonly isPrivate: boolean;
  /** The channel key (Ed25519 public key): signs the descriptor, and is the owner's publisher key. */
  readonly channelKey: Uint8Array;
  /** Appointed publishers' Ed25519 public keys (not including the channel key). */
  readonly publishers: readonly Uint8Array[];
  /** The owner's PeerId (private channels: follow requests go to this contact). */
  readonly ownerPeerId: string;
  /** Where to fetch posts from at first (multiaddrs ending in /p2p/<peer>). */
  readonly addresses: readonly string[];
  /** Increases with each re-signed descriptor. */
  readonly revision: number;
  readonly createdAt: number;
}

/** A key's id on the wire: the first 8 bytes of SHA-256 of the public key, as hex. */
export function keyIdOf(p: Primitives, publicKey: Uint8Array): string {
  return toHex(p.sha256(publicKey).subarray(0, KEY_ID_BYTES));
}

/** The gossipsub topic of a channel: not the id itself (the id names the channel in sync queries). */
export function channelTopic(p: Primitives, id: string): string {
  return `parley/channel/${toHex(p.sha256(concat(TOPIC_DOMAIN, fromHex(id))).subarray(0, 16))}`;
}

/** Channel data's reader: base's, its errors naming "channel data". */
const channelReader = (bytes: Uint8Array): Reader => new Reader(bytes, 'channel data');

const text = utf8Text;

export function checkChannelName(name: string): string {
  const trimmed = name.trim();
  const bytes = utf8(trimmed).length;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (bytes === 0 || bytes > CHANNEL_NAME_MAX_BYTES || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new CoreError(
      'bad-name',
      `a channel name is 1..${CHANNEL_NAME_MAX_BYTES} bytes without control characters`,
    );
  }
  return trimmed;
}

// ---- descriptor ----------------------------------------------------------------

function descriptorBody(d: ChannelDescriptor): Uint8Array {
  const w = new Writer()
    .u8(CHANNEL_FORMAT_VERSION)
    .u8(d.isPrivate ? 1 : 0)
    .bytes(fromHex(d.id))
    .bytes(d.channelKey)
    .u32(d.revision)
    .u64(d.createdAt)
    .short(utf8(d.name))
    .u8(d.publishers.length);
  for (const k of d.publishers) w.bytes(k);
  w.short(utf8(d.ownerPeerId)).u8(d.addresses.length);
  for (const a of d.addresses) w.short(utf8(a));
  return w.done();
}

/** The descriptor's bytes, signed by the channel key (secret = its 32-byte Ed25519 seed). */
export function signDescriptor(p: Primitives, d: ChannelDescriptor, channelSecret: Uint8Array): Uint8Array {
  if (d.publishers.length > CHANNEL_MAX_PUBLISHERS - 1)
    throw new CoreError('bad-input', 'too many publishers');
  const addresses = d.addresses
    .filter((a) => utf8(a).length <= CHANNEL_ADDRESS_MAX_BYTES)
    .slice(0, CHANNEL_MAX_ADDRESSES);
  const body = descriptorBody({ ...d, addresses });
  return concat(body, p.ed25519Sign(channelSecret, concat(DESCRIPTOR_DOMAIN, body)));
}

/** Parses and verifies a signed descriptor; throws `bad-input` on any tampering. */
export function openDescriptor(p: Primitives, signed: Uint8Array): ChannelDescriptor {
  if (signed.length < SIGNATURE_BYTES + 1) throw new CoreError('bad-input', 'channel descriptor truncated');
  const body = signed.subarray(0, signed.length - SIGNATURE_BYTES);
  const signature = signed.subarray(signed.length - SIGNATURE_BYTES);
  const r = channelReader(body);
  const version = r.u8();
  if (version !== CHANNEL_FORMAT_VERSION)
    throw new CoreError('bad-input', `channel format ${version} is not supported; update Parley`);
  const flags = r.u8();
  if (flags > 1) throw new CoreError('bad-input', 'unknown channel flags');
  const id = toHex(r.take(ID_BYTES));
  const channelKey = r.take(KEY_BYTES).slice();
  if (!p.ed25519Verify(signature, concat(DESCRIPTOR_DOMAIN, body), channelKey)) {
    throw new CoreError('bad-input', 'the channel descriptor is not signed by its channel key (tampered)');
  }
  const revision = r.u32();
  const createdAt = r.u64();
  const name = checkChannelName(text(r.short(CHANNEL_NAME_MAX_BYTES)));
  const n = r.u8();
  if (n > CHANNEL_MAX_PUBLISHERS - 1) throw new CoreError('bad-input', 'too many publishers');
  const publishers = Array.from({ length: n }, () => r.take(KEY_BYTES).slice());
  const ownerPeerId = text(r.short(128));
  const na = r.u8();
  if (na > CHANNEL_MAX_ADDRESSES) throw new CoreError('bad-input', 'too many addresses');
  const addresses = Array.from({ length: na }, () => text(r.short(CHANNEL_ADDRESS_MAX_BYTES)));
  r.end();
  return {
    id,
    name,
    isPrivate: flags === 1,
    channelKey,
    publishers,
    ownerPeerId,
    addresses,
    revision,
    createdAt,
  };
}

/** Every key allowed to publish: the channel key and the appointed publishers, by key id. */
export function publisherKeys(p: Primitives, d: ChannelDescriptor): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const k of [d.channelKey, ...d.publishers]) out.set(keyIdOf(p, k), k);
  return out;
}

export function encodeChannelLink(signedDescriptor: Uint8Array): string {
  return CHANNEL_LINK_SCHEME + toBase64Url(signedDescriptor);
}

export function decodeChannelLink(
  p: Primitives,
  link: string,
): { signed: Uint8Array; descriptor: ChannelDescriptor } {
  const t = link.trim();
  if (t.length > CHANNEL_LINK_MAX_CHARS)
    throw new CoreError('bad-input', 'this channel link is too long to be real');
  if (!t.startsWith(CHANNEL_LINK_SCHEME))
    throw new CoreError('bad-input', `a channel link starts with "${CHANNEL_LINK_SCHEME}"`);
  let signed: Uint8Array;
  try {
    signed = fromBase64Url(t.slice(CHANNEL_LINK_SCHEME.length));
  } catch {
    throw new CoreError('bad-input', 'this channel link is damaged (not base64url); copy it again');
  }
  return { signed, descriptor: openDescriptor(p, signed) };
}

// ---- posts ---------------------------------------------------------------------

export interface PostHeader {
  readonly channelId: string;
  readonly seq: number;
  readonly timestamp: number;
  readonly publisher: string; // key id hex
}

export interface DecodedPost extends PostHeader {
  /** 1: text; 2: a file (post-file.ts). */
  readonly version: number;
  readonly isPrivate: boolean;
  /** Public: the UTF-8 text (format 2: the content). Private: epoch ‖ nonce ‖ ciphertext (see openPostContent). */
  readonly body: Uint8Array;
  readonly epoch: number;
}

/** Largest post on the wire: header + sealed content + signature (fits a pubsub message). */
export const POST_MAX_BYTES: number =
  1 + 1 + ID_BYTES + 4 + 8 + KEY_ID_BYTES + 4 + NONCE_BYTES + POST_CONTENT_MAX_BYTES + 16 + SIGNATURE_BYTES;

function postHeader(h: PostHeader, isPrivate: boolean, version: number): Uint8Array {
  return new Writer()
    .u8(version)
    .u8(isPrivate ? 1 : 0)
    .bytes(fromHex(h.channelId))
    .u32(h.seq)
    .u64(h.timestamp)
    .bytes(fromHex(h.publisher))
    .done();
}

function postAad(h: PostHeader, epoch: number, version: number): Uint8Array {
  return concat(POST_AAD_DOMAIN, postHeader(h, true, version), new Writer().u32(epoch).done());
}

/**
 * A signed post. Public: the content in clear (signed, not secret). Private: the content sealed
 * (ChaCha20-Poly1305, random 96-bit nonce) under the content key of `epoch`, with the header and
 * epoch as associated data. Text alone is format 1 (what every version reads); a file makes it
 * format 2, its content the file's manifest and the caption (post-file.ts).
 */
export function encodePost(
  p: Primitives,
  random: (n: number) => Uint8Array,
  h: PostHeader,
  content: string | PostContent,
  signer: Uint8Array,
  sealing?: { readonly epoch: number; readonly key: Uint8Array },
): Uint8Array {
  const c = typeof content === 'string' ? { text: content } : content;
  const version = c.file ? POST_FILE_VERSION : CHANNEL_FORMAT_VERSION;
  let plain: Uint8Array;
  if (c.file) {
    plain = encodePostFile(c.file, c.text);
    if (plain.length > POST_CONTENT_MAX_BYTES)
      throw new CoreError('message-too-large', 'the caption and preview are too large for a post');
  } else {
    plain = utf8(c.text);
    if (plain.length === 0 || plain.length > POST_TEXT_MAX_BYTES)
      throw new CoreError('message-too-large', `a post is 1..${POST_TEXT_MAX_BYTES} bytes of text`);
  }
  let body = plain;
  if (sealing) {
    const nonce = random(NONCE_BYTES);
    body = concat(
      new Writer().u32(sealing.epoch).done(),
      nonce,
      p.aeadSeal(sealing.key, nonce, plain, postAad(h, sealing.epoch, version)),
    );
  }
  const unsigned = concat(postHeader(h, sealing !== undefined, version), body);
  return concat(unsigned, p.ed25519Sign(signer, concat(POST_DOMAIN, unsigned)));
}

/** Parses a post's structure (no signature check: see verifyPost). */
export function decodePost(bytes: Uint8Array): DecodedPost {
  if (bytes.length > POST_MAX_BYTES || bytes.length < 40 + SIGNATURE_BYTES)
    throw new CoreError('bad-input', 'post size out of range');
  const r = channelReader(bytes.subarray(0, bytes.length - SIGNATURE_BYTES));
  const version = r.u8();
  if (version !== CHANNEL_FORMAT_VERSION && version !== POST_FILE_VERSION)
    throw new CoreError('bad-input', 'unknown post version');
  const flags = r.u8();
  if (flags > 1) throw new CoreError('bad-input', 'unknown post flags');
  const channelId = toHex(r.take(ID_BYTES));
  const seq = r.u32();
  if (seq < 1) throw new CoreError('bad-input', 'post seq must be ≥ 1');
  const timestamp = r.u64();
  const publisher = toHex(r.take(KEY_ID_BYTES));
  const body = r.rest();
  let epoch = 0;
  if (flags === 1) {
    if (body.length < 4 + NONCE_BYTES + 16 + 1) throw new CoreError('bad-input', 'sealed post too short');
    epoch = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, false);
  } else if (
    body.length === 0 ||
    body.length > (version === CHANNEL_FORMAT_VERSION ? POST_TEXT_MAX_BYTES : POST_CONTENT_MAX_BYTES)
  ) {
    throw new CoreError('bad-input', 'post content size out of range');
  }
  return { version, channelId, seq, timestamp, publisher, isPrivate: flags === 1, body, epoch };
}

/**
 * Decodes and verifies a post against a channel descriptor: right channel,
 * right privacy, a publisher key listed in the descriptor, a valid strict
 * Ed25519 signature by that key. Returns null on any failure.
 */
export function verifyPost(p: Primitives, d: ChannelDescriptor, bytes: Uint8Array): DecodedPost | null {
  let post: DecodedPost;
  try {
    post = decodePost(bytes);
  } catch {
    return null;
  }
  if (post.channelId !== d.id || post.isPrivate !== d.isPrivate) return null;
  const key = publisherKeys(p, d).get(post.publisher);
  if (!key) return null;
  const unsigned = bytes.subarray(0, bytes.length - SIGNATURE_BYTES);
  const signature = bytes.subarray(bytes.length - SIGNATURE_BYTES);
  try {
    if (!p.ed25519Verify(signature, concat(POST_DOMAIN, unsigned), key)) return null;
  } catch {
    return null;
  }
  return post;
}

/** What a verified post says; undefined when it is sealed under an epoch key we lack (or fails). */
export function openPostContent(
  p: Primitives,
  post: DecodedPost,
  keyOf: (epoch: number) => Uint8Array | undefined,
): PostContent | undefined {
  try {
    let plain: Uint8Array | undefined = post.body;
    if (post.isPrivate) {
      const key = keyOf(post.epoch);
      if (!key) return undefined;
      const nonce = post.body.subarray(4, 4 + NONCE_BYTES);
      const aad = postAad(post, post.epoch, post.version);
      plain = p.aeadOpen(key, nonce, post.body.subarray(4 + NONCE_BYTES), aad);
    }
    if (plain === undefined) return undefined;
    if (post.version === POST_FILE_VERSION) return decodePostFile(plain);
    return { text: text(plain) };
  } catch {
    return undefined;
  }
}

/** The text of a verified post (a file's caption); undefined when unreadable (see openPostContent). */
export function openPostText(
  p: Primitives,
  post: DecodedPost,
  keyOf: (epoch: number) => Uint8Array | undefined,
): string | undefined {
  return openPostContent(p, post, keyOf)?.text;
}

// ---- sync (on /parley/query) ------------------------------------------------------

export const QUERY_KIND_CHANNEL_SYNC = 0x01;
/** Posts per sync answer at most (and bytes: under QUERY_MAX_BYTES). */
export const SYNC_PAGE_MAX_POSTS = 64;
export const SYNC_PAGE_MAX_BYTES: number = 1000 * 1024;

export interface SyncRequest {
  readonly channelId: string;
  /** Per publisher key id: the highest seq we have without a gap. */
  readonly after: ReadonlyMap<string, number>;
}

export function encodeSyncRequest(req: SyncRequest): Uint8Array {
  const w = new Writer().u8(CHANNEL_FORMAT_VERSION).u8(QUERY_KIND_CHANNEL_SYNC).bytes(fromHex(req.channelId));
  w.u8(req.after.size);
  for (const [pub, seq] of req.after) w.bytes(fromHex(pub)).u32(seq);
  return w.done();
}

export function decodeSyncRequest(bytes: Uint8Array): SyncRequest | null {
  try {
    const r = channelReader(bytes);
    if (r.u8() !== CHANNEL_FORMAT_VERSION || r.u8() !== QUERY_KIND_CHANNEL_SYNC) return null;
    const channelId = toHex(r.take(ID_BYTES));
    const n = r.u8();
    if (n > CHANNEL_MAX_PUBLISHERS) return null;
    const after = new Map<string, number>();
    for (let i = 0; i < n; i++) after.set(toHex(r.take(KEY_ID_BYTES)), r.u32());
    r.end();
    return { channelId, after };
  } catch {
    return null;
  }
}

/** Query kind on /parley/query: "your newest descriptor of channel X" (appointed publishers change it). */
export const QUERY_KIND_CHANNEL_DESCRIPTOR = 0x03;

export function encodeDescriptorRequest(channelId: string): Uint8Array {
  return new Writer()
    .u8(CHANNEL_FORMAT_VERSION)
    .u8(QUERY_KIND_CHANNEL_DESCRIPTOR)
    .bytes(fromHex(channelId))
    .done();
}

/** The channel id asked about, or null when the bytes are not a descriptor request. */
export function decodeDescriptorRequest(bytes: Uint8Array): string | null {
  if (bytes.length !== 2 + ID_BYTES) return null;
  if (bytes[0] !== CHANNEL_FORMAT_VERSION || bytes[1] !== QUERY_KIND_CHANNEL_DESCRIPTOR) return null;
  return toHex(bytes.subarray(2));
}

/** The answer is the signed descriptor itself (verified by the asker like a follow link). */
export function encodeSyncAnswer(posts: readonly Uint8Array[]): Uint8Array {
  const w = new Writer().u8(CHANNEL_FORMAT_VERSION).u16(posts.length);
  for (const post of posts) w.u32(post.length).bytes(post);
  return w.done();
}

export function decodeSyncAnswer(bytes: Uint8Array): Uint8Array[] {
  const r = channelReader(bytes);
  if (r.u8() !== CHANNEL_FORMAT_VERSION) throw new CoreError('bad-input', 'unknown sync answer version');
  const n = r.u16();
  if (n > SYNC_PAGE_MAX_POSTS) throw new CoreError('bad-input', 'sync answer has too many posts');
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.u32();
    if (len > POST_MAX_BYTES) throw new CoreError('bad-input', 'sync answer post too large');
    out.push(r.take(len).slice());
  }
  r.end();
  return out;
}

// ---- control payload (the `channel` application kind, through a pairwise session) ----

export type ChannelControl =
  | { readonly t: 'follow'; readonly channel: string }
  | { readonly t: 'unfollow'; readonly channel: string }
  | {
      readonly t: 'keys';
      readonly channel: string;
      readonly descriptor: string; // base64url signed descriptor
      readonly current: number;
      readonly keys: ReadonlyArray<{ readonly epoch: number; readonly key: string }>;
    }
  | { readonly t: 'removed'; readonly channel: string }
  | {
      /** Owner → appointed publisher: the descriptor listing its key, the key's secret seed, content keys. */
      readonly t: 'publisher';
      readonly channel: string;
      readonly descriptor: string;
      readonly secret: string; // base64url 32-byte Ed25519 seed
      readonly current: number;
      readonly keys: ReadonlyArray<{ readonly epoch: number; readonly key: string }>;
    }
  | { readonly t: 'publisher-removed'; readonly channel: string; readonly descriptor: string };

/** Content-key epochs sent to a follower at most (the newest ones). */
export const CHANNEL_MAX_EPOCHS_SENT = 256;

export function encodeControl(c: ChannelControl): Uint8Array {
  return utf8(JSON.stringify({ v: CHANNEL_FORMAT_VERSION, ...c }));
}

const HEX32 = /^[0-9a-f]{32}$/;

export function decodeControl(payload: Uint8Array): ChannelControl {
  let raw: unknown;
  try {
    raw = JSON.parse(text(payload));
  } catch {
    throw new CoreError('bad-input', 'channel control is not JSON');
  }
  const o = raw as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o.v !== CHANNEL_FORMAT_VERSION)
    throw new CoreError('bad-input', 'unknown channel control version');
  if (typeof o.channel !== 'string' || !HEX32.test(o.channel))
    throw new CoreError('bad-input', 'bad channel id');
  switch (o.t) {
    case 'follow':
    case 'unfollow':
    case 'removed':
      return { t: o.t, channel: o.channel };
    case 'keys': {
      if (typeof o.descriptor !== 'string' || !Number.isInteger(o.current) || !Array.isArray(o.keys))
        throw new CoreError('bad-input', 'bad channel keys');
      if (o.keys.length === 0 || o.keys.length > CHANNEL_MAX_EPOCHS_SENT)
        throw new CoreError('bad-input', 'bad key count');
      const keys = o.keys.map((k: unknown) => {
        const e = k as Record<string, unknown>;
        if (!Number.isInteger(e.epoch) || typeof e.key !== 'string')
          throw new CoreError('bad-input', 'bad key');
        if (fromBase64Url(e.key).length !== KEY_BYTES) throw new CoreError('bad-input', 'bad key length');
        return { epoch: e.epoch as number, key: e.key };
      });
      return { t: 'keys', channel: o.channel, descriptor: o.descriptor, current: o.current as number, keys };
    }
    case 'publisher': {
      if (typeof o.descriptor !== 'string' || typeof o.secret !== 'string' || !Number.isInteger(o.current))
        throw new CoreError('bad-input', 'bad publisher appointment');
      if (fromBase64Url(o.secret).length !== KEY_BYTES) throw new CoreError('bad-input', 'bad publisher key');
      if (!Array.isArray(o.keys) || o.keys.length > CHANNEL_MAX_EPOCHS_SENT)
        throw new CoreError('bad-input', 'bad key count');
      const keys = o.keys.map((k: unknown) => {
        const e = k as Record<string, unknown>;
        if (
          !Number.isInteger(e.epoch) ||
          typeof e.key !== 'string' ||
          fromBase64Url(e.key).length !== KEY_BYTES
        )
          throw new CoreError('bad-input', 'bad key');
        return { epoch: e.epoch as number, key: e.key };
      });
      const { descriptor, secret } = o;
      return { t: 'publisher', channel: o.channel, descriptor, secret, current: o.current as number, keys };
    }
    case 'publisher-removed':
      if (typeof o.descriptor !== 'string') throw new CoreError('bad-input', 'bad publisher removal');
      return { t: 'publisher-removed', channel: o.channel, descriptor: o.descriptor };
    default:
      throw new CoreError('bad-input', 'unknown channel control');
  }
}

export { equalBytes };
