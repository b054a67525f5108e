import type { CSSProperties } from 'react';
import { hueOf, initials } from './format.ts';

/**
 * Initials on a colour derived from the name, or on `colour` (a group member's, member-colours.ts);
 * a dot shows online/offline. Decorative: the name is always written beside it.
 */
export function Avatar({
  name,
  online,
  size = 40,
  colour,
}: {
  readonly name: string;
  readonly online?: boolean;
  readonly size?: number;
  readonly colour?: string;
}) {
  return (
    <span
      className={`avatar size-${size}${colour ? ' member' : ''}`}
      data-hue={hueOf(name) % 12}
      style={colour ? ({ '--avatar-colour': colour } as CSSProperties) : undefined}
      aria-hidden="true"
    >
      {initials(name)}
      {online !== undefined && <span className={`presence ${online ? 'on' : 'off'}`} />}
    </span>
  );
}
