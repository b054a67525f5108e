/**
 * The desktop app's attachment routes (both behind the same checks as /rpc:
 * Host, Origin, then the session cookie or the token):
 *
 * - `POST /upload?contact=NAME&name=FILE&mime=TYPE[&caption=…][&durationMs=…]
 *   [&waveform=base64url][&thumbnailBytes=N]`: the body is N bytes of a JPEG
 *   thumbnail (optional) followed by the file. Content-Length is required and
 *   bounded by the attachment limit (413 before a byte is read). The body is
 *   streamed straight into core's chunked encryption — it is read in order,
 *   one chunk at a time, so memory stays bounded and the plaintext never
 *   touches the disk. Answers the MessageView.
 * - `GET|HEAD /attachments/ID?contact=NAME[&download=1]`: the decrypted file of
 *   the conversation with NAME (an id is never looked up across contacts: any
 *   contact can name any id in what it sends). Inline only
 *   for an allow-list of image/video/audio types, else a download as
 *   application/octet-stream; always nosniff and a sandboxing CSP, so an SVG
 *   or HTML file can never run, and Cross-Origin-Resource-Policy: same-origin,
 *   so no other page (another port on 127.0.0.1 included) can embed it.
 *   Single `Range` requests are served (the file is decrypted from its start;
 *   bytes before the range are skipped).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ATTACHMENT_MAX_BYTES_DEFAULT, CoreError, type Messenger, sanitizeFileName } from '@parley/core';

/** Types served inline (shown by <img>, <video>, <audio>); anything else is a download. */
export const INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'video/mp4',
  'video/webm',
  'audio/ogg',
  'audio/webm',
  'audio/mpeg',
  'audio/mp4',
  'audio/wav',
]);
/** core's limits on what travels inside the message (app-message.ts). */
export const THUMBNAIL_MAX_BYTES = 24 * 1024;
export const WAVEFORM_MAX_SAMPLES = 256;
const DURATION_MAX_MS = 24 * 3_600_000;
const ID = /^[0-9a-f]{32}$/;
const MIME = /^[\w.+-]{1,63}\/[\w.+-]{1,63}$/;

export type Reply = (status: number, body: string, headers?: Record<string, string>) => void;

export interface MediaContext {
  readonly messenger: Messenger;
  readonly reply: Reply;
}

const json = { 'content-type': 'application/json; charset=utf-8' };
const fail = (reply: Reply, status: number, code: string, message: string, close = false): void =>
  reply(status, `${JSON.stringify({ error: { code, message } })}\n`, {
    ...json,
    ...(close ? { connection: 'close' } : {}),
  });

