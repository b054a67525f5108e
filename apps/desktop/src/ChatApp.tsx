/**
 * The messenger once the account is ready: the conversation list on the
 * left, the open conversation on the right, dialogs for adding a contact,
 * contact info and settings. Keeps the conversation list fresh from events
 * and raises desktop notifications while the window is hidden (not for muted
 * conversations); clicking one opens its conversation. The unread count of
 * chats not muted shows in the title, on the favicon and on the app badge.
 */
import { useEffect, useRef, useState } from 'react';
import { AddContact } from './AddContact.tsx';
import { call, type EventStream, type SocketStatus } from './api.ts';
import { notifyMessage, unreadTotal, useUnreadBadge } from './attention/index.ts';
import { FollowChannel, NewChannel } from './ChannelDialogs.tsx';
import { ChannelInfo } from './ChannelInfo.tsx';
import { ContactInfo } from './ContactInfo.tsx';
import { Conversation } from './Conversation.tsx';
import { seenUpTo } from './channel-seen.ts';
import { type ChatItem, channelKey, contactKey, groupKey } from './chats.ts';
import { devicesNotice, HistoryBanner, type HistoryProgress } from './devices/index.ts';
import { useDraftStore } from './drafts.ts';
import { GroupInfo } from './GroupInfo.tsx';
import { Shortcuts } from './keyboard/index.ts';
import { isMuted, useMuted } from './muted.ts';
import { NewGroup } from './NewGroup.tsx';
import { useBackToList } from './narrow-window.ts';
import { RoomConversation } from './RoomConversation.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';
import { Sidebar } from './Sidebar.tsx';
import { chatOf, type SearchHit } from './search/index.ts';
import { type Identity, messageKey, type Reachability } from './types.ts';
import { type ChatList, useChatList } from './use-chat-list.ts';
import type { MessageFocus } from './use-message-focus.ts';

type DialogName = 'add' | 'settings' | 'info' | 'new-group' | 'new-channel' | 'follow' | null;

/** Ids of incoming messages already considered for a notification. */
const notified = new Set<string>();

