import { hueOf, initials } from './format.ts';

/** Initials on a colour derived from the name; a dot shows online/offline. */
export function Avatar({
  name,
  online,
  size = 40,
}: {
  readonly name: string;
  readonly online?: boolean;
  readonly size?: number;
}) {
  return (
    <span className={`avatar size-${size}`} data-hue={hueOf(name) % 12} aria-hidden="true">
      {initials(name)}
      {online !== undefined && <span className={`presence ${online ? 'on' : 'off'}`} />}
    </span>
  );
}
