/**
 * StoreTx operations on conversations, messages and reactions. Ties in
 * sortKey are broken by insertion order (the rowid `pk`), as in
 * createMemoryStore().
 */

import type { MessageKey, MessagePatch, MessageQuery, MessageStatus, StoreTx } from '@parley/core';
import type { SqlValue } from './driver.ts';
import { checkLimit, pageBySortKey } from './paging.ts';
import { num, toConversation, toDraft, toMessage, toMessageKey, toReaction } from './rows.ts';
import { bool, type Statements } from './statements.ts';

const KEY = 'conversation_id = ? AND sender = ? AND id = ?';
const BY_SENDER = 'conversation_id = ? AND sender = ?';
const keyParams = (k: MessageKey): SqlValue[] => [k.conversationId, k.sender, k.id];

type ConversationOps = 'putConversation' | 'getConversation' | 'listConversations' | 'deleteConversation';
export function conversationOperations(s: Statements): Pick<StoreTx, ConversationOps> {
  return {
    putConversation: (c) => {
      s.run(
        `INSERT INTO conversations (id, kind, disappearing_ms, read_up_to, marked_unread, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, disappearing_ms = excluded.disappearing_ms,
           read_up_to = excluded.read_up_to, marked_unread = excluded.marked_unread,
           created_at = excluded.created_at`,
        ...[c.id, c.kind, c.disappearingMs, c.readUpTo, bool(c.markedUnread), c.createdAt],
      );
    },
    getConversation: (id) => {
      const row = s.get('SELECT * FROM conversations WHERE id = ?', id);
      return row === undefined ? undefined : toConversation(row);
    },
    listConversations: () => s.all('SELECT * FROM conversations ORDER BY created_at, id').map(toConversation),
    deleteConversation: (id) => {
      s.scrub();
      s.run('DELETE FROM messages WHERE conversation_id = ?', id);
      s.run('DELETE FROM reactions WHERE conversation_id = ?', id);
      s.run('DELETE FROM receipts WHERE conversation_id = ?', id);
      s.run('DELETE FROM drafts WHERE conversation_id = ?', id);
      s.run('DELETE FROM conversations WHERE id = ?', id);
    },
  };
}

const INSERT_MESSAGE = `INSERT INTO messages (conversation_id, sender, id, sender_seq, kind, body, sent_at, received_at,
  sort_key, status, error, expires_at, edited_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (conversation_id, sender, id) DO NOTHING`;

type ReadOps =
  | 'listMessages'
  | 'getMessageBySeq'
  | 'getNextMessageBySeq'
  | 'getPreviousMessageBySeq'
  | 'maxSortKey'
  | 'maxSenderSeq'
  | 'countMessagesAfter';
type WriteOps =
  | 'insertMessage'
  | 'getMessage'
  | 'updateMessage'
  | 'updateMessageIf'
  | 'listExpired'
  | 'deleteMessage';
export function messageOperations(s: Statements): Pick<StoreTx, ReadOps | WriteOps> {
  return {
    insertMessage: (m) => {
      const changed = s.run(
        INSERT_MESSAGE,
        ...[...keyParams(m), m.senderSeq, m.kind, m.body, m.sentAt, m.receivedAt, m.sortKey],
        ...[m.status, m.error, m.expiresAt, m.editedAt, m.deletedAt],
      );
      return changed === 1 ? 'inserted' : 'duplicate';
    },
    getMessage: (k) => {
      const row = s.get(`SELECT * FROM messages WHERE ${KEY}`, ...keyParams(k));
      return row === undefined ? undefined : toMessage(row);
    },
    updateMessage: (k, patch) => updateMessage(s, k, patch),
    updateMessageIf: (k, from, patch) => updateMessage(s, k, patch, from),
    listMessages: (id, query = {}) => listMessages(s, id, query),
    getMessageBySeq: (id, sender, seq) => {
      const row = s.get(
        // INDEXED BY: without it the planner walks messages_by_order to skip the sort, scanning the
        // whole conversation for every lookup (O(n²) over a conversation).
        'SELECT * FROM messages INDEXED BY messages_by_seq_sort WHERE conversation_id = ? AND sender = ? AND sender_seq = ? ORDER BY sort_key, pk LIMIT 1',
        ...[id, sender, seq],
      );
      return row === undefined ? undefined : toMessage(row);
    },
    // One index step each (messages_by_seq_sort, rowid last): no scan however far the neighbour is.
    getNextMessageBySeq: (id, sender, seq) => {
      const row = s.get(
        `SELECT * FROM messages INDEXED BY messages_by_seq_sort WHERE ${BY_SENDER} AND sender_seq > ?
         ORDER BY sender_seq, sort_key, pk LIMIT 1`,
        ...[id, sender, seq],
      );
      return row === undefined ? undefined : toMessage(row);
    },
    getPreviousMessageBySeq: (id, sender, seq) => {
      const row = s.get(
        `SELECT * FROM messages INDEXED BY messages_by_seq_sort WHERE ${BY_SENDER} AND sender_seq < ?
         ORDER BY sender_seq DESC, sort_key DESC, pk DESC LIMIT 1`,
        ...[id, sender, seq],
      );
      return row === undefined ? undefined : toMessage(row);
    },
    maxSortKey: (id) =>
      num(s.get('SELECT coalesce(max(sort_key), 0) AS n FROM messages WHERE conversation_id = ?', id)?.n),
    maxSenderSeq: (id, sender) =>
      num(
        s.get(
          'SELECT coalesce(max(sender_seq), 0) AS n FROM messages WHERE conversation_id = ? AND sender = ?',
          ...[id, sender],
        )?.n,
      ),
    countMessagesAfter: (id, after) =>
      num(
        s.get(
          "SELECT count(*) AS n FROM messages WHERE conversation_id = ? AND sort_key > ? AND sender NOT IN ('self', 'notice')",
          ...[id, after],
        )?.n,
      ),
    listExpired: (now, limit) =>
      s
        .all(
          `SELECT conversation_id, sender, id FROM messages WHERE expires_at <= ?
           ORDER BY expires_at, pk LIMIT ?`,
          ...[now, checkLimit(limit)],
        )
        .map(toMessageKey),
    deleteMessage: (k) => {
      s.scrub();
      s.run(`DELETE FROM messages WHERE ${KEY}`, ...keyParams(k));
      s.run(
        'DELETE FROM reactions WHERE conversation_id = ? AND target_sender = ? AND target_id = ?',
        ...keyParams(k),
      );
      s.run('DELETE FROM receipts WHERE conversation_id = ? AND sender = ? AND id = ?', ...keyParams(k));
    },
  };
}

