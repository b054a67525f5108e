/** A small emoji picker over the composer (bundled set; Escape closes). */
import { useEffect, useRef } from 'react';
import { EMOJI_GROUPS } from './emoji.ts';

export function EmojiPicker({
  onPick,
  onClose,
}: {
  readonly onPick: (emoji: string) => void;
  readonly onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // The parent passes a new onClose on every render: the listener reads the latest one through a
  // ref, so the effect (and its focus) runs only when the picker opens, not after each keystroke.
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) close.current();
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, []);
  return (
    <div
      ref={ref}
      className="emoji-picker"
      role="dialog"
      aria-label="Emoji"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      {EMOJI_GROUPS.map((g) => (
        <section key={g.name} aria-label={g.name}>
          <h3>{g.name}</h3>
          <div className="emoji-grid">
            {g.emoji.map((e) => (
              <button key={e} type="button" className="emoji-button" aria-label={e} onClick={() => onPick(e)}>
                {e}
              </button>
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}
