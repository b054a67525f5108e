/**
 * A popup menu (WAI-ARIA APG "Menu Button" pattern): role="menu" with
 * menuitems, the first focused on open; ↑/↓ move (wrapping), Home/End jump,
 * a letter jumps to the next item starting with it; Escape or Tab closes and
 * gives focus back to what had it; a click outside closes. It is drawn in
 * document.body at fixed coordinates: the message rows are transformed
 * (translateY), which would make position:fixed relative to the row.
 */
import { type KeyboardEvent, type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';

export interface MenuEntry {
  readonly id: string;
  readonly label: string;
  readonly icon?: ReactNode;
  readonly danger?: boolean;
  readonly onSelect: () => void;
}

/** Where the menu opens: under a point (right-click) or beside an element (the ⋯ button). */
export type MenuAnchor = { readonly x: number; readonly y: number } | { readonly element: HTMLElement };

/** The menu keeps this far from the window's edges. */
const EDGE_MARGIN_PX = 8;

export function place(anchor: MenuAnchor, width: number, height: number): { left: number; top: number } {
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  let left: number;
  let top: number;
  if ('element' in anchor) {
    const r = anchor.element.getBoundingClientRect();
    left = r.right - width;
    top = r.bottom + 4;
    if (top + height > vh - EDGE_MARGIN_PX) top = r.top - height - 4;
  } else {
    left = anchor.x;
    top = anchor.y;
    if (top + height > vh - EDGE_MARGIN_PX) top = anchor.y - height;
  }
  left = Math.min(Math.max(EDGE_MARGIN_PX, left), vw - width - EDGE_MARGIN_PX);
  top = Math.min(Math.max(EDGE_MARGIN_PX, top), vh - height - EDGE_MARGIN_PX);
  return { left, top };
}

export function Menu({
  label,
  entries,
  anchor,
  onClose,
}: {
  readonly label: string;
  readonly entries: readonly MenuEntry[];
  readonly anchor: MenuAnchor;
  /** `restore`: give focus back to what had it before the menu opened. */
  readonly onClose: (restore: boolean) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [position, setPosition] = useState<{ left: number; top: number } | null>(null);
  const close = useRef(onClose);
  close.current = onClose;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setPosition(place(anchor, el.offsetWidth, el.offsetHeight));
  }, [anchor]);

  useEffect(() => {
    // After this frame: a right-click's mousedown moves focus (to the message log) after its
    // contextmenu event, which opened this menu.
    const frame = requestAnimationFrame(() =>
      ref.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus(),
    );
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) close.current(false);
    };
    const onAway = () => close.current(false);
    document.addEventListener('mousedown', onDown);
    window.addEventListener('blur', onAway);
    window.addEventListener('resize', onAway);
    return () => {
      cancelAnimationFrame(frame);
      document.removeEventListener('mousedown', onDown);
      window.removeEventListener('blur', onAway);
      window.removeEventListener('resize', onAway);
    };
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const go = (i: number) => items[(i + items.length) % items.length]?.focus();
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(items.length - 1);
    else if (e.key === 'Escape') onClose(true);
    else if (e.key === 'Tab') onClose(true);
    else if (e.key.length === 1 && /\S/.test(e.key)) {
      const letter = e.key.toLowerCase();
      const next = [...items.slice(at + 1), ...items.slice(0, at + 1)].find((item) =>
        item.textContent?.trim().toLowerCase().startsWith(letter),
      );
      next?.focus();
    } else return;
    e.preventDefault();
    e.stopPropagation();
  };

  return createPortal(
    <div
      ref={ref}
      className="menu"
      role="menu"
      aria-label={label}
      tabIndex={-1}
      style={position ? { left: position.left, top: position.top } : { visibility: 'hidden' }}
      onKeyDown={onKeyDown}
      onBlur={(e) => {
        // Focus went elsewhere (a click is handled by mousedown, this is the keyboard or a script).
        if (e.relatedTarget && !e.currentTarget.contains(e.relatedTarget as Node)) onClose(false);
      }}
      onContextMenu={(e) => e.preventDefault()}
    >
      {entries.map((entry) => (
        <button
          key={entry.id}
          type="button"
          role="menuitem"
          tabIndex={-1}
          className={entry.danger ? 'menu-item danger' : 'menu-item'}
          onClick={() => {
            onClose(true);
            entry.onSelect();
          }}
        >
          <span className="menu-icon" aria-hidden="true">
            {entry.icon}
          </span>
          {entry.label}
        </button>
      ))}
    </div>,
    document.body,
  );
}