/** A media type core accepts (no parameters, lower case), else application/octet-stream. */
export function normalizeMime(raw: string | null): string {
  const base = (raw ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return MIME.test(base) ? base : 'application/octet-stream';
}

/** RFC 5987 `filename*` value of a sanitized name. */
export function dispositionName(name: string): string {
  const encoded = encodeURIComponent(sanitizeFileName(name)).replace(
    /['()*]/g,
    (c) => `%${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}`,
  );
  return `UTF-8''${encoded}`;
}

const STATUS_OF: Readonly<Record<string, number>> = {
  'bad-input': 400,
  'unknown-contact': 404,
  'unknown-message': 404,
  'message-too-large': 413,
  'not-allowed': 409,
  'identity-changed': 409,
};

function failWith(reply: Reply, error: unknown): void {
  if (error instanceof CoreError) fail(reply, STATUS_OF[error.code] ?? 400, error.code, error.message, true);
  else fail(reply, 500, 'internal', 'the upload failed', true);
}

interface UploadRequest {
  readonly contact: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly thumbnailBytes: number;
  readonly extras: { caption?: string; durationMs?: number; waveform?: Uint8Array };
}

/** Validates the query and Content-Length; a string is what is wrong with them. */
export function parseUpload(url: URL, contentLength: string | undefined): UploadRequest | string {
  const q = url.searchParams;
  const contact = q.get('contact');
  const name = q.get('name');
  if (!contact || !name) return '"contact" and "name" are required';
  if (contentLength === undefined || !/^\d{1,12}$/.test(contentLength)) return 'Content-Length is required';
  const total = Number(contentLength);
  const thumbnailBytes = Number(q.get('thumbnailBytes') ?? '0');
  if (!Number.isInteger(thumbnailBytes) || thumbnailBytes < 0 || thumbnailBytes > THUMBNAIL_MAX_BYTES)
    return `"thumbnailBytes" must be 0…${THUMBNAIL_MAX_BYTES}`;
  if (thumbnailBytes > total) return 'the body is shorter than its thumbnail';
  const extras: UploadRequest['extras'] = {};
  const caption = q.get('caption');
  if (caption) extras.caption = caption;
  const duration = q.get('durationMs');
  if (duration !== null) {
    const ms = Number(duration);
    if (!Number.isInteger(ms) || ms < 0 || ms > DURATION_MAX_MS) return '"durationMs" is out of range';
    extras.durationMs = ms;
  }
  const waveform = q.get('waveform');
  if (waveform !== null) {
    if (!/^[A-Za-z0-9_-]*$/.test(waveform)) return '"waveform" must be base64url';
    const bytes = new Uint8Array(Buffer.from(waveform, 'base64url'));
    if (bytes.length > WAVEFORM_MAX_SAMPLES)
      return `"waveform" has more than ${WAVEFORM_MAX_SAMPLES} samples`;
    if (bytes.length > 0) extras.waveform = bytes;
  }
  return {
    contact,
    name,
    mime: normalizeMime(q.get('mime')),
    size: total - thumbnailBytes,
    thumbnailBytes,
    extras,
  };
}

/** Reads a request body in order: `take(n)` resolves with the next n bytes (fewer at its end). */
export function bodyReader(req: IncomingMessage): (n: number) => Promise<Uint8Array> {
  const source = req[Symbol.asyncIterator]();
  let pending: Buffer[] = [];
  let have = 0;
  let ended = false;
  return async (n) => {
    while (have < n && !ended) {
      const next = await source.next();
      if (next.done) ended = true;
      else {
        pending.push(next.value as Buffer);
        have += (next.value as Buffer).length;
      }
    }
    const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    const out = new Uint8Array(all.subarray(0, Math.min(n, all.length)));
    const rest = all.subarray(out.length);
    pending = rest.length > 0 ? [rest] : [];
    have = rest.length;
    return out;
  };
}

export async function handleUpload(req: IncomingMessage, url: URL, ctx: MediaContext): Promise<void> {
  const { reply, messenger } = ctx;
  if (req.method !== 'POST') return reply(405, 'method not allowed\n', { allow: 'POST' });
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > ATTACHMENT_MAX_BYTES_DEFAULT + THUMBNAIL_MAX_BYTES)
    return fail(reply, 413, 'message-too-large', `files up to ${ATTACHMENT_MAX_BYTES_DEFAULT} bytes`, true);
  const parsed = parseUpload(url, length);
  if (typeof parsed === 'string')
    return fail(reply, length === undefined ? 411 : 400, 'bad-input', parsed, true);
  const take = bodyReader(req);
  let position = 0;
  try {
    const thumbnail = parsed.thumbnailBytes > 0 ? await take(parsed.thumbnailBytes) : undefined;
    const view = await messenger.sendFile(
      parsed.contact,
      {
        name: parsed.name,
        mime: parsed.mime,
        size: parsed.size,
        read: async (offset, n) => {
          if (offset !== position) throw new CoreError('bad-input', 'uploads are read in order');
          const bytes = await take(n);
          position += bytes.length;
          return bytes;
        },
      },
      { ...parsed.extras, ...(thumbnail?.length ? { thumbnail } : {}) },
    );
    reply(200, `${JSON.stringify(view)}\n`, json);
  } catch (error) {
    failWith(reply, error);
  }
}

/** A single byte range of a `size`-byte file; null for the whole file; 'bad' if unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'bad' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start >= size || start > end ? 'bad' : { start, end };
}

export function attachmentHeaders(name: string, mime: string, download: boolean): Record<string, string> {
  const inline = INLINE_TYPES.has(normalizeMime(mime)) && !download;
  return {
    'content-type': inline ? normalizeMime(mime) : 'application/octet-stream',
    'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=${dispositionName(name)}`,
    'content-security-policy': "default-src 'none'; sandbox",
    'x-content-type-options': 'nosniff',
    // No other origin may embed it (<img>, <video>, no-cors fetch), not even another local port.
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
    'accept-ranges': 'bytes',
  };
}

const STOP = Symbol('stop');

export async function handleAttachment(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: MediaContext,
): Promise<void> {
  const { reply, messenger } = ctx;
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return reply(405, 'method not allowed\n', { allow: 'GET, HEAD' });
  const id = url.pathname.slice('/attachments/'.length);
  const contact = url.searchParams.get('contact');
  if (!ID.test(id) || !contact) return fail(reply, 404, 'unknown-message', 'no such attachment');
  const file = { contact, id };
  let info: ReturnType<Messenger['attachment']>;
  try {
    info = messenger.attachment(contact, id);
  } catch {
    return fail(reply, 404, 'unknown-message', 'no such attachment');
  }
  const ready = info.direction === 'out' ? info.state === 'available' : info.state === 'done';
  if (!ready) return fail(reply, 409, 'not-allowed', 'this attachment has not been downloaded yet');
  const headers = attachmentHeaders(info.name, info.mime, url.searchParams.get('download') === '1');
  const range = parseRange(req.headers.range, info.size);
  if (range === 'bad')
    return reply(416, 'range not satisfiable\n', { 'content-range': `bytes */${info.size}` });
  const { start, end } = range ?? { start: 0, end: info.size - 1 };
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'content-length': String(Math.max(0, end - start + 1)),
    ...(range ? { 'content-range': `bytes ${start}-${end}/${info.size}` } : {}),
  });
  if (req.method === 'HEAD' || info.size === 0) return void res.end();
  await streamRange(res, messenger, file, start, end);
}

async function streamRange(
  res: ServerResponse,
  messenger: Messenger,
  file: { readonly contact: string; readonly id: string },
  start: number,
  end: number,
) {
  let position = 0;
  try {
    await messenger.saveAttachment(file.contact, file.id, async (bytes) => {
      const from = position;
      position += bytes.length;
      if (position > start) {
        const slice = bytes.subarray(Math.max(0, start - from), Math.min(bytes.length, end + 1 - from));
        if (slice.length > 0 && !res.write(slice)) await drained(res);
      }
      if (position > end || res.destroyed) throw STOP;
    });
    res.end();
  } catch (error) {
    if (error === STOP && !res.destroyed) res.end();
    else res.destroy();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
