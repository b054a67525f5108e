/**
 * The messenger: one unlocked account, wired to a Store and a Transport.
 * This is the API the daemon exposes (docs/API.md).
 *
 *   const messenger = createMessenger({ store, transport, account, blobs, primitives, random: systemRandom });
 *   await messenger.start();
 *   const { link } = messenger.createInvite();
 *   await messenger.sendText('bob', 'hello');
 */
import type { Primitives, RandomSource } from '@parley/crypto';
import { type Account, renameAccount, rotateSignedPrekeys } from '../account/index.ts';
import {
  ATTACHMENT_MAX_BYTES_DEFAULT,
  AUTO_DOWNLOAD_MAX_BYTES,
  blobNameOf,
  Downloads,
  inlineFiles,
  serveFile,
} from '../attachments/index.ts';
import { CoreError, type Emitter } from '../base/index.ts';
import { type ChannelMethods, channelMethods, createChannels } from '../channels/index.ts';
import {
  acceptIdentityChange,
  acceptInvite,
  contactSafetyNumber,
  createInvite,
  findContact,
  type Invite,
  type InviteOptions,
  markVerified,
  receiveIntroduction,
  removeContact,
  renameContact,
} from '../contacts/index.ts';
import type { Ctx, Limits, MessengerEvents, Settings } from '../context/index.ts';
import {
  encodeDeviceLink,
  fanoutPeers,
  LinkOffers,
  type ListedDevice,
  listedDevices,
} from '../devices/index.ts';
import {
  createGroups,
  GROUP_CHANGE_BATCH_MS,
  GROUP_TOPIC_MIN_MEMBERS_DEFAULT,
  type GroupPicture,
} from '../groups/index.ts';
import { Inbox } from '../inbound/index.ts';
import { createMailboxes } from '../mailbox/index.ts';
import {
  deleteForMe,
  EXPIRED_MARK,
  insertNotice,
  isHiddenTombstone,
  keyChangedText,
  markConversationUnread,
  OutboxPump,
  SendQueue,
  sendProfile,
} from '../messaging/index.ts';
import type {
  AdmissionProtocol,
  AttachmentRecord,
  AttachmentsTx,
  BlobStore,
  ChannelsTx,
  ContactRecord,
  ContactState,
  ContactsTx,
  GroupsTx,
  MailStore,
  MessageKey,
  MessageRecord,
  MessagesTx,
  Store,
  Transport,
} from '../ports/index.ts';
import {
  type ContactView,
  type ConversationView,
  contactView,
  type GroupView,
  type MessageView,
  messageView,
} from '../views/index.ts';
import { type AppBody, encodeFrame, type MessageRef } from '../wire/index.ts';
import { type AttachmentMethods, attachmentMethods } from './attachments.ts';
import { resolveConversation } from './conversation.ts';
import { createDeviceSync, type DeviceMethods, deviceMethods, refreshOwnCard } from './devices.ts';
import { createDirectConversations } from './direct.ts';
import { type DraftMethods, draftMethods } from './drafts.ts';
import { MessengerEmitter } from './events.ts';
import { answerHistory, startHistoryTransfer } from './history.ts';
import { type MailboxMethods, mailboxMethods } from './mailboxes.ts';
import { type SearchParams, type SearchResult, search } from './search.ts';
import { type SearchBackfill, startSearchBackfill } from './search-backfill.ts';
import { type SearchFlush, startSearchFlush } from './search-flush.ts';
import { answerHybridCard, tellHybridCard } from './suite-upgrade.ts';

/** Most messages `sendTexts` accepts in one call (one transaction). */
export const SEND_BATCH_MAX = 1000;

function checkBatch(texts: readonly string[]): void {
  if (texts.length === 0 || texts.length > SEND_BATCH_MAX)
    throw new CoreError('bad-input', `send 1..${SEND_BATCH_MAX} messages at a time`);
}
/** The newest message of a conversation still shown (past at most 50 disappeared or deleted for me). */
function lastShown(tx: MessagesTx, conversationId: string): MessageRecord | undefined {
  let [m] = tx.listMessages(conversationId, { limit: 1 });
  for (let i = 0; m && isHiddenTombstone(m) && i < 50; i++)
    [m] = tx.listMessages(conversationId, { before: m.sortKey, limit: 1 });
  return m && !isHiddenTombstone(m) ? m : undefined;
}

/** How often disappearing messages and old inbox bookkeeping are swept. */
export const SWEEP_INTERVAL_MS = 30_000;
/** Digests of received frames are kept this long to recognise duplicates (D2, D5). */
export const RECEIVED_RETENTION_MS: number = 90 * 24 * 3600 * 1000;
/** The outbox size is counted and told at most this often (one COUNT, only while someone listens). */
export const OUTBOX_EVENT_MS = 250;
/** Peers whose last contact time is remembered (for devices' lastSeen). */
const LAST_HEARD_MAX = 4096;

