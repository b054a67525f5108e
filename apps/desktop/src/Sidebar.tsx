/** The left pane: who I am, connection status, search, the conversation list (contacts, groups, channels). */
import {
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  type ReactNode,
  useMemo,
  useRef,
  useState,
} from 'react';
import { Avatar } from './Avatar.tsx';
import type { SocketStatus } from './api.ts';
import { summary } from './attachments.ts';
import { type ChatItem, sortChats, subtitle } from './chats.ts';
import { useDrafts } from './drafts.ts';
import { formatListTime, hueOf, preview } from './format.ts';
import { useGroupPicture } from './GroupPicture.tsx';
import { ChannelIcon, GearIcon, GroupIcon, LinkIcon, PlusIcon } from './Icons.tsx';
import { MutedMark } from './MuteButton.tsx';
import { Menu, type MenuAnchor, type MenuEntry } from './message-menu/index.ts';
import { useMuted } from './muted.ts';
import { hitKey, SearchBox, type SearchHit, SearchResults, useMessageSearch } from './search/index.ts';
import type { GroupView, Identity, Reachability } from './types.ts';

export interface SidebarActions {
  readonly onSelect: (key: string) => void;
  readonly onAddContact: () => void;
  readonly onNewGroup: () => void;
  readonly onNewChannel: () => void;
  readonly onFollowChannel: () => void;
  readonly onSettings: () => void;
  /** A message search result was chosen: open its conversation at the message. */
  readonly onOpenHit: (hit: SearchHit) => void;
  /** "Mark as unread" (`unread`) or "Mark as read" from a chat's menu. */
  readonly onMarkUnread: (chat: ChatItem, unread: boolean) => void;
}

function HeaderButton({
  label,
  onClick,
  children,
}: {
  readonly label: string;
  readonly onClick: () => void;
  readonly children: ReactNode;
}) {
  return (
    <button type="button" className="icon-button" aria-label={label} title={label} onClick={onClick}>
      {children}
    </button>
  );
}

export function Sidebar({
  me,
  chats,
  selected,
  socket,
  outbox,
  reachability = null,
  typing,
  banner = null,
  actions,
}: {
  readonly me: Identity | null;
  readonly chats: readonly ChatItem[];
  readonly selected: string | null;
  readonly socket: SocketStatus;
  /** Frames waiting in the daemon's outbox. */
  readonly outbox: number;
  /** How others reach this device; null until the daemon said. */
  readonly reachability?: Reachability | null;
  readonly typing: Readonly<Record<string, boolean>>;
  /** A notice under the connection status (a linked device's history progress). */
  readonly banner?: ReactNode;
  readonly actions: SidebarActions;
}) {
  const [query, setQuery] = useState('');
  const sorted = useMemo(() => sortChats(chats, query), [chats, query]);
  const drafts = useDrafts();
  const muted = useMuted();
  const search = useMessageSearch(query);
  const [openHit, setOpenHit] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const results = useRef<HTMLDivElement>(null);
  const clear = () => {
    setQuery('');
    setOpenHit(null);
  };
  const roving = useRovingList(sorted, selected);
  const [menu, setMenu] = useState<{ readonly chat: ChatItem; readonly anchor: MenuAnchor } | null>(null);
  const item = (c: ChatItem, inList = false) => (
    <ConversationItem
      chat={c}
      active={c.key === selected}
      tabStop={!inList || c.key === roving.stop}
      typing={typing[c.name] === true}
      draft={drafts.get(c.key) ?? ''}
      muted={muted.has(c.key)}
      menuOpen={menu?.chat.key === c.key}
      onSelect={actions.onSelect}
      onMenu={chatEntries(c, actions).length > 0 ? (anchor) => setMenu({ chat: c, anchor }) : undefined}
    />
  );

  return (
    <nav className="sidebar" aria-label="Conversations">
      <header className="sidebar-header">
        <div className="me">
          <Avatar name={me?.name ?? '?'} size={32} />
          <span className="me-name">{me?.name ?? ''}</span>
        </div>
        <div className="header-actions">
          <HeaderButton label="Add contact" onClick={actions.onAddContact}>
            <PlusIcon />
          </HeaderButton>
          <HeaderButton label="New group" onClick={actions.onNewGroup}>
            <GroupIcon />
          </HeaderButton>
          <HeaderButton label="New channel" onClick={actions.onNewChannel}>
            <ChannelIcon />
          </HeaderButton>
          <HeaderButton label="Follow a channel" onClick={actions.onFollowChannel}>
            <LinkIcon />
          </HeaderButton>
          <HeaderButton label="Settings" onClick={actions.onSettings}>
            <GearIcon />
          </HeaderButton>
        </div>
      </header>
      <ConnectionStatus socket={socket} outbox={outbox} />
      <ReachabilityStatus reachability={reachability} />
      {banner}
      <SearchBox
        value={query}
        inputRef={input}
        onChange={setQuery}
        onClear={clear}
        onDown={() => results.current?.querySelector<HTMLElement>('.search-list button, .load-more')?.focus()}
      />
      {search.query ? (
        <div ref={results} className="search-pane">
          <SearchResults
            search={search}
            chats={chats}
            matchingChats={sorted.filter((c) => c.name.toLowerCase().includes(search.query.toLowerCase()))}
            renderChat={item}
            renderAvatar={(chat, name) => (chat ? <RoomAvatar chat={chat} /> : <Avatar name={name} />)}
            openHit={openHit}
            onOpen={(hit) => {
              setOpenHit(hitKey(hit));
              actions.onOpenHit(hit);
            }}
            onTop={() => input.current?.focus()}
            onEscape={() => {
              clear();
              input.current?.focus();
            }}
          />
        </div>
      ) : (
        <ul
          className="conversation-list"
          aria-label="Contacts"
          onKeyDown={roving.onKeyDown}
          onFocus={roving.onFocus}
        >
          {sorted.map((c) => (
            <li key={c.key}>{item(c, true)}</li>
          ))}
          {sorted.length === 0 && <li className="list-empty muted">No contacts yet.</li>}
        </ul>
      )}
      {menu && (
        <Menu
          label={`Actions for ${menu.chat.name}`}
          entries={chatEntries(menu.chat, actions)}
          anchor={menu.anchor}
          onClose={(restore) => {
            const { chat, anchor } = menu;
            setMenu(null);
            if (restore && 'element' in anchor) anchor.element.focus();
            else if (restore)
              document
                .querySelector<HTMLElement>(`.conversation-item[data-key="${CSS.escape(chat.key)}"]`)
                ?.focus();
          }}
        />
      )}
    </nav>
  );
}

