/**
 * The conversation list, kept fresh from events: contacts' conversations
 * from conversations.list, plus groups and channels (with their latest
 * message and, for groups, the unread count) merged on the client.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { call, type EventStream } from './api.ts';
import { markSeen, seenUpTo, useChannelSeen } from './channel-seen.ts';
import { type ChatItem, channelKey, contactKey, groupKey, type Tail, toChatItems } from './chats.ts';
import { pruneDrafts } from './drafts.ts';
import type { ChannelView, ConversationView, GroupView } from './types.ts';

/** Event bursts (history sync, bulk sends) refresh the list at most this often. */
const LIST_REFRESH_DELAY_MS = 150;
/** Unread group messages are counted among this many latest. */
const UNREAD_WINDOW = 100;

async function groupTail(g: GroupView): Promise<Tail> {
  const list = await call('messages.list', { contact: g.name, limit: UNREAD_WINDOW });
  return {
    last: list.at(-1) ?? null,
    unread: list.filter((m) => m.direction === 'in' && m.status === 'delivered' && !m.deleted).length,
  };
}

async function channelTail(ch: ChannelView): Promise<Tail> {
  const list = await call('channels.posts', { name: ch.name, limit: UNREAD_WINDOW });
  const last = list.at(-1) ?? null;
  const key = channelKey(ch.id);
  // A channel listed here for the first time: what it holds already counts as seen.
  if (seenUpTo(key) === undefined) markSeen(key, last?.sortKey ?? 0);
  const incoming = list.filter((p) => p.direction === 'in').map((p) => p.sortKey);
  return { last, unread: 0, incoming };
}

const settle = async (name: string, p: Promise<Tail>): Promise<[string, Tail]> => [
  name,
  await p.catch(() => ({ last: null, unread: 0 })),
];

export interface ChatList {
  readonly items: readonly ChatItem[];
  readonly contacts: readonly ConversationView[];
  readonly loaded: boolean;
  /** Reload soon (coalesces bursts). */
  readonly schedule: () => void;
}

export function useChatList(stream: EventStream): ChatList {
  const [conversations, setConversations] = useState<readonly ConversationView[]>([]);
  const [groups, setGroups] = useState<readonly GroupView[]>([]);
  const [channels, setChannels] = useState<readonly ChannelView[]>([]);
  const [tails, setTails] = useState<ReadonlyMap<string, Tail>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** Loads started, and the newest one shown: a slow load must not land over a later one. */
  const started = useRef(0);
  const shown = useRef(0);

  const load = useCallback(async () => {
    const mine = ++started.current;
    const [c, gOrNull, chOrNull] = await Promise.all([
      call('conversations.list'),
      call('groups.list').catch(() => null),
      call('channels.list').catch(() => null),
    ]);
    const g = gOrNull ?? [];
    const ch = chOrNull ?? [];
    const t = await Promise.all([
      ...g.map((x) => settle(x.name, groupTail(x))),
      ...ch.map((x) => settle(x.name, channelTail(x))),
    ]);
    if (mine < shown.current) return;
    shown.current = mine;
    // Only a complete list tells which conversations are gone.
    if (gOrNull && chOrNull)
      pruneDrafts(
        new Set([
          ...c.map((x) => contactKey(x.contact.id)),
          ...g.map((x) => groupKey(x.id)),
          ...ch.map((x) => channelKey(x.id)),
        ]),
      );
    setConversations(c);
    setGroups(g);
    setChannels(ch);
    setTails(new Map(t));
    setLoaded(true);
  }, []);

  const schedule = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      void load().catch(() => undefined);
    }, LIST_REFRESH_DELAY_MS);
  }, [load]);

  useEffect(() => {
    void load().catch(() => undefined);
    return () => clearTimeout(timer.current);
  }, [load]);

  useEffect(() => {
    const offStatus = stream.onStatus((s) => {
      if (s === 'up') schedule();
    });
    const off = stream.on((e) => {
      if (
        ['message', 'contact', 'conversation', 'expired', 'group', 'channel', 'post', 'history'].includes(
          e.type,
        )
      )
        schedule();
    });
    return () => {
      off();
      offStatus();
    };
  }, [stream, schedule]);

  const seen = useChannelSeen();
  const items = useMemo(
    () => toChatItems(conversations, groups, channels, tails, seen),
    [conversations, groups, channels, tails, seen],
  );
  return { items, contacts: conversations, loaded, schedule };
}