export function ChatApp({
  stream,
  daemonDown = false,
  history = null,
}: {
  readonly stream: EventStream;
  /** The daemon does not answer: a full-window state covers this one, which is inert meanwhile. */
  readonly daemonDown?: boolean;
  /** A newly linked device's history transfer, while it runs. */
  readonly history?: HistoryProgress | null;
}) {
  const [me, setMe] = useState<Identity | null>(null);
  const list = useChatList(stream);
  useDraftStore(stream);
  const [selected, setSelected] = useState<string | null>(null);
  const [typing, setTyping] = useState<Readonly<Record<string, boolean>>>({});
  const [socket, setSocket] = useState<SocketStatus>(stream.status);
  const [dialog, setDialog] = useState<DialogName>(null);
  const [toast, setToast] = useState<string | null>(null);
  /** The message a search hit opened: its conversation scrolls to it. */
  const [focus, setFocus] = useState<MessageFocus | null>(null);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const itemsRef = useRef(list.items);
  itemsRef.current = list.items;
  const mutedChats = useMuted();
  useUnreadBadge(unreadTotal(list.items, mutedChats));

  useEffect(() => {
    void call('id').then(setMe);
  }, []);
  const outbox = useOutboxSize(stream);
  const reachability = useReachability(stream);

  useEffect(() => {
    const offStatus = stream.onStatus(setSocket);
    setSocket(stream.status); // it may have changed between the first render and now
    const off = stream.on((e) => {
      if (
        (e.type === 'message' || e.type === 'post') &&
        e.data.direction === 'in' &&
        !notified.has(e.data.id)
      ) {
        // An incoming message is first seen as 'delivered' (to us, unread); later events are updates.
        notified.add(e.data.id);
        const name = e.data.contact;
        // A post names its channel by id (a channel and a contact may share a name).
        const postIn = e.type === 'post' ? channelKey(e.data.conversationId) : null;
        const chat = postIn ? { key: postIn } : chatNamed(itemsRef.current, name);
        const muted = chat !== undefined && isMuted(chat.key);
        // A channel's post is new once past what was seen of it here (not one synced from before).
        const fresh = postIn === null || e.data.sortKey > (seenUpTo(postIn) ?? Infinity);
        if (e.data.status === 'delivered' && !e.data.edited && !e.data.deleted && !muted && fresh)
          notifyMessage(e.data, () => {
            // Looked up again: a first message from someone may arrive before the list has them.
            const key = postIn ?? chatNamed(itemsRef.current, name)?.key ?? chat?.key;
            if (!key) return;
            setDialog(null);
            setFocus(null);
            setSelected(key);
          });
      } else if (
        e.type === 'contact' &&
        e.data.removed &&
        selectedRef.current === contactKey(e.data.contact.id)
      )
        setSelected(null);
      else if (e.type === 'typing') setTyping((t) => ({ ...t, [e.data.contact]: e.data.active }));
      else if (e.type === 'problem') setToast(e.data.message);
      else if (e.type === 'devices') setToast(devicesNotice(e.data));
    });
    return () => {
      off();
      offStatus();
    };
  }, [stream]);

  // Selection is by id: a rename keeps the conversation open.
  const current = list.items.find((c) => c.key === selected) ?? null;
  const close = () => setDialog(null);
  /** Opening a chat by hand forgets the search hit: coming back to it must not jump again. */
  const select = (key: string | null) => {
    setFocus(null);
    setSelected(key);
  };
  const openHit = (hit: SearchHit) => {
    const chat = chatOf(hit, list.items);
    if (!chat) {
      list.schedule();
      return;
    }
    const m = hit.message;
    setSelected(chat.key);
    setFocus({ chat: chat.key, key: messageKey(m), sortKey: m.sortKey, nonce: Date.now() });
  };
  const back = useBackToList(current?.key ?? null, dialog !== null, () => select(null));

  return (
    // A narrow window shows the sidebar or, with a chat open, the chat (styles.css).
    <div className={current ? 'app chat-open' : 'app'} inert={daemonDown}>
      <Sidebar
        me={me}
        chats={list.items}
        selected={selected}
        socket={socket}
        outbox={outbox}
        reachability={reachability}
        typing={typing}
        banner={<HistoryBanner progress={history} />}
        actions={{
          onSelect: select,
          onAddContact: () => setDialog('add'),
          onNewGroup: () => setDialog('new-group'),
          onNewChannel: () => setDialog('new-channel'),
          onFollowChannel: () => setDialog('follow'),
          onSettings: () => setDialog('settings'),
          onOpenHit: openHit,
          onMarkUnread: (c, unread) => {
            // An open chat would be read again at once: marked unread, it is closed.
            if (unread && c.key === selected) select(null);
            const contact = c.kind === 'group' ? c.group.id : c.name;
            void call(unread ? 'conversations.markUnread' : 'conversations.markRead', { contact }).then(
              list.schedule,
              (error: unknown) => setToast(error instanceof Error ? error.message : String(error)),
            );
          },
        }}
      />
      <main className="main-pane">
        {toast && (
          <div className="toast" role="status">
            <span>{toast}</span>
            <button type="button" className="link-button" onClick={() => setToast(null)}>
              Dismiss
            </button>
          </div>
        )}
        <MainPane
          current={current}
          list={list}
          stream={stream}
          live={socket === 'up' && !daemonDown}
          typing={typing}
          focus={focus?.chat === current?.key ? focus : null}
          onInfo={() => setDialog('info')}
          onAdd={() => setDialog('add')}
          onBack={back}
        />
      </main>
      <Shortcuts chats={list.items} selected={selected} blocked={dialog !== null} onSelect={select} />
      <Dialogs
        dialog={dialog}
        current={current}
        list={list}
        me={me}
        onClose={close}
        onRenamed={() => void call('id').then(setMe)}
        onSelect={(key) => {
          select(key);
          list.schedule();
        }}
      />
    </div>
  );
}

function MainPane({
  current,
  list,
  stream,
  live,
  typing,
  focus,
  onInfo,
  onAdd,
  onBack,
}: {
  readonly current: ChatItem | null;
  readonly list: ChatList;
  readonly stream: EventStream;
  /** Connected to the daemon: without, nobody's presence is known. */
  readonly live: boolean;
  readonly typing: Readonly<Record<string, boolean>>;
  readonly focus: MessageFocus | null;
  readonly onInfo: () => void;
  readonly onAdd: () => void;
  /** Back to the chat list (a narrow window's Back button). */
  readonly onBack: () => void;
}) {
  if (current?.kind === 'contact')
    return (
      <Conversation
        key={current.key}
        conversation={current.conversation}
        stream={stream}
        live={live}
        typing={typing[current.name] === true}
        focus={focus}
        onInfo={onInfo}
        onBack={onBack}
        onChanged={list.schedule}
      />
    );
  if (current)
    return (
      <RoomConversation
        key={`${current.key}:${current.name}`}
        room={current}
        stream={stream}
        live={live}
        focus={focus}
        onInfo={onInfo}
        onBack={onBack}
        onChanged={list.schedule}
      />
    );
  const any = list.items.length > 0;
  return (
    <div className="empty-pane">
      <h2>{any ? 'Choose a conversation' : 'No conversations yet'}</h2>
      <p className="muted">
        {any
          ? 'Pick someone on the left to start writing.'
          : 'Add a contact with an invite link to start an end-to-end encrypted conversation.'}
      </p>
      {!any && (
        <button type="button" className="button primary" onClick={onAdd}>
          Add your first contact
        </button>
      )}
    </div>
  );
}

