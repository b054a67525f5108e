/**
 * The envelope a sender deposits at its recipient's mailbox (docs/PROTOCOL.md "Mailboxes",
 * SPEC-level detail there): it carries outbox frames that are already end-to-end encrypted,
 * and hides from the mailbox who sent them. Like Signal's sealed sender, two layers:
 *
 *   envelope = 0x01 ‖ E (32) ‖ h u8 ‖ header (h bytes) ‖ body
 *   (k1 ‖ n1) = HKDF-SHA256(ikm = X25519(e, R), salt = E ‖ R, info = "Parley_MailboxHeader_v1", 44)
 *   header    = ChaCha20-Poly1305(k1, n1, sender PeerId (UTF-8), aad = 0x01 ‖ E)
 *   (k2 ‖ n2) = HKDF-SHA256(ikm = X25519(e, R) ‖ X25519(S, R), salt = E ‖ R ‖ header,
 *                           info = "Parley_MailboxBody_v1", 44)
 *   body      = ChaCha20-Poly1305(k2, n2, n u16 ‖ n × (u32 len ‖ frame) ‖ zero padding,
 *                                 aad = everything before body)
 *
 * e/E: a fresh X25519 key pair per envelope; R: the recipient's identity agreement key; S: the
 * sender's. Only the recipient can open the header, and only the holder of S's secret can have
 * made a body that opens under the contact the header names: a mailbox or a stranger cannot
 * deposit mail that passes for a contact's. The plaintext is padded to a multiple of
 * ENVELOPE_PAD_BYTES so sizes say less. Replays are the inbox's business (D3: the frames inside
 * are recognised as seen).
 */
import type { Primitives, RandomSource } from '@parley/crypto';
import { concat, InboundError, Reader, utf8, utf8Text, Writer } from '../base/index.ts';
import { FILE_FRAME_MAX_BYTES } from '../ports/index.ts';
import { MAILBOX_PEER_ID_MAX_BYTES } from './codec.ts';

const VERSION = 0x01;
const HEADER_INFO = utf8('Parley_MailboxHeader_v1');
const BODY_INFO = utf8('Parley_MailboxBody_v1');
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** Plaintext is padded to a multiple of this. */
export const ENVELOPE_PAD_BYTES = 256;
/** Bytes an envelope adds around its frames (before padding): version, E, header, counts, tag. */
export const ENVELOPE_OVERHEAD_BYTES: number =
  1 + KEY_BYTES + 1 + MAILBOX_PEER_ID_MAX_BYTES + TAG_BYTES + 2 + TAG_BYTES;
/** Bytes one frame adds inside an envelope. */
export const envelopeFrameBytes = (frame: Uint8Array): number => 4 + frame.length;
/** Frames in one envelope. */
export const ENVELOPE_MAX_FRAMES = 4096;

export interface SealInput {
  readonly senderPeerId: string;
  /** The sender's identity agreement secret (S). */
  readonly senderSecret: Uint8Array;
  /** The recipient's identity agreement public key (R). */
  readonly recipientKey: Uint8Array;
  readonly frames: readonly Uint8Array[];
}

function keys(p: Primitives, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array) {
  const okm = p.hkdfSha256(ikm, salt, info, KEY_BYTES + 12);
  return { key: okm.subarray(0, KEY_BYTES), nonce: okm.subarray(KEY_BYTES) };
}

