/**
 * The messenger once the account is ready: the conversation list on the
 * left, the open conversation on the right, dialogs for adding a contact,
 * contact info and settings. Keeps the conversation list fresh from events
 * and raises desktop notifications while the window is hidden.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { AddContact } from './AddContact.tsx';
import { type EventStream, rpc, type SocketStatus } from './api.ts';
import { summary } from './attachments.ts';
import { ContactInfo } from './ContactInfo.tsx';
import { Conversation } from './Conversation.tsx';
import { preview } from './format.ts';
import { SettingsDialog } from './SettingsDialog.tsx';
import { Sidebar } from './Sidebar.tsx';
import type { ConversationView, Identity, MessageView } from './types.ts';

/** Event bursts (history sync, bulk sends) refresh the list at most this often. */
const LIST_REFRESH_DELAY_MS = 150;

type DialogName = 'add' | 'settings' | 'info' | null;

/** Ids of incoming messages already considered for a notification. */
const notified = new Set<string>();

export function ChatApp({ stream }: { readonly stream: EventStream }) {
  const [me, setMe] = useState<Identity | null>(null);
  const [conversations, setConversations] = useState<readonly ConversationView[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [typing, setTyping] = useState<Readonly<Record<string, boolean>>>({});
  const [socket, setSocket] = useState<SocketStatus>(stream.status);
  const [dialog, setDialog] = useState<DialogName>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  const loadList = useCallback(async () => {
    const list = await rpc<ConversationView[]>('conversations.list');
    setConversations(list);
  }, []);
  const scheduleList = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      void loadList().catch(() => undefined);
    }, LIST_REFRESH_DELAY_MS);
  }, [loadList]);

  useEffect(() => {
    void rpc<Identity>('id').then(setMe);
    void loadList();
  }, [loadList]);

  useEffect(() => {
    const offStatus = stream.onStatus((s) => {
      setSocket(s);
      if (s === 'up') scheduleList();
    });
    const off = stream.on((e) => {
      switch (e.type) {
        case 'message':
          scheduleList();
          // An incoming message is first seen as 'delivered' (to us, unread); later events are updates.
          if (e.data.direction === 'in' && !notified.has(e.data.id)) {
            notified.add(e.data.id);
            if (e.data.status === 'delivered' && !e.data.edited && !e.data.deleted) notify(e.data);
          }
          break;
        case 'contact':
          scheduleList();
          if (e.data.removed && selectedRef.current === e.data.contact.id) setSelected(null);
          break;
        case 'conversation':
        case 'expired':
          scheduleList();
          break;
        case 'typing':
          setTyping((t) => ({ ...t, [e.data.contact]: e.data.active }));
          break;
        case 'problem':
          setProblem(e.data.message);
          break;
        default:
          break;
      }
    });
    return () => {
      off();
      offStatus();
    };
  }, [stream, scheduleList]);

  // Selection is by contact id: a rename keeps the conversation open.
  const current = conversations.find((c) => c.contact.id === selected) ?? null;

  return (
    <div className="app">
      <Sidebar
        me={me}
        conversations={conversations}
        selected={selected}
        socket={socket}
        typing={typing}
        onSelect={setSelected}
        onAddContact={() => setDialog('add')}
        onSettings={() => setDialog('settings')}
      />
      <main className="main-pane">
        {problem && (
          <div className="toast" role="status">
            <span>{problem}</span>
            <button type="button" className="link-button" onClick={() => setProblem(null)}>
              Dismiss
            </button>
          </div>
        )}
        {current ? (
          <Conversation
            key={current.contact.id}
            conversation={current}
            stream={stream}
            typing={typing[current.contact.name] === true}
            onInfo={() => setDialog('info')}
            onChanged={scheduleList}
          />
        ) : (
          <div className="empty-pane">
            <h2>{conversations.length ? 'Choose a conversation' : 'No conversations yet'}</h2>
            <p className="muted">
              {conversations.length
                ? 'Pick someone on the left to start writing.'
                : 'Add a contact with an invite link to start an end-to-end encrypted conversation.'}
            </p>
            {!conversations.length && (
              <button type="button" className="button primary" onClick={() => setDialog('add')}>
                Add your first contact
              </button>
            )}
          </div>
        )}
      </main>
      {dialog === 'add' && (
        <AddContact
          onClose={() => setDialog(null)}
          onAdded={(id) => {
            setSelected(id);
            scheduleList();
          }}
        />
      )}
      {dialog === 'settings' && <SettingsDialog me={me} onClose={() => setDialog(null)} />}
      {dialog === 'info' && current && (
        <ContactInfo
          contact={current.contact}
          onClose={() => setDialog(null)}
          onChanged={scheduleList}
          onRemoved={() => {
            setDialog(null);
            setSelected(null);
            scheduleList();
          }}
        />
      )}
    </div>
  );
}

/** A desktop notification for an incoming message, only while the window is hidden. */
function notify(m: MessageView): void {
  if (!document.hidden || typeof Notification === 'undefined' || Notification.permission !== 'granted')
    return;
  const n = new Notification(m.from, {
    body: preview(summary(m), 120),
    tag: `parley:${m.contact}`,
    silent: false,
  });
  n.onclick = () => {
    window.focus();
    n.close();
  };
}
