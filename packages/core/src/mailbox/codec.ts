/**
 * The mailbox protocol's bytes (docs/PROTOCOL.md "Mailboxes"): the pairing link, the requests
 * and answers that travel on `/parley/query/1.0.0`, and the mailboxes a contact card names.
 *
 *   link     = "parley://mailbox/" base64url( 0x01 ‖ peerId (u8 len ‖ UTF-8) ‖ secret (32)
 *                                             ‖ n u8 ‖ n × address (u16 len ‖ UTF-8) )
 *   request  = 0x01 ‖ kind u8 ‖ body
 *     0x10 pair     secret (32)
 *     0x11 deposit  token (16) ‖ envelope (1..MAIL_ENVELOPE_MAX_BYTES)
 *     0x12 fetch    after u64 (the last item id seen; 0 = from the start)
 *     0x13 delete   n u16 (1..MAIL_DELETE_MAX) ‖ n × item id u64
 *     0x14 unpair   (nothing)
 *   answer   = 0x01 ‖ status u8 ‖ body (status 0x00 only)
 *     pair     token (16) ‖ maxBytes u64 ‖ maxItems u32 ‖ expiryMs u64
 *     deposit  item id u64
 *     fetch    n u16 ‖ n × (id u64 ‖ receivedAt u64 ‖ envelope (u32 len ‖ bytes)) ‖ more u8
 *     delete   deleted u16
 *     unpair   (nothing)
 *
 * The version/kind pair shares its first two bytes with the channel (0x01 0x01, 0x01 0x03) and
 * group (0x01 0x02 catch-up, 0x01 0x04 state, 0x01 0x05 keys) queries, so one query handler
 * tells them apart by the kind.
 */
import {
  CoreError,
  concat,
  fromBase64Url,
  fromHex,
  Reader,
  toBase64Url,
  toHex,
  utf8,
  Writer,
} from '../base/index.ts';
import { QUERY_MAX_BYTES } from '../ports/index.ts';
import {
  MAILBOX_TOKEN_BYTES,
  readAddresses,
  readPeerId,
  writeAddresses,
  writePeerId,
} from '../wire/index.ts';

export {
  decodeMailboxAddresses,
  encodeMailboxAddresses,
  MAILBOX_MAX_ADDRESSES,
  MAILBOX_PEER_ID_MAX_BYTES,
  MAILBOX_TOKEN_BYTES,
  MAILBOXES_PER_ACCOUNT_MAX,
  type MailboxAddress,
} from '../wire/index.ts';

export const MAILBOX_LINK_SCHEME = 'parley://mailbox/';
const LINK_VERSION = 1;
export const MAILBOX_SECRET_BYTES = 32;
/** A link is refused before decoding past this length. */
export const MAILBOX_LINK_MAX_CHARS = 4096;

const QUERY_VERSION = 0x01;
export const MAIL_KIND = { pair: 0x10, deposit: 0x11, fetch: 0x12, delete: 0x13, unpair: 0x14 } as const;
export type MailKind = keyof typeof MAIL_KIND;

/** Room for the request header inside one query. */
export const MAIL_ENVELOPE_MAX_BYTES: number = QUERY_MAX_BYTES - 64;
/** Item ids one delete request names. */
export const MAIL_DELETE_MAX = 4096;

export const MAIL_STATUS = {
  ok: 0x00,
  'not-paired': 0x01,
  'unknown-queue': 0x02,
  full: 0x03,
  'bad-request': 0x04,
  'bad-secret': 0x05,
  'too-many-accounts': 0x06,
} as const;
export type MailStatus = keyof typeof MAIL_STATUS;
const STATUS_NAMES = new Map<number, MailStatus>(
  Object.entries(MAIL_STATUS).map(([k, v]) => [v, k as MailStatus]),
);

export interface MailboxLink {
  readonly peerId: string;
  readonly secret: Uint8Array;
  readonly addresses: readonly string[];
}

// ---- the link ---------------------------------------------------------------

export function encodeMailboxLink(link: MailboxLink): string {
  const w = new Writer().u8(LINK_VERSION);
  writePeerId(w, link.peerId);
  w.bytes(link.secret);
  writeAddresses(w, link.addresses);
  return MAILBOX_LINK_SCHEME + toBase64Url(w.done());
}

const badLink = (why: string): CoreError =>
  new CoreError(
    'bad-input',
    `this is not a mailbox link (${why}); copy the whole line that \`parley mailbox link\` printed`,
  );

