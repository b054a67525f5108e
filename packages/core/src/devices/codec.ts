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
  | { readonly op: 'read'; readonly peer: string };

const SYNC_OPS = ['sent', 'read'] as const;

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
    if (op === 'read') {
      r.end();
      return { op, peer };
    }
    const message = r.rest().slice();
    if (message.length === 0) throw new InboundError('bad-message', 'empty sync copy');
    return { op, peer, message };
  });
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
