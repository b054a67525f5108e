/**
 * The application message: what travels *inside* the Double Ratchet
 * (docs/PROTOCOL.md "Application messages"). Encrypted whole, so nothing here
 * is visible to the network or a relay.
 *
 * Layout (all integers big-endian):
 *   version  u8   = 1
 *   kind     u8   (APP_KINDS index)
 *   id       16 bytes, random, chosen by the sender
 *   seq      u32  sender's per-conversation sequence (0 for ephemeral kinds)
 *   sentAt   u64  sender's clock, epoch ms (< 2^53)
 *   body     UTF-8 JSON object, shape fixed per kind, validated strictly
 */
import type { RandomSource } from '@parley/crypto';
import {
  concat,
  fromBase64Url,
  fromHex,
  fromUtf8,
  InboundError,
  toBase64Url,
  toHex,
  utf8,
} from '../base/index.ts';

/**
 * A new message id: 16 bytes, the first 6 the time in ms (big-endian), the
 * other 10 random (80 bits: no collision in practice, even within one ms).
 * Time-ordered ids append to the end of the stores' (conversation, sender,
 * id) index instead of landing on a random page of it, which is what every
 * commit has to write back (only the recipient and we ever see an id, and
 * the message carries its sending time anyway).
 */
export const newMessageId = (ctx: { readonly now: () => number; readonly random: RandomSource }): string => {
  const id = new Uint8Array(16);
  let t = Math.max(0, Math.floor(ctx.now()));
  for (let i = 5; i >= 0; i--) {
    id[i] = t % 256;
    t = Math.floor(t / 256);
  }
  id.set(ctx.random(10), 6);
  return toHex(id);
};

export const APP_MESSAGE_VERSION = 1;
/** Maximum UTF-8 size of a text message; keeps every frame far below FRAME_MAX_BYTES. */
export const MESSAGE_TEXT_MAX_BYTES: number = 32 * 1024;
export const EMOJI_MAX_BYTES = 32;
export const DISPLAY_NAME_MAX_BYTES = 64;
export const READ_RECEIPT_MAX_TARGETS = 256;
/** Longest disappearing-messages timer: one year. */
export const DISAPPEARING_MAX_MS: number = 365 * 24 * 3600 * 1000;
export const FILE_NAME_MAX_BYTES = 255;
export const THUMBNAIL_MAX_BYTES: number = 24 * 1024;
export const WAVEFORM_MAX_SAMPLES = 256;
const BYTE_FIELDS = ['card', 'key', 'thumbnail', 'waveform', 'payload'] as const;
/** Largest group/channel control payload. */
export const CONTROL_PAYLOAD_MAX_BYTES: number = 48 * 1024;
const HEADER_BYTES = 1 + 1 + 16 + 4 + 8;

/** A reference to an earlier message; `mine` = sent by the sender of the referring message. */
export interface MessageRef {
  readonly id: string;
  readonly mine: boolean;
}

export type AppBody =
  | { readonly kind: 'text'; readonly text: string; readonly replyTo?: MessageRef }
  | { readonly kind: 'reaction'; readonly target: MessageRef; readonly emoji: string }
  | { readonly kind: 'edit'; readonly target: MessageRef; readonly text: string }
  | { readonly kind: 'delete'; readonly target: MessageRef }
  | { readonly kind: 'read'; readonly targets: readonly MessageRef[] }
  | { readonly kind: 'typing'; readonly active: boolean }
  | { readonly kind: 'timer'; readonly disappearingMs: number | null }
  | { readonly kind: 'profile'; readonly name: string; readonly card: Uint8Array }
  | { readonly kind: 'welcome'; readonly name: string }
  | ({ readonly kind: 'attachment' } & FileManifest)
  /** Group control and sender-key distribution (groups/codec.ts defines the payload). */
  | { readonly kind: 'group'; readonly payload: Uint8Array }
  /** Channel control, e.g. a private channel's key for an approved follower (channels/codec.ts). */
  | { readonly kind: 'channel'; readonly payload: Uint8Array }
  /** A contact's offer to hold our mail on their daemon, or its withdrawal (mailbox/offers.ts). */
  | { readonly kind: 'mailbox'; readonly payload: Uint8Array }
  /** An account's latest device list and its devices' cards (devices/codec.ts). */
  | { readonly kind: 'devices'; readonly payload: Uint8Array }
  /** To our own other devices: what this device sent or read (devices/codec.ts). */
  | { readonly kind: 'sync'; readonly payload: Uint8Array };

/** What a receiver needs to fetch, check and show an attachment (the `attachment` kind). */
export interface FileManifest {
  /** Random 128-bit id, 32 lowercase hex: names the file on `/parley/file/1.0.0`. */
  readonly id: string;
  /** The sender's file name: shown, and sanitized before it names any file here. */
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  /** SHA-256 of the plaintext, lowercase hex. */
  readonly sha256: string;
  /** encodeFileKey() of @parley/crypto. */
  readonly key: Uint8Array;
  readonly caption?: string;
  /** A small preview image (JPEG/PNG/WebP bytes) for photos and videos. */
  readonly thumbnail?: Uint8Array;
  /** Voice messages and videos. */
  readonly durationMs?: number;
  /** Voice messages: amplitude samples 0..255. */
  readonly waveform?: Uint8Array;
}

