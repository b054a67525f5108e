/**
 * Attachments in the app: what kind of preview a file gets, sizes and
 * durations as text, the daemon's /attachments/ID?contact=NAME URL, and uploading a file
 * to POST /upload (XHR, for upload progress).
 */
import type { AttachmentView, MessageView } from './types.ts';

export type AttachmentKind = 'image' | 'video' | 'voice' | 'audio' | 'file';

/** What the daemon serves inline (desktop-media.ts INLINE_TYPES); everything else is a file card. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const VIDEO_TYPES = new Set(['video/mp4', 'video/webm']);
const AUDIO_TYPES = new Set(['audio/ogg', 'audio/webm', 'audio/mpeg', 'audio/mp4', 'audio/wav']);

export function kindOf(a: Pick<AttachmentView, 'mime' | 'waveform' | 'durationMs'>): AttachmentKind {
  const mime = a.mime.split(';')[0]?.trim().toLowerCase() ?? '';
  if (IMAGE_TYPES.has(mime)) return 'image';
  if (VIDEO_TYPES.has(mime)) return 'video';
  if (AUDIO_TYPES.has(mime))
    return a.waveform !== undefined || a.durationMs !== undefined ? 'voice' : 'audio';
  return 'file';
}

/**
 * A message's attachment with the contact of its conversation: the daemon looks an attachment id
 * up only among that contact's files (another contact can name the same id).
 */
export interface MessageAttachment extends AttachmentView {
  readonly contact: string;
}

/** True once the decrypted file can be fetched from /attachments/ID. */
export const isReady = (a: AttachmentView): boolean => a.status === 'available' || a.status === 'done';

export const attachmentUrl = (a: Pick<MessageAttachment, 'id' | 'contact'>, download = false): string =>
  `/attachments/${encodeURIComponent(a.id)}?contact=${encodeURIComponent(a.contact)}${download ? '&download=1' : ''}`;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** 0:07, 1:23, 1:02:03. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A data: URL for a thumbnail; only JPEG/PNG/WebP/GIF signatures are shown. */
export function thumbnailUrl(thumbnail: string | undefined): string | undefined {
  if (!thumbnail) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(thumbnail);
  } catch {
    return undefined;
  }
  const type =
    bytes[0] === 0xff && bytes[1] === 0xd8
      ? 'image/jpeg'
      : bytes[0] === 0x89 && bytes[1] === 0x50
        ? 'image/png'
        : bytes[0] === 0x52 && bytes[8] === 0x57
          ? 'image/webp'
          : bytes[0] === 0x47 && bytes[1] === 0x49
            ? 'image/gif'
            : undefined;
  return type ? `data:${type};base64,${btoa(String.fromCharCode(...bytes))}` : undefined;
}

/** A line for lists, notifications and quotes: the caption, else what the attachment is. */
export function summary(m: Pick<MessageView, 'text' | 'attachment'>): string {
  const a = m.attachment;
  if (!a || m.text.trim()) return m.text;
  switch (kindOf(a)) {
    case 'image':
      return '📷 Photo';
    case 'video':
      return '🎬 Video';
    case 'voice':
      return `🎤 Voice message${a.durationMs ? ` (${formatClock(a.durationMs)})` : ''}`;
    default:
      return `📎 ${a.name}`;
  }
}

export interface UploadMeta {
  readonly contact: string;
  readonly name: string;
  readonly mime: string;
  readonly caption?: string;
  readonly durationMs?: number;
  readonly waveform?: Uint8Array;
  readonly thumbnail?: Blob;
}

export interface UploadHandle {
  readonly done: Promise<MessageView>;
  abort(): void;
}

/** POST /upload: the thumbnail's bytes (if any) then the file's; progress in bytes of the file. */
export function upload(file: Blob, meta: UploadMeta, onProgress: (sent: number) => void): UploadHandle {
  const q = new URLSearchParams({ contact: meta.contact, name: meta.name, mime: meta.mime });
  if (meta.caption) q.set('caption', meta.caption);
  if (meta.durationMs !== undefined) q.set('durationMs', String(Math.round(meta.durationMs)));
  if (meta.waveform?.length) q.set('waveform', toBase64Url(meta.waveform));
  const thumbBytes = meta.thumbnail?.size ?? 0;
  if (thumbBytes > 0) q.set('thumbnailBytes', String(thumbBytes));
  const xhr = new XMLHttpRequest();
  const done = new Promise<MessageView>((resolve, reject) => {
    xhr.open('POST', `/upload?${q}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => onProgress(Math.max(0, e.loaded - thumbBytes));
    xhr.onload = () => {
      const body = xhr.response as (MessageView & { error?: { message?: string } }) | null;
      if (xhr.status === 200 && body) resolve(body);
      else reject(new Error(body?.error?.message ?? `The daemon answered HTTP ${xhr.status}.`));
    };
    xhr.onerror = () => reject(new Error('The upload failed: is the daemon still running?'));
    xhr.onabort = () => reject(new Error('cancelled'));
    xhr.send(meta.thumbnail ? new Blob([meta.thumbnail, file]) : file);
  });
  return { done, abort: () => xhr.abort() };
}

/** "Voice message 2025-03-01 14.05.09.webm" */
export function voiceFileName(type: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}.${p(d.getMinutes())}.${p(d.getSeconds())}`;
  return `Voice message ${stamp}.${type.includes('ogg') ? 'ogg' : 'webm'}`;
}
