/** The left pane: who I am, connection status, search, the conversation list. */
import { useMemo, useState } from 'react';
import { Avatar } from './Avatar.tsx';
import type { SocketStatus } from './api.ts';
import { summary } from './attachments.ts';
import { formatListTime, preview } from './format.ts';
import { GearIcon, PlusIcon, SearchIcon } from './Icons.tsx';
import type { ConversationView, Identity } from './types.ts';

export function Sidebar({
  me,
  conversations,
  selected,
  socket,
  typing,
  onSelect,
  onAddContact,
  onSettings,
}: {
  readonly me: Identity | null;
  readonly conversations: readonly ConversationView[];
  readonly selected: string | null;
  readonly socket: SocketStatus;
  readonly typing: Readonly<Record<string, boolean>>;
  readonly onSelect: (contactId: string) => void;
  readonly onAddContact: () => void;
  readonly onSettings: () => void;
}) {
  const [query, setQuery] = useState('');
  const sorted = useMemo(() => {
    const q = query.trim().toLowerCase();
    return conversations
      .filter(
        (c) =>
          !q ||
          c.contact.name.toLowerCase().includes(q) ||
          (c.lastMessage?.text.toLowerCase().includes(q) ?? false),
      )
      .toSorted(
        (a, b) =>
          (b.lastMessage?.sentAt ?? 0) - (a.lastMessage?.sentAt ?? 0) ||
          a.contact.name.localeCompare(b.contact.name),
      );
  }, [conversations, query]);

  return (
    <nav className="sidebar" aria-label="Conversations">
      <header className="sidebar-header">
        <div className="me">
          <Avatar name={me?.name ?? '?'} size={32} />
          <span className="me-name">{me?.name ?? ''}</span>
        </div>
        <div className="header-actions">
          <button
            type="button"
            className="icon-button"
            aria-label="Add contact"
            title="Add contact"
            onClick={onAddContact}
          >
            <PlusIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Settings"
            title="Settings"
            onClick={onSettings}
          >
            <GearIcon />
          </button>
        </div>
      </header>
      <ConnectionStatus socket={socket} />
      <div className="search">
        <SearchIcon />
        <input
          type="search"
          aria-label="Search conversations"
          placeholder="Search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </div>
      <ul className="conversation-list" aria-label="Contacts">
        {sorted.map((c) => (
          <li key={c.contact.id}>
            <ConversationItem
              conversation={c}
              active={c.contact.id === selected}
              typing={typing[c.contact.name] === true}
              onSelect={onSelect}
            />
          </li>
        ))}
        {sorted.length === 0 && (
          <li className="list-empty muted">{query ? 'No matches.' : 'No contacts yet.'}</li>
        )}
      </ul>
    </nav>
  );
}

function ConnectionStatus({ socket }: { readonly socket: SocketStatus }) {
  const label =
    socket === 'up' ? 'Connected' : socket === 'connecting' ? 'Connecting…' : 'Disconnected: reconnecting…';
  return (
    <div className={`connection ${socket}`} role="status" aria-label={`Daemon connection: ${label}`}>
      <span className="dot" aria-hidden="true" />
      {label}
    </div>
  );
}

function ConversationItem({
  conversation: c,
  active,
  typing,
  onSelect,
}: {
  readonly conversation: ConversationView;
  readonly active: boolean;
  readonly typing: boolean;
  readonly onSelect: (contactId: string) => void;
}) {
  const last = c.lastMessage;
  const lastText = typing
    ? 'typing…'
    : last
      ? last.deleted
        ? 'This message was deleted'
        : `${last.direction === 'out' ? 'You: ' : ''}${preview(summary(last), 60)}`
      : c.contact.state === 'pending'
        ? 'Waiting for the contact to come online'
        : 'No messages yet';
  return (
    <button
      type="button"
      className={`conversation-item${active ? ' active' : ''}`}
      aria-label={c.contact.name}
      aria-current={active ? 'true' : undefined}
      aria-describedby={`conv-${c.contact.id}-desc`}
      onClick={() => onSelect(c.contact.id)}
    >
      <Avatar name={c.contact.name} online={c.contact.online} />
      <span className="conversation-body">
        <span className="conversation-top">
          <span className="conversation-name">{c.contact.name}</span>
          {last && <span className="conversation-time">{formatListTime(last.sentAt)}</span>}
        </span>
        <span className="conversation-bottom">
          <span id={`conv-${c.contact.id}-desc`} className={`conversation-last${typing ? ' typing' : ''}`}>
            {lastText}
            <span className="visually-hidden">
              {c.contact.online ? ', online' : ', offline'}
              {c.unread ? `, ${c.unread} unread` : ''}
            </span>
          </span>
          {c.unread > 0 && (
            <span className="unread" aria-hidden="true">
              {c.unread > 99 ? '99+' : c.unread}
            </span>
          )}
        </span>
      </span>
    </button>
  );
}
