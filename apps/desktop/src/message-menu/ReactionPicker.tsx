/**
 * The full emoji picker for reacting to a message, floating beside it (in
 * document.body, like the menu). Picking our current reaction again removes it.
 */
import { useLayoutEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { EmojiPicker } from '../EmojiPicker.tsx';
import { type MenuAnchor, place } from './Menu.tsx';

export function ReactionPicker({
  anchor,
  mine,
  onPick,
  onClose,
}: {
  readonly anchor: MenuAnchor;
  /** Our current reaction, if any. */
  readonly mine: string | undefined;
  readonly onPick: (emoji: string) => void;
  readonly onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [position, setPosition] = useState<{ left: number; top: number } | null>(null);
  useLayoutEffect(() => {
    const el = ref.current?.firstElementChild as HTMLElement | null;
    if (el) setPosition(place(anchor, el.offsetWidth, el.offsetHeight));
  }, [anchor]);
  return createPortal(
    <div
      ref={ref}
      className="reaction-popover"
      style={position ? { left: position.left, top: position.top } : { visibility: 'hidden' }}
    >
      <EmojiPicker onPick={(e) => onPick(e === mine ? '' : e)} onClose={onClose} />
    </div>,
    document.body,
  );
}
