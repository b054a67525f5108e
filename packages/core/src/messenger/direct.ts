/**
 * The 1:1 conversation: what the Messenger does for a name that is a contact's (groups/ and
 * channels/ do the same for theirs; conversation.ts decides which a name is). Sending composes
 * and stores in one transaction (DESIGN.md §5.2, D1) and kicks the outbox pump; every change
 * emits the views of what changed.
 */
import { CoreError } from '../base/index.ts';
import { findContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import {
  type ConversationActions,
  compose,
  deleteOwnMessage,
  editOwnMessage,
  markConversationRead,
  messagePage,
  type OwnConversation,
  setOwnReaction,
  syncToOwnDevices,
} from '../messaging/index.ts';
import type { ContactRecord, MessageKey } from '../ports/index.ts';
import { SessionBatch } from '../sessions/index.ts';
import { type MessageView, messageView, receiptTimes } from '../views/index.ts';
import type { AppBody } from '../wire/index.ts';

export interface DirectDeps {
  /** Wakes the outbox pump for a peer. */
  readonly kick: (peerId: string) => void;
  readonly online: (peerId: string) => boolean;
  /** Emits `message` events for the messages at these keys. */
  readonly emitMessages: (contact: ContactRecord, keys: readonly (MessageKey | null)[]) => void;
}

export interface DirectConversations extends ConversationActions<string> {
  /** Composes, stores and queues one message; its view, or null for a body that is not stored. */
  send(name: string, body: AppBody): MessageView | null;
  withContact<T>(name: string, fn: (contact: ContactRecord) => T): T;
  setDisappearing(name: string, ms: number | null): void;
}

export function createDirectConversations(ctx: Ctx, deps: DirectDeps): DirectConversations {
  const { store, transport, events } = ctx;

  const withContact = <T>(name: string, fn: (contact: ContactRecord) => T): T =>
    fn(store.transaction((tx) => findContact(tx, name)));

  const send = (name: string, body: AppBody): MessageView | null => {
    const { contact, composed } = store.transaction((tx) => {
      const c = findContact(tx, name);
      return { contact: c, composed: compose(ctx, tx, c, body) };
    });
    if (body.kind === 'typing') {
      for (const { peerId, frame } of composed.frames)
        if (deps.online(peerId)) void transport.send(peerId, frame).catch(() => undefined);
    } else {
      deps.kick(contact.peerId);
    }
    if (!composed.record) return null;
    const record = composed.record;
    const view = store.transaction((tx) => messageView(tx, ctx.account.vault, contact, record));
    events.emit('message', view);
    return view;
  };

  /** The conversation with the contact `name` means, as the own-change helpers reach it. */
  const own = (name: string, contact: ContactRecord): OwnConversation => ({
    id: contact.id,
    label: `the conversation with ${contact.name}`,
    send: (body) => send(name, body),
    view: (tx, m) => messageView(tx, ctx.account.vault, contact, m),
  });

  return {
    send,
    withContact,
    sendText(name, text, replyTo) {
      const view = send(name, replyTo ? { kind: 'text', text, replyTo } : { kind: 'text', text });
      if (!view) throw new Error('unreachable: a text message is always stored');
      return view;
    },
    sendTexts(name, texts) {
      // The views are read in the same transaction, while the rows just written are at hand.
      const { contact, views } = store.transaction((tx) => {
        const c = findContact(tx, name);
        const sessions = new SessionBatch(tx, ctx.account.vault);
        const records = texts.map(
          (text) => compose(ctx, tx, c, { kind: 'text', text }, undefined, sessions).record,
        );
        sessions.save();
        return {
          contact: c,
          views: records.flatMap((r) => (r ? [messageView(tx, ctx.account.vault, c, r)] : [])),
        };
      });
      deps.kick(contact.peerId);
      for (const v of views) events.emit('message', v);
      return views;
    },
    react(name, target, emoji) {
      send(name, { kind: 'reaction', target, emoji });
      const contact = withContact(name, (c) => c);
      const key = {
        conversationId: contact.id,
        sender: target.mine ? 'self' : contact.peerId,
        id: target.id,
      };
      store.transaction((tx) => setOwnReaction(tx, key, emoji, ctx.now()));
      deps.emitMessages(contact, [key]);
    },
    edit: (name, id, text) => withContact(name, (c) => editOwnMessage(ctx, own(name, c), id, text)),
    deleteForEveryone: (name, id) => withContact(name, (c) => deleteOwnMessage(ctx, own(name, c), id)),
    markRead: (name) =>
      withContact(name, (c) =>
        markConversationRead(
          ctx,
          {
            ...own(name, c),
            sync: () => {
              const peers = store.transaction((tx) => {
                const sessions = new SessionBatch(tx, ctx.account.vault);
                const out = syncToOwnDevices(ctx, tx, sessions, { op: 'read', peer: c.peerId });
                sessions.save();
                return out;
              });
              for (const p of peers) deps.kick(p);
            },
          },
          true,
        ),
      ),
    setTyping(name, active) {
      send(name, { kind: 'typing', active });
    },
    setDisappearing(name, ms) {
      send(name, { kind: 'timer', disappearingMs: ms });
      const contact = withContact(name, (c) => c);
      store.transaction((tx) => {
        const c = tx.getConversation(contact.id);
        if (c) tx.putConversation({ ...c, disappearingMs: ms });
      });
      events.emit('conversation', { contact: contact.name, disappearingMs: ms });
    },
    messages(name, query) {
      return store.transaction((tx) => {
        const contact = findContact(tx, name);
        return messagePage(tx, contact.id, query, (m) => messageView(tx, ctx.account.vault, contact, m));
      });
    },
    message(name, key) {
      return store.transaction((tx) => {
        const contact = findContact(tx, name);
        const sender = key.sender === 'self' ? 'self' : contact.peerId;
        const m = tx.getMessage({ conversationId: contact.id, sender, id: key.id });
        if (!m)
          throw new CoreError(
            'unknown-message',
            `no message ${key.id} in the conversation with ${contact.name}`,
          );
        const view = messageView(tx, ctx.account.vault, contact, m);
        if (m.sender !== 'self') return view;
        // One message's details: when the contact got and read it (messaging/receipts.ts).
        const r = tx.listReceipts(m).find((x) => x.peerId === contact.peerId);
        const status = m.status === 'read' || m.status === 'delivered' ? m.status : 'pending';
        return { ...view, receipts: [{ member: contact.name, status, ...(r ? receiptTimes(r) : {}) }] };
      });
    },
  };
}
