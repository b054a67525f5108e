/**
 * The open conversation: header, identity-change banner, messages, uploads,
 * composer. Files dropped anywhere on it are sent.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Avatar } from './Avatar.tsx';
import { call, type EventStream, RpcError, reactTo } from './api.ts';
import { summary, voiceFileName } from './attachments.ts';
import { BackButton } from './BackButton.tsx';
import { Composer, type ComposerMode } from './Composer.tsx';
import { contactKey } from './chats.ts';
import { DisappearingChoice } from './DisappearingChoice.tsx';
import { InfoIcon, ShieldIcon, WarningIcon } from './Icons.tsx';
import { KeyChangeBanner } from './KeyChangeBanner.tsx';
import { Lightbox, mediaOf } from './Lightbox.tsx';
import { type BubbleActions, MessageBubble, type QuoteInfo } from './MessageBubble.tsx';
import { MessageList } from './MessageList.tsx';
import { MuteButton } from './MuteButton.tsx';
import { DeleteDialog, type Deleting, editLast, useMessageDialogs } from './message-menu/index.ts';
import { type Row, toRows, UNREAD_ROW_KEY } from './message-rows.ts';
import { SECURITY_LABEL, type SecurityState, securityState } from './security-state.ts';
import { type ConversationView, type MessageView, messageKey } from './types.ts';
import { UploadList } from './UploadList.tsx';
import { useReadMark, useUnreadMark } from './unread.ts';
import { useAttachmentProgress, withProgress } from './use-attachment-progress.ts';
import { useConversation } from './use-conversation.ts';
import { useFileDrop } from './use-file-drop.ts';
import { laterJump, type MessageFocus, useMessageFocus } from './use-message-focus.ts';
import { useUploads } from './use-uploads.ts';

export function Conversation({
  conversation,
  stream,
  live = true,
  typing,
  onInfo,
  onBack,
  onChanged,
  focus = null,
}: {
  readonly conversation: ConversationView;
  readonly stream: EventStream;
  /** Connected to the daemon; without, the contact's presence is unknown (never "online"). */
  readonly live?: boolean;
  readonly typing: boolean;
  readonly onInfo: () => void;
  /** Back to the chat list (shown in a narrow window). */
  readonly onBack: () => void;
  readonly onChanged: () => void;
  /** A message to scroll to and mark (opened from search). */
  readonly focus?: MessageFocus | null;
}) {
  const { contact } = conversation;
  const name = contact.name;
  const history = useConversation(name, stream);
  const focused = useMessageFocus(history, focus);
  const progress = useAttachmentProgress(name, stream);
  /** Messages and files sent from this window: each one scrolls the list down to it. */
  const [sent, setSent] = useState(0);
  const uploads = useUploads(name, (m) => {
    history.add(m);
    setSent((n) => n + 1);
    onChanged();
  });
  const drop = useFileDrop(uploads.sendFiles, !contact.sendingBlocked);
  const [mode, setMode] = useState<ComposerMode>({ kind: 'new' });
  const [target, setTarget] = useState<MessageView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [jump, setJump] = useState<{ key: string; nonce: number } | null>(null);
  const [deleting, setDeleting] = useState<Deleting | null>(null);
  const [quotes, setQuotes] = useState<ReadonlyMap<string, MessageView>>(new Map());

  const byKey = useMemo(() => new Map(history.messages.map((m) => [messageKey(m), m])), [history.messages]);
  const unreadMark = useUnreadMark(history, { enabled: true, expected: conversation.unread });
  const [atBottom, setAtBottom] = useState(false);
  useReadMark(
    name,
    history.messages,
    { seen: atBottom && unreadMark !== undefined, unread: conversation.unread },
    onChanged,
  );
  const rows = useMemo(() => {
    const r: Row[] = toRows(history.messages, unreadMark);
    if (!history.hasMore && !history.loading)
      r.unshift({
        kind: 'note',
        key: 'note:start',
        label: history.capped
          ? 'Older messages are kept on this computer but cannot be shown here yet.'
          : 'Messages are end-to-end encrypted. Only you and your contact can read them.',
      });
    return r;
  }, [history.messages, history.hasMore, history.loading, history.capped, unreadMark]);

  // Quoted messages that are not loaded (older than the loaded pages) are fetched once.
  const wanted = useRef(new Set<string>());
  useEffect(() => {
    for (const m of history.messages) {
      if (!m.replyTo) continue;
      const dir = m.replyTo.mine ? m.direction : m.direction === 'out' ? 'in' : 'out';
      const key = `${dir}:${m.replyTo.id}`;
      if (byKey.has(key) || wanted.current.has(key)) continue;
      wanted.current.add(key);
      void call('messages.get', {
        contact: name,
        id: m.replyTo.id,
        sender: dir === 'out' ? 'self' : 'peer',
      }).then(
        (q) => setQuotes((old) => new Map(old).set(key, q)),
        () => undefined,
      );
    }
  }, [history.messages, byKey, name]);

  const quoteOf = useCallback(
    (m: MessageView): QuoteInfo | null => {
      if (!m.replyTo) return null;
      const dir = m.replyTo.mine ? m.direction : m.direction === 'out' ? 'in' : 'out';
      const key = `${dir}:${m.replyTo.id}`;
      const q = byKey.get(key) ?? quotes.get(key);
      const author = dir === 'out' ? 'You' : name;
      if (!q) return { key, author, text: '…' };
      return { key, author, text: q.deleted ? 'This message was deleted' : summary(q) };
    },
    [byKey, quotes, name],
  );

  const fail = useCallback(
    (err: unknown) => setError(err instanceof RpcError ? err.message : 'Something went wrong.'),
    [],
  );

  const dialogs = useMessageDialogs();
  const [viewing, setViewing] = useState<string | null>(null);
  const attachmentOf = useCallback((m: MessageView) => withProgress(m, progress), [progress]);
  const media = useMemo(() => mediaOf(history.messages, attachmentOf), [history.messages, attachmentOf]);

  const actions: BubbleActions = useMemo(
    () => ({
      onForward: dialogs.onForward,
      onInfo: dialogs.onInfo,
      onOpenMedia: (m) => setViewing(messageKey(m)),
      onReply: (m) => {
        setTarget(m);
        setMode({ kind: 'reply', author: m.direction === 'out' ? 'yourself' : name, text: summary(m) });
      },
      onEdit: (m) => {
        setTarget(m);
        setMode({ kind: 'edit', text: m.text });
      },
      onReact: (m, emoji) => {
        void reactTo(name, m, emoji).then(history.add, fail);
      },
      onDelete: (message, scope) => setDeleting({ message, scope }),
      onJump: (key) => setJump({ key, nonce: Date.now() }),
    }),
    [name, history.add, fail, dialogs.onForward, dialogs.onInfo],
  );

  const send = async (text: string): Promise<boolean> => {
    setError(null);
    try {
      if (mode.kind === 'edit' && target) {
        history.add(await call('messages.edit', { contact: name, id: target.id, text }));
      } else {
        const replyTo =
          mode.kind === 'reply' && target ? { id: target.id, mine: target.direction === 'out' } : undefined;
        history.add(await call('messages.send', { contact: name, text, ...(replyTo ? { replyTo } : {}) }));
        setSent((n) => n + 1);
      }
      setMode({ kind: 'new' });
      setTarget(null);
      onChanged();
      return true;
    } catch (err) {
      fail(err);
      return false;
    }
  };

  const setDisappearing = (value: string) => {
    const ms = value === 'off' ? null : Number(value);
    void call('conversations.setDisappearing', { contact: name, ms }).then(onChanged, fail);
  };

  const online = live && contact.online;
  const presence = !live
    ? 'connecting…'
    : typing
      ? 'typing…'
      : contact.online
        ? contact.connection === 'relayed'
          ? 'online via relay'
          : 'online'
        : 'offline';
  return (
    <section className="conversation" aria-label={`Conversation with ${name}`} {...drop.handlers}>
      {drop.dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <span>{`Drop files to send them to ${name}`}</span>
        </div>
      )}
      <header className="conversation-header">
        <BackButton onBack={onBack} />
        <Avatar name={name} online={online} />
        <div className="conversation-title">
          <h2>
            <span className="title-text">{name}</span>
            <SecurityMark state={securityState(contact)} />
          </h2>
          <span
            className={`presence-text ${live && typing ? 'typing' : online ? 'on' : 'off'}`}
            role="status"
          >
            {presence}
          </span>
        </div>
        <DisappearingChoice ms={conversation.disappearingMs} onChoose={setDisappearing} />
        <MuteButton chatKey={contactKey(contact.id)} />
        <button
          type="button"
          className="icon-button"
          aria-label="Contact info"
          title="Contact info"
          onClick={onInfo}
        >
          <InfoIcon />
        </button>
      </header>
      {contact.identityChanged && <KeyChangeBanner contact={contact} onChanged={onChanged} onInfo={onInfo} />}
      {contact.state === 'introduced' && (
        <p className="banner info" role="status">
          You know {name} only through a group you are in: its admin vouched for them, you did not add them.
          Compare safety numbers before you trust them.
        </p>
      )}
      {contact.state === 'pending' && (
        <p className="banner info" role="status">
          Waiting for {name} to come online to finish adding each other. You can already write: messages wait
          in the queue.
        </p>
      )}
      <MessageList
        rows={rows}
        hasMore={history.hasMore}
        loading={history.loading}
        onReachTop={history.loadOlder}
        jump={laterJump(jump, focused.jump)}
        highlight={focused.highlight}
        toBottom={sent}
        openAt={focus ? null : UNREAD_ROW_KEY}
        onAtBottom={setAtBottom}
        renderRow={(row) => (
          <MessageBubble
            message={row.message}
            first={row.first}
            quote={quoteOf(row.message)}
            attachment={attachmentOf(row.message)}
            actions={actions}
          />
        )}
      />
      {typing && (
        <div className="typing-indicator" role="status" aria-label={`${name} is typing`}>
          <span />
          <span />
          <span />
        </div>
      )}
      {error && (
        <p className="form-error composer-error" role="alert">
          {error}
        </p>
      )}
      {dialogs.render((m) => byKey.get(messageKey(m)) ?? m, attachmentOf)}
      {viewing && media.some((i) => i.key === viewing) && (
        <Lightbox items={media} current={viewing} onMove={setViewing} onClose={() => setViewing(null)} />
      )}
      <UploadList uploads={uploads.pending} onCancel={uploads.cancel} onDismiss={uploads.dismiss} />
      {deleting && (
        <DeleteDialog
          conversation={name}
          audience={name}
          deleting={deleting}
          onDeleted={history.add}
          onError={fail}
          onClose={() => setDeleting(null)}
        />
      )}
      <Composer
        contact={name}
        draftKey={contactKey(contact.id)}
        online={contact.online}
        blocked={contact.sendingBlocked}
        mode={mode}
        onCancelMode={() => {
          setMode({ kind: 'new' });
          setTarget(null);
        }}
        onSend={send}
        onEditLast={() => editLast(history.messages, actions.onEdit)}
        onTyping={(active) => void call('typing.set', { contact: name, active }).catch(() => undefined)}
        onFiles={uploads.sendFiles}
        onVoice={(r) =>
          uploads.sendBlob(r.blob, {
            name: voiceFileName(r.blob.type),
            mime: r.blob.type.split(';')[0] || 'audio/webm',
            durationMs: r.durationMs,
            waveform: r.waveform,
          })
        }
      />
    </section>
  );
}

/** Beside the contact's name: a green shield once verified, a warning while the number changed. */
function SecurityMark({ state }: { readonly state: SecurityState }) {
  if (state === 'unverified') return null;
  const label = SECURITY_LABEL[state];
  return (
    <span
      className={state === 'verified' ? 'verified' : 'key-changed'}
      title={label}
      role="img"
      aria-label={label}
    >
      {state === 'verified' ? <ShieldIcon /> : <WarningIcon />}
    </span>
  );
}
