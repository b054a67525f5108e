/**
 * core's frames: what core hands to the Transport as one frame
 * (docs/PROTOCOL.md "Messenger frames").
 *
 *   frame  = version u8 (= 1) || type u8 || payload
 *   type 1 MSG     payload = one Double Ratchet message (@parley/crypto)
 *   type 2 ACK     payload = count u8 (1..ACK_MAX_DIGESTS) || count × digest (16 bytes)
 *   type 3 REJECT  payload = digest (16 bytes) || reason u8
 *   type 4 GROUP   payload = groupId (16 bytes) || one sender-key message (docs/GROUPS.md)
 *   type 5 HELLO   payload = 0x00: "I just learned who you are (a group introduced us): resend what
 *                  I have not acknowledged" (frames sent before were refused by admission)
 *
 * A digest names a MSG or GROUP frame: the first 16 bytes of SHA-256 over the whole
 * frame. The receiver acks a digest only after the message and the new
 * ratchet state are committed (D5: a duplicate is acked again). ACK and
 * REJECT are not encrypted by the ratchet: they carry no content, and the
 * transport already authenticates and encrypts them (Noise) to the peer.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, fromHex, InboundError, toHex } from '../base/index.ts';

export const FRAME_VERSION = 1;
export const DIGEST_BYTES = 16;
export const ACK_MAX_DIGESTS = 64;
export const GROUP_ID_BYTES = 16;

export type RejectReason = 'undecryptable' | 'malformed';
const REJECT_REASONS: readonly RejectReason[] = ['undecryptable', 'malformed'];

export type Frame =
  | { readonly type: 'msg'; readonly message: Uint8Array }
  | { readonly type: 'group'; readonly groupId: string; readonly message: Uint8Array }
  | { readonly type: 'hello' }
  | { readonly type: 'ack'; readonly digests: readonly string[] }
  | { readonly type: 'reject'; readonly digest: string; readonly reason: RejectReason };

/**
 * Hex digest naming a frame (first 16 bytes of SHA-256). Pass the backend's
 * SHA-256 (`ctx.primitives.sha256`, native on Node) where one is at hand.
 */
export const frameDigest = (frame: Uint8Array, hash: (data: Uint8Array) => Uint8Array = sha256): string =>
  toHex(hash(frame).subarray(0, DIGEST_BYTES));

export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case 'msg':
      return concat(Uint8Array.of(FRAME_VERSION, 1), frame.message);
    case 'group':
      return concat(Uint8Array.of(FRAME_VERSION, 4), fromHex(frame.groupId), frame.message);
    case 'hello':
      return Uint8Array.of(FRAME_VERSION, 5, 0);
    case 'ack': {
      if (frame.digests.length === 0 || frame.digests.length > ACK_MAX_DIGESTS) {
        throw new RangeError(`an ACK carries 1..${ACK_MAX_DIGESTS} digests`);
      }
      return concat(Uint8Array.of(FRAME_VERSION, 2, frame.digests.length), ...frame.digests.map(fromHex));
    }
    case 'reject':
      return concat(
        Uint8Array.of(FRAME_VERSION, 3),
        fromHex(frame.digest),
        Uint8Array.of(REJECT_REASONS.indexOf(frame.reason)),
      );
  }
}

export function decodeFrame(bytes: Uint8Array): Frame {
  const bad = (why: string): InboundError => new InboundError('bad-frame', why);
  if (bytes.length < 3) throw bad('frame too short');
  if (bytes[0] !== FRAME_VERSION) throw bad(`unsupported frame version ${bytes[0]}`);
  const body = bytes.subarray(2);
  switch (bytes[1]) {
    case 1:
      return { type: 'msg', message: body.slice() };
    case 2: {
      const count = body[0] as number;
      if (count === 0 || count > ACK_MAX_DIGESTS || body.length !== 1 + count * DIGEST_BYTES)
        throw bad('malformed ACK');
      const digests: string[] = [];
      for (let i = 0; i < count; i++)
        digests.push(toHex(body.subarray(1 + i * DIGEST_BYTES, 1 + (i + 1) * DIGEST_BYTES)));
      return { type: 'ack', digests };
    }
    case 3: {
      const reason = REJECT_REASONS[body[DIGEST_BYTES] as number];
      if (body.length !== DIGEST_BYTES + 1 || reason === undefined) throw bad('malformed REJECT');
      return { type: 'reject', digest: toHex(body.subarray(0, DIGEST_BYTES)), reason };
    }
    case 5:
      if (body.length !== 1 || body[0] !== 0) throw bad('malformed HELLO');
      return { type: 'hello' };
    case 4:
      if (body.length <= GROUP_ID_BYTES) throw bad('malformed GROUP');
      return {
        type: 'group',
        groupId: toHex(body.subarray(0, GROUP_ID_BYTES)),
        message: body.slice(GROUP_ID_BYTES),
      };
    default:
      throw bad(`unknown frame type ${bytes[1]}`);
  }
}
