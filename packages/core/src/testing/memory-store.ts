/**
 * An in-memory Store: the reference implementation of ports/store.ts, used by
 * core's tests and anywhere persistence is not wanted. It passes the same
 * compliance suite as `@parley/store` (SQLite), so behaviour — including
 * orderings the interface leaves open — matches it exactly.
 *
 * Transactions are real: every write goes through `write()`, which records
 * the previous value in an undo log; a throwing callback unwinds the log to
 * where it started. Nested calls join the outer transaction, and a nested
 * callback that throws undoes only its own writes (a savepoint), matching the
 * SQLite store's SAVEPOINT behaviour.
 */
import {
  type AttachmentRecord,
  type ChannelPostRecord,
  type ChannelRecord,
  type ContactRecord,
  type ConversationRecord,
  type DeviceRecord,
  type DraftRecord,
  type GroupLogRecord,
  type GroupRecord,
  type InviteRecord,
  type MessageKey,
  type MessagePatch,
  type MessageQuery,
  type MessageRecord,
  type OutboxRecord,
  type ParkedRecord,
  type PrekeyRecord,
  type ReactionRecord,
  type ReadMarkRecord,
  type ReceiptRecord,
  type Store,
  StoreClosedError,
  StoreConflictError,
  type StoreTx,
  type TakenOutboxRecord,
} from '../ports/index.ts';
import { type SearchDoc, searchOperations, unindexMessage, unindexPost } from './memory-search.ts';

const DEFAULT_MESSAGE_LIMIT = 50;

type Table<V> = Map<string, V>;
interface UndoEntry {
  readonly table: Table<unknown>;
  readonly key: string;
  readonly had: boolean;
  readonly previous: unknown;
}
/** A stored message with its insertion order, which breaks sortKey ties (SQLite: rowid). */
interface StoredMessage {
  readonly record: MessageRecord;
  readonly order: number;
}
interface Failure {
  readonly count: number;
  readonly at: number;
}
interface Tables {
  readonly meta: Table<Uint8Array>;
  readonly contacts: Table<ContactRecord>;
  readonly sessions: Table<Uint8Array>;
  /** owner → its latest device list and its devices' PeerIds, in order. */
  readonly deviceLists: Table<{ readonly list: Uint8Array; readonly peers: readonly string[] }>;
  readonly devices: Table<DeviceRecord>;
  readonly prekeys: Table<PrekeyRecord>;
  readonly invites: Table<InviteRecord>;
  readonly conversations: Table<ConversationRecord>;
  readonly messages: Table<StoredMessage>;
  readonly reactions: Table<ReactionRecord>;
  readonly outbox: Table<OutboxRecord>;
  /** (peerId, digest) → when it was (last) received. */
  readonly received: Table<number>;
  readonly failures: Table<Failure>;
  readonly parked: Table<ParkedRecord>;
  readonly attachments: Table<AttachmentRecord>;
  readonly groups: Table<GroupRecord>;
  readonly channels: Table<ChannelRecord>;
  readonly posts: Table<ChannelPostRecord>;
  readonly senderKeys: Table<Uint8Array>;
  readonly groupLog: Table<GroupLogRecord>;
  readonly receipts: Table<ReceiptRecord>;
  readonly readMarks: Table<ReadMarkRecord>;
  readonly drafts: Table<DraftRecord>;
  /** Sequences (outbox seq, message insertion order); rolled back like the rest. */
  readonly counters: Table<number>;
  /** The search index (memory-search.ts). */
  readonly searchDocs: Table<SearchDoc>;
  readonly searchRefs: Table<number>;
}

/** Unambiguous composite key (components may contain any character). */
const key = (...parts: ReadonlyArray<string | number>): string => JSON.stringify(parts);
/** Names are unique ignoring case; `@parley/store` folds names with the same function. */
const nameKey = (name: string): string => name.toLowerCase();

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
  return limit;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A deep copy of a record: fresh Uint8Arrays (plain ones, even from a Buffer),
 * arrays and nested objects, so neither side can change the other's bytes.
 */
function clone<T>(value: T): T {
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (Array.isArray(value)) return value.map(clone) as T;
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) copy[k] = clone(v);
  return copy as T;
}
const taken = (o: OutboxRecord): TakenOutboxRecord =>
  clone({ seq: o.seq, peerId: o.peerId, kind: o.kind, digest: o.digest, message: o.message });

