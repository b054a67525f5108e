/**
 * Sending: compose an application message, encrypt it and queue its frame in
 * ONE transaction (message + outbox ciphertext + advanced ratchet state), so
 * that what the user was told is "queued" survives any crash (D1) and a retry
 * resends the very same bytes (D6).
 */
import { encrypt, type Session } from '@parley/crypto';
import { accountIdOf } from '../account/index.ts';
import { CoreError, InboundError } from '../base/index.ts';
import { ownCard } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import {
  contactTargets,
  type DeviceTarget,
  encodeSyncPayload,
  ownTargets,
  SELF,
  type SyncPayload,
  sessionFor,
} from '../devices/index.ts';
import {
  type AccountTx,
  type ContactRecord,
  type ContactsTx,
  type DevicesTx,
  FRAME_MAX_BYTES,
  type MessageKey,
  type MessageRecord,
  type MessagesTx,
  type OutboxTx,
  type SessionsTx,
} from '../ports/index.ts';
import { SessionBatch } from '../sessions/index.ts';
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
  /** One frame per device of the contact's (docs/MULTI-DEVICE.md), founding device first. */
  readonly frames: ReadonlyArray<{ readonly peerId: string; readonly frame: Uint8Array }>;
  /** The first of them (a contact with one device: its only frame). */
  readonly frame: Uint8Array;
}

/** What our other devices are told we sent (a sync copy): what changes the conversation (reads: own-changes.ts). */
const SYNCED_KINDS: ReadonlySet<AppBody['kind']> = new Set([
  'text',
  'attachment',
  'reaction',
  'edit',
  'delete',
  'timer',
]);

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
  tx: SessionsTx & MessagesTx & OutboxTx & DevicesTx,
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
  const batch = sessions ?? new SessionBatch(tx, ctx.account.vault);
  const visible = VISIBLE_KINDS.has(body.kind);
  const conversation = tx.getConversation(contact.id);
  const seq = visible ? tx.maxSenderSeq(contact.id, 'self') + 1 : 0;
  const id = newMessageId(ctx);
  const sentAt = ctx.now();
  const plaintext = encodeAppMessage({ id, seq, sentAt, body });
  const key = { conversationId: contact.id, sender: 'self', id };
  const sealed = targetsFor(tx, contact, body.kind).flatMap((target) => {
    const session = sessionFor(ctx, batch, target, startsSessions(ctx, tx, contact, target));
    return session ? [{ target, ...sealFor(ctx, batch, target, session, plaintext) }] : [];
  });
  if (sealed.length === 0)
    throw new CoreError('unknown-contact', `no session with ${contact.name}; add them again from an invite`);
  let record: MessageRecord | null = null;
  const shown = stored ?? storedText(body);
  if (visible && shown) {
    const ttl = conversation?.disappearingMs ?? null;
    record = outgoingRecord(ctx, tx, { key, seq, kind: body.kind, stored: shown, sentAt, ttl });
    if (tx.insertMessage(record) === 'inserted') indexBody(tx, key, shown, sentAt);
  }
  if (!EPHEMERAL_KINDS.has(body.kind)) {
    for (const { target, frame, digest } of sealed)
      enqueue(tx, target.peerId, frame, digest, record ? key : null, sentAt);
  }
  if (SYNCED_KINDS.has(body.kind))
    syncToOwnDevices(ctx, tx, batch, { op: 'sent', peer: contact.peerId, message: plaintext });
  if (!sessions) batch.save();
  const frames = sealed.map(({ target, frame }) => ({ peerId: target.peerId, frame }));
  return { record, frames, frame: (sealed[0] as (typeof sealed)[number]).frame };
}

/**
 * Tells our other devices (sync copies, docs/MULTI-DEVICE.md) what this one did: each gets a
 * `sync` control through its own session, queued like any message (D1 holds per device).
 */
export function syncToOwnDevices(
  ctx: Ctx,
  tx: SessionsTx & OutboxTx & DevicesTx,
  sessions: SessionBatch,
  payload: SyncPayload,
): string[] {
  if (ownTargets(ctx, tx).length === 0) return [];
  let body: AppBody;
  try {
    body = { kind: 'sync', payload: encodeSyncPayload(payload) };
  } catch (error) {
    if (!(error instanceof CoreError)) throw error;
    ctx.events.emit('problem', {
      code: 'sync',
      message: `not copied to your other devices: ${error.message}`,
    });
    return [];
  }
  return sendToOwnDevices(ctx, tx, sessions, body);
}

/**
 * Our card as it is now (name, prekeys, mailboxes) to every active contact, a `profile` message
 * each; returns the PeerIds to kick. A contact we cannot send to right now (their safety number
 * changed and is not accepted yet) gets it with a later change.
 */
