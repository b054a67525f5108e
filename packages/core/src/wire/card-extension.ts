/**
 * The signed extension of a contact card (@parley/crypto's `extension`, up to
 * CARD_EXTENSION_MAX_BYTES): records, each naming its type.
 *
 *   extension = [invite record] ‖ [mailbox record] ‖ [account record]   (each at most once, in this order)
 *   invite    = 0x01 ‖ flags u8 (bit 0: reusable) ‖ token (16) ‖ expiresAt u64 (epoch ms, 0 = never)
 *   mailboxes = 0x02 ‖ u16 length ‖ n u8 (0..3) ‖ n × mailbox
 *   mailbox   = peerId (u8 len ‖ UTF-8) ‖ deposit token (16) ‖ k u8 (0..4) ‖ k × address (u16 len ‖ UTF-8)
 *   account   = 0x03 ‖ u16 length ‖ account id (u8 len ‖ UTF-8) ‖ IKs_pub (32) ‖ IKd_pub (32) ‖ signature (64)
 *               — on a linked device's card: the account it speaks for, and the account identity's
 *               signature over this device (account/device-claim.ts, docs/PROTOCOL.md §7 "Invites")
 *
 * A record of another type (0x04..) is u8 type ‖ u16 length ‖ body and is skipped: newer
 * Parleys may add records. The invite record keeps its first, fixed layout (wire/invite.ts).
 */
import { CoreError, Reader, utf8, utf8Text, Writer } from '../base/index.ts';

/** Addresses in a link or a card entry. */
export const MAILBOX_MAX_ADDRESSES = 4;
export const MAILBOX_ADDRESS_MAX_BYTES = 256;
export const MAILBOX_PEER_ID_MAX_BYTES = 128;
export const MAILBOX_TOKEN_BYTES = 16;
/** Mailboxes one account pairs with (and names in its card). */
export const MAILBOXES_PER_ACCOUNT_MAX = 3;
/** Same as @parley/crypto's CARD_EXTENSION_MAX_BYTES. */
const EXTENSION_MAX_BYTES = 2048;

const RECORD_INVITE = 0x01;
const INVITE_RECORD_BYTES = 1 + 1 + 16 + 8;
const RECORD_MAILBOXES = 0x02;
const RECORD_ACCOUNT = 0x03;
const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/** A mailbox as a contact card names it: where to deposit, and the token that lets us. */
export interface MailboxAddress {
  readonly peerId: string;
  readonly token: Uint8Array;
  readonly addresses: readonly string[];
}

export function writeAddresses(w: Writer, addresses: readonly string[]): void {
  const list = addresses
    .filter((a) => utf8(a).length <= MAILBOX_ADDRESS_MAX_BYTES)
    .slice(0, MAILBOX_MAX_ADDRESSES);
  w.u8(list.length);
  for (const a of list) w.short(utf8(a));
}

export function readAddresses(r: Reader): string[] {
  const n = r.u8();
  if (n > MAILBOX_MAX_ADDRESSES)
    throw new CoreError('bad-input', `more than ${MAILBOX_MAX_ADDRESSES} addresses`);
  return Array.from({ length: n }, () => utf8Text(r.short(MAILBOX_ADDRESS_MAX_BYTES)));
}

export function writePeerId(w: Writer, peerId: string): void {
  const b = utf8(peerId);
  if (b.length === 0 || b.length > MAILBOX_PEER_ID_MAX_BYTES) throw new RangeError('bad PeerId length');
  w.u8(b.length).bytes(b);
}

export function readPeerId(r: Reader): string {
  const n = r.u8();
  if (n === 0 || n > MAILBOX_PEER_ID_MAX_BYTES) throw new CoreError('bad-input', 'bad PeerId length');
  return utf8Text(r.take(n));
}