const cloneOrUndefined = <T>(value: T | undefined): T | undefined =>
  value === undefined ? undefined : clone(value);
const copyKey = (k: MessageKey): MessageKey => ({
  conversationId: k.conversationId,
  sender: k.sender,
  id: k.id,
});

const messageKey = (k: MessageKey): string => key(k.conversationId, k.sender, k.id);
const reactionKey = (
  conversationId: string,
  targetSender: string,
  targetId: string,
  reactor: string,
): string => key(conversationId, targetSender, targetId, reactor);
const byOrder = (a: StoredMessage, b: StoredMessage): number =>
  a.record.sortKey - b.record.sortKey || a.order - b.order;
/** One sender's messages by sequence number (`sorted`: already byOrder, which breaks the ties). */
const bySenderSeq = (sorted: readonly StoredMessage[], sender: string): StoredMessage[] =>
  sorted.filter((m) => m.record.sender === sender).sort((a, b) => a.record.senderSeq - b.record.senderSeq);
const byCreated =
  <T extends { readonly createdAt: number }>(id: (x: T) => string) =>
  (a: T, b: T) =>
    a.createdAt - b.createdAt || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0);
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Creates an empty in-memory Store. */
export function createMemoryStore(): Store {
  const t: Tables = {
    meta: new Map<string, Uint8Array>(),
    contacts: new Map<string, ContactRecord>(),
    sessions: new Map<string, Uint8Array>(),
    deviceLists: new Map(),
    devices: new Map<string, DeviceRecord>(),
    prekeys: new Map<string, PrekeyRecord>(),
    invites: new Map<string, InviteRecord>(),
    conversations: new Map<string, ConversationRecord>(),
    messages: new Map<string, StoredMessage>(),
    reactions: new Map<string, ReactionRecord>(),
    outbox: new Map<string, OutboxRecord>(),
    received: new Map<string, number>(),
    failures: new Map<string, Failure>(),
    parked: new Map<string, ParkedRecord>(),
    attachments: new Map<string, AttachmentRecord>(),
    groups: new Map<string, GroupRecord>(),
    channels: new Map<string, ChannelRecord>(),
    posts: new Map<string, ChannelPostRecord>(),
    senderKeys: new Map<string, Uint8Array>(),
    groupLog: new Map<string, GroupLogRecord>(),
    receipts: new Map<string, ReceiptRecord>(),
    readMarks: new Map<string, ReadMarkRecord>(),
    drafts: new Map<string, DraftRecord>(),
    counters: new Map<string, number>(),
    searchDocs: new Map<string, SearchDoc>(),
    searchRefs: new Map<string, number>(),
  };
  const undo: UndoEntry[] = [];
  let depth = 0;
  let closed = false;

  /** The only way tables change: set (or delete, with `undefined`) and log the old value. */
  function write<V>(table: Table<V>, k: string, value: V | undefined): void {
    undo.push({ table: table as Table<unknown>, key: k, had: table.has(k), previous: table.get(k) });
    if (value === undefined) table.delete(k);
    else table.set(k, value);
  }
  function rollbackTo(mark: number): void {
    while (undo.length > mark) {
      const e = undo.pop() as UndoEntry;
      if (e.had) e.table.set(e.key, e.previous);
      else e.table.delete(e.key);
    }
  }
  function nextCounter(name: string): number {
    const n = (t.counters.get(name) ?? 0) + 1;
    write(t.counters, name, n);
    return n;
  }

  const tx = guardTx(createTxOperations(t, write, nextCounter), () => {
    if (closed) throw new StoreClosedError();
    if (depth === 0) throw new Error('a StoreTx was used outside its transaction callback');
  });

  return {
    transaction<T>(fn: (tx: StoreTx) => T): T {
      if (closed) throw new StoreClosedError();
      const mark = undo.length;
      depth++;
      try {
        const result = fn(tx);
        if (isThenable(result)) {
          // An async callback would keep writing after commit, outside any transaction.
          Promise.resolve(result).catch(() => {});
          throw new TypeError('the transaction callback must be synchronous (it returned a promise)');
        }
        return result;
      } catch (error) {
        rollbackTo(mark);
        throw error;
      } finally {
        depth--;
        if (depth === 0) undo.length = 0;
      }
    },
    close(): void {
      if (depth > 0) throw new Error('the store cannot be closed from inside a transaction');
      closed = true;
    },
  };
}

