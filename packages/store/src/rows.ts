/**
 * Row ⇄ record conversion. The driver returns BLOBs as Buffers over memory we
 * do not own; every one is copied into a fresh plain Uint8Array so callers can
 * mutate what they get (store.ts: "Records returned are copies").
 */

import type {
  ContactRecord,
  ContactState,
  ConversationKind,
  ConversationRecord,
  DraftRecord,
  InviteRecord,
  MessageKey,
  MessageRecord,
  MessageStatus,
  OutboxKind,
  OutboxRecord,
  ParkedRecord,
  PrekeyKind,
  PrekeyRecord,
  ReactionRecord,
  TakenOutboxRecord,
} from '@parley/core';
import type { Row, SqlOut } from './driver.ts';

export type { Row };

export const text = (v: SqlOut | undefined): string => v as string;
export const num = (v: SqlOut | undefined): number => v as number;
export const blob = (v: SqlOut | undefined): Uint8Array => new Uint8Array(v as Uint8Array);
export const textOrNull = (v: SqlOut | undefined): string | null => (v === null ? null : text(v));
const numOrNull = (v: SqlOut | undefined): number | null => (v === null ? null : num(v));
const blobOrNull = (v: SqlOut | undefined): Uint8Array | null => (v === null ? null : blob(v));

export const toContact = (r: Row): ContactRecord => ({
  id: text(r.id),
  peerId: text(r.peer_id),
  name: text(r.name),
  identityKey: blob(r.identity_key),
  card: blob(r.card),
  addresses: JSON.parse(text(r.addresses)) as string[],
  verified: r.verified === 1,
  state: text(r.state) as ContactState,
  pendingIdentityKey: blobOrNull(r.pending_identity_key),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

export const toPrekey = (r: Row): PrekeyRecord => ({
  kind: text(r.kind) as PrekeyKind,
  id: num(r.id),
  secret: blob(r.secret),
  createdAt: num(r.created_at),
});

export const toInvite = (r: Row): InviteRecord => ({
  tokenHash: text(r.token_hash),
  createdAt: num(r.created_at),
  expiresAt: numOrNull(r.expires_at),
  reusable: r.reusable === 1,
  uses: num(r.uses),
  oneTimePrekeyId: numOrNull(r.one_time_prekey_id),
});

export const toConversation = (r: Row): ConversationRecord => ({
  id: text(r.id),
  kind: text(r.kind) as ConversationKind,
  disappearingMs: numOrNull(r.disappearing_ms),
  readUpTo: num(r.read_up_to),
  markedUnread: r.marked_unread === 1,
  createdAt: num(r.created_at),
});

export const toDraft = (r: Row): DraftRecord => ({
  conversationId: text(r.conversation_id),
  body: blob(r.body),
  updatedAt: num(r.updated_at),
});

export const toMessageKey = (r: Row): MessageKey => ({
  conversationId: text(r.conversation_id),
  sender: text(r.sender),
  id: text(r.id),
});

export const toMessage = (r: Row): MessageRecord => ({
  ...toMessageKey(r),
  senderSeq: num(r.sender_seq),
  kind: text(r.kind),
  body: blob(r.body),
  sentAt: num(r.sent_at),
  receivedAt: num(r.received_at),
  sortKey: num(r.sort_key),
  status: text(r.status) as MessageStatus,
  error: textOrNull(r.error),
  expiresAt: numOrNull(r.expires_at),
  editedAt: numOrNull(r.edited_at),
  deletedAt: numOrNull(r.deleted_at),
});

export const toReaction = (r: Row): ReactionRecord => ({
  conversationId: text(r.conversation_id),
  targetSender: text(r.target_sender),
  targetId: text(r.target_id),
  reactor: text(r.reactor),
  emoji: text(r.emoji),
  at: num(r.at),
});

export const toTakenOutbox = (r: Row): TakenOutboxRecord => ({
  seq: num(r.seq),
  peerId: text(r.peer_id),
  kind: text(r.kind) as OutboxKind,
  digest: text(r.digest),
  message:
    r.message_id === null
      ? null
      : {
          conversationId: text(r.message_conversation_id),
          sender: text(r.message_sender),
          id: text(r.message_id),
        },
});

export const toOutbox = (r: Row): OutboxRecord => ({
  ...toTakenOutbox(r),
  frame: blob(r.frame),
  createdAt: num(r.created_at),
  attempts: num(r.attempts),
  nextAttemptAt: num(r.next_attempt_at),
  lastError: textOrNull(r.last_error),
  depositedAt: r.deposited_at === null || r.deposited_at === undefined ? null : num(r.deposited_at),
});

export const toParked = (r: Row): ParkedRecord => ({
  peerId: text(r.peer_id),
  digest: text(r.digest),
  frame: blob(r.frame),
  error: text(r.error),
  failures: num(r.failures),
  parkedAt: num(r.parked_at),
});
