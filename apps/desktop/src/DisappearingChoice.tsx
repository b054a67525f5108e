/**
 * The conversation header's disappearing-messages choice. In a narrow window it is compact (a
 * timer icon and "Off", "1 hour"…) so the contact's name keeps its room; its name for assistive
 * technology is "Disappearing messages" either way.
 */
import { DISAPPEARING_CHOICES, formatDuration } from './format.ts';
import { TimerIcon } from './Icons.tsx';
import { useNarrowWindow } from './narrow-window.ts';

const wide = (label: string, off: boolean): string =>
  off ? 'Disappearing: off' : `Disappear after ${label}`;

export function DisappearingChoice({
  ms,
  onChoose,
}: {
  /** The conversation's timer; null: off. */
  readonly ms: number | null;
  /** Called with the option's value: "off", or milliseconds. */
  readonly onChoose: (value: string) => void;
}) {
  const narrow = useNarrowWindow();
  const text = (label: string, off: boolean) => (narrow ? label : wide(label, off));
  return (
    <label className={`disappearing${narrow ? ' compact' : ''}`} title="Disappearing messages">
      <span className="visually-hidden">Disappearing messages</span>
      {narrow && <TimerIcon />}
      <select value={ms === null ? 'off' : String(ms)} onChange={(e) => onChoose(e.target.value)}>
        {DISAPPEARING_CHOICES.map((c) => (
          <option key={c.label} value={c.ms === null ? 'off' : String(c.ms)}>
            {text(c.label, c.ms === null)}
          </option>
        ))}
        {ms !== null && !DISAPPEARING_CHOICES.some((c) => c.ms === ms) && (
          <option value={String(ms)}>{text(formatDuration(ms), false)}</option>
        )}
      </select>
    </label>
  );
}
