/**
 * A read cache that lives for ONE transaction: a batch of 100–500 messages
 * asks for the same conversation, contact, group and "last sequence number /
 * sort key" rows once per message; here the second and later asks cost a Map
 * lookup instead of a SQLite statement.
 *
 * Correctness does not rest on callers: every write operation either keeps
 * the cache exact (insertMessage advances the cached maxima; outbox, inbox,
 * session… writes cannot change a cached row) or, for anything not listed as
 * such, empties it. The store empties it when a transaction begins or ends and
 * when a savepoint rolls back. Cached records are frozen, so a caller that
 * tried to modify one (and thereby the next caller's copy) fails loudly.
 */
import type { MessageKey, StoreTx } from '@parley/core';

export interface TxCache {
  /** `ops` with the cache in front. */
  readonly tx: StoreTx;
  /** Forgets everything (transaction start/end, savepoint rollback). */
  clear(): void;
}

/** Writes that cannot change any cached value (they touch other tables). */
const UNRELATED_WRITES: ReadonlySet<string> = new Set([
  'setMeta',
  'deleteMeta',
  'putSession',
  'deleteSession',
  'putPrekey',
  'deletePrekey',
  'putInvite',
  'deleteInvite',
  'putDraft',
  'deleteDraft',
  'enqueueOutbox',
  'updateOutbox',
  'markOutboxDeposited',
  'deleteOutbox',
  'takeOutboxByDigest',
  'takeOutbox',
  'putAttachment',
  'deleteAttachment',
  'putSenderKey',
  'deleteSenderKey',
  'putGroupLog',
  'pruneGroupLog',
  'deleteGroupLog',
  'putReceipt',
  'advanceReadMark',
  'deleteReadMarks',
  'putPost',
  'indexMessage',
  'indexPost',
  'flushSearchIndex',
  'markReceived',
  'pruneReceived',
  'park',
  'deleteParked',
]);

/** Reads are passed through (the cached ones are handled below). */
const isRead = (name: string): boolean => /^(get|list|has|max|count|find)[A-Z]/.test(name);

const messageId = (k: MessageKey): string => `${k.conversationId}\u0000${k.sender}\u0000${k.id}`;
const seqId = (conversationId: string, sender: string): string => `${conversationId}\u0000${sender}`;