export function decodeMailboxLink(text: string): MailboxLink {
  const link = text.trim();
  if (link.length > MAILBOX_LINK_MAX_CHARS) throw badLink('too long');
  if (!link.startsWith(MAILBOX_LINK_SCHEME)) throw badLink(`it does not start with ${MAILBOX_LINK_SCHEME}`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(link.slice(MAILBOX_LINK_SCHEME.length));
  } catch {
    throw badLink('not base64url');
  }
  try {
    const r = new Reader(bytes, 'mailbox link');
    if (r.u8() !== LINK_VERSION) throw badLink('unknown version');
    const peerId = readPeerId(r);
    const secret = r.take(MAILBOX_SECRET_BYTES).slice();
    const addresses = readAddresses(r);
    r.end();
    return { peerId, secret, addresses };
  } catch (error) {
    if (error instanceof CoreError && error.message.startsWith('this is not')) throw error;
    throw badLink('truncated or damaged');
  }
}

// ---- requests ---------------------------------------------------------------

export type MailRequest =
  | { readonly kind: 'pair'; readonly secret: Uint8Array }
  | { readonly kind: 'deposit'; readonly token: Uint8Array; readonly envelope: Uint8Array }
  | { readonly kind: 'fetch'; readonly after: number }
  | { readonly kind: 'delete'; readonly ids: readonly number[] }
  | { readonly kind: 'unpair' };

export function encodeMailRequest(req: MailRequest): Uint8Array {
  const w = new Writer().u8(QUERY_VERSION).u8(MAIL_KIND[req.kind]);
  switch (req.kind) {
    case 'pair':
      return w.bytes(req.secret).done();
    case 'deposit':
      if (req.envelope.length === 0 || req.envelope.length > MAIL_ENVELOPE_MAX_BYTES)
        throw new RangeError(`an envelope is 1..${MAIL_ENVELOPE_MAX_BYTES} bytes`);
      return w.bytes(req.token).bytes(req.envelope).done();
    case 'fetch':
      return w.u64(req.after).done();
    case 'delete':
      if (req.ids.length === 0 || req.ids.length > MAIL_DELETE_MAX)
        throw new RangeError(`a delete names 1..${MAIL_DELETE_MAX} items`);
      w.u16(req.ids.length);
      for (const id of req.ids) w.u64(id);
      return w.done();
    case 'unpair':
      return w.done();
  }
}

/** Whether a query is a mailbox request (by its first two bytes), before decoding it. */
export function isMailRequest(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 2 &&
    bytes[0] === QUERY_VERSION &&
    (bytes[1] as number) >= 0x10 &&
    (bytes[1] as number) <= 0x14
  );
}

/** Decodes a mailbox request; null when it is malformed. */
export function decodeMailRequest(bytes: Uint8Array): MailRequest | null {
  try {
    const r = new Reader(bytes, 'mailbox request');
    if (r.u8() !== QUERY_VERSION) return null;
    const kind = r.u8();
    let req: MailRequest;
    if (kind === MAIL_KIND.pair) req = { kind: 'pair', secret: r.take(MAILBOX_SECRET_BYTES) };
    else if (kind === MAIL_KIND.deposit) {
      const token = r.take(MAILBOX_TOKEN_BYTES);
      const envelope = r.rest();
      if (envelope.length === 0) return null;
      req = { kind: 'deposit', token, envelope };
    } else if (kind === MAIL_KIND.fetch) req = { kind: 'fetch', after: r.u64() };
    else if (kind === MAIL_KIND.delete) {
      const n = r.u16();
      if (n === 0 || n > MAIL_DELETE_MAX) return null;
      req = { kind: 'delete', ids: Array.from({ length: n }, () => r.u64()) };
    } else if (kind === MAIL_KIND.unpair) req = { kind: 'unpair' };
    else return null;
    r.end();
    return req;
  } catch {
    return null;
  }
}

// ---- answers ----------------------------------------------------------------

export interface PairAnswer {
  readonly token: Uint8Array;
  readonly maxBytes: number;
  readonly maxItems: number;
  readonly expiryMs: number;
}

export interface FetchedItem {
  readonly id: number;
  readonly receivedAt: number;
  readonly envelope: Uint8Array;
}

export interface FetchAnswer {
  readonly items: readonly FetchedItem[];
  readonly more: boolean;
}

/** Bytes one fetched item takes in a fetch answer. */
export const fetchedItemBytes = (envelopeBytes: number): number => 8 + 8 + 4 + envelopeBytes;
/** Bytes of a fetch answer around its items. */
export const FETCH_ANSWER_OVERHEAD: number = 2 + 2 + 1;

export function encodeMailError(status: Exclude<MailStatus, 'ok'>): Uint8Array {
  return Uint8Array.of(QUERY_VERSION, MAIL_STATUS[status]);
}

const ok = (): Writer => new Writer().u8(QUERY_VERSION).u8(MAIL_STATUS.ok);

export function encodePairAnswer(a: PairAnswer): Uint8Array {
  return ok().bytes(a.token).u64(a.maxBytes).u32(a.maxItems).u64(a.expiryMs).done();
}

export function encodeDepositAnswer(id: number): Uint8Array {
  return ok().u64(id).done();
}

