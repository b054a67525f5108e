/** The conversation header's bell: mutes or unmutes this chat's notifications (muted.ts). */
import { BellIcon, BellOffIcon } from './Icons.tsx';
import { setMuted, useMuted } from './muted.ts';

export function MuteButton({ chatKey }: { readonly chatKey: string }) {
  const on = useMuted().has(chatKey);
  return (
    <button
      type="button"
      className={`icon-button${on ? ' is-muted' : ''}`}
      aria-label="Mute notifications"
      title={on ? 'Notifications muted: click to unmute' : 'Mute notifications'}
      aria-pressed={on}
      onClick={() => setMuted(chatKey, !on)}
    >
      {on ? <BellOffIcon size={20} /> : <BellIcon size={20} />}
    </button>
  );
}

/** Beside a muted chat's name (list and header). */
export function MutedMark() {
  return (
    <span className="muted-mark" role="img" aria-label="Muted" title="Notifications muted">
      <BellOffIcon size={14} />
    </span>
  );
}
