#!/usr/bin/env node
/**
 * Parley Desktop's PNG icons for the web app manifest (issue 20): some install surfaces take
 * only raster icons, so apps/desktop/public gets icon-192.png, icon-512.png and
 * icon-maskable-512.png, drawn from the same shape as favicon.svg and icon-maskable.svg (a blue
 * rounded square, a white speech bubble) by a tiny rasteriser and PNG encoder: no dependencies,
 * no network. The PNGs are committed; test/desktop/icons.test.ts checks they are what this
 * script makes, so run it again after changing the SVGs' shape.
 *
 * Usage: node scripts/make-icons.mjs [out-dir]   (default: apps/desktop/public)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

const BLUE = [0x2f, 0x6f, 0xe4];
const WHITE = [0xff, 0xff, 0xff];
/** Samples per pixel side (antialiasing). */
const SUPER = 4;

/** Whether (x, y), in the SVGs' 32×32 units, is inside a rectangle with rounded corners. */
function inRoundedRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** Inside the triangle a, b, c (either winding). */
function inTriangle(x, y, [ax, ay], [bx, by], [cx, cy]) {
  const d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by);
  const d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy);
  const d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}

/** The bubble of the SVGs' path: a rounded rectangle and its tail, in 32×32 units. */
const inBubble = (x, y) =>
  inRoundedRect(x, y, 6, 9, 26, 22, 3) || inTriangle(x, y, [16, 22], [11, 26], [11, 22]);

/**
 * One icon as RGBA: `maskable` fills the square (the platform cuts its own shape) and shrinks the
 * bubble into the safe zone, as icon-maskable.svg does (translate 3.2, scale 0.8).
 */
export function drawIcon(size, maskable) {
  const rgba = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < SUPER; sy++)
        for (let sx = 0; sx < SUPER; sx++) {
          const x = ((px + (sx + 0.5) / SUPER) * 32) / size;
          const y = ((py + (sy + 0.5) / SUPER) * 32) / size;
          if (!maskable && !inRoundedRect(x, y, 0, 0, 32, 32, 8)) continue;
          bg++;
          const [bx, by] = maskable ? [(x - 3.2) / 0.8, (y - 3.2) / 0.8] : [x, y];
          if (inBubble(bx, by)) fg++;
        }
      const n = SUPER * SUPER;
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++)
        rgba[i + c] = bg === 0 ? 0 : Math.round((BLUE[c] * (bg - fg) + WHITE[c] * fg) / bg);
      rgba[i + 3] = Math.round((255 * bg) / n);
    }
  return rgba;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG of 8-bit RGBA pixels (no filtering: each row's filter byte 0). */
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, no interlace
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++)
    raw.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The icons this script writes, by file name. */
export const ICONS = {
  'icon-192.png': () => encodePng(192, drawIcon(192, false)),
  'icon-512.png': () => encodePng(512, drawIcon(512, false)),
  'icon-maskable-512.png': () => encodePng(512, drawIcon(512, true)),
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? join(import.meta.dirname, '..', 'apps', 'desktop', 'public');
  for (const [name, make] of Object.entries(ICONS)) writeFileSync(join(out, name), make());
  console.log(`icons written to ${out}`);
}
