/**
 * The left pane's items: contacts' conversations (conversations.list), groups
 * (groups.list) and channels (channels.list), merged on the client.
 */
import type { ChannelView, ConversationView, GroupView, MessageView } from './types.ts';

interface ChatBase {
  /** Stable across renames: `contact:<id>`, `group:<id>`, `channel:<id>`. */
  readonly key: string;
  readonly name: string;
  readonly last: MessageView | null;
  /** Unread messages; 1 when none but the user marked the chat unread. */
  readonly unread: number;
  /** Unread only because the user marked it so ("Mark as unread"): the list shows a dot. */
  readonly marked: boolean;
}

export type ChatItem =
  | (ChatBase & { readonly kind: 'contact'; readonly conversation: ConversationView })
  | (ChatBase & { readonly kind: 'group'; readonly group: GroupView })
  | (ChatBase & { readonly kind: 'channel'; readonly channel: ChannelView });

/** Latest message and unread count of a group or channel, by name. */
export interface Tail {
  readonly last: MessageView | null;
  readonly unread: number;
  /** A channel's: the sortKeys of its latest posts from others (unread: those past its seen mark). */
  readonly incoming?: readonly number[];
}

export const contactKey = (id: string): string => `contact:${id}`;
export const groupKey = (id: string): string => `group:${id}`;
export const channelKey = (id: string): string => `channel:${id}`;

export function toChatItems(
  conversations: readonly ConversationView[],
  groups: readonly GroupView[],
  channels: readonly ChannelView[],
  tails: ReadonlyMap<string, Tail>,
  /** Each channel's seen mark (channel-seen.ts), by chat key. */
  seen: ReadonlyMap<string, number> = new Map(),
): ChatItem[] {
  const none: Tail = { last: null, unread: 0 };
  return [
    ...conversations.map((c): ChatItem => {
      const marked = c.markedUnread && c.unread === 0;
      return {
        kind: 'contact',
        key: contactKey(c.contact.id),
        name: c.contact.name,
        last: c.lastMessage,
        unread: marked ? 1 : c.unread,
        marked,
        // (what the open chat is told: a marked chat is marked read when opened)
        conversation: marked ? { ...c, unread: 1 } : c,
      };
    }),
    ...groups.map((g): ChatItem => {
      const tail = tails.get(g.name) ?? none;
      const marked = g.markedUnread && tail.unread === 0;
      return {
        kind: 'group',
        key: groupKey(g.id),
        name: g.name,
        group: g,
        ...tail,
        unread: marked ? 1 : tail.unread,
        marked,
      };
    }),
    ...channels.map((ch): ChatItem => {
      const key = channelKey(ch.id);
      const tail = tails.get(ch.name) ?? none;
      const mark = seen.get(key);
      const unread = mark === undefined ? 0 : (tail.incoming ?? []).filter((k) => k > mark).length;
      return { kind: 'channel', key, name: ch.name, channel: ch, ...tail, unread, marked: false };
    }),
  ];
}

/** Newest activity first, then by name. */
export function sortChats(items: readonly ChatItem[], query: string): ChatItem[] {
  const q = query.trim().toLowerCase();
  return items
    .filter(
      (c) => !q || c.name.toLowerCase().includes(q) || (c.last?.text.toLowerCase().includes(q) ?? false),
    )
    .toSorted(
      (a, b) =>
        (b.last?.sentAt ?? (b.kind === 'channel' ? b.channel.createdAt : 0)) -
          (a.last?.sentAt ?? (a.kind === 'channel' ? a.channel.createdAt : 0)) ||
        a.name.localeCompare(b.name),
    );
}

/** What the list shows under a chat's name. */
export function subtitle(c: ChatItem): string {
  if (c.kind === 'group') {
    if (c.group.status === 'invited')
      return `Invitation from ${c.group.invitedBy ?? 'a contact'} · ${c.group.members.length} members`;
    if (c.group.status === 'left') return 'You left this group';
    if (c.group.status === 'removed') return 'You were removed from this group';
    return `Group · ${c.group.members.length} members`;
  }
  if (c.kind === 'channel') return c.channel.status === 'requested' ? 'Waiting for approval' : 'Channel';
  return c.conversation.contact.state === 'pending'
    ? 'Waiting for the contact to come online'
    : 'No messages yet';
}