/** Wraps every operation so that it first runs `check` (closed store, stale tx). */
function guardTx(ops: StoreTx, check: () => void): StoreTx {
  const guarded: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(ops) as Array<[string, (...args: unknown[]) => unknown]>) {
    guarded[name] = (...args: unknown[]) => {
      check();
      return op(...args);
    };
  }
  return guarded as unknown as StoreTx;
}

type Write = <V>(table: Table<V>, k: string, value: V | undefined) => void;

function createTxOperations(t: Tables, write: Write, next: (counter: string) => number): StoreTx {
  return {
    ...accountOperations(t, write),
    ...contactOperations(t, write),
    ...deviceOperations(t, write),
    ...messageOperations(t, write, next),
    ...outboxOperations(t, write, next),
    ...inboxOperations(t, write),
    ...attachmentOperations(t, write),
    ...groupOperations(t, write),
    ...channelOperations(t, write),
    ...draftOperations(t, write),
    ...searchOperations(t, write, {
      message: (k) => t.messages.get(messageKey(k))?.record.deletedAt === null,
      post: (c, publisher, seq) => t.posts.has(key(c, publisher, seq)),
    }),
  };
}

type DraftOps = 'putDraft' | 'getDraft' | 'listDrafts' | 'deleteDraft';
function draftOperations(t: Tables, write: Write): Pick<StoreTx, DraftOps> {
  return {
    putDraft: (d) => write(t.drafts, d.conversationId, clone(d)),
    getDraft: (id) => cloneOrUndefined(t.drafts.get(id)),
    listDrafts: () =>
      [...t.drafts.values()]
        .sort((a, b) => a.updatedAt - b.updatedAt || compareText(a.conversationId, b.conversationId))
        .map(clone),
    deleteDraft: (id) => write(t.drafts, id, undefined),
  };
}

type ChannelOps =
  | 'putChannel'
  | 'getChannel'
  | 'listChannels'
  | 'deleteChannel'
  | 'putPost'
  | 'getPost'
  | 'listPosts'
  | 'listPostsAfter'
  | 'maxPostSeq'
  | 'countPosts';
function channelOperations(t: Tables, write: Write): Pick<StoreTx, ChannelOps> {
  const ofChannel = (id: string): ChannelPostRecord[] =>
    [...t.posts.values()]
      .filter((p) => p.channelId === id)
      .sort((a, b) => a.sortKey - b.sortKey || compareText(a.publisher, b.publisher) || a.seq - b.seq);
  return {
    putChannel: (c) => write(t.channels, c.id, clone(c)),
    getChannel: (id) => cloneOrUndefined(t.channels.get(id)),
    listChannels: () => [...t.channels.values()].sort(byCreated((c) => c.id)).map(clone),
    deleteChannel: (id) => {
      write(t.channels, id, undefined);
      write(t.drafts, id, undefined);
      for (const p of ofChannel(id)) {
        write(t.posts, key(p.channelId, p.publisher, p.seq), undefined);
        unindexPost(t, write, p.channelId, p.publisher, p.seq);
      }
    },
    putPost: (p) => {
      const k = key(p.channelId, p.publisher, p.seq);
      if (t.posts.has(k)) return 'duplicate';
      write(t.posts, k, clone(p));
      return 'inserted';
    },
    getPost: (id, publisher, seq) => cloneOrUndefined(t.posts.get(key(id, publisher, seq))),
    listPosts: (id, query = {}) => {
      const { before, after } = query;
      const limit = checkLimit(query.limit ?? DEFAULT_MESSAGE_LIMIT);
      const range = ofChannel(id).filter(
        (p) => (after === undefined || p.sortKey > after) && (before === undefined || p.sortKey < before),
      );
      const page =
        after !== undefined && before === undefined
          ? range.slice(0, limit)
          : range.slice(Math.max(0, range.length - limit));
      return page.map(clone);
    },
    listPostsAfter: (id, publisher, afterSeq, limit) =>
      ofChannel(id)
        .filter((p) => p.publisher === publisher && p.seq > afterSeq)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, checkLimit(limit))
        .map(clone),
    maxPostSeq: (id, publisher) =>
      [...t.posts.values()]
        .filter((p) => p.channelId === id && p.publisher === publisher)
        .reduce((max, p) => Math.max(max, p.seq), 0),
    countPosts: (id) => [...t.posts.values()].filter((p) => p.channelId === id).length,
  };
}

