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
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [onClose]);
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
