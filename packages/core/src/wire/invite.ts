/**
 * Invite links (DESIGN.md §2): `parley://invite/<base64url(payload)>`, also
 * the payload of the invite's QR code.
 *
 *   payload = version u8 (= 1) || contact card (@parley/crypto, signed)
 *
 * The invite's own fields travel in the card's signed `extension` (its first
 * record; card-extension.ts), so any change to the link breaks the card signature:
 *
 *   invite record = type u8 (= 1, invite) || flags u8 (bit 0: reusable)
 *                   || token (16 bytes) || expiresAt u64 (epoch ms, 0 = never)
 *
 * Whoever accepts the invite sends one introduction frame on
 * `/parley/intro/1.0.0`:
 *
 *   intro = version u8 (= 1) || token (16 bytes) || first ratchet message
 *
 * The inviter checks the token (by its SHA-256, against stored invites)
 * before parsing anything else.
 */
import { CoreError, concat, fromBase64Url, toBase64Url } from '../base/index.ts';
import { decodeCardExtension } from './card-extension.ts';

export const INVITE_SCHEME = 'parley://invite/';
export const INVITE_VERSION = 1;
export const INVITE_TOKEN_BYTES = 16;
/** An invite link is refused before decoding past this length (cards are bounded too). */
export const INVITE_LINK_MAX_CHARS = 8192;
/** Addresses put in an invite's card: enough to reach us, short enough to paste. */
export const INVITE_MAX_ADDRESSES = 4;
const EXTENSION_TYPE_INVITE = 1;
const EXTENSION_BYTES = 1 + 1 + INVITE_TOKEN_BYTES + 8;
const INTRO_VERSION = 1;

export interface InviteExtension {
  readonly reusable: boolean;
  readonly token: Uint8Array;
  /** Epoch ms; null = never expires. */
  readonly expiresAt: number | null;
}

export function encodeInviteExtension(ext: InviteExtension): Uint8Array {
  const out = new Uint8Array(EXTENSION_BYTES);
  const view = new DataView(out.buffer);
  out[0] = EXTENSION_TYPE_INVITE;
  out[1] = ext.reusable ? 1 : 0;
  out.set(ext.token, 2);
  const expires = ext.expiresAt ?? 0;
  view.setUint32(18, Math.floor(expires / 2 ** 32));
  view.setUint32(22, expires % 2 ** 32);
  return out;
}

/** The invite record of a card's extension (card-extension.ts), which may carry mailboxes too. */
export function decodeInviteExtension(extension: Uint8Array): InviteExtension {
  let ext: Uint8Array | undefined;
  try {
    ext = decodeCardExtension(extension).invite;
  } catch {
    ext = undefined;
  }
  if (
    ext?.length !== EXTENSION_BYTES ||
    ext[0] !== EXTENSION_TYPE_INVITE ||
    ((ext[1] as number) & ~1) !== 0
  ) {
    throw new CoreError('bad-invite', 'this contact card is not an invite');
  }
  const view = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  const expires = view.getUint32(18) * 2 ** 32 + view.getUint32(22);
  return {
    reusable: ext[1] === 1,
    token: ext.slice(2, 2 + INVITE_TOKEN_BYTES),
    expiresAt: expires === 0 ? null : expires,
  };
}

export function encodeInviteLink(card: Uint8Array): string {
  return INVITE_SCHEME + toBase64Url(concat(Uint8Array.of(INVITE_VERSION), card));
}

/** Returns the card bytes of an invite link (still to be verified by decodeContactCard). */
export function decodeInviteLink(link: string): Uint8Array {
  const text = link.trim();
  if (text.length > INVITE_LINK_MAX_CHARS)
    throw new CoreError('bad-invite', 'this invite link is too long to be real');
  if (!text.startsWith(INVITE_SCHEME)) {
    throw new CoreError(
      'bad-invite',
      `an invite link starts with "${INVITE_SCHEME}"; check that you copied all of it`,
    );
  }
  let payload: Uint8Array;
  try {
    payload = fromBase64Url(text.slice(INVITE_SCHEME.length));
  } catch {
    throw new CoreError('bad-invite', 'this invite link is damaged (not base64url); copy it again');
  }
  if (payload.length < 2) throw new CoreError('bad-invite', 'this invite link is truncated; copy it again');
  if (payload[0] !== INVITE_VERSION) {
    throw new CoreError(
      'bad-invite',
      `this invite was made by a newer Parley (format ${payload[0]}); update Parley`,
    );
  }
  return payload.subarray(1);
}

export function encodeIntro(token: Uint8Array, message: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(INTRO_VERSION), token, message);
}

/** Splits an introduction frame; undefined if it is not well formed (the caller refuses it). */
export function decodeIntro(frame: Uint8Array): { token: Uint8Array; message: Uint8Array } | undefined {
  if (frame.length <= 1 + INVITE_TOKEN_BYTES || frame[0] !== INTRO_VERSION) return undefined;
  return {
    token: frame.subarray(1, 1 + INVITE_TOKEN_BYTES),
    message: frame.subarray(1 + INVITE_TOKEN_BYTES),
  };
}
