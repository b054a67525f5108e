/** A QR code drawn as inline SVG rectangles (no image URL, no innerHTML). */
import qrcode from 'qrcode-generator';
import { useMemo } from 'react';

/** The light margin around the symbol, in modules (the standard asks for 4). */
const QUIET_ZONE = 4;
/** Smallest module a phone camera reads reliably off a screen, in CSS px. */
export const MIN_MODULE_PX = 4;

/**
 * Drawn at `size` px or larger, so that each module (quiet zone included) is
 * at least MIN_MODULE_PX CSS px and a whole number of px (crisp edges). Error
 * correction L keeps long links (invites) small enough to fit a 400 px window
 * at 4 px per module; a screen does not get dirty or torn.
 */
export function Qr({
  text,
  label,
  size = 200,
}: {
  readonly text: string;
  readonly label: string;
  readonly size?: number;
}) {
  const { path, modules } = useMemo(() => {
    const qr = qrcode(0, 'L');
    qr.addData(text, 'Byte');
    qr.make();
    const n = qr.getModuleCount();
    let d = '';
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + QUIET_ZONE} ${r + QUIET_ZONE}h1v1h-1z`;
    return { path: d, modules: n + QUIET_ZONE * 2 };
  }, [text]);
  const px = modules * Math.max(MIN_MODULE_PX, Math.ceil(size / modules));
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      width={px}
      height={px}
      data-modules={modules}
      viewBox={`0 0 ${modules} ${modules}`}
      shapeRendering="crispEdges"
    >
      <rect width={modules} height={modules} fill="#fff" />
      <path d={path} fill="#111" />
    </svg>
  );
}
