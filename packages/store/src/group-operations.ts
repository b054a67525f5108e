/**
 * Groups, members' sender keys and per-member receipts (schema V4); large groups' message log (V6)
 * and read marks (V11).
 */
import type { GroupLogRecord, GroupRecord, GroupsTx, ReadMarkRecord, ReceiptRecord } from '@parley/core';
import { blob, num, type Row, text } from './rows.ts';
import type { Statements } from './statements.ts';

const toGroup = (r: Row): GroupRecord => ({
  id: text(r.id),
  data: blob(r.data),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

const toReceipt = (r: Row): ReceiptRecord => ({
  conversationId: text(r.conversation_id),
  sender: text(r.sender),
  id: text(r.id),
  peerId: text(r.peer_id),
  status: text(r.status) as ReceiptRecord['status'],
  at: num(r.at),
  deliveredAt: r.delivered_at === null ? null : num(r.delivered_at),
});

const toMark = (r: Row): ReadMarkRecord => ({
  groupId: text(r.group_id),
  peerId: text(r.peer_id),
  seq: num(r.seq),
  at: num(r.at),
});

const toLog = (r: Row): GroupLogRecord => ({
  groupId: text(r.group_id),
  sender: text(r.sender),
  keyId: num(r.key_id),
  iteration: num(r.iteration),
  receivedAt: num(r.received_at),
  message: blob(r.message),
});

export function groupOperations(s: Statements): GroupsTx {
  return {
    putGroup: (g) =>
      void s.run(
        'INSERT OR REPLACE INTO groups (id, data, created_at, updated_at) VALUES (?, ?, ?, ?)',
        ...[g.id, g.data, g.createdAt, g.updatedAt],
      ),
    getGroup: (id) => {
      const r = s.get('SELECT * FROM groups WHERE id = ?', id);
      return r === undefined ? undefined : toGroup(r);
    },
    listGroups: () => s.all('SELECT * FROM groups ORDER BY created_at, id').map(toGroup),
    deleteGroup: (id) => {
      s.run('DELETE FROM groups WHERE id = ?', id);
      s.run('DELETE FROM sender_keys WHERE group_id = ?', id);
      s.run('DELETE FROM group_log WHERE group_id = ?', id);
      s.run('DELETE FROM read_marks WHERE group_id = ?', id);
      s.run('DELETE FROM drafts WHERE conversation_id = ?', id);
    },
    putGroupLog: (e) =>
      s.run(
        `INSERT INTO group_log (group_id, sender, key_id, iteration, received_at, message) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (group_id, sender, key_id, iteration) DO NOTHING`,
        ...[e.groupId, e.sender, e.keyId, e.iteration, e.receivedAt, e.message],
      ) === 1
        ? 'inserted'
        : 'duplicate',
    listGroupLog: (groupId, keyId, fromIteration, limit) =>
      s
        .all(
          `SELECT * FROM group_log WHERE group_id = ? AND key_id = ? AND iteration >= ?
           ORDER BY iteration, sender LIMIT ?`,
          ...[groupId, keyId, fromIteration, Math.max(0, limit)],
        )
        .map(toLog),
    pruneGroupLog: (groupId, sender, keep) =>
      s.run(
        `DELETE FROM group_log WHERE group_id = ? AND sender = ? AND (key_id, iteration) IN (
           SELECT key_id, iteration FROM group_log WHERE group_id = ? AND sender = ?
           ORDER BY received_at DESC, iteration DESC LIMIT -1 OFFSET ?)`,
        ...[groupId, sender, groupId, sender, Math.max(0, keep)],
      ),
    deleteGroupLog: (groupId, sender) =>
      void (sender === undefined
        ? s.run('DELETE FROM group_log WHERE group_id = ?', groupId)
        : s.run('DELETE FROM group_log WHERE group_id = ? AND sender = ?', groupId, sender)),
    putSenderKey: (groupId, peerId, state) =>
      void s.run(
        'INSERT OR REPLACE INTO sender_keys (group_id, peer_id, state) VALUES (?, ?, ?)',
        groupId,
        peerId,
        state,
      ),
    getSenderKey: (groupId, peerId) => {
      const r = s.get('SELECT state FROM sender_keys WHERE group_id = ? AND peer_id = ?', groupId, peerId);
      return r === undefined ? undefined : blob(r.state);
    },
    deleteSenderKey: (groupId, peerId) =>
      void s.run('DELETE FROM sender_keys WHERE group_id = ? AND peer_id = ?', groupId, peerId),
    putReceipt: (r) =>
      void s.run(
        'INSERT OR REPLACE INTO receipts (conversation_id, sender, id, peer_id, status, at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ...[r.conversationId, r.sender, r.id, r.peerId, r.status, r.at, r.deliveredAt],
      ),
    listReceipts: (k) =>
      s
        .all(
          'SELECT * FROM receipts WHERE conversation_id = ? AND sender = ? AND id = ? ORDER BY peer_id',
          ...[k.conversationId, k.sender, k.id],
        )
        .map(toReceipt),
    advanceReadMark: (m) =>
      s.run(
        `INSERT INTO read_marks (group_id, peer_id, seq, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_id, peer_id) DO UPDATE SET seq = excluded.seq, at = excluded.at
         WHERE excluded.seq > read_marks.seq`,
        ...[m.groupId, m.peerId, m.seq, m.at],
      ) === 1,
    listReadMarks: (groupId) =>
      s.all('SELECT * FROM read_marks WHERE group_id = ? ORDER BY peer_id', groupId).map(toMark),
    deleteReadMarks: (groupId, peerId) =>
      void (peerId === undefined
        ? s.run('DELETE FROM read_marks WHERE group_id = ?', groupId)
        : s.run('DELETE FROM read_marks WHERE group_id = ? AND peer_id = ?', groupId, peerId)),
  };
}
