/** Ctrl+K: type part of a chat's name, ↑/↓ to choose, Enter to open (a combobox over the chats). */
import { useId, useMemo, useState } from 'react';
import { type ChatItem, sortChats } from '../chats.ts';
import { Dialog } from '../Dialog.tsx';
import { RoomAvatar } from '../Sidebar.tsx';

/** Matches shown at most. */
const JUMP_MAX_RESULTS = 8;

export function JumpToChat({
  chats,
  onClose,
  onChoose,
}: {
  readonly chats: readonly ChatItem[];
  readonly onClose: () => void;
  readonly onChoose: (key: string) => void;
}) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const id = useId();
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    const all = sortChats(chats, '');
    // Names that start with the query first, then names that contain it.
    const starts = all.filter((c) => c.name.toLowerCase().startsWith(q));
    const contains = all.filter((c) => !starts.includes(c) && c.name.toLowerCase().includes(q));
    return [...starts, ...contains].slice(0, JUMP_MAX_RESULTS);
  }, [chats, query]);
  const current = Math.min(active, Math.max(0, matches.length - 1));
  const chosen = matches[current];

  return (
    <Dialog title="Jump to a chat" onClose={onClose}>
      <input
        className="jump-input"
        role="combobox"
        aria-label="Chat name"
        aria-expanded={matches.length > 0}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={chosen ? `${id}-${current}` : undefined}
        autoComplete="off"
        spellCheck={false}
        placeholder="Type a name"
        value={query}
        data-autofocus
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            const step = e.key === 'ArrowDown' ? 1 : -1;
            setActive((current + step + matches.length) % Math.max(1, matches.length));
          } else if (e.key === 'Enter' && chosen) {
            e.preventDefault();
            onChoose(chosen.key);
          }
        }}
      />
      <div id={`${id}-list`} role="listbox" aria-label="Chats" className="jump-list">
        {matches.map((c, i) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox's input handles the keys
          <div
            key={c.key}
            tabIndex={-1}
            id={`${id}-${i}`}
            role="option"
            aria-selected={i === current}
            className={i === current ? 'active' : undefined}
            onClick={() => onChoose(c.key)}
          >
            <RoomAvatar chat={c} size={32} />
            <span className="jump-name">{c.name}</span>
          </div>
        ))}
      </div>
      {matches.length === 0 && <p className="muted">No chat is called that.</p>}
    </Dialog>
  );
}