export type AppKind = AppBody['kind'];

export const APP_KINDS: readonly AppKind[] = [
  'text',
  'reaction',
  'edit',
  'delete',
  'read',
  'typing',
  'timer',
  'profile',
  'welcome',
  'attachment',
  'group',
  'channel',
  'mailbox',
  'devices',
  'sync',
];

/** Kinds that are shown as messages in the conversation (others change state). */
export const VISIBLE_KINDS: ReadonlySet<AppKind> = new Set<AppKind>(['text', 'attachment']);
/** Kinds never stored nor retried: lost if the peer is offline. */
export const EPHEMERAL_KINDS: ReadonlySet<AppKind> = new Set<AppKind>(['typing']);

export interface AppMessage {
  readonly id: string;
  readonly seq: number;
  readonly sentAt: number;
  readonly body: AppBody;
}

export function encodeAppMessage(message: AppMessage): Uint8Array {
  validateBody(message.body);
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  header[0] = APP_MESSAGE_VERSION;
  header[1] = APP_KINDS.indexOf(message.body.kind);
  header.set(fromHex(message.id), 2);
  view.setUint32(18, message.seq);
  view.setUint32(22, Math.floor(message.sentAt / 2 ** 32));
  view.setUint32(26, message.sentAt % 2 ** 32);
  const { kind: _kind, ...fields } = message.body;
  const json: Record<string, unknown> = { ...fields };
  for (const f of BYTE_FIELDS) if (json[f] instanceof Uint8Array) json[f] = toBase64Url(json[f]);
  return concat(header, utf8(JSON.stringify(json)));
}

