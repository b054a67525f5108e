/** Small media files made in code for the browser tests and the screenshot: PNG pictures and WAV audio. */
import { crc32, deflateSync } from 'node:zlib';

/** An RGB PNG; `pixel(x, y)` gives [r, g, b] (0..255). */
export function png(
  width: number,
  height: number,
  pixel: (x: number, y: number) => readonly number[],
): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const stride = width * 3 + 1;
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      rows.set(
        pixel(x, y).map((v) => Math.max(0, Math.min(255, Math.round(v)))),
        y * stride + 1 + x * 3,
      );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A gradient test card. */
export const gradientPng = (width: number, height: number): Buffer =>
  png(width, height, (x, y) => [(x * 255) / width, (y * 255) / height, 160]);

/** A mountain lake at sunset, drawn with a few sines. */
export function landscapePng(width: number, height: number): Buffer {
  const horizon = height * 0.62;
  const ridge = (x: number, f: number, a: number, base: number) =>
    base - a * (0.6 * Math.sin(x * f) + 0.4 * Math.sin(x * f * 2.3 + 1.7));
  return png(width, height, (x, y) => {
    const sun = Math.hypot(x - width * 0.68, y - horizon * 0.62);
    if (y < horizon) {
      const far = ridge(x / width, 7, height * 0.08, horizon - height * 0.1);
      const near = ridge(x / width, 4, height * 0.1, horizon);
      if (y > near) return [38, 52, 70];
      if (y > far) return [78, 84, 118];
      if (sun < height * 0.09) return [255, 226, 150];
      const t = y / horizon;
      return [250 - 60 * (1 - t) + 20 * t, 150 + 40 * t, 120 + 80 * (1 - t)];
    }
    const wave = Math.sin(y * 0.9 + Math.sin(x * 0.05) * 2) * 10;
    const glow = Math.max(0, 1 - Math.abs(x - width * 0.68) / (width * 0.08)) * 90;
    return [70 + glow + wave, 90 + glow * 0.7 + wave, 130 + wave];
  });
}

/** 16-bit mono WAV of `seconds` of speech-like tone bursts; with its waveform (peaks, 0..255). */
export function voiceWav(
  seconds: number,
  rate = 16_000,
): { wav: Buffer; waveform: Uint8Array; durationMs: number } {
  const n = Math.round(seconds * rate);
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    // Syllables (~4 a second) under a slower phrase contour, with a pause now and then.
    const syllable = 0.35 + 0.65 * Math.abs(Math.sin(t * Math.PI * 3.7 + Math.sin(t * 1.3)));
    const phrase = 0.45 + 0.55 * Math.abs(Math.sin(t * 0.9 + 0.4));
    const pause = Math.sin(t * 1.7) > 0.93 ? 0.08 : 1;
    const envelope = syllable * phrase * pause;
    samples[i] = envelope * (0.6 * Math.sin(2 * Math.PI * 180 * t) + 0.3 * Math.sin(2 * Math.PI * 360 * t));
  }
  const wav = Buffer.alloc(44 + n * 2);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + n * 2, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) wav.writeInt16LE(Math.round((samples[i] as number) * 32_000), 44 + i * 2);
  const buckets = 64;
  const waveform = new Uint8Array(buckets);
  for (let b = 0; b < buckets; b++) {
    let peak = 0;
    for (let i = Math.floor((b * n) / buckets); i < Math.floor(((b + 1) * n) / buckets); i++)
      peak = Math.max(peak, Math.abs(samples[i] as number));
    waveform[b] = Math.round(Math.min(1, peak / 0.9) * 255);
  }
  return { wav, waveform, durationMs: Math.round(seconds * 1000) };
}