type GroupOps =
  | 'putGroup'
  | 'getGroup'
  | 'listGroups'
  | 'deleteGroup'
  | 'putSenderKey'
  | 'getSenderKey'
  | 'deleteSenderKey'
  | 'putReceipt'
  | 'listReceipts'
  | 'advanceReadMark'
  | 'listReadMarks'
  | 'deleteReadMarks'
  | 'putGroupLog'
  | 'listGroupLog'
  | 'pruneGroupLog'
  | 'deleteGroupLog';
function groupOperations(t: Tables, write: Write): Pick<StoreTx, GroupOps> {
  const logOf = (groupId: string, sender?: string): GroupLogRecord[] =>
    [...t.groupLog.values()].filter(
      (e) => e.groupId === groupId && (sender === undefined || e.sender === sender),
    );
  const logKey = (e: GroupLogRecord): string => key(e.groupId, e.sender, e.keyId, e.iteration);
  const marksOf = (groupId: string): ReadMarkRecord[] =>
    [...t.readMarks.values()].filter((m) => m.groupId === groupId);
  return {
    putGroupLog: (e) => {
      if (t.groupLog.has(logKey(e))) return 'duplicate';
      write(t.groupLog, logKey(e), clone(e));
      return 'inserted';
    },
    listGroupLog: (groupId, keyId, fromIteration, limit) =>
      logOf(groupId)
        .filter((e) => e.keyId === keyId && e.iteration >= fromIteration)
        .sort((a, b) => a.iteration - b.iteration || compareText(a.sender, b.sender))
        .slice(0, Math.max(0, limit))
        .map(clone),
    pruneGroupLog: (groupId, sender, keep) => {
      const old = logOf(groupId, sender)
        .sort((a, b) => b.receivedAt - a.receivedAt || b.iteration - a.iteration)
        .slice(Math.max(0, keep));
      for (const e of old) write(t.groupLog, logKey(e), undefined);
      return old.length;
    },
    deleteGroupLog: (groupId, sender) => {
      for (const e of logOf(groupId, sender)) write(t.groupLog, logKey(e), undefined);
    },
    putGroup: (g) => write(t.groups, g.id, clone(g)),
    getGroup: (id) => cloneOrUndefined(t.groups.get(id)),
    listGroups: () => [...t.groups.values()].sort(byCreated((g) => g.id)).map(clone),
    deleteGroup: (id) => {
      write(t.groups, id, undefined);
      write(t.drafts, id, undefined);
      for (const k of [...t.senderKeys.keys()])
        if (JSON.parse(k)[0] === id) write(t.senderKeys, k, undefined);
      for (const k of [...t.groupLog.keys()]) if (JSON.parse(k)[0] === id) write(t.groupLog, k, undefined);
      for (const m of marksOf(id)) write(t.readMarks, key(m.groupId, m.peerId), undefined);
    },
    putSenderKey: (groupId, peerId, state) => write(t.senderKeys, key(groupId, peerId), clone(state)),
    getSenderKey: (groupId, peerId) => cloneOrUndefined(t.senderKeys.get(key(groupId, peerId))),
    deleteSenderKey: (groupId, peerId) => write(t.senderKeys, key(groupId, peerId), undefined),
    putReceipt: (r) => write(t.receipts, key(r.conversationId, r.sender, r.id, r.peerId), clone(r)),
    listReceipts: (m) =>
      [...t.receipts.values()]
        .filter((r) => r.conversationId === m.conversationId && r.sender === m.sender && r.id === m.id)
        .sort((a, b) => compareText(a.peerId, b.peerId))
        .map(clone),
    advanceReadMark: (m) => {
      const k = key(m.groupId, m.peerId);
      if ((t.readMarks.get(k)?.seq ?? 0) >= m.seq) return false;
      write(t.readMarks, k, clone(m));
      return true;
    },
    listReadMarks: (groupId) =>
      marksOf(groupId)
        .sort((a, b) => compareText(a.peerId, b.peerId))
        .map(clone),
    deleteReadMarks: (groupId, peerId) => {
      for (const m of marksOf(groupId))
        if (peerId === undefined || m.peerId === peerId)
          write(t.readMarks, key(m.groupId, m.peerId), undefined);
    },
  };
}