/** A chat's menu: mark it unread, or read (channels have none: their unread state is this window's). */
function chatEntries(c: ChatItem, actions: SidebarActions): MenuEntry[] {
  if (c.kind === 'channel' || (c.kind === 'group' && c.group.status === 'invited')) return [];
  return c.unread > 0
    ? [{ id: 'read', label: 'Mark as read', onSelect: () => actions.onMarkUnread(c, false) }]
    : [{ id: 'unread', label: 'Mark as unread', onSelect: () => actions.onMarkUnread(c, true) }];
}

/**
 * Roving focus over the chat list (WAI-ARIA APG): one Tab stop, the chat last focused (else the
 * open one, else the first); ↑/↓ move, Home/End go to the ends.
 */
function useRovingList(chats: readonly ChatItem[], selected: string | null) {
  const [focused, setFocused] = useState<string | null>(null);
  const has = (key: string | null) => key !== null && chats.some((c) => c.key === key);
  const stop = has(focused) ? focused : has(selected) ? selected : (chats[0]?.key ?? null);
  const keyOf = (el: Element | null) => (el instanceof HTMLElement ? (el.dataset.key ?? null) : null);
  const onFocus = (e: FocusEvent<HTMLUListElement>) => setFocused(keyOf(e.target));
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const at = chats.findIndex((c) => c.key === keyOf(e.target as Element));
    const last = chats.length - 1;
    const to =
      e.key === 'ArrowDown'
        ? Math.min(last, at + 1)
        : e.key === 'ArrowUp'
          ? Math.max(0, at - 1)
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : null;
    if (to === null || at < 0) return;
    e.preventDefault();
    const key = chats[to]?.key;
    if (!key) return;
    setFocused(key);
    e.currentTarget.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
  };
  return { stop, onFocus, onKeyDown };
}

function ConnectionStatus({ socket, outbox }: { readonly socket: SocketStatus; readonly outbox: number }) {
  const label =
    socket === 'up' ? 'Connected' : socket === 'connecting' ? 'Connecting…' : 'Disconnected: reconnecting…';
  return (
    <div className={`connection ${socket}`} role="status" aria-label={`Daemon connection: ${label}`}>
      <span className="dot" aria-hidden="true" />
      {label}
      {outbox > 0 && (
        <span
          className="outbox-size"
          role="status"
          title="Messages and receipts not delivered yet: they go out when the people they are for come online"
        >
          {`${outbox} waiting to send`}
        </span>
      )}
    </div>
  );
}

/** Whether contacts can reach this device, and if not, why (shown only when it matters). */
function ReachabilityStatus({ reachability: r }: { readonly reachability: Reachability | null }) {
  if (r === null || r.public === true) return null;
  if (r.relays.length > 0)
    return (
      <p className="reachability relayed" role="status">
        {`Behind NAT: reachable through ${r.relays.length} relay${r.relays.length > 1 ? 's' : ''}`}
      </p>
    );
  if (r.public === false)
    return (
      <p className="reachability unreachable" role="alert">
        Unreachable: this device is behind NAT and holds no relay reservation, so contacts cannot reach it.
        Check the network, or start the daemon with --relay or --bootstrap.
      </p>
    );
  return null;
}