export function encodeMailboxAddresses(
  list: readonly MailboxAddress[],
  maxAddresses: number = MAILBOX_MAX_ADDRESSES,
): Uint8Array {
  if (list.length > MAILBOXES_PER_ACCOUNT_MAX)
    throw new RangeError(`at most ${MAILBOXES_PER_ACCOUNT_MAX} mailboxes`);
  const w = new Writer().u8(list.length);
  for (const m of list) {
    writePeerId(w, m.peerId);
    w.bytes(m.token);
    writeAddresses(w, m.addresses.slice(0, maxAddresses));
  }
  return w.done();
}

export function decodeMailboxAddresses(bytes: Uint8Array): MailboxAddress[] {
  const r = new Reader(bytes, 'mailbox list');
  const n = r.u8();
  if (n > MAILBOXES_PER_ACCOUNT_MAX)
    throw new CoreError('bad-input', `more than ${MAILBOXES_PER_ACCOUNT_MAX} mailboxes`);
  const list = Array.from({ length: n }, () => ({
    peerId: readPeerId(r),
    token: r.take(MAILBOX_TOKEN_BYTES).slice(),
    addresses: readAddresses(r),
  }));
  r.end();
  return list;
}

/**
 * The account a linked device's card speaks for: its id and identity, and the account identity's
 * signature over the device (checked by account/device-claim.ts, not here).
 */
export interface AccountRecord {
  readonly accountId: string;
  readonly signingKey: Uint8Array;
  readonly agreementKey: Uint8Array;
  readonly signature: Uint8Array;
}

export interface CardExtension {
  /** The invite record, as bytes (wire/invite.ts encodes and decodes it). */
  readonly invite?: Uint8Array;
  readonly mailboxes: readonly MailboxAddress[];
  readonly account?: AccountRecord;
}

function encodeAccountRecord(a: AccountRecord): Uint8Array {
  const w = new Writer();
  writePeerId(w, a.accountId);
  return w.bytes(a.signingKey).bytes(a.agreementKey).bytes(a.signature).done();
}

function decodeAccountRecord(bytes: Uint8Array): AccountRecord {
  const r = new Reader(bytes, 'account record');
  const record = {
    accountId: readPeerId(r),
    signingKey: r.take(KEY_BYTES).slice(),
    agreementKey: r.take(KEY_BYTES).slice(),
    signature: r.take(SIGNATURE_BYTES).slice(),
  };
  r.end();
  return record;
}

/**
 * The extension bytes; empty when there is nothing to say. Mailboxes keep fewer addresses each
 * (down to one) until everything fits in the card.
 */
export function encodeCardExtension(ext: CardExtension): Uint8Array {
  for (let max = MAILBOX_MAX_ADDRESSES; ; max--) {
    const w = new Writer();
    if (ext.invite) w.bytes(ext.invite);
    if (ext.mailboxes.length > 0) w.u8(RECORD_MAILBOXES).short(encodeMailboxAddresses(ext.mailboxes, max));
    if (ext.account) w.u8(RECORD_ACCOUNT).short(encodeAccountRecord(ext.account));
    const out = w.done();
    if (out.length <= EXTENSION_MAX_BYTES) return out;
    if (max === 1) throw new RangeError('the mailboxes do not fit in a contact card');
  }
}

/** Reads the records; throws CoreError('bad-input') on a damaged one. */
export function decodeCardExtension(bytes: Uint8Array): CardExtension {
  const r = new Reader(bytes, 'card extension');
  let invite: Uint8Array | undefined;
  let mailboxes: MailboxAddress[] = [];
  let account: AccountRecord | undefined;
  while (r.remaining() > 0) {
    const type = r.buf[r.at] as number;
    if (type === RECORD_INVITE && invite === undefined && r.at === 0) invite = r.take(INVITE_RECORD_BYTES);
    else {
      r.u8();
      const body = r.short(EXTENSION_MAX_BYTES);
      if (type === RECORD_MAILBOXES) mailboxes = decodeMailboxAddresses(body);
      else if (type === RECORD_ACCOUNT) account = decodeAccountRecord(body);
    }
  }
  return { ...(invite ? { invite } : {}), mailboxes, ...(account ? { account } : {}) };
}