type AttachmentOps =
  | 'putAttachment'
  | 'getAttachment'
  | 'findAttachments'
  | 'listAttachments'
  | 'deleteAttachment';
function attachmentOperations(t: Tables, write: Write): Pick<StoreTx, AttachmentOps> {
  const sorted = (filter: (a: AttachmentRecord) => boolean): AttachmentRecord[] =>
    [...t.attachments.values()]
      .filter(filter)
      .sort(byCreated((a) => key(a.direction, a.peerId, a.id)))
      .map(clone);
  return {
    putAttachment: (a) => write(t.attachments, key(a.direction, a.peerId, a.id), clone(a)),
    getAttachment: (direction, peerId, id) => cloneOrUndefined(t.attachments.get(key(direction, peerId, id))),
    findAttachments: (peerId, id) => sorted((a) => a.peerId === peerId && a.id === id),
    listAttachments: (state) => sorted((a) => state === undefined || a.state === state),
    deleteAttachment: (direction, peerId, id) => write(t.attachments, key(direction, peerId, id), undefined),
  };
}

type AccountOps = 'getMeta' | 'setMeta' | 'deleteMeta' | 'putPrekey' | 'getPrekey' | 'deletePrekey';
function accountOperations(t: Tables, write: Write): Pick<StoreTx, AccountOps | 'listPrekeys'> {
  return {
    getMeta: (k) => cloneOrUndefined(t.meta.get(k)),
    setMeta: (k, value) => write(t.meta, k, clone(value)),
    deleteMeta: (k) => write(t.meta, k, undefined),
    putPrekey: (p) => write(t.prekeys, key(p.kind, p.id), clone(p)),
    getPrekey: (kind, id) => cloneOrUndefined(t.prekeys.get(key(kind, id))),
    deletePrekey: (kind, id) => write(t.prekeys, key(kind, id), undefined),
    listPrekeys: (kind) =>
      [...t.prekeys.values()]
        .filter((p) => p.kind === kind)
        .sort((a, b) => a.id - b.id)
        .map((p) => ({ id: p.id, createdAt: p.createdAt })),
  };
}

type ContactOps = 'putContact' | 'getContact' | 'getContactByPeerId' | 'getContactByName' | 'listContacts';
type SessionOps = 'deleteContact' | 'getSession' | 'putSession' | 'deleteSession';
type InviteOps = 'putInvite' | 'getInvite' | 'deleteInvite' | 'listInvites';
type DeviceOps =
  | 'getDeviceList'
  | 'putDeviceList'
  | 'deleteDeviceList'
  | 'getDevice'
  | 'listDevices'
  | 'setDeviceCard';
function forgetDevices(t: Tables, write: Write, owner: string): void {
  for (const peer of t.deviceLists.get(owner)?.peers ?? []) write(t.devices, peer, undefined);
  write(t.deviceLists, owner, undefined);
}
function deviceOperations(t: Tables, write: Write): Pick<StoreTx, DeviceOps> {
  return {
    getDeviceList: (owner) => cloneOrUndefined(t.deviceLists.get(owner)?.list),
    putDeviceList: (owner, list, devices) => {
      for (const d of devices) {
        const other = t.devices.get(d.peerId);
        if (other && other.owner !== owner)
          throw new StoreConflictError('peerId', `the device ${d.peerId} belongs to another account`);
      }
      forgetDevices(t, write, owner);
      for (const d of devices) write(t.devices, d.peerId, clone({ ...d, owner }));
      write(t.deviceLists, owner, { list: clone(list), peers: devices.map((d) => d.peerId) });
    },
    deleteDeviceList: (owner) => forgetDevices(t, write, owner),
    getDevice: (peerId) => cloneOrUndefined(t.devices.get(peerId)),
    listDevices: (owner) =>
      (t.deviceLists.get(owner)?.peers ?? []).flatMap((p) => {
        const d = t.devices.get(p);
        return d ? [clone(d)] : [];
      }),
    setDeviceCard: (peerId, card) => {
      const d = t.devices.get(peerId);
      if (!d) return false;
      write(t.devices, peerId, { ...d, card: clone(card) });
      return true;
    },
  };
}

