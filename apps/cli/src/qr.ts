/**
 * QR codes in the terminal: two modules per character with half blocks, dark
 * modules drawn in black on an explicit white background (plus a quiet zone),
 * so the code reads the same on dark and light terminal themes.
 */
import qrcode from 'qrcode-generator';

const QUIET_ZONE = 2;

export function qrMatrix(text: string): boolean[][] {
  const qr = qrcode(0, 'L');
  qr.addData(text, 'Byte');
  qr.make();
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
