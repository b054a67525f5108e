/**
 * QR codes in the terminal: two modules per character with half blocks, dark
 * modules drawn in black on an explicit white background (plus a quiet zone),
 * so the code reads the same on dark and light terminal themes.
 */
import qrcode from 'qrcode-generator';
import { CliError } from './cli-error.ts';

const QUIET_ZONE = 2;
/**
 * Error correction M (15 %) while the symbol stays at version 20 (97 modules, a suite-1 invite's
 * size); a longer text (a suite-2 invite, ~2,300 bytes) uses L (7 %), the smaller symbol: version
 * 36 instead of 40. A terminal screen is neither dirty nor torn, so L reads as well there.
 */
const QR_M_MAX_MODULES = 97;
/** Most bytes a QR code holds (version 40, level L, byte mode). */
export const QR_MAX_BYTES = 2953;

type QrSymbol = ReturnType<typeof qrcode>;

function encode(text: string, level: 'L' | 'M'): QrSymbol | undefined {
  const qr = qrcode(0, level);
  qr.addData(text, 'Byte');
  try {
    qr.make();
  } catch {
    return undefined; // longer than version 40 holds at this level
  }
  return qr;
}

/** The smallest readable symbol for `text`: M if small enough, else L (see QR_M_MAX_MODULES). */
export function qrSymbol(text: string): QrSymbol {
  const m = encode(text, 'M');
  if (m && m.getModuleCount() <= QR_M_MAX_MODULES) return m;
  const l = encode(text, 'L');
  if (l) return l;
  const bytes = new TextEncoder().encode(text).length;
  throw new CliError(
    'qr-too-long',
    `this link is ${bytes} bytes, more than a QR code holds (${QR_MAX_BYTES}); share the link as text instead`,
  );
}

export function qrMatrix(text: string): boolean[][] {
  const qr = qrSymbol(text);
  const n = qr.getModuleCount();
  const size = n + QUIET_ZONE * 2;
  return Array.from({ length: size }, (_, y) =>
    Array.from({ length: size }, (_, x) => {
      const r = y - QUIET_ZONE;
      const c = x - QUIET_ZONE;
      return r >= 0 && c >= 0 && r < n && c < n && qr.isDark(r, c);
    }),
  );
}

export function renderQr(text: string, colors = true): string {
  const m = qrMatrix(text);
  const lines: string[] = [];
  for (let y = 0; y < m.length; y += 2) {
    let line = '';
    for (let x = 0; x < (m[y]?.length ?? 0); x++) {
      const top = m[y]?.[x] ?? false;
      const bottom = m[y + 1]?.[x] ?? false;
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    // Black "ink" on white paper, whatever the terminal's own colours.
    lines.push(colors ? `\x1b[30;47m${line}\x1b[0m` : line);
  }
  return `${lines.join('\n')}\n`;
}