export function sendProfile(
  ctx: Ctx,
  tx: AccountTx & ContactsTx & SessionsTx & MessagesTx & OutboxTx & DevicesTx,
): string[] {
  const { card } = ownCard(ctx, tx, {});
  return tx.listContacts().flatMap((c) => (profileTo(ctx, tx, c, card) ? [c.peerId] : []));
}

/** Our card to one contact (sendProfile); whether it was queued. */
export function profileTo(
  ctx: Ctx,
  tx: AccountTx & ContactsTx & SessionsTx & MessagesTx & OutboxTx & DevicesTx,
  contact: ContactRecord,
  card: Uint8Array = ownCard(ctx, tx, {}).card,
): boolean {
  if (contact.state !== 'active') return false;
  try {
    compose(ctx, tx, contact, { kind: 'profile', name: ctx.account.info.name, card });
    return true;
  } catch (error) {
    if (!(error instanceof CoreError)) throw error;
    return false;
  }
}

/** Queues `body` (a control) to each of our other devices; returns their PeerIds (to kick). */
export function sendToOwnDevices(
  ctx: Ctx,
  tx: SessionsTx & OutboxTx & DevicesTx,
  sessions: SessionBatch,
  body: AppBody,
): string[] {
  const sentAt = ctx.now();
  const plaintext = encodeAppMessage({ id: newMessageId(ctx), seq: 0, sentAt, body });
  const peers: string[] = [];
  for (const target of ownTargets(ctx, tx)) {
    const session = sessionFor(ctx, sessions, target, true);
    if (!session) continue; // its card has not reached us: it catches up from history
    const { frame, digest } = sealFor(ctx, sessions, target, session, plaintext);
    enqueue(tx, target.peerId, frame, digest, null, sentAt);
    peers.push(target.peerId);
  }
  return peers;
}

/**
 * Channel controls know an account by its founding device (docs/MULTI-DEVICE.md "Channels"):
 * they go to that device alone, or to every device if the account removed it; the device they
 * reach tells the others. Group controls and mailbox offers go to every device (each takes part:
 * each device pairs with a friend's mailbox under its own PeerId).
 */
const FOUNDING_DEVICE_KINDS: ReadonlySet<AppBody['kind']> = new Set(['channel']);

function targetsFor(tx: DevicesTx, contact: ContactRecord, kind: AppBody['kind']): DeviceTarget[] {
  const all = contactTargets(tx, contact);
  if (!FOUNDING_DEVICE_KINDS.has(kind)) return all;
  const founding = all.filter((t) => t.peerId === contact.peerId);
  return founding.length > 0 ? founding : all;
}

/** Whether we may start a session with `target` from its card (devices/targets.ts sessionFor). */
function startsSessions(ctx: Ctx, tx: DevicesTx, contact: ContactRecord, target: DeviceTarget): boolean {
  // A contact's founding device: sessions come from the invite (contacts/) or its group (groups/),
  // whose rules say who starts; only a linked device of ours, which has none yet, starts one here.
  if (target.sessionKey.includes('@') || accountIdOf(ctx.account.info) !== ctx.account.info.peerId)
    return true;
  // An account met through a linked device (theirs: we hold its list; or ours: we have other
  // devices) made no session with this founding device: either end starts one, and if both do
  // at once the lower PeerId's wins at both ends (inbound/inbox.ts), as between devices.
  return tx.listDevices(contact.id).length > 0 || tx.listDevices(SELF).length > 1;
}

/** Encrypts `plaintext` to one device, advancing its session in `sessions`. */
function sealFor(
  ctx: Ctx,
  sessions: SessionBatch,
  target: DeviceTarget,
  session: Session,
  plaintext: Uint8Array,
): { frame: Uint8Array; digest: string } {
  const { session: next, message } = encrypt(session, plaintext, ctx.primitives);
  const frame = encodeFrame({ type: 'msg', message });
  if (frame.length > FRAME_MAX_BYTES) {
    throw new CoreError(
      'message-too-large',
      `the message is too large to send (${frame.length} bytes encrypted)`,
    );
  }
  sessions.set(target.sessionKey, next);
  return { frame, digest: frameDigest(frame, ctx.primitives.sha256) };
}

function enqueue(
  tx: OutboxTx,
  peerId: string,
  frame: Uint8Array,
  digest: string,
  message: MessageKey | null,
  at: number,
): void {
  tx.enqueueOutbox({
    peerId,
    kind: 'msg',
    frame,
    digest,
    message,
    createdAt: at,
    attempts: 0,
    nextAttemptAt: at,
    lastError: null,
  });
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