/** Patchable fields and their columns; `undefined` in a patch means "leave as is". */
const PATCH_COLUMNS = {
  body: 'body',
  status: 'status',
  error: 'error',
  expiresAt: 'expires_at',
  editedAt: 'edited_at',
  deletedAt: 'deleted_at',
} as const satisfies Record<keyof MessagePatch, string>;

/** `from`: only if the status is one of these (updateMessageIf). */
function updateMessage(
  s: Statements,
  k: MessageKey,
  patch: MessagePatch,
  from?: readonly MessageStatus[],
): boolean {
  if (from?.length === 0) return false;
  const only = from ? ` AND status IN (${from.map(() => '?').join(', ')})` : '';
  const fields = (Object.keys(PATCH_COLUMNS) as Array<keyof MessagePatch>).filter(
    (f) => patch[f] !== undefined,
  );
  if (fields.length === 0)
    return (
      s.get(`SELECT 1 FROM messages WHERE ${KEY}${only}`, ...keyParams(k), ...(from ?? [])) !== undefined
    );
  // An edit or a delete for everyone replaces what was written: leave no copy of the old bytes.
  if (patch.body !== undefined || patch.deletedAt !== undefined) s.scrub();
  // The statement text depends only on which fields are set (and how many statuses): few cached variants.
  const set = fields.map((f) => `${PATCH_COLUMNS[f]} = ?`).join(', ');
  const values = fields.map((f) => patch[f] as SqlValue);
  return (
    s.run(`UPDATE messages SET ${set} WHERE ${KEY}${only}`, ...values, ...keyParams(k), ...(from ?? [])) === 1
  );
}

function listMessages(s: Statements, id: string, query: MessageQuery) {
  return pageBySortKey(s, { table: 'messages', scope: 'conversation_id', tieBreak: ['pk'] }, id, query).map(
    toMessage,
  );
}

export function reactionOperations(
  s: Statements,
): Pick<StoreTx, 'putReaction' | 'deleteReaction' | 'listReactions'> {
  const TARGET = 'conversation_id = ? AND target_sender = ? AND target_id = ?';
  return {
    // Only for a message that is there (no orphans: a message inserted later starts with none).
    putReaction: (r) => {
      s.run(
        `INSERT INTO reactions (conversation_id, target_sender, target_id, reactor, emoji, at)
         SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM messages WHERE ${KEY})
         ON CONFLICT (conversation_id, target_sender, target_id, reactor)
         DO UPDATE SET emoji = excluded.emoji, at = excluded.at`,
        ...[r.conversationId, r.targetSender, r.targetId, r.reactor, r.emoji, r.at],
        ...[r.conversationId, r.targetSender, r.targetId],
      );
    },
    deleteReaction: (c, sender, id, reactor) => {
      s.scrub();
      s.run(`DELETE FROM reactions WHERE ${TARGET} AND reactor = ?`, ...[c, sender, id, reactor]);
    },
    listReactions: (c, sender, id) =>
      s
        .all(`SELECT * FROM reactions WHERE ${TARGET} ORDER BY at, reactor`, ...[c, sender, id])
        .map(toReaction),
  };
}

/** Composer drafts, one row per conversation (the body sealed by core). */
export function draftOperations(
  s: Statements,
): Pick<StoreTx, 'putDraft' | 'getDraft' | 'listDrafts' | 'deleteDraft'> {
  return {
    putDraft: (d) => {
      // What the user wrote before is replaced: leave no copy of it (statements.ts scrub).
      s.scrub();
      s.run(
        `INSERT INTO drafts (conversation_id, body, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
        ...[d.conversationId, d.body, d.updatedAt],
      );
    },
    getDraft: (id) => {
      const row = s.get('SELECT * FROM drafts WHERE conversation_id = ?', id);
      return row === undefined ? undefined : toDraft(row);
    },
    listDrafts: () => s.all('SELECT * FROM drafts ORDER BY updated_at, conversation_id').map(toDraft),
    deleteDraft: (id) => {
      if (s.run('DELETE FROM drafts WHERE conversation_id = ?', id) > 0) s.scrub();
    },
  };
}