/** `undefined` results are cached too (a miss is as stable as a hit within a transaction). */
class Memo<V> {
  readonly #map = new Map<string, V | undefined>();
  get(key: string, load: () => V | undefined): V | undefined {
    if (this.#map.has(key)) return this.#map.get(key);
    const value = load();
    this.#map.set(key, typeof value === 'object' && value !== null ? Object.freeze(value) : value);
    return value;
  }
  has(key: string): boolean {
    return this.#map.has(key);
  }
  peek(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    this.#map.set(key, value);
  }
  delete(key: string): void {
    this.#map.delete(key);
  }
  clear(): void {
    this.#map.clear();
  }
}

/** Cheap questions the cache may ask the database directly. */
export interface TxProbes {
  /** Whether the failures table has any row. */
  anyFailure(): boolean;
}

export function withTxCache(ops: StoreTx, probes: TxProbes): TxCache {
  const conversations = new Memo<ReturnType<StoreTx['getConversation']>>();
  const contactsById = new Memo<ReturnType<StoreTx['getContact']>>();
  const contactsByPeer = new Memo<ReturnType<StoreTx['getContactByPeerId']>>();
  const contactsByName = new Memo<ReturnType<StoreTx['getContactByName']>>();
  const groups = new Memo<ReturnType<StoreTx['getGroup']>>();
  const messages = new Memo<ReturnType<StoreTx['getMessage']>>();
  const maxSort = new Memo<number>();
  const maxSeq = new Memo<number>();
  const bySeq = new Memo<ReturnType<StoreTx['getMessageBySeq']>>();
  const reactions = new Memo<ReturnType<StoreTx['listReactions']>>();
  const all = [
    conversations,
    contactsById,
    contactsByPeer,
    contactsByName,
    groups,
    messages,
    maxSort,
    maxSeq,
    bySeq,
    reactions,
  ];
  /** Known: the failures table is empty (then clearing a failure has nothing to do). */
  let noFailures: boolean | undefined;
  const clear = (): void => {
    for (const memo of all) memo.clear();
    noFailures = undefined;
  };

  const cached: Partial<StoreTx> = {
    getConversation: (id) => conversations.get(id, () => ops.getConversation(id)),
    getContact: (id) => contactsById.get(id, () => ops.getContact(id)),
    getContactByPeerId: (peerId) => contactsByPeer.get(peerId, () => ops.getContactByPeerId(peerId)),
    getContactByName: (name) => contactsByName.get(name, () => ops.getContactByName(name)),
    getGroup: (id) => groups.get(id, () => ops.getGroup(id)),
    getMessage: (k) => messages.get(messageId(k), () => ops.getMessage(k)),
    getMessageBySeq: (c, sender, seq) =>
      bySeq.get(`${seqId(c, sender)}\u0000${seq}`, () => ops.getMessageBySeq(c, sender, seq)),
    maxSortKey: (c) => maxSort.get(c, () => ops.maxSortKey(c)) as number,
    maxSenderSeq: (c, s) => maxSeq.get(seqId(c, s), () => ops.maxSenderSeq(c, s)) as number,
    // Reactions of a message; a message just inserted has none (the store keeps no orphans).
    listReactions: (c, sender, id) =>
      reactions.get(messageId({ conversationId: c, sender, id }), () =>
        ops.listReactions(c, sender, id),
      ) as ReturnType<StoreTx['listReactions']>,
    putReaction: (r) => {
      reactions.delete(
        messageId({ conversationId: r.conversationId, sender: r.targetSender, id: r.targetId }),
      );
      ops.putReaction(r);
    },
    deleteReaction: (c, sender, id, reactor) => {
      reactions.delete(messageId({ conversationId: c, sender, id }));
      ops.deleteReaction(c, sender, id, reactor);
    },
    insertMessage: (m) => {
      const result = ops.insertMessage(m);
      messages.delete(messageId(m));
      if (result === 'inserted') {
        const row = Object.freeze({ ...m }); // exactly the row just written
        messages.set(messageId(m), row);
        reactions.set(messageId(m), Object.freeze([]) as unknown as ReturnType<StoreTx['listReactions']>);
        const sort = maxSort.peek(m.conversationId);
        if (sort !== undefined && m.sortKey > sort) maxSort.set(m.conversationId, m.sortKey);
        const id = seqId(m.conversationId, m.sender);
        const seq = maxSeq.peek(id);
        // getMessageBySeq answers the first of that seq by sort key: this row is it only if it is
        // the first of its seq (beyond the known highest, or known to be missing until now).
        const seqKey = `${id}\u0000${m.senderSeq}`;
        const first = (seq !== undefined && m.senderSeq > seq) || (bySeq.has(seqKey) && !bySeq.peek(seqKey));
        if (first) bySeq.set(seqKey, row);
        else bySeq.delete(seqKey);
        if (seq !== undefined && m.senderSeq > seq) maxSeq.set(id, m.senderSeq);
      }
      return result;
    },
    // A patch cannot move a message (no sortKey or senderSeq in MessagePatch).
    updateMessage: (k, patch) => {
      messages.delete(messageId(k));
      bySeq.clear();
      return ops.updateMessage(k, patch);
    },
    updateMessageIf: (k, from, patch) => {
      messages.delete(messageId(k));
      bySeq.clear();
      return ops.updateMessageIf(k, from, patch);
    },
    deleteMessage: (k) => {
      messages.delete(messageId(k));
      reactions.delete(messageId(k));
      bySeq.clear();
      maxSort.clear();
      maxSeq.clear();
      ops.deleteMessage(k);
    },
    putConversation: (c) => {
      conversations.delete(c.id);
      ops.putConversation(c);
    },
    putContact: (c) => {
      contactsById.clear();
      contactsByPeer.clear();
      contactsByName.clear();
      ops.putContact(c);
    },
    // Every received frame clears its failure count; almost always there is none at all.
    clearFailure: (peerId, digest) => {
      noFailures ??= !probes.anyFailure();
      if (!noFailures) ops.clearFailure(peerId, digest);
    },
    recordFailure: (peerId, digest, at) => {
      noFailures = false;
      return ops.recordFailure(peerId, digest, at);
    },
    putGroup: (g) => {
      groups.clear();
      ops.putGroup(g);
    },
  };

  const tx: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(ops) as Array<[string, (...args: unknown[]) => unknown]>) {
    const own = (cached as Record<string, unknown>)[name];
    if (own) tx[name] = own;
    else if (isRead(name) || UNRELATED_WRITES.has(name)) tx[name] = op;
    // Any other write (deletes that cascade, anything added later): forget everything, before and after.
    else
      tx[name] = (...args: unknown[]) => {
        clear();
        try {
          return op(...args);
        } finally {
          clear();
        }
      };
  }
  return { tx: tx as unknown as StoreTx, clear };
}
