/**
 * Sending: compose an application message, encrypt it and queue its frame in
 * ONE transaction (message + outbox ciphertext + advanced ratchet state), so
 * that what the user was told is "queued" survives any crash (D1) and a retry
 * resends the very same bytes (D6).
 */
import { encrypt } from '@parley/crypto';
import { CoreError, InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import {
  type ContactRecord,
  FRAME_MAX_BYTES,
  type MessageKey,
  type MessageRecord,
  type MessagesTx,
  type OutboxTx,
  type SessionsTx,
} from '../ports/index.ts';
import { loadSession, type SessionBatch, saveSession } from '../sessions/index.ts';
import { type StoredBody, sealBody } from '../views/index.ts';
import {
  type AppBody,
  EPHEMERAL_KINDS,
  encodeAppMessage,
  encodeFrame,
  frameDigest,
  newMessageId,
  VISIBLE_KINDS,
  validateBody,
} from '../wire/index.ts';
import { indexBody } from './searchable.ts';

export interface Composed {
  /** The stored message, for visible kinds. */
  readonly record: MessageRecord | null;
  readonly frame: Uint8Array;
  readonly digest: string;
}

/** Throws if the user must not send to this contact right now. */
export function checkCanSend(contact: ContactRecord): void {
  if (contact.pendingIdentityKey !== null && contact.verified) {
    throw new CoreError(
      'identity-changed',
      `${contact.name}'s safety number changed; compare it again ("parley verify ${contact.name}") and accept the new key before sending`,
    );
  }
}

/**
 * Encrypts `body` for `contact` and, unless the kind is ephemeral, stores the
 * frame in the outbox. Must run inside `tx`; the caller flushes the outbox
 * after the transaction commits.
 */
export function compose(
  ctx: Ctx,
  tx: SessionsTx & MessagesTx & OutboxTx,
  contact: ContactRecord,
  body: AppBody,
  stored?: StoredBody,
  sessions?: SessionBatch,
): Composed {
  try {
    validateBody(body);
  } catch (error) {
    if (error instanceof InboundError) throw new CoreError('bad-input', error.message);
    throw error;
  }
  checkCanSend(contact);
  const session = sessions ? sessions.get(contact.id) : loadSession(tx, ctx.account.vault, contact.id);
  if (!session)
    throw new CoreError('unknown-contact', `no session with ${contact.name}; add them again from an invite`);
  const visible = VISIBLE_KINDS.has(body.kind);
  const conversation = tx.getConversation(contact.id);
  const seq = visible ? tx.maxSenderSeq(contact.id, 'self') + 1 : 0;
  const id = newMessageId(ctx);
  const sentAt = ctx.now();
  const plaintext = encodeAppMessage({ id, seq, sentAt, body });
  const { session: next, message } = encrypt(session, plaintext, ctx.primitives);
  const frame = encodeFrame({ type: 'msg', message });
  if (frame.length > FRAME_MAX_BYTES) {
    throw new CoreError(
      'message-too-large',
      `the message is too large to send (${frame.length} bytes encrypted)`,
    );
  }
  const digest = frameDigest(frame, ctx.primitives.sha256);
  let record: MessageRecord | null = null;
  const shown = stored ?? storedText(body);
  if (visible && shown) {
    const key = { conversationId: contact.id, sender: 'self', id };
    const ttl = conversation?.disappearingMs ?? null;
    record = outgoingRecord(ctx, tx, { key, seq, kind: body.kind, stored: shown, sentAt, ttl });
    if (tx.insertMessage(record) === 'inserted') indexBody(tx, key, shown, sentAt);
  }
  if (!EPHEMERAL_KINDS.has(body.kind)) {
    tx.enqueueOutbox({
      peerId: contact.peerId,
      kind: 'msg',
      frame,
      digest,
      message: record ? { conversationId: record.conversationId, sender: 'self', id } : null,
      createdAt: sentAt,
      attempts: 0,
      nextAttemptAt: sentAt,
      lastError: null,
    });
  }
  if (sessions) sessions.set(contact.id, next);
  else saveSession(tx, ctx.account.vault, contact.id, next);
  return { record, frame, digest };
}

/** The stored form of a text message (other kinds pass theirs to compose). */
function storedText(body: AppBody): StoredBody | undefined {
  if (body.kind !== 'text') return undefined;
  return body.replyTo ? { text: body.text, replyTo: body.replyTo } : { text: body.text };
}

/** The stored form of one of our visible messages, placed last in its conversation, status queued. */
export function outgoingRecord(
  ctx: Ctx,
  tx: MessagesTx,
  m: { key: MessageKey; seq: number; kind: string; stored: StoredBody; sentAt: number; ttl: number | null },
): MessageRecord {
  return {
    ...m.key,
    senderSeq: m.seq,
    kind: m.kind,
    body: sealBody(ctx.account.vault, m.key, m.stored),
    sentAt: m.sentAt,
    receivedAt: m.sentAt,
    sortKey: tx.maxSortKey(m.key.conversationId) + 1,
    status: 'queued',
    error: null,
    expiresAt: m.ttl === null ? null : m.sentAt + m.ttl,
    editedAt: null,
    deletedAt: null,
  };
}