export interface MessengerOptions {
  /** Where attachment bytes (encrypted) are kept (tests: `createMemoryBlobStore()`). */
  readonly blobs: BlobStore;
  /** Where mail we hold for friends is kept (mailbox/); opened on first use. Without it we hold none. */
  readonly mailStore?: () => MailStore;
  readonly limits?: Partial<Limits>;
  readonly store: Store;
  readonly transport: Transport;
  readonly account: Account;
  readonly primitives: Primitives;
  readonly random: RandomSource;
  readonly now?: () => number;
  readonly settings?: Partial<Settings>;
}

export interface MessengerStatus {
  readonly peerId: string;
  readonly name: string;
  readonly addresses: readonly string[];
  readonly contacts: number;
  readonly online: number;
  readonly outbox: number;
  readonly parked: number;
}

export interface Messenger
  extends DraftMethods,
    ChannelMethods,
    AttachmentMethods,
    MailboxMethods,
    DeviceMethods {
  /**
   * A one-time link (`parley://device/…`, valid 10 minutes) that a new device of this account
   * opens with `parley init --link` (docs/MULTI-DEVICE.md "Linking").
   */
  createDeviceLink(): { readonly link: string; readonly expiresAt: number };
  readonly events: Emitter<MessengerEvents>;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): MessengerStatus;
  settings(): Settings;
  updateSettings(patch: Partial<Settings>): Settings;

  /**
   * Renames yourself (account/ renameAccount's checks): `status`, new invites and cards carry the
   * new name, and every active contact gets our card with it (a `profile` message).
   */
  renameSelf(name: string): { readonly name: string };
  createInvite(options?: InviteOptions): Invite;
  acceptInvite(link: string, name?: string): ContactView;
  contacts(): ContactView[];
  contact(name: string): ContactView;
  renameContact(oldName: string, newName: string): ContactView;
  removeContact(name: string): ContactView;
  safetyNumber(name: string): { digits: string; groups: readonly string[]; qrPayload: Uint8Array };
  markVerified(name: string, verified?: boolean): ContactView;
  acceptIdentityChange(name: string): ContactView;

  sendText(contact: string, text: string, replyTo?: MessageRef): MessageView;
  /** Like sendText, but group-committed with other sends of the same moment (the API uses this). */
  queueText(contact: string, text: string, replyTo?: MessageRef): Promise<MessageView>;
  /** Sends several texts in ONE transaction (group commit: one fsync for the lot). */
  sendTexts(contact: string, texts: readonly string[]): MessageView[];
  /** Like sendTexts, but group-committed with other sends of the same moment (the API uses this). */
  queueTexts(contact: string, texts: readonly string[]): Promise<MessageView[]>;
  react(contact: string, target: MessageRef, emoji: string): void;
  edit(contact: string, messageId: string, text: string): MessageView;
  deleteForEveryone(contact: string, messageId: string): MessageView;
  /**
   * Deletes a message (ours or theirs) on this device only: nothing is sent. Its file's encrypted
   * bytes go too. Resolves once they are gone; an `expired` event tells the UI.
   */
  deleteForMe(contact: string, key: { sender: 'self' | 'peer'; id: string }): Promise<void>;
  markRead(contact: string): number;
  /**
   * Marks a contact's or group's conversation unread ("Mark as unread"): it is listed as unread
   * (`markedUnread`) until it is read again (markRead, here or on another of our devices). The mark
   * is kept on this device only. Channels have none (`not-allowed`).
   */
  markUnread(contact: string): void;
  setTyping(contact: string, active: boolean): void;
  setDisappearing(contact: string, ms: number | null): void;
  messages(contact: string, query?: { before?: number; limit?: number }): MessageView[];
  /** Full-text search over every conversation, or one (docs/API.md `messages.search`), newest first. */
  search(params: SearchParams): SearchResult;

  message(contact: string, key: { sender: 'self' | 'peer'; id: string }): MessageView;
  conversations(): ConversationView[];

  /** Groups (docs/GROUPS.md); sending and listing take a group's name like a contact's. */
  createGroup(name: string, members: readonly string[]): GroupView;
  addToGroup(group: string, members: readonly string[]): GroupView;
  removeFromGroup(group: string, member: string): GroupView;
  /** Admins: make a member an admin (`admin`), or an admin a member again (`member`). */
  setGroupRole(group: string, member: string, role: 'admin' | 'member'): GroupView;
  leaveGroup(group: string): GroupView;
  renameGroup(group: string, newName: string): GroupView;
  /** An admin sets (bytes: PNG/JPEG/WebP/GIF ≤ 32 KiB) or removes (null) the group picture. */
  setGroupPicture(group: string, picture: Uint8Array | null): GroupView;
  groupPicture(group: string): GroupPicture | null;
  groups(): GroupView[];
  group(name: string): GroupView;
  /**
   * A group invitation (status `invited`) is a request: accepting it (by the group's name or id)
   * joins the group — only then are its members we do not know introduced and reached.
   */
  acceptGroup(group: string): GroupView;
  /** Declines a pending invitation: the members who are our contacts are told we leave. */
  declineGroup(group: string): GroupView;
}

