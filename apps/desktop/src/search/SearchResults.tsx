/**
 * What the sidebar shows while a query is entered, in place of the chat list:
 * the chats whose name matches, then the messages found (`messages.search`),
 * each with its chat, sender, date and a snippet whose matched terms are in
 * <mark>. All text is rendered as React text nodes. Arrow keys move between
 * results, Enter opens one, Escape leaves the search.
 */
import type { KeyboardEvent, ReactNode } from 'react';
import type { ChatItem } from '../chats.ts';
import { formatListTime } from '../format.ts';
import { chatOf, hitKey, runsOf, type SearchHit } from './hits.ts';
import type { MessageSearch } from './use-message-search.ts';

const yearDayFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** As the chat list ("14:05" today, "Mar 3"), with the year when not this year. */
function hitDate(ms: number, now = Date.now()): string {
  return new Date(ms).getFullYear() === new Date(now).getFullYear()
    ? formatListTime(ms, now)
    : yearDayFormat.format(ms);
}

/** The results' focusable items, in order (arrow-key navigation). */
const ITEMS = '.search-list button, button.load-more';

export interface SearchResultsProps {
  readonly search: MessageSearch;
  readonly chats: readonly ChatItem[];
  /** Chats whose name matches the query. */
  readonly matchingChats: readonly ChatItem[];
  readonly renderChat: (chat: ChatItem) => ReactNode;
  readonly renderAvatar: (chat: ChatItem | null, name: string) => ReactNode;
  /** The hit last opened (hitKey), shown as current. */
  readonly openHit: string | null;
  readonly onOpen: (hit: SearchHit) => void;
  /** Arrow up from the first result. */
  readonly onTop: () => void;
  readonly onEscape: () => void;
}

export function SearchResults(props: SearchResultsProps) {
  const { search, matchingChats, renderChat, onTop, onEscape } = props;
  const done = !search.searching;
  const empty = done && !search.error && search.hits.length === 0;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onEscape();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const items = Array.from(e.currentTarget.querySelectorAll<HTMLElement>(ITEMS));
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (at < 0) return;
    e.preventDefault();
    if (e.key === 'ArrowUp' && at === 0) onTop();
    else items[e.key === 'ArrowDown' ? Math.min(at + 1, items.length - 1) : at - 1]?.focus();
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: arrow keys for the buttons inside
    <div className="search-results" aria-busy={search.searching} onKeyDown={onKeyDown}>
      <p className="visually-hidden" role="status">
        {announcement(search)}
      </p>
      {matchingChats.length > 0 && (
        <>
          <h3 className="search-heading">Chats</h3>
          <ul className="conversation-list search-list" aria-label="Chats">
            {matchingChats.map((c) => (
              <li key={c.key}>{renderChat(c)}</li>
            ))}
          </ul>
        </>
      )}
      <h3 className="search-heading">Messages</h3>
      {search.hits.length > 0 && (
        <ul className="conversation-list search-list" aria-label="Search results">
          {search.hits.map((h) => (
            <li key={hitKey(h)}>
              <HitItem hit={h} {...props} />
            </li>
          ))}
        </ul>
      )}
      {search.searching && search.hits.length === 0 && <p className="list-empty muted">Searching…</p>}
      {empty && <p className="list-empty muted">{`No messages found for “${search.query}”`}</p>}
      {search.error && (
        <p className="list-empty form-error" role="alert">
          {search.error}
        </p>
      )}
      {search.hasMore && done && (
        <button
          type="button"
          className="link-button load-more"
          disabled={search.loadingMore}
          onClick={search.loadMore}
        >
          {search.loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}

function announcement(s: MessageSearch): string {
  if (s.searching) return 'Searching…';
  if (s.error) return '';
  if (s.hits.length === 0) return `No messages found for “${s.query}”`;
  const n = s.hits.length;
  return `${n}${s.hasMore ? ' or more' : ''} message${n === 1 ? '' : 's'} found`;
}

function HitItem({
  hit,
  chats,
  renderAvatar,
  openHit,
  onOpen,
}: SearchResultsProps & { readonly hit: SearchHit }) {
  const m = hit.message;
  const key = hitKey(hit);
  const sender = m.direction === 'out' ? 'You' : m.from;
  const current = openHit === key;
  return (
    <button
      type="button"
      className={`conversation-item search-item search-hit${current ? ' active' : ''}`}
      aria-current={current ? 'true' : undefined}
      onClick={() => onOpen(hit)}
    >
      {renderAvatar(chatOf(hit, chats), hit.conversation)}
      <span className="conversation-body">
        <span className="conversation-top">
          <span className="conversation-name">{hit.conversation}</span>
          <time className="conversation-time" dateTime={new Date(m.sentAt).toISOString()}>
            {hitDate(m.sentAt)}
          </time>
        </span>
        <span className="search-snippet">
          <span className="search-sender">{`${sender}: `}</span>
          {runsOf(hit.snippet, hit.highlights).map((r, i) =>
            // biome-ignore lint/suspicious/noArrayIndexKey: runs are positional and never reorder
            r.marked ? <mark key={i}>{r.text}</mark> : <span key={i}>{r.text}</span>,
          )}
        </span>
      </span>
    </button>
  );
}
