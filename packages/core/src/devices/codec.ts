/**
 * The payloads of the two multi-device application kinds (docs/MULTI-DEVICE.md,
 * docs/PROTOCOL.md "Devices"), carried inside the pairwise sessions like every control:
 *
 *   devices  an account's latest device list and its devices' cards:
 *              version u8 = 1 ‖ u32 list length ‖ list ‖ u8 n (≤ 8) ‖ n × (u16 length ‖ card)
 *   sync     to our own other devices, what this device did:
 *              version u8 = 1 ‖ u8 op ‖ u16 length ‖ account id of the conversation's contact ‖ rest
 *              op 1 `sent`: rest = the application message we sent them (its id, seq and body)
 *              op 2 `read`: rest empty — we read the conversation up to its latest message
 *              op 3 `contact`: rest = the contact as we hold it now (UTF-8 JSON, see ContactSync)
 *              op 4 `forget`: rest empty — we removed the contact
 *              op 5 `mailbox`: in place of the contact's account id the mailbox's PeerId; rest =
 *                the mailbox's pairing link (UTF-8, ≤ 4 096 B) — pair with it too — or empty —
 *                we stopped using it
 *              op 6 `channel`: in place of the contact's account id the channel id (32 hex); rest =
 *                the channel as we hold it now (channels/share.ts, UTF-8 JSON, a secret of ours
 *                when we own it) — follow or own it too — or empty — we unfollowed it
 *
 * Decoding checks every length; a malformed payload throws InboundError('bad-message').
 */
import { DEVICE_LIST_MAX_DEVICES } from '@parley/crypto';
import { CoreError, InboundError, Reader, utf8, utf8Text, Writer } from '../base/index.ts';
import { CONTROL_PAYLOAD_MAX_BYTES } from '../wire/index.ts';

const VERSION = 1;
/** A device list of 8 devices is ~2.3 KB; anything near this is not one. */
export const DEVICE_LIST_MAX_BYTES = 4096;
/** One device's card inside a `devices` payload (8 of them and the list fit one control). */
export const DEVICE_CARD_MAX_BYTES = 5120;
const PEER_ID_MAX_BYTES = 128;

export interface DevicesPayload {
  readonly list: Uint8Array;
  readonly cards: readonly Uint8Array[];
}

export type SyncPayload =
  | { readonly op: 'sent'; readonly peer: string; readonly message: Uint8Array }
  | { readonly op: 'read' | 'forget'; readonly peer: string }
  | { readonly op: 'contact'; readonly peer: string; readonly contact: ContactSync }
  /** `peer` is the mailbox's PeerId; `link` its pairing link, or null when we stopped using it. */
  | { readonly op: 'mailbox'; readonly peer: string; readonly link: string | null }
  /** `peer` is the channel id; `state` the channel as channels/share.ts encodes it, or null: unfollowed. */
  | { readonly op: 'channel'; readonly peer: string; readonly state: Uint8Array | null };

/** A mailbox pairing link in a `mailbox` sync op (mailbox/codec.ts's limit). */
const MAILBOX_LINK_MAX_BYTES = 4096;

/** A contact as our other devices learn it (the local id stays each device's own). */
export interface ContactSync {
  readonly name: string;
  /** base64url */
  readonly identityKey: string;
  readonly card: string;
  readonly addresses: readonly string[];
  readonly verified: boolean;
  readonly state: 'pending' | 'active' | 'introduced';
  readonly pendingIdentityKey: string | null;
}

/** A channel's id (channels/codec.ts): 16 bytes as lowercase hex. */
const CHANNEL_ID = /^[0-9a-f]{32}$/;

const SYNC_OPS = ['sent', 'read', 'contact', 'forget', 'mailbox', 'channel'] as const;

export function encodeDevicesPayload(p: DevicesPayload): Uint8Array {
  if (p.list.length > DEVICE_LIST_MAX_BYTES) throw new CoreError('bad-input', 'device list too large');
  if (p.cards.length > DEVICE_LIST_MAX_DEVICES) throw new CoreError('bad-input', 'too many device cards');
  const w = new Writer().u8(VERSION).u32(p.list.length).bytes(p.list).u8(p.cards.length);
  for (const card of p.cards) {
    if (card.length > DEVICE_CARD_MAX_BYTES)
      throw new CoreError(
        'bad-input',
        `a device card is ${card.length} bytes; at most ${DEVICE_CARD_MAX_BYTES}`,
      );
    w.short(card);
  }
  return w.done();
}

