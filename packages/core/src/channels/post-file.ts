/**
 * The content of a post that carries a file (post format 2, docs/PROTOCOL.md §5 "Posts with a
 * file"): the file's manifest, the PeerId of the device that serves its chunks, and the caption.
 * Signed with the post; in a private channel sealed with it under the epoch's content key, so the
 * file key is readable exactly by whoever can read the post.
 */
import { CoreError, fromHex, Reader, toHex, utf8, utf8Text, Writer } from '../base/index.ts';
import { type FileManifest, validateBody } from '../wire/index.ts';

/** A file in a post: its manifest, and the device that serves it on `/parley/file` (`source`). */
export interface PostFile extends FileManifest {
  /** The posting device's PeerId. */
  readonly source: string;
}

/** What a readable post says: its text (a file's caption, maybe empty) and its file, if any. */
export interface PostContent {
  readonly text: string;
  readonly file?: PostFile;
}

/** Longest `source` PeerId, bytes (a base58 Ed25519 PeerId is 52). */
export const POST_SOURCE_MAX_BYTES = 128;
/** Longest media type and file key in a file post, bytes. */
const MIME_MAX_BYTES = 127;
const KEY_MAX_BYTES = 64;
const NAME_MAX_BYTES = 255;
const THUMBNAIL_MAX_BYTES: number = 24 * 1024;
const WAVEFORM_MAX_BYTES = 256;
const CAPTION_MAX_BYTES: number = 32 * 1024;
/** Content type byte: a file (the only one format 2 defines). */
const CONTENT_FILE = 1;

/**
 * content = type u8 (= 1) ‖ short(source) ‖ fileId (16) ‖ size u64 ‖ sha256 (32) ‖ short(key)
 *         ‖ short(mime) ‖ short(name) ‖ durationMs u32 (0: none) ‖ short(thumbnail) ‖ short(waveform)
 *         ‖ caption (UTF-8, the rest, 0..32 768 B)
 */
export function encodePostFile(file: PostFile, caption: string): Uint8Array {
  checkFile(file, caption);
  return new Writer()
    .u8(CONTENT_FILE)
    .short(utf8(file.source))
    .bytes(fromHex(file.id))
    .u64(file.size)
    .bytes(fromHex(file.sha256))
    .short(file.key)
    .short(utf8(file.mime))
    .short(utf8(file.name))
    .u32(file.durationMs ?? 0)
    .short(file.thumbnail ?? new Uint8Array(0))
    .short(file.waveform ?? new Uint8Array(0))
    .bytes(utf8(caption))
    .done();
}

/** Parses format 2 content; throws `bad-input` on anything malformed (the post is then unreadable). */
export function decodePostFile(bytes: Uint8Array): PostContent {
  const r = new Reader(bytes, 'channel post file');
  if (r.u8() !== CONTENT_FILE) throw new CoreError('bad-input', 'unknown post content type');
  const source = utf8Text(r.short(POST_SOURCE_MAX_BYTES));
  const id = toHex(r.take(16));
  const size = r.u64();
  const sha256 = toHex(r.take(32));
  const key = r.short(KEY_MAX_BYTES).slice();
  const mime = utf8Text(r.short(MIME_MAX_BYTES));
  const name = utf8Text(r.short(NAME_MAX_BYTES));
  const durationMs = r.u32();
  const thumbnail = r.short(THUMBNAIL_MAX_BYTES).slice();
  const waveform = r.short(WAVEFORM_MAX_BYTES).slice();
  const caption = utf8Text(r.rest());
  const file: PostFile = {
    source,
    id,
    name,
    mime,
    size,
    sha256,
    key,
    ...(durationMs > 0 ? { durationMs } : {}),
    ...(thumbnail.length > 0 ? { thumbnail } : {}),
    ...(waveform.length > 0 ? { waveform } : {}),
  };
  checkFile(file, caption);
  return { text: caption, file };
}

/** The same checks as a 1:1 manifest (wire/app-message.ts), plus the source and caption bounds. */
function checkFile(file: PostFile, caption: string): void {
  if (file.source.length === 0 || utf8(file.source).length > POST_SOURCE_MAX_BYTES)
    throw new CoreError('bad-input', 'bad file source');
  if (utf8(caption).length > CAPTION_MAX_BYTES) throw new CoreError('message-too-large', 'caption too long');
  try {
    const { source: _, ...manifest } = file;
    validateBody({ kind: 'attachment', ...manifest });
  } catch (error) {
    throw new CoreError('bad-input', `bad file in post: ${(error as Error).message}`);
  }
}
