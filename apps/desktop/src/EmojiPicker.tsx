/**
 * A small emoji picker over the composer (bundled set; Escape closes): a search field (by name
 * and keywords, emoji-names.ts), the emoji picked last ("Recent", emoji-recent.ts), then the groups.
 * The search field has the focus when it opens: type to filter, Enter picks the first match, ↓ goes
 * to the emoji.
 */
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { EMOJI_GROUPS } from './emoji.ts';
import { EMOJI_NAMES } from './emoji-names.ts';
import { noteRecentEmoji, recentEmoji } from './emoji-recent.ts';

const ALL: readonly string[] = EMOJI_GROUPS.flatMap((g) => g.emoji);

/** The emoji whose name or keywords have a word starting with each word of `query`. */
export function searchEmoji(query: string): string[] {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return ALL.filter((e) => {
    const words = (EMOJI_NAMES[e] ?? '').split(/[\s-]+/);
    return terms.every((t) => words.some((w) => w.startsWith(t)));
  });
}

function Section({ name, children }: { readonly name: string; readonly children: ReactNode }) {
  return (
    <section aria-label={name}>
      <h3>{name}</h3>
      <div className="emoji-grid">{children}</div>
    </section>
  );
}

export function EmojiPicker({
  onPick,
  onClose,
}: {
  readonly onPick: (emoji: string) => void;
  readonly onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [recent] = useState(recentEmoji);
  // The parent passes a new onClose on every render: the listener reads the latest one through a
  // ref, so the effect (and its focus) runs only when the picker opens, not after each keystroke.
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    search.current?.focus();
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) close.current();
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, []);
  const pick = (e: string) => {
    noteRecentEmoji(e);
    onPick(e);
  };
  const button = (e: string) => (
    <button
      key={e}
      type="button"
      className="emoji-button"
      aria-label={e}
      title={EMOJI_NAMES[e]}
      onClick={() => pick(e)}
    >
      {e}
    </button>
  );
  const results = query.trim() ? searchEmoji(query) : null;
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
      <input
        ref={search}
        type="search"
        className="emoji-search"
        aria-label="Search emoji"
        placeholder="Search emoji"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          const first = results?.[0];
          if (e.key === 'Enter' && first) {
            e.preventDefault();
            pick(first);
          } else if (e.key === 'ArrowDown') {
            e.preventDefault();
            ref.current?.querySelector<HTMLButtonElement>('.emoji-button')?.focus();
          }
        }}
      />
      {results ? (
        results.length > 0 ? (
          <Section name="Results">{results.map(button)}</Section>
        ) : (
          <p className="emoji-none" role="status">
            No emoji found
          </p>
        )
      ) : (
        <>
          {recent.length > 0 && <Section name="Recent">{recent.map(button)}</Section>}
          {EMOJI_GROUPS.map((g) => (
            <Section key={g.name} name={g.name}>
              {g.emoji.map(button)}
            </Section>
          ))}
        </>
      )}
    </div>
  );
}
