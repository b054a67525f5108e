/**
 * Made in the browser before a file is sent: a small JPEG thumbnail for
 * photos and videos (≤ 320 px, ≤ 24 KiB, carried inside the message so the
 * other side sees something at once), and a voice message's duration and
 * waveform (≤ 128 samples, 0..255).
 */

/** core refuses larger thumbnails. */
export const THUMBNAIL_MAX_BYTES = 24 * 1024;
const THUMBNAIL_SIDES = [320, 240, 160] as const;
const THUMBNAIL_QUALITIES = [0.7, 0.5] as const;
export const WAVEFORM_SAMPLES = 64;

function canvasBlob(canvas: HTMLCanvasElement, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

/** Draws `source` (w × h) scaled down; returns the first JPEG small enough. */
async function encodeThumbnail(source: CanvasImageSource, w: number, h: number): Promise<Blob | undefined> {
  if (!w || !h) return undefined;
  const canvas = document.createElement('canvas');
  for (const side of THUMBNAIL_SIDES) {
    const scale = Math.min(1, side / Math.max(w, h));
    canvas.width = Math.max(1, Math.round(w * scale));
    canvas.height = Math.max(1, Math.round(h * scale));
    const g = canvas.getContext('2d');
    if (!g) return undefined;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(source, 0, 0, canvas.width, canvas.height);
    for (const q of THUMBNAIL_QUALITIES) {
      const blob = await canvasBlob(canvas, q);
      if (blob && blob.size <= THUMBNAIL_MAX_BYTES) return blob;
    }
  }
  return undefined;
}

async function imageThumbnail(file: Blob): Promise<Blob | undefined> {
  const bitmap = await createImageBitmap(file);
  try {
    return await encodeThumbnail(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** A video's first frame (at 0.1 s), from a blob: URL. */
async function videoThumbnail(file: Blob): Promise<Blob | undefined> {
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  try {
    await new Promise<void>((resolve, reject) => {
      video.onloadeddata = () => resolve();
      video.onerror = () => reject(new Error('no frame'));
      video.src = url;
    });
    await new Promise<void>((resolve) => {
      video.onseeked = () => resolve();
      video.currentTime = Math.min(0.1, video.duration || 0);
    });
    return await encodeThumbnail(video, video.videoWidth, video.videoHeight);
  } finally {
    video.removeAttribute('src');
    URL.revokeObjectURL(url);
  }
}

/** A thumbnail for a photo or video, or undefined (other files, or anything fails). */
export async function makeThumbnail(file: Blob): Promise<Blob | undefined> {
  try {
    if (/^image\/(jpeg|png|gif|webp)$/.test(file.type)) return await imageThumbnail(file);
    if (/^video\/(mp4|webm)$/.test(file.type))
      return await Promise.race([videoThumbnail(file), new Promise<undefined>((r) => setTimeout(r, 3000))]);
  } catch {
    // No thumbnail: the other side shows a placeholder until the file arrives.
  }
  return undefined;
}

/** Peak levels of `samples` in `buckets` groups, scaled so the loudest is 255. */
export function peaks(samples: Float32Array, buckets = WAVEFORM_SAMPLES): Uint8Array {
  const out = new Uint8Array(buckets);
  if (samples.length === 0) return out;
  const raw = new Float32Array(buckets);
  const per = samples.length / buckets;
  for (let b = 0; b < buckets; b++) {
    let peak = 0;
    const end = Math.min(samples.length, Math.floor((b + 1) * per));
    for (let i = Math.floor(b * per); i < end; i++) peak = Math.max(peak, Math.abs(samples[i] as number));
    raw[b] = peak;
  }
  const max = Math.max(...raw, 1e-6);
  for (let b = 0; b < buckets; b++) out[b] = Math.round(((raw[b] as number) / max) * 255);
  return out;
}

/** Decodes a recording: its exact duration and a waveform. */
export async function analyzeAudio(blob: Blob): Promise<{ durationMs: number; waveform: Uint8Array }> {
  const context = new AudioContext();
  try {
    const buffer = await context.decodeAudioData(await blob.arrayBuffer());
    return { durationMs: Math.round(buffer.duration * 1000), waveform: peaks(buffer.getChannelData(0)) };
  } finally {
    void context.close();
  }
}

/** Recording formats in order of preference (Opus in WebM, else in Ogg). */
export const RECORDING_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/ogg'];

export function recordingType(): string | undefined {
  if (typeof MediaRecorder === 'undefined') return undefined;
  return RECORDING_TYPES.find((t) => MediaRecorder.isTypeSupported(t));
}