export function createMessenger(options: MessengerOptions): Messenger {
  const events = new MessengerEmitter();
  const { blobs } = options;
  const ctx: Ctx = {
    limits: {
      attachmentMaxBytes: options.limits?.attachmentMaxBytes ?? ATTACHMENT_MAX_BYTES_DEFAULT,
      autoDownloadMaxBytes: options.limits?.autoDownloadMaxBytes ?? AUTO_DOWNLOAD_MAX_BYTES,
      groupTopicMinMembers: options.limits?.groupTopicMinMembers ?? GROUP_TOPIC_MIN_MEMBERS_DEFAULT,
      groupChangeBatchMs: options.limits?.groupChangeBatchMs ?? GROUP_CHANGE_BATCH_MS,
    },
    store: options.store,
    transport: options.transport,
    account: options.account,
    primitives: options.primitives,
    random: options.random,
    now: options.now ?? Date.now,
    events,
    settings: { readReceipts: true, ...options.settings },
  };
  const { store, transport } = ctx;
  const online = (peerId: string): boolean => transport.isConnected(peerId);
  const viewOf = (c: ContactRecord): ContactView =>
    contactView(c, online(c.peerId), transport.connectionKind(c.peerId));

  /** Views of the changed messages: built only when someone listens for them. */
  const viewsOf = (
    tx: ContactsTx & MessagesTx & AttachmentsTx & GroupsTx,
    contact: ContactRecord,
    keys: readonly (MessageKey | null)[],
  ): MessageView[] =>
    events.listening('message')
      ? keys.flatMap((k) => {
          const m = k && tx.getMessage(k);
          return m ? [groups.anyView(tx, contact, m)] : [];
        })
      : [];
  const emitMessages = (contact: ContactRecord, keys: readonly (MessageKey | null)[]): void => {
    if (!events.listening('message')) return;
    for (const v of store.transaction((tx) => viewsOf(tx, contact, keys))) events.emit('message', v);
  };
  const emitForPeer = (peerId: string, keys: readonly (MessageKey | null)[]): void => {
    if (!events.listening('message')) return;
    const contact = store.transaction((tx) => tx.getContactByPeerId(peerId));
    if (contact) emitMessages(contact, keys);
  };

  /**
   * Wakes the outbox pump for `peer` and for every other device its account's send may have
   * queued frames for (theirs, and ours for the sync copies): docs/MULTI-DEVICE.md.
   */
  const kick = (peer: string): void => {
    let peers = [peer];
    try {
      peers = store.transaction((tx) => fanoutPeers(ctx, tx, peer));
    } catch {
      // (a failing store says so elsewhere; the peer itself is still worth a try)
    }
    for (const p of peers) pump.kick(p);
  };
  /**
   * Who may talk to us, as what: contacts on every protocol; members we know only through a group
   * (`introduced`) on `/parley/msg` and `/parley/file` — what the group needs (docs/GROUPS.md): the
   * file server offers them only the files of groups they are in (groups/files.ts).
   */
  const admitted = new Map<string, ContactState>();
  const admit = (c: ContactRecord): void => void admitted.set(c.peerId, c.state);
  const admits = (peer: string, protocol?: AdmissionProtocol): boolean => {
    const state = admitted.get(peer);
    // (on /parley/file, the file server gives an introduced member only its groups' files)
    if (state !== undefined && (state !== 'introduced' || protocol === 'msg' || protocol === 'file'))
      return true;
    // a channel's followers fetch its posts' files from the posting device, strangers too in a
    // public channel: the file server offers them only those files (channels/files.ts)
    return protocol === 'file' && channels.admitsFileRequests(peer);
  };
  const groups = createGroups(ctx, {
    kick,
    download: (records) => downloads.start(records),
    // c.addresses are only those the introducing admin could reach itself (contacts/address-scope.ts).
    introduced: (c) => {
      admit(c);
      events.emit('contact', { contact: viewOf(c), removed: false });
      const hello = encodeFrame({ type: 'hello' }); // they may have written to us before we knew them
      void transport
        .connect(c.peerId, { addresses: c.addresses })
        .then(() => transport.send(c.peerId, hello))
        .catch(() => undefined);
    },
  });
  /** The last size told in an `outbox` event (-1: none since nobody listened). */
  let outboxTold = -1;
  let outboxTimer: ReturnType<typeof setTimeout> | undefined;
  const tellOutbox = (): void => {
    outboxTimer = undefined;
    if (!events.listening('outbox')) return;
    let size: number;
    try {
      size = store.transaction((tx) => tx.countOutbox());
    } catch {
      return; // a failing store says so elsewhere; the next change tries again
    }
    if (size === outboxTold) return;
    outboxTold = size;
    events.emit('outbox', { size });
  };
  const outboxMayHaveChanged = (): void => {
    if (!events.listening('outbox')) {
      outboxTold = -1;
      return;
    }
    outboxTimer ??= setTimeout(tellOutbox, OUTBOX_EVENT_MS);
  };
  const pump = new OutboxPump(ctx, {
    sizeMayHaveChanged: outboxMayHaveChanged,
    introduced: (contact, accepted) => {
      const current = store.transaction((tx) => tx.getContact(contact.id));
      if (current) events.emit('contact', { contact: viewOf(current), removed: false });
      if (current && accepted) {
        deviceSync.contact(current);
        deviceSync.announceTo(current);
      }
      if (!accepted) {
        events.emit('problem', {
          code: 'invite-refused',
          contact: contact.name,
          message: `${contact.name} refused the introduction (the invite expired or was already used); ask them for a new invite`,
        });
      }
    },
    changed: (keys) => statusChanged(keys),
    unreachable: (peer) => mailboxes.unreachable(peer),
  });
  /** Our messages' statuses changed (sent, stored): tell whoever shows them. */
  const statusChanged = (keys: readonly MessageKey[]): void => {
    const byPeer = new Map<string, MessageKey[]>();
    for (const k of keys) if (k) byPeer.set(k.conversationId, [...(byPeer.get(k.conversationId) ?? []), k]);
    for (const [conversationId, ks] of byPeer) {
      const contact = store.transaction((tx) => tx.getContact(conversationId));
      if (contact) emitMessages(contact, ks);
      else groups.emitMessages(ks);
    }
  };
  const mailboxes = createMailboxes(ctx, {
    kick,
    cardChanged: () => refreshOwnCard(ctx, kick),
    // Frames from a mailbox take the same path as frames from the peer (D2–D5).
    deliver: async (from, frames) => {
      for (const data of frames) await inbox.onFrame({ from, data });
      return inbox.whenDrained();
    },
    changed: statusChanged,
    inlineFiles: (peer, keys) => inlineFiles(ctx, blobs, peer, keys),
    inlineChunk: (peer, fileId, index, chunk) => downloads.offerInline(peer, fileId, index, chunk),
    ...(options.mailStore ? { mailStore: options.mailStore } : {}),
  });

  /** When we last heard from each peer in this run (a frame, or a connection): devices' lastSeen. */
  const lastHeard = new Map<string, number>();
  const heard = (peer: string): void => {
    lastHeard.delete(peer); // (re)inserted last: the map stays bounded, oldest first
    lastHeard.set(peer, ctx.now());
    if (lastHeard.size > LAST_HEARD_MAX) lastHeard.delete(lastHeard.keys().next().value as string);
  };
  const deviceSync = createDeviceSync(ctx, kick);
  const devices = deviceMethods(ctx, {
    kick,
    changed: () => devicesChanged(),
    lastSeen: (peer) => (transport.isConnected(peer) ? ctx.now() : (lastHeard.get(peer) ?? null)),
  });
  const links = new LinkOffers(ctx, (card, secret) => devices.approveDevice(card, secret).grant);
  const channels = createChannels(ctx, {
    kick,
    otherQuery: (peer, request) =>
      links.answer(request) ??
      answerHistory(ctx, peer, request) ??
      mailboxes.answer(peer, request) ??
      groups.answerQuery(peer, request),
    // /parley/query admission (channels/query.ts admitsQueries): contacts; and anyone while we hold
    // mail for a friend (their contacts deposit it; the deposit token decides, mailbox/server.ts).
    // And anyone while a device link is open (its proof decides, devices/link-protocol.ts).
    isContact: (peer) => admitted.has(peer) || mailboxes.hosting() || links.open(),
    download: (records) => downloads.start(records),
  });
  /** A group's file is told under the group's name (the conversation it is in); a channel's under its. */
  const groupFileName = (r: AttachmentRecord): string | undefined =>
    store.transaction((tx) =>
      tx.getConversation(r.message.conversationId)?.kind === 'group'
        ? groups.resolve(r.message.conversationId, tx)?.state.name
        : channels.nameOf(r.message.conversationId),
    );
  const downloads = new Downloads(ctx, blobs, groupFileName);
  const sendQueue = new SendQueue(ctx, kick);
  /** What a name means (conversation.ts), in ONE transaction. */
  const resolvers = {
    group: (name: string, tx: ContactsTx & GroupsTx) => groups.resolve(name, tx),
    channel: (name: string, tx: ContactsTx & ChannelsTx) => channels.resolve(name, tx),
  };
  const conversationOf = (name: string, withChannels = true) =>
    store.transaction((tx) => resolveConversation(tx, name, resolvers, withChannels));
  /** After a send to `name` failed: the group or channel it means, if the failure was "no such contact". */
  const otherTarget = (error: unknown, name: string) =>
    error instanceof CoreError && error.code === 'unknown-contact'
      ? conversationOf(name)
      : ({ kind: 'direct', name } as const);
  const direct = createDirectConversations(ctx, {
    kick,
    online,
    emitMessages,
  });
  const inbox = new Inbox(ctx, {
    see: (tx, batch) =>
      batch.map(({ contact, effects }) => {
        const current = tx.getContact(contact.id) ?? contact;
        const timer = effects.timerChanged ? (tx.getConversation(current.id)?.disappearingMs ?? null) : null;
        return { current, timer, views: viewsOf(tx, current, effects.messages) };
      }),
    applied: (batch, seen) => {
      for (const [i, { contact, effects }] of batch.entries()) {
        const { current, timer, views } = seen?.[i] ?? { current: contact, timer: null, views: [] };
        downloads.start(effects.downloads, effects.downloadsFrom);
        for (const v of views) events.emit('message', v);
        if (effects.typing !== undefined)
          events.emit('typing', { contact: current.name, active: effects.typing });
        if (effects.contactChanged) events.emit('contact', { contact: viewOf(current), removed: false });
        if (effects.contactSync) deviceSync.contact(current);
        if (effects.hybridCard) answerHybridCard(ctx, current, kick);
        if (effects.timerChanged)
          events.emit('conversation', { contact: current.name, disappearingMs: timer });
        if (effects.devices) devicesChanged();
        if (typeof effects.devices === 'object')
          events.emit('devices', { contact: current.name, ...effects.devices });
        groups.applied(effects);
        channels.applied(effects);
        mailboxes.applied(effects);
      }
    },
    parked: (contact, error) =>
      events.emit('problem', { code: 'parked', contact: contact.name, message: error }),
    acked: (peerId, { keys, seqs }) => {
      pump.settled(seqs, keys);
      emitForPeer(peerId, keys);
    },
    rejected: (peerId, { keys, seqs }) => {
      pump.settled(seqs, keys);
      emitForPeer(peerId, keys);
    },
    locate: (peer, digest) => pump.locate(peer, digest),
    hello: (peer) => pump.kick(peer, true),
    devicesChanged: () => devicesChanged(),
    ownMailbox: (peer, link) => mailboxes.followOwnDevice(peer, link),
    undelivered: (peer, frame) => mailboxes.undelivered(peer, frame),
  });

  /** A device list changed (ours or a contact's): who is admitted, and what groups owe. */
  const devicesChanged = (): void => {
    const before = new Set(admitted.keys());
    const devices = refreshAdmission();
    // A device we admit only now may have written to us before (refused then): HELLO makes it resend.
    const hello = encodeFrame({ type: 'hello' });
    for (const d of devices)
      if (!before.has(d.peerId) && transport.isConnected(d.peerId))
        void transport.send(d.peerId, hello).catch(() => undefined);
    groups.devicesChanged();
    channels.devicesChanged();
    mailboxes.devicesChanged();
  };

  /** Who may talk to us, from the store; returns the listed devices (ours and contacts'). */
  const refreshAdmission = (): ListedDevice[] => {
    admitted.clear();
    const { contacts, devices } = store.transaction((tx) => ({
      contacts: tx.listContacts(),
      devices: listedDevices(ctx, tx),
    }));
    for (const c of contacts) admit(c);
    // A contact's other devices as the contact; ours on every protocol (docs/MULTI-DEVICE.md).
    for (const d of devices) admitted.set(d.peerId, d.contact?.state ?? 'active');
    return devices;
  };

  let sweepTimer: ReturnType<typeof setInterval> | undefined;
  let backfill: SearchBackfill | undefined;
  let searchFlush: SearchFlush | undefined;
  let history: { stop(): void } | undefined;
  const unsubscribe: Array<() => void> = [];

  const sweep = (): void => {
    const now = ctx.now();
    store.transaction((tx) => rotateSignedPrekeys(tx, ctx.account, now, ctx.random, ctx.primitives));
    const expired = store.transaction((tx) => {
      const keys = tx.listExpired(now, 500);
      for (const k of keys) {
        tx.updateMessage(k, {
          body: new Uint8Array(0),
          deletedAt: now,
          expiresAt: null,
          error: EXPIRED_MARK,
        });
        for (const r of tx.listReactions(k.conversationId, k.sender, k.id)) {
          tx.deleteReaction(k.conversationId, k.sender, k.id, r.reactor);
        }
      }
      tx.pruneReceived(now - RECEIVED_RETENTION_MS);
      return keys;
    });
    for (const k of expired) {
      const contact = store.transaction((tx) => tx.getContact(k.conversationId));
      if (contact) events.emit('expired', { contact: contact.name, id: k.id });
    }
  };

  const { send, withContact } = direct;

  return {
    events,
    async start() {
      refreshAdmission();
      transport.setAdmission(admits);
      transport.setIntroductionHandler(async (frame) => {
        const outcome = receiveIntroduction(ctx, frame);
        if (!outcome.accepted) return false;
        admit(outcome.contact);
        if (outcome.fresh) refreshAdmission(); // (a linked device's introduction: that device too)
        if (outcome.keyChanged) {
          const c = outcome.contact;
          const notice = store.transaction((tx) =>
            insertNotice(ctx, tx, c.id, 'safety-number', keyChangedText(c.name)),
          );
          emitMessages(c, [notice]);
        }
        if (outcome.fresh) {
          events.emit('contact', { contact: viewOf(outcome.contact), removed: false });
          send(outcome.contact.name, { kind: 'welcome', name: ctx.account.info.name });
          deviceSync.contact(outcome.contact);
          deviceSync.announceTo(outcome.contact);
        }
        return true;
      });
      unsubscribe.push(
        transport.onFrame((f) => {
          heard(f.from);
          return inbox.onFrame(f);
        }),
      );
      transport.setFileServer((peer, request) =>
        serveFile(ctx, blobs, peer, request, {
          find: (tx, p, id) => groups.fileFor(tx, p, id) ?? channels.fileFor(tx, p, id),
          name: groupFileName,
        }),
      );
      unsubscribe.push(
        transport.onPeer((e) => {
          heard(e.peer);
          if (e.type === 'connected') {
            pump.kick(e.peer, true);
            downloads.resume(e.peer);
          }
          const contact = store.transaction((tx) => tx.getContactByPeerId(e.peer));
          if (contact) events.emit('contact', { contact: viewOf(contact), removed: false });
        }),
      );
      pump.start();
      groups.start();
      channels.start();
      mailboxes.start();
      downloads.resume();
      sweep();
      backfill = startSearchBackfill(ctx);
      searchFlush = startSearchFlush(ctx);
      history = startHistoryTransfer(ctx, (records, from) => downloads.start(records, from));
      refreshOwnCard(ctx, kick);
      tellHybridCard(ctx, kick);
      sweepTimer = setInterval(() => {
        try {
          sweep();
        } catch (error) {
          events.emit('problem', { code: 'store', message: `housekeeping failed: ${String(error)}` });
        }
      }, SWEEP_INTERVAL_MS);
      // Reach out to every contact at their last known addresses, so queued messages flow both ways.
      for (const c of store.transaction((tx) => tx.listContacts())) {
        void transport.connect(c.peerId, { addresses: c.addresses }).catch(() => undefined);
        pump.kick(c.peerId);
      }
      // And our other devices, and contacts' other devices, at the addresses their cards name. Ours
      // are told we are here (HELLO): what they wrote while we did not listen yet — a device just
      // linked, or one restarting over a connection that stayed up — comes again at once.
      const hello = encodeFrame({ type: 'hello' });
      for (const d of store.transaction((tx) => listedDevices(ctx, tx))) {
        const connected = transport.connect(d.peerId, { addresses: d.addresses });
        if (d.contact === null)
          void connected.then(() => transport.send(d.peerId, hello)).catch(() => undefined);
        else void connected.catch(() => undefined);
        pump.kick(d.peerId);
      }
    },
    async stop() {
      mailboxes.stop();
      pump.stop();
      channels.stop();
      groups.stop();
      downloads.stop();
      backfill?.stop();
      backfill = undefined;
      searchFlush?.stop();
      searchFlush = undefined;
      history?.stop();
      history = undefined;
      if (sweepTimer) clearInterval(sweepTimer);
      if (outboxTimer) clearTimeout(outboxTimer);
      outboxTimer = undefined;
      for (const u of unsubscribe.splice(0)) u();
    },
    status() {
      const { contacts, outbox, parked } = store.transaction((tx) => ({
        contacts: tx.listContacts(),
        outbox: tx.countOutbox(),
        parked: tx.listParked().length,
      }));
      return {
        peerId: ctx.account.info.peerId,
        name: ctx.account.info.name,
        addresses: transport.addresses(),
        contacts: contacts.length,
        online: contacts.filter((c) => online(c.peerId)).length,
        outbox,
        parked,
      };
    },
    settings: () => ctx.settings,
    updateSettings(patch) {
      ctx.settings = { ...ctx.settings, ...patch };
      return ctx.settings;
    },
    createInvite: (opts) => createInvite(ctx, opts),
    acceptInvite(link, name) {
      const contact = acceptInvite(ctx, link, name);
      admit(contact);
      refreshAdmission(); // (a linked device's invite: the contact speaks through that device)
      for (const peer of store.transaction((tx) => fanoutPeers(ctx, tx, contact.peerId)))
        pump.kick(peer, true);
      const view = viewOf(contact);
      events.emit('contact', { contact: view, removed: false });
      return view;
    },
    contacts: () => store.transaction((tx) => tx.listContacts()).map(viewOf),
    contact: (name) => withContact(name, viewOf),
    renameSelf(name) {
      const info = renameAccount(store, ctx.account, name);
      for (const peer of store.transaction((tx) => sendProfile(ctx, tx))) kick(peer);
      return { name: info.name };
    },
    renameContact(a, b) {
      const renamed = renameContact(ctx, a, b);
      deviceSync.contact(renamed);
      const view = viewOf(renamed);
      events.emit('contact', { contact: view, removed: false });
      return view;
    },
    removeContact(name) {
      const removed = removeContact(ctx, name);
      admitted.delete(removed.peerId);
      deviceSync.contact(removed, true);
      outboxMayHaveChanged(); // its queued frames went with it
      const view = viewOf(removed);
      events.emit('contact', { contact: view, removed: true });
      return view;
    },
    safetyNumber: (name) => withContact(name, (c) => contactSafetyNumber(ctx, c)),
    markVerified(name, verified = true) {
      const marked = markVerified(ctx, name, verified);
      deviceSync.contact(marked);
      return viewOf(marked);
    },
    acceptIdentityChange(name) {
      const accepted = acceptIdentityChange(ctx, name);
      const notice = store.transaction((tx) =>
        insertNotice(
          ctx,
          tx,
          accepted.id,
          'safety-number',
          `You accepted ${accepted.name}’s new safety number. Compare numbers to mark them verified again.`,
        ),
      );
      deviceSync.contact(accepted);
      emitMessages(accepted, [notice]);
      return viewOf(accepted);
    },
    sendText(name, text, replyTo) {
      const c = conversationOf(name);
      if (c.kind === 'group') return groups.sendText(c.group, text, replyTo);
      if (c.kind === 'channel') return channels.post(c.channel, text);
      return direct.sendText(name, text, replyTo);
    },
    // A contact's name (the common case) costs no lookup of its own: the send queue finds the
    // contact inside its shared commit. Any other name comes back as unknown-contact, and only
    // then is it looked up as a group's or a channel's (contacts still come first).
    queueText(name, text, replyTo) {
      const body: AppBody = replyTo ? { kind: 'text', text, replyTo } : { kind: 'text', text };
      return sendQueue.enqueue(name, body).catch((error: unknown) => {
        const c = otherTarget(error, name);
        if (c.kind === 'group') return groups.sendText(c.group, text, replyTo);
        if (c.kind === 'channel') return channels.post(c.channel, text);
        throw error;
      });
    },
    async queueTexts(name, texts) {
      checkBatch(texts);
      const bodies = texts.map((text): AppBody => ({ kind: 'text', text }));
      return sendQueue.enqueueMany(name, bodies).catch((error: unknown) => {
        const c = otherTarget(error, name);
        if (c.kind === 'group') return groups.sendTexts(c.group, texts);
        throw error;
      });
    },
    sendTexts(name, texts) {
      checkBatch(texts);
      const c = conversationOf(name, false);
      return c.kind === 'group' ? groups.sendTexts(c.group, texts) : direct.sendTexts(name, texts);
    },
    react(name, target, emoji) {
      const c = conversationOf(name, false);
      return c.kind === 'group' ? groups.react(c.group, target, emoji) : direct.react(name, target, emoji);
    },
    edit(name, id, text) {
      const c = conversationOf(name, false);
      return c.kind === 'group' ? groups.edit(c.group, id, text) : direct.edit(name, id, text);
    },
    deleteForEveryone(name, id) {
      const c = conversationOf(name, false);
      return c.kind === 'group' ? groups.deleteForEveryone(c.group, id) : direct.deleteForEveryone(name, id);
    },
    async deleteForMe(name, key) {
      const { label, records } = store.transaction((tx) => {
        const c = resolveConversation(tx, name, resolvers, false);
        let at: MessageKey | undefined;
        let label: string;
        if (c.kind === 'group') {
          const g = c.group;
          label = g.state.name;
          const senders = [...g.state.members.map((m) => m.peerId), ...g.prev.map((p) => p.peerId)];
          at = (key.sender === 'self' ? ['self'] : senders)
            .map((sender) => ({ conversationId: g.state.id, sender, id: key.id }))
            .find((k) => tx.getMessage(k) !== undefined);
        } else {
          const contact = findContact(tx, name);
          label = contact.name;
          at = {
            conversationId: contact.id,
            sender: key.sender === 'self' ? 'self' : contact.peerId,
            id: key.id,
          };
        }
        if (!at) throw new CoreError('unknown-message', `no message ${key.id} in ${name}`);
        return { label, records: deleteForMe(tx, ctx.account.vault, at, ctx.now()) };
      });
      for (const r of records) {
        downloads.cancel(r);
        await blobs.delete(await blobNameOf(ctx, blobs, r)).catch(() => undefined);
      }
      events.emit('expired', { contact: label, id: key.id });
    },
    markRead(name) {
      const c = conversationOf(name, false);
      return c.kind === 'group' ? groups.markRead(c.group) : direct.markRead(name);
    },
    markUnread(name) {
      store.transaction((tx) => {
        const c = resolveConversation(tx, name, resolvers);
        if (c.kind === 'channel') throw new CoreError('not-allowed', 'a channel cannot be marked unread');
        const id = c.kind === 'group' ? c.group.state.id : findContact(tx, name).id;
        if (!markConversationUnread(tx, id))
          throw new CoreError('unknown-contact', `no conversation with "${name}" yet`);
      });
    },
    setTyping(name, active) {
      const c = conversationOf(name, false);
      return c.kind === 'group' ? groups.setTyping(c.group, active) : direct.setTyping(name, active);
    },
    setDisappearing: (name, ms) => direct.setDisappearing(name, ms),
    messages(name, query = {}) {
      const c = conversationOf(name);
      if (c.kind === 'group') return groups.messages(c.group, query);
      if (c.kind === 'channel') return channels.posts(c.channel, query);
      return direct.messages(name, query);
    },
    search: (params) => search(ctx, resolvers, (g) => g.state.id, params),
    message(name, key) {
      const c = conversationOf(name, false);
      return c.kind === 'group' ? groups.message(c.group, key) : direct.message(name, key);
    },
    ...channelMethods(channels),
    ...attachmentMethods(ctx, { blobs, downloads, kick, groups, channels, groupFileName }),
    ...mailboxMethods(ctx, mailboxes),
    ...draftMethods(ctx, { ...resolvers, channelName: (id) => channels.nameOf(id) }),
    ...devices,
    createDeviceLink() {
      const offer = links.create();
      return { link: encodeDeviceLink(offer), expiresAt: offer.expiresAt };
    },
    createGroup: (name, members) => groups.createGroup(name, members),
    addToGroup: (group, members) => groups.addToGroup(group, members),
    removeFromGroup: (group, member) => groups.removeFromGroup(group, member),
    setGroupRole: (group, member, role) => groups.setMemberRole(group, member, role),
    leaveGroup: (group) => groups.leaveGroup(group),
    renameGroup: (group, newName) => groups.renameGroup(group, newName),
    setGroupPicture: (group, picture) => groups.setGroupPicture(group, picture),
    groupPicture: (group) => groups.groupPicture(group),
    groups: () => groups.groups(),
    group: (name) => groups.group(name),
    acceptGroup: (group) => groups.acceptGroup(group),
    declineGroup: (group) => groups.declineGroup(group),
    conversations() {
      return store.transaction((tx) =>
        tx.listContacts().flatMap((c) => {
          const conv = tx.getConversation(c.id);
          const last = lastShown(tx, c.id);
          // Members known only through a group are not listed until there is something to show.
          if (c.state === 'introduced' && !last) return [];
          return {
            id: c.id,
            contact: viewOf(c),
            lastMessage: last ? messageView(tx, ctx.account.vault, c, last) : null,
            unread: tx.countMessagesAfter(c.id, conv?.readUpTo ?? 0),
            markedUnread: conv?.markedUnread ?? false,
            disappearingMs: conv?.disappearingMs ?? null,
          };
        }),
      );
    },
  };
}