/** A group or channel: its picture (groups), else its icon on the name's colour. */
export function RoomAvatar({ chat, size = 40 }: { readonly chat: ChatItem; readonly size?: number }) {
  if (chat.kind === 'contact')
    return <Avatar name={chat.name} online={chat.conversation.contact.online} size={size} />;
  if (chat.kind === 'group' && chat.group.picture) return <GroupAvatar group={chat.group} size={size} />;
  return (
    <span className={`avatar room size-${size}`} data-hue={hueOf(chat.name) % 12} aria-hidden="true">
      {chat.kind === 'group' ? <GroupIcon size={size / 2} /> : <ChannelIcon size={size / 2} />}
    </span>
  );
}

/** A group's picture in the avatar circle (its icon until the picture has loaded). */
export function GroupAvatar({ group, size = 40 }: { readonly group: GroupView; readonly size?: number }) {
  const url = useGroupPicture(group);
  return (
    <span className={`avatar room size-${size}`} data-hue={hueOf(group.name) % 12} aria-hidden="true">
      {url ? <img className="avatar-picture" src={url} alt="" /> : <GroupIcon size={size / 2} />}
    </span>
  );
}

function lastLine(c: ChatItem, typing: boolean, draft: string): string {
  const last = c.last;
  if (typing) return 'typing…';
  if (draft) return `Draft: ${preview(draft, 60)}`;
  if (!last) return subtitle(c);
  if (last.deleted) return 'This message was deleted';
  const who = last.direction === 'out' ? 'You: ' : c.kind === 'group' ? `${last.from}: ` : '';
  return `${who}${preview(summary(last), 60)}`;
}

function hiddenState(c: ChatItem): string {
  if (c.kind === 'group') return ', group';
  if (c.kind === 'channel') return ', channel';
  return c.conversation.contact.online ? ', online' : ', offline';
}

function ConversationItem({
  chat: c,
  active,
  tabStop,
  typing,
  draft,
  muted,
  menuOpen,
  onSelect,
  onMenu,
}: {
  readonly chat: ChatItem;
  readonly active: boolean;
  /** The list's one Tab stop (roving focus); the others are reached with the arrows. */
  readonly tabStop: boolean;
  readonly typing: boolean;
  /** Its notifications are muted (muted.ts). */
  readonly muted: boolean;
  /** Unsent text in this conversation's composer, or ''. */
  readonly draft: string;
  /** Its menu is open. */
  readonly menuOpen: boolean;
  readonly onSelect: (key: string) => void;
  /** Opens its menu (right-click, Shift+F10 or the context-menu key); without: it has none. */
  readonly onMenu?: ((anchor: MenuAnchor) => void) | undefined;
}) {
  const last = c.last;
  const descId = `conv-${c.key.replace(':', '-')}-desc`;
  const onContextMenu = (e: MouseEvent<HTMLButtonElement>) => {
    if (!onMenu) return;
    e.preventDefault();
    const keyboard = e.clientX === 0 && e.clientY === 0;
    onMenu(keyboard ? { element: e.currentTarget } : { x: e.clientX, y: e.clientY });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (!onMenu || !((e.shiftKey && e.key === 'F10') || e.key === 'ContextMenu')) return;
    e.preventDefault(); // (no contextmenu event follows)
    onMenu({ element: e.currentTarget });
  };
  return (
    <button
      type="button"
      className={`conversation-item${active ? ' active' : ''}`}
      data-key={c.key}
      tabIndex={tabStop ? 0 : -1}
      aria-current={active ? 'true' : undefined}
      aria-describedby={descId}
      aria-haspopup={onMenu ? 'menu' : undefined}
      aria-expanded={onMenu ? menuOpen : undefined}
      aria-keyshortcuts={onMenu ? 'Shift+F10' : undefined}
      onClick={() => onSelect(c.key)}
      onContextMenu={onContextMenu}
      onKeyDown={onKeyDown}
    >
      <RoomAvatar chat={c} />
      <span className="conversation-body">
        <span className="conversation-top">
          <span className="conversation-name">{c.name}</span>
          {muted && (
            <span aria-hidden="true">
              <MutedMark />
            </span>
          )}
          {last && (
            <span className="conversation-time" aria-hidden="true">
              {formatListTime(last.sentAt)}
            </span>
          )}
        </span>
        {/*
          The button's name is the chat's, from its content (WCAG 2.5.3: the visible label is the name);
          the rest is hidden from the name and read as its description.
        */}
        <span className="conversation-bottom" aria-hidden="true">
          <span id={descId} className={`conversation-last${typing ? ' typing' : draft ? ' draft' : ''}`}>
            {lastLine(c, typing, draft)}
            <span className="visually-hidden">
              {hiddenState(c)}
              {muted ? ', muted' : ''}
              {c.marked ? ', marked unread' : c.unread ? `, ${c.unread} unread` : ''}
              {last ? `, ${formatListTime(last.sentAt)}` : ''}
            </span>
          </span>
          {c.marked ? (
            <span className="unread marked" aria-hidden="true" />
          ) : (
            c.unread > 0 && (
              <span className="unread" aria-hidden="true">
                {c.unread > 99 ? '99+' : c.unread}
              </span>
            )
          )}
        </span>
      </span>
    </button>
  );
}