function contactOperations(t: Tables, write: Write): Pick<StoreTx, ContactOps | SessionOps | InviteOps> {
  const find = (match: (c: ContactRecord) => boolean): ContactRecord | undefined => {
    for (const c of t.contacts.values()) if (match(c)) return clone(c);
    return undefined;
  };
  return {
    putContact: (c) => {
      if (find((o) => o.id !== c.id && o.peerId === c.peerId)) {
        throw new StoreConflictError('peerId', `another contact already has the PeerId ${c.peerId}`);
      }
      if (find((o) => o.id !== c.id && nameKey(o.name) === nameKey(c.name))) {
        throw new StoreConflictError(
          'name',
          `another contact is already named "${c.name}"; choose another name`,
        );
      }
      write(t.contacts, c.id, clone(c));
    },
    getContact: (id) => find((c) => c.id === id),
    getContactByPeerId: (peerId) => find((c) => c.peerId === peerId),
    getContactByName: (name) => find((c) => nameKey(c.name) === nameKey(name)),
    listContacts: () => [...t.contacts.values()].sort(byCreated((c) => c.id)).map(clone),
    deleteContact: (id) => {
      write(t.contacts, id, undefined);
      const keys = [id, ...(t.deviceLists.get(id)?.peers ?? []).map((peer) => `${id}@${peer}`)];
      for (const key of keys) for (const k of [key, `${key}#previous`]) write(t.sessions, k, undefined);
      forgetDevices(t, write, id);
    },
    getSession: (id) => cloneOrUndefined(t.sessions.get(id)),
    putSession: (id, state) => write(t.sessions, id, clone(state)),
    deleteSession: (id) => write(t.sessions, id, undefined),
    putInvite: (i) => write(t.invites, i.tokenHash, clone(i)),
    getInvite: (h) => cloneOrUndefined(t.invites.get(h)),
    deleteInvite: (h) => write(t.invites, h, undefined),
    listInvites: () => [...t.invites.values()].sort(byCreated((i) => i.tokenHash)).map(clone),
  };
}

type ConversationOps = 'putConversation' | 'getConversation' | 'listConversations' | 'deleteConversation';
type MessageOps =
  | 'insertMessage'
  | 'getMessage'
  | 'updateMessage'
  | 'updateMessageIf'
  | 'listMessages'
  | 'getMessageBySeq'
  | 'getNextMessageBySeq'
  | 'getPreviousMessageBySeq'
  | 'maxSortKey'
  | 'maxSenderSeq'
  | 'countMessagesAfter'
  | 'listExpired'
  | 'deleteMessage';
