/**
 * Applying an authenticated application message to the store, inside the
 * receiving transaction. Returns what changed, for events after commit.
 */

import { decodeContactCard, decodeFileKey, fileChunkCount, sameIdentity } from '@parley/crypto';
import { decodeIdentityPublic } from './account.ts';
import { vouchedAddresses } from './address-scope.ts';
import type { AppMessage, FileManifest, MessageRef } from './app-message.ts';
import { sanitizeFileName, sealManifest } from './attachments.ts';
import { toBase64Url } from './bytes.ts';
import { applyChannelControl } from './channels-apply.ts';
import type { Ctx } from './context.ts';
import { InboundError } from './errors.ts';
import { applyGroupControl, type GroupEffects } from './groups-apply.ts';
import type { AttachmentRecord, ContactRecord, MessageKey, StoreTx } from './store.ts';
import { openBody, type StoredAttachment, type StoredBody, sealBody } from './views.ts';

export interface Effects {
  readonly messages: MessageKey[];
  /** Incoming attachments to start downloading after commit. */
  readonly downloads: AttachmentRecord[];
  typing?: boolean;
  contactChanged?: boolean;
  timerChanged?: boolean;
  /** Group changes, keys and problems (groups-apply.ts), handled after commit. */
  group?: GroupEffects;
}

/**
 * Most display slots one message sets aside for its sender's missing messages (see sortKeyFor).
 * `seq` is a u32: without a bound one message could push the conversation's sort keys up by 2^32,
 * and a few such jumps past 2^53, where numbers stop being exact.
 */
export const MAX_RESERVED_SLOTS = 65_536;

/**
 * D4: the display position of an incoming message, from its sender's sequence number alone, so
 * the order is the same whatever order messages arrive and commit in (a resend overtaken by its
 * successors, frames of two connections interleaved, catch-up from a group log).
 *
 * A message newer than any of its sender's goes last, one slot further per message still missing
 * before it: `seq` after `highest` gets maxSortKey + (seq − highest), and the free slots below it
 * belong to highest+1 … seq−1. A late message takes its slot, counted back from the nearest stored
 * successor `n`: n.sortKey − (n.senderSeq − seq). Slots are whole numbers, one per sequence
 * number, so no run of late messages, however long and in whatever order, can collide with its
 * successor (halving the gap between neighbours ran out of precision after ~45 late messages, and
 * a neighbour more than 64 numbers away was not looked for at all: the message went last).
 */
export function sortKeyFor(tx: StoreTx, conversationId: string, sender: string, seq: number): number {
  const highest = tx.maxSenderSeq(conversationId, sender);
  const end = tx.maxSortKey(conversationId);
  if (highest < seq) return end + Math.min(seq - highest, MAX_RESERVED_SLOTS);
  const next = tx.getNextMessageBySeq(conversationId, sender, seq);
  if (!next) return end + 1; // `seq` was seen already (a sender reusing it): last
  const slot = next.sortKey - (next.senderSeq - seq);
  const prev = tx.getPreviousMessageBySeq(conversationId, sender, seq);
  // D4: strictly between the sender's previous and next message, whatever else is stored.
  if (!prev || prev.sortKey < slot) return slot;
  // No slot was set aside (rows stored before slots existed, or a jump over MAX_RESERVED_SLOTS).
  return (prev.sortKey + next.sortKey) / 2;
}

/** Stores a received visible message (text or attachment) in its place (D4); 'duplicate' if seen (D2). */
export function insertIncoming(
  ctx: Ctx,
  tx: StoreTx,
  m: { key: MessageKey; seq: number; kind: string; stored: StoredBody; sentAt: number; ttl: number | null },
): 'inserted' | 'duplicate' {
  const now = ctx.now();
  return tx.insertMessage({
    ...m.key,
    senderSeq: m.seq,
    kind: m.kind,
    body: sealBody(ctx.account.vault, m.key, m.stored),
    sentAt: m.sentAt,
    receivedAt: now,
    sortKey: sortKeyFor(tx, m.key.conversationId, m.key.sender, m.seq),
    status: 'received',
    error: null,
    expiresAt: m.ttl === null ? null : now + m.ttl,
    editedAt: null,
    deletedAt: null,
  });
}

const target = (contact: ContactRecord, ref: MessageRef): MessageKey => ({
  conversationId: contact.id,
  sender: ref.mine ? contact.peerId : 'self',
  id: ref.id,
});