export function sealEnvelope(p: Primitives, random: RandomSource, input: SealInput): Uint8Array {
  if (input.frames.length === 0 || input.frames.length > ENVELOPE_MAX_FRAMES)
    throw new RangeError(`an envelope carries 1..${ENVELOPE_MAX_FRAMES} frames`);
  const e = random(KEY_BYTES);
  const E = p.x25519PublicKey(e);
  const R = input.recipientKey;
  const eR = p.x25519(e, R);
  const h = keys(p, eR, concat(E, R), HEADER_INFO);
  const header = p.aeadSeal(h.key, h.nonce, utf8(input.senderPeerId), concat(Uint8Array.of(VERSION), E));
  const prefix = concat(Uint8Array.of(VERSION), E, Uint8Array.of(header.length), header);
  const b = keys(p, concat(eR, p.x25519(input.senderSecret, R)), concat(E, R, header), BODY_INFO);
  const w = new Writer().u16(input.frames.length);
  for (const f of input.frames) w.u32(f.length).bytes(f);
  const plain = w.done();
  const padded = new Uint8Array(Math.ceil(plain.length / ENVELOPE_PAD_BYTES) * ENVELOPE_PAD_BYTES);
  padded.set(plain);
  return concat(prefix, p.aeadSeal(b.key, b.nonce, padded, prefix));
}

export interface OpenedEnvelope {
  readonly senderPeerId: string;
  readonly frames: Uint8Array[];
}

const bad = (why: string): InboundError => new InboundError('bad-frame', `mailbox envelope: ${why}`);

/**
 * Opens an envelope addressed to us (`secret`: our identity agreement secret). `senderKey` gives
 * the identity agreement public key of the contact with this PeerId, or undefined for a stranger.
 * Throws InboundError on anything that does not open: nothing of it is to be trusted.
 */
export function openEnvelope(
  p: Primitives,
  secret: Uint8Array,
  envelope: Uint8Array,
  senderKey: (peerId: string) => Uint8Array | undefined,
): OpenedEnvelope {
  const r = new Reader(envelope, 'mailbox envelope');
  let prefix: Uint8Array;
  let E: Uint8Array;
  let header: Uint8Array;
  try {
    if (r.u8() !== VERSION) throw bad('unknown version');
    E = r.take(KEY_BYTES);
    const n = r.u8();
    if (n <= TAG_BYTES || n > MAILBOX_PEER_ID_MAX_BYTES + TAG_BYTES) throw bad('bad header length');
    header = r.take(n);
    prefix = envelope.subarray(0, r.at);
  } catch (error) {
    throw error instanceof InboundError ? error : bad('truncated');
  }
  const R = p.x25519PublicKey(secret);
  let eR: Uint8Array;
  try {
    eR = p.x25519(secret, E);
  } catch {
    throw bad('bad ephemeral key');
  }
  const h = keys(p, eR, concat(E, R), HEADER_INFO);
  const who = p.aeadOpen(h.key, h.nonce, header, envelope.subarray(0, 1 + KEY_BYTES));
  if (!who) throw bad('not for us, or damaged');
  let senderPeerId: string;
  try {
    senderPeerId = utf8Text(who);
  } catch {
    throw bad('bad sender');
  }
  const S = senderKey(senderPeerId);
  if (!S) throw new InboundError('not-admitted', 'mailbox envelope from someone who is not a contact');
  const b = keys(p, concat(eR, p.x25519(secret, S)), concat(E, R, header), BODY_INFO);
  const plain = p.aeadOpen(b.key, b.nonce, r.rest(), prefix);
  if (!plain) throw bad('the body does not open (forged or damaged)');
  return { senderPeerId, frames: readFrames(plain) };
}

function readFrames(plain: Uint8Array): Uint8Array[] {
  try {
    const r = new Reader(plain, 'mailbox envelope body');
    const n = r.u16();
    if (n === 0 || n > ENVELOPE_MAX_FRAMES) throw bad('bad frame count');
    const frames = Array.from({ length: n }, () => {
      const len = r.u32();
      // a frame (≤ FRAME_MAX_BYTES) or an inline attachment chunk (a sealed file chunk and its header)
      if (len === 0 || len > FILE_FRAME_MAX_BYTES) throw bad('bad frame length');
      return r.take(len).slice();
    });
    for (const byte of r.rest()) if (byte !== 0) throw bad('bad padding');
    return frames;
  } catch (error) {
    throw error instanceof InboundError ? error : bad('truncated body');
  }
}