type ReactionOps = 'putReaction' | 'deleteReaction' | 'listReactions';
function messageOperations(
  t: Tables,
  write: Write,
  next: (counter: string) => number,
): Pick<StoreTx, ConversationOps | MessageOps | ReactionOps> {
  const inConversation = (id: string): StoredMessage[] =>
    [...t.messages.values()].filter((m) => m.record.conversationId === id).sort(byOrder);
  const reactionsOf = (match: (r: ReactionRecord) => boolean): string[] =>
    [...t.reactions.entries()].filter(([, r]) => match(r)).map(([k]) => k);
  return {
    putConversation: (c) => write(t.conversations, c.id, clone(c)),
    getConversation: (id) => cloneOrUndefined(t.conversations.get(id)),
    listConversations: () => [...t.conversations.values()].sort(byCreated((c) => c.id)).map(clone),
    deleteConversation: (id) => {
      write(t.conversations, id, undefined);
      write(t.drafts, id, undefined);
      for (const m of inConversation(id)) {
        write(t.messages, messageKey(m.record), undefined);
        unindexMessage(t, write, m.record);
      }
      for (const k of reactionsOf((r) => r.conversationId === id)) write(t.reactions, k, undefined);
      for (const [k, r] of [...t.receipts.entries()])
        if (r.conversationId === id) write(t.receipts, k, undefined);
    },
    insertMessage: (m) => {
      if (t.messages.has(messageKey(m))) return 'duplicate';
      write(t.messages, messageKey(m), { record: clone(m), order: next('message') });
      return 'inserted';
    },
    getMessage: (k) => cloneOrUndefined(t.messages.get(messageKey(k))?.record),
    updateMessage: (k, patch) => {
      const stored = t.messages.get(messageKey(k));
      if (stored === undefined) return false;
      write(t.messages, messageKey(k), { record: applyPatch(stored.record, patch), order: stored.order });
      if (patch.deletedAt != null) unindexMessage(t, write, k);
      return true;
    },
    updateMessageIf: (k, from, patch) => {
      const stored = t.messages.get(messageKey(k));
      if (stored === undefined || !from.includes(stored.record.status)) return false;
      write(t.messages, messageKey(k), { record: applyPatch(stored.record, patch), order: stored.order });
      if (patch.deletedAt != null) unindexMessage(t, write, k);
      return true;
    },
    listMessages: (id, query = {}) => selectRange(inConversation(id), query).map((m) => clone(m.record)),
    getMessageBySeq: (id, sender, seq) =>
      cloneOrUndefined(
        inConversation(id).find((m) => m.record.sender === sender && m.record.senderSeq === seq)?.record,
      ),
    // By (senderSeq, sortKey, insertion order), as SQLite's index on (…, sender_seq, sort_key) + rowid.
    getNextMessageBySeq: (id, sender, seq) =>
      cloneOrUndefined(bySenderSeq(inConversation(id), sender).find((m) => m.record.senderSeq > seq)?.record),
    getPreviousMessageBySeq: (id, sender, seq) =>
      cloneOrUndefined(
        bySenderSeq(inConversation(id), sender).findLast((m) => m.record.senderSeq < seq)?.record,
      ),
    maxSortKey: (id) => inConversation(id).reduce((max, m) => Math.max(max, m.record.sortKey), 0),
    maxSenderSeq: (id, sender) =>
      inConversation(id)
        .filter((m) => m.record.sender === sender)
        .reduce((max, m) => Math.max(max, m.record.senderSeq), 0),
    countMessagesAfter: (id, after) =>
      inConversation(id).filter(
        (m) => m.record.sender !== 'self' && m.record.sender !== 'notice' && m.record.sortKey > after,
      ).length,
    listExpired: (now, limit) =>
      [...t.messages.values()]
        .filter((m) => m.record.expiresAt !== null && m.record.expiresAt <= now)
        .sort((a, b) => (a.record.expiresAt as number) - (b.record.expiresAt as number) || a.order - b.order)
        .slice(0, checkLimit(limit))
        .map((m) => copyKey(m.record)),
    deleteMessage: (k) => {
      write(t.messages, messageKey(k), undefined);
      unindexMessage(t, write, k);
      const ofMessage = (r: ReactionRecord) =>
        r.conversationId === k.conversationId && r.targetSender === k.sender && r.targetId === k.id;
      for (const rk of reactionsOf(ofMessage)) write(t.reactions, rk, undefined);
      for (const [rk, r] of [...t.receipts.entries()])
        if (r.conversationId === k.conversationId && r.sender === k.sender && r.id === k.id)
          write(t.receipts, rk, undefined);
    },
    // Only for a message that is there (no orphans: a message inserted later starts with none).
    putReaction: (r) => {
      const target = { conversationId: r.conversationId, sender: r.targetSender, id: r.targetId };
      if (!t.messages.has(messageKey(target))) return;
      write(t.reactions, reactionKey(r.conversationId, r.targetSender, r.targetId, r.reactor), clone(r));
    },
    deleteReaction: (c, s, id, reactor) => write(t.reactions, reactionKey(c, s, id, reactor), undefined),
    listReactions: (c, s, id) =>
      [...t.reactions.values()]
        .filter((r) => r.conversationId === c && r.targetSender === s && r.targetId === id)
        .sort((a, b) => a.at - b.at || compareText(a.reactor, b.reactor))
        .map(clone),
  };
}

function applyPatch(m: MessageRecord, patch: MessagePatch): MessageRecord {
  // `undefined` means "leave as is", as an absent key would.
  return {
    ...m,
    body: patch.body === undefined ? m.body : clone(patch.body),
    status: patch.status ?? m.status,
    error: patch.error === undefined ? m.error : patch.error,
    expiresAt: patch.expiresAt === undefined ? m.expiresAt : patch.expiresAt,
    editedAt: patch.editedAt === undefined ? m.editedAt : patch.editedAt,
    deletedAt: patch.deletedAt === undefined ? m.deletedAt : patch.deletedAt,
  };
}

