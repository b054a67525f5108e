/**
 * A group's picture (docs/GROUPS.md "Picture"): a small image an admin sets,
 * sent as a `picture` group control through the pairwise sessions and
 * accepted by every member only from an admin of its current view.
 *
 *   picture  {v:1, type:'picture', id, epoch, at, picture: {type, data} | null}
 *
 * The image type is not trusted from anyone: it is derived from the bytes'
 * signature (PNG, JPEG, WebP, GIF) and must match.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { CoreError, toHex } from '../base/index.ts';

/** Largest picture: it must fit one control payload (48 KiB) once base64-encoded. */
export const GROUP_PICTURE_MAX_BYTES: number = 32 * 1024;

export type GroupPictureType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

export interface GroupPicture {
  readonly type: GroupPictureType;
  readonly data: Uint8Array;
}

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0): boolean =>
  b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** The image type the bytes' signature says, or undefined when it is none we accept. */
export function sniffPicture(data: Uint8Array): GroupPictureType | undefined {
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(data, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(data, ascii('RIFF')) && startsWith(data, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(data, ascii('GIF87a')) || startsWith(data, ascii('GIF89a'))) return 'image/gif';
  return undefined;
}

/** Why these bytes are not a valid group picture, or undefined when they are (type included). */
export function pictureProblem(p: { readonly type: string; readonly data: Uint8Array }): string | undefined {
  if (p.data.length === 0) return 'the picture is empty';
  if (p.data.length > GROUP_PICTURE_MAX_BYTES)
    return `the picture is ${p.data.length} bytes; at most ${GROUP_PICTURE_MAX_BYTES} (${GROUP_PICTURE_MAX_BYTES / 1024} KiB) — use a smaller image (e.g. 256×256 JPEG)`;
  const sniffed = sniffPicture(p.data);
  if (!sniffed) return 'the picture must be a PNG, JPEG, WebP or GIF image';
  if (sniffed !== p.type) return `the picture's bytes are ${sniffed}, not ${p.type}`;
  return undefined;
}

/** A picture from bytes a user chose: the type from the bytes; a clear CoreError otherwise. */
export function pictureFromBytes(data: Uint8Array): GroupPicture {
  const type = sniffPicture(data) ?? 'image/png';
  const problem = pictureProblem({ type, data });
  if (problem) throw new CoreError('bad-input', problem);
  return { type, data };
}

/** A short stable id of a picture's bytes (for caches: it changes when the picture does). */
export const pictureId = (data: Uint8Array): string => toHex(sha256(data).subarray(0, 8));