export function applyMessage(ctx: Ctx, tx: StoreTx, contact: ContactRecord, app: AppMessage): Effects {
  const effects: Effects = { messages: [], downloads: [] };
  const now = ctx.now();
  const body = app.body;
  switch (body.kind) {
    case 'text': {
      if (app.seq < 1) throw new InboundError('bad-message', 'a text message needs a sequence number');
      const key = { conversationId: contact.id, sender: contact.peerId, id: app.id };
      const stored = body.replyTo ? { text: body.text, replyTo: body.replyTo } : { text: body.text };
      const ttl = tx.getConversation(contact.id)?.disappearingMs ?? null;
      const inserted = insertIncoming(ctx, tx, {
        key,
        seq: app.seq,
        kind: 'text',
        stored,
        sentAt: app.sentAt,
        ttl,
      });
      if (inserted === 'inserted') effects.messages.push(key);
      return effects;
    }
    case 'reaction': {
      const t = target(contact, body.target);
      if (!tx.getMessage(t)) return effects;
      if (body.emoji === '') tx.deleteReaction(t.conversationId, t.sender, t.id, contact.peerId);
      else
        tx.putReaction({
          conversationId: t.conversationId,
          targetSender: t.sender,
          targetId: t.id,
          reactor: contact.peerId,
          emoji: body.emoji,
          at: now,
        });
      effects.messages.push(t);
      return effects;
    }
    case 'edit':
    case 'delete': {
      if (!body.target.mine) return effects; // only one's own messages can be edited or deleted
      const t = target(contact, body.target);
      const existing = tx.getMessage(t);
      if (!existing || existing.deletedAt !== null) return effects;
      if (body.kind === 'edit') {
        const { replyTo } = openBody(ctx.account.vault, existing);
        const stored = replyTo ? { text: body.text, replyTo } : { text: body.text };
        tx.updateMessage(t, { body: sealBody(ctx.account.vault, t, stored), editedAt: now });
      } else {
        tx.updateMessage(t, { body: new Uint8Array(0), deletedAt: now });
      }
      effects.messages.push(t);
      return effects;
    }
    case 'read': {
      if (!ctx.settings.readReceipts) return effects;
      for (const ref of body.targets) {
        if (ref.mine) continue;
        const t = target(contact, ref);
        const m = tx.getMessage(t);
        if (m && m.status !== 'read' && m.status !== 'failed') {
          tx.updateMessage(t, { status: 'read' });
          effects.messages.push(t);
        }
      }
      return effects;
    }
    case 'typing':
      effects.typing = body.active;
      return effects;
    case 'timer': {
      const conversation = tx.getConversation(contact.id);
      if (conversation) tx.putConversation({ ...conversation, disappearingMs: body.disappearingMs });
      effects.timerChanged = true;
      return effects;
    }
    case 'profile': {
      const card = decodeContactCard(body.card, ctx.primitives);
      if (
        card.peerId !== contact.peerId ||
        !sameIdentity(card.identity, decodeIdentityPublic(contact.identityKey))
      ) {
        throw new InboundError('bad-message', 'a profile update must carry the sender’s own card');
      }
      // A member we know only through a group keeps to the networks its admin vouched for: a newer card
      // may name private addresses only where the ones we hold already reach (address-scope.ts).
      const addresses =
        contact.state === 'introduced' ? vouchedAddresses(card.addresses, contact.addresses) : card.addresses;
      tx.putContact({ ...contact, card: body.card, addresses, updatedAt: now });
      effects.contactChanged = true;
      return effects;
    }
    case 'welcome':
      // Only our own pending introduction is confirmed this way (a group's member stays `introduced`).
      if (contact.state === 'pending') tx.putContact({ ...contact, state: 'active', updatedAt: now });
      effects.contactChanged = true;
      return effects;
    case 'attachment':
      return receiveAttachment(ctx, tx, contact, app, body, effects);
    case 'group':
      return applyGroupControl(ctx, tx, contact, body.payload, effects);
    case 'channel':
      return applyChannelControl(ctx, tx, contact, body.payload, effects);
  }
}

/** Stores an incoming attachment's message and record; small ones download at once (after commit). */
function receiveAttachment(
  ctx: Ctx,
  tx: StoreTx,
  contact: ContactRecord,
  app: AppMessage,
  m: FileManifest & { kind: 'attachment' },
  effects: Effects,
): Effects {
  if (app.seq < 1) throw new InboundError('bad-message', 'an attachment message needs a sequence number');
  const now = ctx.now();
  const key = { conversationId: contact.id, sender: contact.peerId, id: app.id };
  const name = sanitizeFileName(m.name);
  const shown: StoredAttachment = {
    id: m.id,
    name,
    mime: m.mime,
    size: m.size,
    ...(m.durationMs === undefined ? {} : { durationMs: m.durationMs }),
    ...(m.waveform ? { waveform: toBase64Url(m.waveform) } : {}),
    ...(m.thumbnail ? { thumbnail: toBase64Url(m.thumbnail) } : {}),
  };
  const ttl = tx.getConversation(contact.id)?.disappearingMs ?? null;
  const stored = { text: m.caption ?? '', attachment: shown };
  const inserted = insertIncoming(ctx, tx, {
    key,
    seq: app.seq,
    kind: 'attachment',
    stored,
    sentAt: app.sentAt,
    ttl,
  });
  if (inserted === 'duplicate' || tx.getAttachment('in', contact.peerId, m.id)) return effects;
  const tooLarge = m.size > ctx.limits.attachmentMaxBytes;
  const record: AttachmentRecord = {
    id: m.id,
    direction: 'in',
    peerId: contact.peerId,
    message: key,
    manifest: new Uint8Array(0),
    size: m.size,
    chunks: fileChunkCount(m.size, decodeFileKey(m.key).chunkSize),
    receivedChunks: 0,
    state: tooLarge ? 'failed' : m.size <= ctx.limits.autoDownloadMaxBytes ? 'downloading' : 'offered',
    error: tooLarge ? `larger than the ${ctx.limits.attachmentMaxBytes}-byte limit for attachments` : null,
    createdAt: now,
    updatedAt: now,
  };
  const sealed = { ...record, manifest: sealManifest(ctx, record, { ...m, name }) };
  tx.putAttachment(sealed);
  effects.messages.push(key);
  if (sealed.state === 'downloading') effects.downloads.push(sealed);
  return effects;
}
