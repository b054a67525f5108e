/**
 * A group chat or a channel's posts: the same message list as a contact's
 * conversation. Groups show each sender's name above their bubbles and our
 * own messages' per-member receipts, and take files, photos and voice
 * messages as a contact's conversation does (use-room-files.tsx); channels
 * are read-only for followers, the owner (and publishers) get a "Post" composer
 * that takes files too (a post with a file: docs/PROTOCOL.md §5).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { call, type EventStream, RpcError, reactTo } from './api.ts';
import { summary } from './attachments.ts';
import { BackButton } from './BackButton.tsx';
import { Composer, type ComposerMode } from './Composer.tsx';
import { markSeen } from './channel-seen.ts';
import { type ChatItem, channelKey, groupKey } from './chats.ts';
import { GroupInvitation } from './GroupInvitation.tsx';
import { typingLine, useGroupTyping } from './group-typing.ts';
import { InfoIcon } from './Icons.tsx';
import { type BubbleActions, MessageBubble, type QuoteInfo } from './MessageBubble.tsx';
import { MessageList, type MessageListProps } from './MessageList.tsx';
import { MuteButton } from './MuteButton.tsx';
import { memberColour, memberColours } from './member-colours.ts';
import { DeleteDialog, type Deleting, editLast, useMessageDialogs } from './message-menu/index.ts';
import { type Row, toRows, UNREAD_ROW_KEY } from './message-rows.ts';
import { RoomAvatar } from './Sidebar.tsx';
import type { ChannelView, GroupView, MessageView } from './types.ts';
import { UploadList } from './UploadList.tsx';
import { useReadMark, useUnreadMark } from './unread.ts';
import { type ConversationMessages, useConversation } from './use-conversation.ts';
import { type FocusedMessage, laterJump, type MessageFocus, useMessageFocus } from './use-message-focus.ts';
import { type RoomFiles, useRoomFiles } from './use-room-files.tsx';

type Room = Extract<ChatItem, { kind: 'group' | 'channel' }>;

function headerLine(room: Room, live: boolean): string {
  if (room.kind === 'group') {
    const g = room.group;
    if (g.status === 'invited')
      return `Invited by ${g.invitedBy ?? 'a contact'} · ${g.members.length} members`;
    if (g.status !== 'active') return g.status === 'left' ? 'You left this group' : 'You were removed';
    const online = g.members.filter((m) => m.online && !m.me).length;
    return live ? `${g.members.length} members · ${online} online` : `${g.members.length} members`;
  }
  const ch = room.channel;
  const kind = ch.private ? 'Private channel' : 'Public channel';
  const role = ch.role === 'owner' ? 'you own it' : ch.role === 'publisher' ? 'you publish' : 'following';
  return `${kind} · ${ch.status === 'requested' ? 'waiting for approval' : role}`;
}

function startNote(room: Room): string {
  return room.kind === 'group'
    ? 'Messages in this group are end-to-end encrypted. Only its members can read them.'
    : 'Posts are signed by the channel: followers accept nothing else.';
}

export function RoomConversation({
  room,
  stream,
  live = true,
  onInfo,
  onBack,
  onChanged,
  focus = null,
}: {
  readonly room: Room;
  readonly stream: EventStream;
  /** Connected to the daemon; without, members' presence is unknown. */
  readonly live?: boolean;
  readonly onInfo: () => void;
  /** Back to the chat list (shown in a narrow window). */
  readonly onBack: () => void;
  readonly onChanged: () => void;
  /** A message to scroll to and mark (opened from search). */
  readonly focus?: MessageFocus | null;
}) {
  const name = room.name;
  const history = useConversation(name, stream);
  const focused = useMessageFocus(history, focus);
  const [error, setError] = useState<string | null>(null);
  // Channels have no read state: no divider, nothing to mark.
  const isGroup = room.kind === 'group';
  const unreadMark = useUnreadMark(history, { enabled: isGroup, expected: room.unread });
  const [atBottom, setAtBottom] = useState(false);
  const seen = atBottom && unreadMark !== undefined;
  useReadMark(name, history.messages, { seen, unread: room.unread, enabled: isGroup }, onChanged);
  const rows = useMemo(() => {
    const r: Row[] = toRows(history.messages, unreadMark);
    if (!history.hasMore && !history.loading)
      r.unshift({ kind: 'note', key: 'note:start', label: startNote(room) });
    return r;
  }, [history.messages, history.hasMore, history.loading, room, unreadMark]);
  const listProps = { openAt: focus ? null : UNREAD_ROW_KEY, onAtBottom: setAtBottom };
  const fail = useCallback(
    (err: unknown) => setError(err instanceof RpcError ? err.message : 'Something went wrong.'),
    [],
  );
  const info = room.kind === 'group' ? 'Group info' : 'Channel info';
  const typing = useGroupTyping(name, stream);
  const typingNow = room.kind === 'group' && typing.length > 0;
  const writable =
    room.kind === 'group'
      ? room.group.status === 'active'
      : room.channel.role === 'owner' || room.channel.role === 'publisher';
  const files = useRoomFiles(name, stream, history, writable, onChanged);

  return (
    <section
      className="conversation"
      aria-label={`${room.kind === 'group' ? 'Group' : 'Channel'} ${name}`}
      {...files.drop.handlers}
    >
      {files.drop.dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <span>{`Drop files to send them to ${name}`}</span>
        </div>
      )}
      <header className="conversation-header">
        <BackButton onBack={onBack} />
        <RoomAvatar chat={room} />
        <div className="conversation-title">
          <h2>
            <span className="title-text">{name}</span>
          </h2>
          <span
            className={`presence-text ${typingNow ? 'typing' : 'off'}`}
            role={typingNow ? 'status' : undefined}
          >
            {typingNow ? typingLine(typing) : headerLine(room, live)}
          </span>
        </div>
        <MuteButton chatKey={room.key} />
        <button type="button" className="icon-button" aria-label={info} title={info} onClick={onInfo}>
          <InfoIcon />
        </button>
      </header>
      {room.kind === 'group' ? (
        <GroupBody
          group={room.group}
          files={files}
          history={history}
          rows={rows}
          listProps={listProps}
          focused={focused}
          fail={fail}
          onChanged={onChanged}
        />
      ) : (
        <ChannelBody
          channel={room.channel}
          files={files}
          history={history}
          rows={rows}
          listProps={listProps}
          focused={focused}
          fail={fail}
          onChanged={onChanged}
        />
      )}
      {error && (
        <p className="form-error composer-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

interface BodyProps {
  readonly history: ConversationMessages;
  readonly rows: readonly Row[];
  /** Where the list opens (the unread divider) and who hears whether it is at the bottom. */
  readonly listProps: Pick<MessageListProps, 'openAt' | 'onAtBottom'>;
  /** The message opened from search, if any. */
  readonly focused: FocusedMessage;
  readonly fail: (err: unknown) => void;
  readonly onChanged: () => void;
}

function useGroupComposer(
  name: string,
  history: ConversationMessages,
  fail: (e: unknown) => void,
  onChanged: () => void,
) {
  const [mode, setMode] = useState<ComposerMode>(NEW);
  const [target, setTarget] = useState<MessageView | null>(null);
  /** Messages sent from this window: each one scrolls the list down to it. */
  const [sends, setSends] = useState(0);
  const choose = useCallback((m: MessageView, next: ComposerMode) => {
    setTarget(m);
    setMode(next);
  }, []);
  const cancel = useCallback(() => {
    setMode(NEW);
    setTarget(null);
  }, []);
  const send = async (text: string): Promise<boolean> => {
    try {
      const replyTo =
        mode.kind === 'reply' && target ? { id: target.id, mine: target.direction === 'out' } : undefined;
      const sent =
        mode.kind === 'edit' && target
          ? await call('messages.edit', { contact: name, id: target.id, text })
          : await call('messages.send', { contact: name, text, ...(replyTo ? { replyTo } : {}) });
      history.add(sent);
      if (mode.kind !== 'edit') setSends((n) => n + 1);
      cancel();
      onChanged();
      return true;
    } catch (err) {
      fail(err);
      return false;
    }
  };
  return { mode, choose, cancel, send, sends };
}

function GroupBody({
  group,
  history,
  rows,
  listProps,
  focused,
  fail,
  onChanged,
  files,
}: BodyProps & { readonly group: GroupView; readonly files: RoomFiles }) {
  const name = group.name;
  const [deleting, setDeleting] = useState<Deleting | null>(null);
  const [jump, setJump] = useState<{ key: string; nonce: number } | null>(null);
  const composer = useGroupComposer(name, history, fail, onChanged);
  const colours = useMemo(() => memberColours(group.members), [group.members]);
  const dialogs = useMessageDialogs();
  const actions = useGroupActions(name, history, fail, {
    setJump,
    choose: composer.choose,
    setDeleting,
    onForward: dialogs.onForward,
    onInfo: dialogs.onInfo,
    onOpenMedia: files.onOpenMedia,
  });
  const quoteOf = (m: MessageView): QuoteInfo | null => {
    if (!m.replyTo) return null;
    const q = history.messages.find((x) => x.id === m.replyTo?.id);
    if (!q) return { key: `in:${m.replyTo.id}`, author: '…', text: '…' };
    const author = q.direction === 'out' ? 'You' : q.from;
    return {
      key: `${q.direction}:${q.id}`,
      author,
      text: q.deleted ? 'This message was deleted' : summary(q),
    };
  };
  return (
    <>
      <MessageList
        {...listProps}
        rows={rows}
        hasMore={history.hasMore}
        loading={history.loading}
        onReachTop={history.loadOlder}
        jump={laterJump(jump, focused.jump)}
        highlight={focused.highlight}
        toBottom={composer.sends + files.sent}
        renderRow={(row) => (
          <MessageBubble
            message={row.message}
            first={row.first}
            sender={row.message.direction === 'in' ? row.message.from : null}
            senderColour={colours.get(row.message.from) ?? memberColour(row.message.from)}
            quote={quoteOf(row.message)}
            attachment={files.attachmentOf(row.message)}
            actions={actions}
          />
        )}
      />
      {dialogs.render(latestIn(history), files.attachmentOf)}
      {files.lightbox}
      <UploadList
        uploads={files.uploads.pending}
        onCancel={files.uploads.cancel}
        onDismiss={files.uploads.dismiss}
      />
      {deleting && (
        <DeleteDialog
          conversation={name}
          audience={`everyone in ${name}`}
          deleting={deleting}
          onDeleted={history.add}
          onError={fail}
          onClose={() => setDeleting(null)}
        />
      )}
      {group.status === 'invited' ? (
        <GroupInvitation group={group} onChanged={onChanged} />
      ) : group.status === 'active' ? (
        <Composer
          contact={name}
          draftKey={groupKey(group.id)}
          online
          blocked={false}
          mode={composer.mode}
          onCancelMode={composer.cancel}
          onSend={composer.send}
          onEditLast={() => editLast(history.messages, actions.onEdit)}
          onTyping={(active) => void call('typing.set', { contact: name, active }).catch(() => undefined)}
          onFiles={files.uploads.sendFiles}
          onVoice={files.onVoice}
        />
      ) : (
        <p className="composer-note muted" role="note">
          {`You ${group.status === 'left' ? 'left' : 'were removed from'} this group: you can read its history but no longer write.`}
        </p>
      )}
    </>
  );
}

function useGroupActions(
  name: string,
  history: ConversationMessages,
  fail: (err: unknown) => void,
  ui: {
    readonly setJump: (j: { key: string; nonce: number }) => void;
    readonly choose: (m: MessageView, mode: ComposerMode) => void;
    readonly setDeleting: (d: Deleting) => void;
    readonly onForward: (m: MessageView) => void;
    readonly onInfo: (m: MessageView) => void;
    readonly onOpenMedia: (m: MessageView) => void;
  },
): BubbleActions {
  const { setJump, choose, setDeleting, onForward, onInfo, onOpenMedia } = ui;
  return useMemo(
    () => ({
      onReply: (m) =>
        choose(m, { kind: 'reply', author: m.direction === 'out' ? 'yourself' : m.from, text: summary(m) }),
      onEdit: (m) => choose(m, { kind: 'edit', text: m.text }),
      onReact: (m, emoji) => {
        void reactTo(name, m, emoji).then(history.add, fail);
      },
      onDelete: (message, scope) => setDeleting({ message, scope }),
      onForward,
      onInfo,
      onOpenMedia,
      onJump: (key) => setJump({ key, nonce: Date.now() }),
    }),
    [name, history.add, fail, setJump, choose, setDeleting, onForward, onInfo, onOpenMedia],
  );
}

function ChannelBody({
  channel,
  files,
  history,
  rows,
  listProps,
  focused,
  fail,
  onChanged,
}: BodyProps & { readonly channel: ChannelView; readonly files: RoomFiles }) {
  const name = channel.name;
  const canPost = channel.role === 'owner' || channel.role === 'publisher';
  // Open: every post shown counts as seen (the sidebar's unread count, channel-seen.ts).
  const newest = history.messages.at(-1)?.sortKey;
  useEffect(() => {
    if (newest !== undefined) markSeen(channelKey(channel.id), newest);
  }, [channel.id, newest]);
  /** Posts made from this window: each one scrolls the list down to it. */
  const [posted, setPosted] = useState(0);
  const dialogs = useMessageDialogs();
  const actions = useMemo(
    (): BubbleActions => ({
      ...NO_ACTIONS,
      onForward: dialogs.onForward,
      onInfo: dialogs.onInfo,
      onOpenMedia: files.onOpenMedia,
    }),
    [dialogs.onForward, dialogs.onInfo, files.onOpenMedia],
  );
  const post = async (text: string): Promise<boolean> => {
    try {
      history.add(await call('channels.post', { name, text }));
      setPosted((n) => n + 1);
      onChanged();
      return true;
    } catch (err) {
      fail(err);
      return false;
    }
  };
  return (
    <>
      <MessageList
        {...listProps}
        rows={rows}
        hasMore={history.hasMore}
        loading={history.loading}
        onReachTop={history.loadOlder}
        jump={focused.jump}
        highlight={focused.highlight}
        toBottom={posted + files.sent}
        renderRow={(row) => (
          <MessageBubble
            message={row.message}
            first={row.first}
            quote={null}
            attachment={files.attachmentOf(row.message)}
            actions={actions}
            readOnly
          />
        )}
      />
      {dialogs.render(latestIn(history), files.attachmentOf)}
      {files.lightbox}
      <UploadList
        uploads={files.uploads.pending}
        onCancel={files.uploads.cancel}
        onDismiss={files.uploads.dismiss}
      />
      {canPost ? (
        <Composer
          contact={name}
          draftKey={channelKey(channel.id)}
          online
          blocked={false}
          mode={NEW}
          onCancelMode={() => undefined}
          onSend={post}
          onTyping={() => undefined}
          label="Post"
          sendLabel="Publish"
          placeholder={`Post to ${name}`}
          onFiles={files.uploads.sendFiles}
          onVoice={files.onVoice}
        />
      ) : (
        <p className="composer-note muted" role="note">
          {channel.status === 'requested'
            ? "Waiting for the channel's owner to approve your request."
            : channel.status === 'removed'
              ? 'You no longer follow this channel.'
              : "Only the channel's publishers can post."}
        </p>
      )}
    </>
  );
}

const NEW: ComposerMode = { kind: 'new' };
/** A message as it stands now in the loaded history (its receipts change while Info is open). */
const latestIn =
  (history: ConversationMessages) =>
  (m: MessageView): MessageView =>
    history.messages.find((x) => x.id === m.id && x.direction === m.direction) ?? m;
const NO_ACTIONS: BubbleActions = {
  onReply: () => undefined,
  onReact: () => undefined,
  onEdit: () => undefined,
  onDelete: () => undefined,
  onJump: () => undefined,
};