export function encodeFetchAnswer(a: FetchAnswer): Uint8Array {
  const w = ok().u16(a.items.length);
  for (const item of a.items)
    w.u64(item.id).u64(item.receivedAt).u32(item.envelope.length).bytes(item.envelope);
  return w.u8(a.more ? 1 : 0).done();
}

export function encodeDeleteAnswer(deleted: number): Uint8Array {
  return ok().u16(deleted).done();
}

export function encodeUnpairAnswer(): Uint8Array {
  return ok().done();
}

/** A mailbox answered with an error status (or nonsense). */
export class MailboxError extends Error {
  readonly status: Exclude<MailStatus, 'ok'> | 'bad-answer';
  constructor(status: Exclude<MailStatus, 'ok'> | 'bad-answer', message?: string) {
    super(message ?? MAILBOX_ERROR_TEXT[status]);
    this.name = 'MailboxError';
    this.status = status;
  }
}

const MAILBOX_ERROR_TEXT: Record<MailboxError['status'], string> = {
  'not-paired': 'this mailbox does not hold mail for this account (pair with it first)',
  'unknown-queue': 'this mailbox does not know the queue (the recipient may have removed it)',
  full: 'the mailbox is full for this recipient',
  'bad-request': 'the mailbox did not understand the request',
  'bad-secret': 'the mailbox refused the link (it is wrong, or the mailbox made a new one)',
  'too-many-accounts': 'the mailbox holds mail for as many accounts as it may',
  'bad-answer': 'the mailbox answered with something that is not a mailbox answer',
};

/** Reads an answer's header: the body Reader on success, else throws MailboxError. */
function answerBody(bytes: Uint8Array): Reader {
  if (bytes.length < 2 || bytes[0] !== QUERY_VERSION) throw new MailboxError('bad-answer');
  const status = STATUS_NAMES.get(bytes[1] as number);
  if (status === undefined) throw new MailboxError('bad-answer');
  if (status !== 'ok') throw new MailboxError(status);
  return new Reader(bytes.subarray(2), 'mailbox answer');
}

function parse<T>(bytes: Uint8Array, read: (r: Reader) => T): T {
  const r = answerBody(bytes);
  try {
    const out = read(r);
    r.end();
    return out;
  } catch {
    throw new MailboxError('bad-answer');
  }
}

export const decodePairAnswer = (bytes: Uint8Array): PairAnswer =>
  parse(bytes, (r) => ({
    token: r.take(MAILBOX_TOKEN_BYTES).slice(),
    maxBytes: r.u64(),
    maxItems: r.u32(),
    expiryMs: r.u64(),
  }));

export const decodeDepositAnswer = (bytes: Uint8Array): number => parse(bytes, (r) => r.u64());

export const decodeFetchAnswer = (bytes: Uint8Array): FetchAnswer =>
  parse(bytes, (r) => {
    const n = r.u16();
    const items = Array.from({ length: n }, () => {
      const id = r.u64();
      const receivedAt = r.u64();
      const envelope = r.take(r.u32());
      return { id, receivedAt, envelope };
    });
    const more = r.u8() === 1;
    return { items, more };
  });

export const decodeDeleteAnswer = (bytes: Uint8Array): number => parse(bytes, (r) => r.u16());

export const decodeUnpairAnswer = (bytes: Uint8Array): void => parse(bytes, () => undefined);

/** A stable id for a mailbox entry: its PeerId (one entry per mailbox). */
export const mailboxKey = (m: { readonly peerId: string }): string => m.peerId;

/** Hex of a token's SHA-256: how a mailbox stores and finds a deposit token. */
export function tokenHashHex(sha256: (b: Uint8Array) => Uint8Array, token: Uint8Array): string {
  return toHex(sha256(concat(utf8('Parley_MailboxToken_v1'), token)));
}

// ---- inline attachment chunks inside an envelope -----------------------------------

/**
 * An attachment chunk carried in an envelope beside its manifest (attachments/inline.ts):
 *   record = 0xFC ‖ fileId (16) ‖ index u32 ‖ sealed chunk
 * Frames (wire/frame.ts) start with their version byte 0x01, so the two never mix.
 */
const CHUNK_RECORD = 0xfc;
const FILE_ID_BYTES = 16;

export function encodeChunkRecord(fileId: string, index: number, chunk: Uint8Array): Uint8Array {
  return new Writer().u8(CHUNK_RECORD).bytes(fromHex(fileId)).u32(index).bytes(chunk).done();
}

/** The chunk record's parts, or null when `bytes` is not one (then it is a frame). */
export function decodeChunkRecord(
  bytes: Uint8Array,
): { readonly fileId: string; readonly index: number; readonly chunk: Uint8Array } | null {
  if (bytes[0] !== CHUNK_RECORD || bytes.length <= 1 + FILE_ID_BYTES + 4) return null;
  const r = new Reader(bytes, 'chunk record');
  r.u8();
  const fileId = toHex(r.take(FILE_ID_BYTES));
  const index = r.u32();
  return { fileId, index, chunk: r.rest() };
}