export function decodeDevicesPayload(bytes: Uint8Array): DevicesPayload {
  return inbound(() => {
    const r = new Reader(bytes, 'devices payload');
    if (r.u8() !== VERSION) throw new InboundError('bad-message', 'unsupported devices payload version');
    const n = r.u32();
    if (n === 0 || n > DEVICE_LIST_MAX_BYTES) throw new InboundError('bad-message', 'bad device list size');
    const list = r.take(n).slice();
    const count = r.u8();
    if (count > DEVICE_LIST_MAX_DEVICES) throw new InboundError('bad-message', 'too many device cards');
    const cards: Uint8Array[] = [];
    for (let i = 0; i < count; i++) cards.push(r.short(DEVICE_CARD_MAX_BYTES).slice());
    r.end();
    return { list, cards };
  });
}

export function encodeSyncPayload(p: SyncPayload): Uint8Array {
  const peer = utf8(p.peer);
  if (peer.length === 0 || peer.length > PEER_ID_MAX_BYTES) throw new CoreError('bad-input', 'bad peer id');
  const w = new Writer()
    .u8(VERSION)
    .u8(SYNC_OPS.indexOf(p.op) + 1)
    .short(peer);
  if (p.op === 'sent') w.bytes(p.message);
  if (p.op === 'contact') w.bytes(utf8(JSON.stringify(p.contact)));
  if (p.op === 'mailbox' && p.link !== null) {
    const link = utf8(p.link);
    if (link.length > MAILBOX_LINK_MAX_BYTES) throw new CoreError('bad-input', 'mailbox link too long');
    w.bytes(link);
  }
  if (p.op === 'channel' && p.state !== null) w.bytes(p.state);
  const out = w.done();
  if (out.length > CONTROL_PAYLOAD_MAX_BYTES) throw new CoreError('message-too-large', 'sync copy too large');
  return out;
}

export function decodeSyncPayload(bytes: Uint8Array): SyncPayload {
  return inbound(() => {
    const r = new Reader(bytes, 'sync payload');
    if (r.u8() !== VERSION) throw new InboundError('bad-message', 'unsupported sync payload version');
    const op = SYNC_OPS[r.u8() - 1];
    if (op === undefined) throw new InboundError('bad-message', 'unknown sync operation');
    const peer = utf8Text(r.short(PEER_ID_MAX_BYTES));
    if (peer.length === 0) throw new InboundError('bad-message', 'empty peer id');
    if (op === 'read' || op === 'forget') {
      r.end();
      return { op, peer };
    }
    if (op === 'contact') return { op, peer, contact: readContactSync(r.rest()) };
    if (op === 'mailbox') {
      const link = r.rest();
      if (link.length > MAILBOX_LINK_MAX_BYTES)
        throw new InboundError('bad-message', 'mailbox link too long');
      return { op, peer, link: link.length === 0 ? null : utf8Text(link) };
    }
    if (op === 'channel') {
      if (!CHANNEL_ID.test(peer)) throw new InboundError('bad-message', 'bad channel id in a sync copy');
      const state = r.rest().slice();
      return { op, peer, state: state.length === 0 ? null : state };
    }
    const message = r.rest().slice();
    if (message.length === 0) throw new InboundError('bad-message', 'empty sync copy');
    return { op, peer, message };
  });
}

function readContactSync(bytes: Uint8Array): ContactSync {
  const o = JSON.parse(utf8Text(bytes)) as Record<string, unknown>;
  const str = (v: unknown): string => {
    if (typeof v !== 'string') throw new InboundError('bad-message', 'bad contact in a sync copy');
    return v;
  };
  const state = o.state;
  if (state !== 'pending' && state !== 'active' && state !== 'introduced')
    throw new InboundError('bad-message', 'bad contact state in a sync copy');
  if (!Array.isArray(o.addresses) || o.addresses.length > 16)
    throw new InboundError('bad-message', 'bad addresses');
  return {
    name: str(o.name),
    identityKey: str(o.identityKey),
    card: str(o.card),
    addresses: o.addresses.map(str),
    verified: o.verified === true,
    state,
    pendingIdentityKey: o.pendingIdentityKey === null ? null : str(o.pendingIdentityKey),
  };
}

/** Runs a decoder; its CoreErrors (truncation, lengths, UTF-8) become InboundError('bad-message'). */
function inbound<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof InboundError) throw error;
    throw new InboundError('bad-message', error instanceof Error ? error.message : String(error));
  }
}