/** MessageQuery semantics: the oldest `limit` when only `after` is set, else the newest. */
function selectRange(sorted: StoredMessage[], query: MessageQuery): StoredMessage[] {
  const { before, after } = query;
  const limit = checkLimit(query.limit ?? DEFAULT_MESSAGE_LIMIT);
  const range = sorted.filter(
    (m) =>
      (after === undefined || m.record.sortKey > after) &&
      (before === undefined || m.record.sortKey < before),
  );
  if (after !== undefined && before === undefined) return range.slice(0, limit);
  return range.slice(Math.max(0, range.length - limit));
}

type OutboxOps =
  | 'enqueueOutbox'
  | 'listOutbox'
  | 'getOutboxByDigest'
  | 'takeOutboxByDigest'
  | 'takeOutbox'
  | 'updateOutbox'
  | 'deleteOutbox'
  | 'markOutboxDeposited';
function outboxOperations(
  t: Tables,
  write: Write,
  next: (counter: string) => number,
): Pick<StoreTx, OutboxOps | 'countOutbox'> {
  const ofPeer = (peerId: string | undefined): OutboxRecord[] =>
    [...t.outbox.values()]
      .filter((o) => peerId === undefined || o.peerId === peerId)
      .sort((a, b) => a.seq - b.seq);
  return {
    enqueueOutbox: (record) => {
      const seq = next('outbox');
      write(t.outbox, String(seq), clone({ ...record, seq, depositedAt: null }));
      return seq;
    },
    listOutbox: (peerId, afterSeq = 0) =>
      ofPeer(peerId)
        .filter((o) => o.seq > afterSeq)
        .map(clone),
    getOutboxByDigest: (peerId, digest) => cloneOrUndefined(ofPeer(peerId).find((o) => o.digest === digest)),
    takeOutbox: (seq, peerId, digest) => {
      const o = t.outbox.get(String(seq));
      if (o === undefined || o.peerId !== peerId || o.digest !== digest) return undefined;
      write(t.outbox, String(seq), undefined);
      return taken(o);
    },
    takeOutboxByDigest: (peerId, digest) => {
      const o = ofPeer(peerId).find((e) => e.digest === digest);
      if (!o) return undefined;
      write(t.outbox, String(o.seq), undefined);
      return taken(o);
    },
    updateOutbox: (seq, patch) => {
      const o = t.outbox.get(String(seq));
      if (o === undefined) return;
      const { attempts, nextAttemptAt, lastError } = patch;
      write(t.outbox, String(seq), { ...o, attempts, nextAttemptAt, lastError });
    },
    deleteOutbox: (seq) => write(t.outbox, String(seq), undefined),
    markOutboxDeposited: (seqs, at) => {
      for (const seq of seqs) {
        const o = t.outbox.get(String(seq));
        if (o !== undefined) write(t.outbox, String(seq), { ...o, depositedAt: at });
      }
    },
    countOutbox: (peerId) => ofPeer(peerId).length,
  };
}

type InboxOps = 'hasReceived' | 'markReceived' | 'pruneReceived' | 'recordFailure' | 'clearFailure';
function inboxOperations(
  t: Tables,
  write: Write,
): Pick<StoreTx, InboxOps | 'park' | 'listParked' | 'deleteParked'> {
  return {
    hasReceived: (peerId, digest) => t.received.has(key(peerId, digest)),
    markReceived: (peerId, digest, at) => {
      // Keep the latest time: a frame seen again is remembered from then on.
      const previous = t.received.get(key(peerId, digest));
      write(t.received, key(peerId, digest), previous === undefined ? at : Math.max(previous, at));
    },
    pruneReceived: (before) => {
      const old = [...t.received.entries()].filter(([, at]) => at < before).map(([k]) => k);
      for (const k of old) write(t.received, k, undefined);
      return old.length;
    },
    recordFailure: (peerId, digest, at) => {
      const count = (t.failures.get(key(peerId, digest))?.count ?? 0) + 1;
      write(t.failures, key(peerId, digest), { count, at });
      return count;
    },
    clearFailure: (peerId, digest) => write(t.failures, key(peerId, digest), undefined),
    park: (p) => write(t.parked, key(p.peerId, p.digest), clone(p)),
    listParked: () =>
      [...t.parked.values()]
        .sort(
          (a, b) =>
            a.parkedAt - b.parkedAt || compareText(a.peerId, b.peerId) || compareText(a.digest, b.digest),
        )
        .map(clone),
    deleteParked: (peerId, digest) => write(t.parked, key(peerId, digest), undefined),
  };
}