export function decodeAppMessage(bytes: Uint8Array): AppMessage {
  if (bytes.length < HEADER_BYTES + 2) throw bad('message too short');
  if (bytes[0] !== APP_MESSAGE_VERSION) throw bad(`unsupported message version ${bytes[0]}`);
  const kind = APP_KINDS[bytes[1] as number];
  if (kind === undefined) throw bad(`unknown message kind ${bytes[1]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = toHex(bytes.subarray(2, 18));
  const seq = view.getUint32(18);
  const high = view.getUint32(22);
  if (high >= 2 ** 21) throw bad('timestamp out of range');
  const sentAt = high * 2 ** 32 + view.getUint32(26);
  let fields: unknown;
  try {
    fields = JSON.parse(fromUtf8(bytes.subarray(HEADER_BYTES)));
  } catch {
    throw bad('message body is not UTF-8 JSON');
  }
  const body = parseBody(kind, fields);
  validateBody(body);
  return { id, seq, sentAt, body };
}

function bad(message: string): InboundError {
  return new InboundError('bad-message', message);
}

function parseBody(kind: AppKind, fields: unknown): AppBody {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    throw bad('message body is not an object');
  const f = fields as Record<string, unknown>;
  const allowed: Record<AppKind, readonly string[]> = {
    text: ['text', 'replyTo'],
    reaction: ['target', 'emoji'],
    edit: ['target', 'text'],
    delete: ['target'],
    read: ['targets'],
    typing: ['active'],
    timer: ['disappearingMs'],
    profile: ['name', 'card'],
    welcome: ['name'],
    attachment: [
      'id',
      'name',
      'mime',
      'size',
      'sha256',
      'key',
      'caption',
      'thumbnail',
      'durationMs',
      'waveform',
    ],
    group: ['payload'],
    channel: ['payload'],
    mailbox: ['payload'],
    devices: ['payload'],
    sync: ['payload'],
  };
  for (const key of Object.keys(f))
    if (!allowed[kind].includes(key)) throw bad(`unexpected field "${key}" in ${kind}`);
  switch (kind) {
    case 'text':
      return f.replyTo === undefined
        ? { kind, text: str(f.text) }
        : { kind, text: str(f.text), replyTo: ref(f.replyTo) };
    case 'reaction':
      return { kind, target: ref(f.target), emoji: str(f.emoji) };
    case 'edit':
      return { kind, target: ref(f.target), text: str(f.text) };
    case 'delete':
      return { kind, target: ref(f.target) };
    case 'read':
      if (!Array.isArray(f.targets)) throw bad('read.targets must be an array');
      return { kind, targets: f.targets.map(ref) };
    case 'typing':
      if (typeof f.active !== 'boolean') throw bad('typing.active must be a boolean');
      return { kind, active: f.active };
    case 'timer':
      if (f.disappearingMs !== null && typeof f.disappearingMs !== 'number')
        throw bad('timer must be a number or null');
      return { kind, disappearingMs: f.disappearingMs };
    case 'profile':
      return { kind, name: str(f.name), card: b64(f.card) };
    case 'welcome':
      return { kind, name: str(f.name) };
    case 'attachment':
      return parseManifest(f);
    case 'group':
    case 'channel':
    case 'mailbox':
    case 'devices':
    case 'sync':
      return { kind, payload: b64(f.payload) };
  }
}

function parseManifest(f: Record<string, unknown>): AppBody {
  const int = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad('expected a whole number');
    return v;
  };
  const base = { kind: 'attachment' as const, id: str(f.id), name: str(f.name), mime: str(f.mime) };
  return {
    ...base,
    size: int(f.size),
    sha256: str(f.sha256),
    key: b64(f.key),
    ...(f.caption === undefined ? {} : { caption: str(f.caption) }),
    ...(f.thumbnail === undefined ? {} : { thumbnail: b64(f.thumbnail) }),
    ...(f.durationMs === undefined ? {} : { durationMs: int(f.durationMs) }),
    ...(f.waveform === undefined ? {} : { waveform: b64(f.waveform) }),
  };
}

const str = (value: unknown): string => {
  if (typeof value !== 'string') throw bad('expected a string');
  return value;
};

const b64 = (value: unknown): Uint8Array => {
  try {
    return fromBase64Url(str(value));
  } catch {
    throw bad('expected base64url bytes');
  }
};

const ref = (value: unknown): MessageRef => {
  if (typeof value !== 'object' || value === null) throw bad('expected a message reference');
  const { id, mine, ...rest } = value as Record<string, unknown>;
  if (
    Object.keys(rest).length > 0 ||
    typeof id !== 'string' ||
    !isMessageId(id) ||
    typeof mine !== 'boolean'
  ) {
    throw bad('malformed message reference');
  }
  return { id, mine };
};

/** A message id: 128 bits as 32 lowercase hex characters. */
export const isMessageId = (id: string): boolean => /^[0-9a-f]{32}$/.test(id);

/**
 * UTF-8 length of `text` without encoding it (lone surrogates count 3 bytes,
 * as TextEncoder writes them as U+FFFD).
 */
/** Whether `text` is at most `max` bytes of UTF-8 (1..3 bytes per UTF-16 unit: most texts need no count). */
export function fitsBytes(text: string, max: number): boolean {
  if (text.length > max) return false;
  if (text.length * 3 <= max) return true;
  return byteLength(text) <= max;
}

export function byteLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Throws InboundError('bad-message') when a body breaks a limit (used on encode too). */
export function validateBody(body: AppBody): void {
  switch (body.kind) {
    case 'text':
    case 'edit':
      if (body.text.length === 0 || !fitsBytes(body.text, MESSAGE_TEXT_MAX_BYTES)) {
        throw bad(`text must be 1..${MESSAGE_TEXT_MAX_BYTES} bytes`);
      }
      return;
    case 'reaction':
      if (!fitsBytes(body.emoji, EMOJI_MAX_BYTES))
        throw bad(`a reaction is at most ${EMOJI_MAX_BYTES} bytes`);
      return;
    case 'read':
      if (body.targets.length === 0 || body.targets.length > READ_RECEIPT_MAX_TARGETS)
        throw bad('bad read receipt size');
      return;
    case 'timer':
      if (
        body.disappearingMs !== null &&
        (!Number.isInteger(body.disappearingMs) ||
          body.disappearingMs < 1000 ||
          body.disappearingMs > DISAPPEARING_MAX_MS)
      ) {
        throw bad('disappearing timer must be null or 1 s .. 1 year in ms');
      }
      return;
    case 'attachment':
      validateManifest(body);
      return;
    case 'group':
    case 'channel':
    case 'mailbox':
    case 'devices':
    case 'sync':
      if (body.payload.length === 0 || body.payload.length > CONTROL_PAYLOAD_MAX_BYTES)
        throw bad('bad control payload size');
      return;
    case 'profile':
    case 'welcome':
      if (body.name.trim().length === 0 || !fitsBytes(body.name, DISPLAY_NAME_MAX_BYTES))
        throw bad('bad display name');
      return;
    default:
      return;
  }
}

function validateManifest(m: FileManifest): void {
  if (!isMessageId(m.id)) throw bad('attachment id must be 32 lowercase hex characters');
  if (m.name.length === 0 || !fitsBytes(m.name, FILE_NAME_MAX_BYTES)) throw bad('bad attachment name');
  if (!/^[\w.+-]{1,63}\/[\w.+-]{1,63}$/.test(m.mime)) throw bad('bad attachment media type');
  if (!/^[0-9a-f]{64}$/.test(m.sha256)) throw bad('bad attachment hash');
  if (m.key.length === 0 || m.key.length > 64) throw bad('bad attachment key');
  if (m.caption !== undefined && !fitsBytes(m.caption, MESSAGE_TEXT_MAX_BYTES)) throw bad('caption too long');
  if (m.thumbnail !== undefined && m.thumbnail.length > THUMBNAIL_MAX_BYTES) throw bad('thumbnail too large');
  if (m.waveform !== undefined && m.waveform.length > WAVEFORM_MAX_SAMPLES) throw bad('waveform too long');
}
