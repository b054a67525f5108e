/**
 * The sidebar's search field, a `search` landmark: Ctrl+F (Cmd+F on a Mac)
 * focuses it from anywhere, Escape clears it (back to the chat list), the
 * Down arrow moves into the results.
 */
import { type RefObject, useEffect } from 'react';
import { SearchIcon } from '../Icons.tsx';

export function SearchBox({
  value,
  inputRef,
  onChange,
  onClear,
  onDown,
}: {
  readonly value: string;
  readonly inputRef: RefObject<HTMLInputElement | null>;
  readonly onChange: (value: string) => void;
  readonly onClear: () => void;
  /** The Down arrow: focus the first result. */
  readonly onDown: () => void;
}) {
  useFindShortcut(inputRef);
  return (
    <search className="search" aria-label="Messages and chats">
      <SearchIcon />
      <input
        ref={inputRef}
        type="search"
        aria-label="Search"
        placeholder="Search"
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            // The browser clears a search field on Escape too; this also leaves the results.
            e.preventDefault();
            onClear();
          } else if (e.key === 'ArrowDown' || (e.key === 'Enter' && value.trim())) {
            e.preventDefault();
            onDown();
          }
        }}
      />
    </search>
  );
}

/** Ctrl+F / Cmd+F focuses (and selects) the search field instead of the browser's find bar. */
function useFindShortcut(inputRef: RefObject<HTMLInputElement | null>): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== 'f' || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      const input = inputRef.current;
      if (!input) return;
      e.preventDefault();
      input.focus();
      input.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [inputRef]);
}