function Dialogs({
  dialog,
  current,
  list,
  me,
  onClose,
  onRenamed,
  onSelect,
}: {
  readonly dialog: DialogName;
  readonly current: ChatItem | null;
  readonly list: ChatList;
  readonly me: Identity | null;
  readonly onClose: () => void;
  readonly onRenamed: () => void;
  readonly onSelect: (key: string | null) => void;
}) {
  const contacts = list.contacts.map((c) => c.contact);
  switch (dialog) {
    case 'add':
      return <AddContact onClose={onClose} onAdded={(id) => onSelect(contactKey(id))} />;
    case 'settings':
      return <SettingsDialog me={me} onClose={onClose} onRenamed={onRenamed} />;
    case 'new-group':
      return <NewGroup contacts={contacts} onClose={onClose} onCreated={(g) => onSelect(groupKey(g.id))} />;
    case 'new-channel':
      return <NewChannel onClose={onClose} onCreated={(ch) => onSelect(channelKey(ch.id))} />;
    case 'follow':
      return <FollowChannel onClose={onClose} onFollowed={(ch) => onSelect(channelKey(ch.id))} />;
    case 'info':
      return current ? (
        <InfoDialog current={current} list={list} onClose={onClose} onSelect={onSelect} />
      ) : null;
    default:
      return null;
  }
}

function InfoDialog({
  current,
  list,
  onClose,
  onSelect,
}: {
  readonly current: ChatItem;
  readonly list: ChatList;
  readonly onClose: () => void;
  readonly onSelect: (key: string | null) => void;
}) {
  const gone = () => {
    onClose();
    onSelect(null);
  };
  if (current.kind === 'group')
    return (
      <GroupInfo
        group={current.group}
        contacts={list.contacts.map((c) => c.contact)}
        onClose={onClose}
        onChanged={list.schedule}
      />
    );
  if (current.kind === 'channel')
    return (
      <ChannelInfo
        channel={current.channel}
        onClose={onClose}
        onChanged={list.schedule}
        onUnfollowed={gone}
      />
    );
  return (
    <ContactInfo
      contact={current.conversation.contact}
      onClose={onClose}
      onChanged={list.schedule}
      onRemoved={gone}
    />
  );
}

/** The 1:1 or group conversation a message event names (channel posts come as `post` events). */
const chatNamed = (items: readonly ChatItem[], name: string): ChatItem | undefined =>
  items.find((c) => c.name === name && c.kind !== 'channel');

/** How often the sidebar asks whether this device is reachable (relays come and go). */
const REACHABILITY_POLL_MS = 15_000;

/** This device's reachability (`status.reachability`): asked on (re)connect and every REACHABILITY_POLL_MS. */
function useReachability(stream: EventStream): Reachability | null {
  const [reachability, setReachability] = useState<Reachability | null>(null);
  useEffect(() => {
    const ask = (): void => {
      void call('status')
        .then((s) => setReachability(s.reachability ?? null))
        .catch(() => undefined);
    };
    ask();
    const timer = setInterval(ask, REACHABILITY_POLL_MS);
    const offStatus = stream.onStatus((s) => {
      if (s === 'up') ask();
    });
    return () => {
      clearInterval(timer);
      offStatus();
    };
  }, [stream]);
  return reachability;
}

/**
 * How many frames wait in the daemon's outbox (messages, receipts… not yet ACKed): asked when
 * the event stream (re)connects, then told by `outbox` events, which win over a slower answer.
 */
function useOutboxSize(stream: EventStream): number {
  const [size, setSize] = useState(0);
  useEffect(() => {
    let asked = 0;
    let told = 0;
    const ask = (): void => {
      const mine = ++asked;
      const toldBefore = told;
      void call('status')
        .then((s) => {
          if (mine === asked && told === toldBefore) setSize(s.outbox);
        })
        .catch(() => undefined);
    };
    ask();
    const offStatus = stream.onStatus((s) => {
      if (s === 'up') ask();
    });
    const off = stream.on((e) => {
      if (e.type !== 'outbox') return;
      told++;
      setSize(e.data.size);
    });
    return () => {
      off();
      offStatus();
    };
  }, [stream]);
  return size;
}
