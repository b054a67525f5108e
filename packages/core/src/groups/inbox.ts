/**
 * Receiving GROUP frames (docs/GROUPS.md "Receiving"), inside the inbox's
 * group commit: decrypt with the sender's receiver state on a copy, store the
 * message and the advanced receiver state in the same transaction; the inbox
 * ACKs after commit (D5) and dedupes by digest first (D2).
 *
 * A frame that cannot be processed YET (its sender key or the group state is
 * still on its way over another link) throws GroupNotReadyError: the inbox
 * leaves it un-ACKed, so the sender retries, without counting a failure
 * (D7 counts only the message's own faults). The wait is bounded: after
 * GROUP_WAIT_MAX_MS the frame is parked like any poison message.
 */
import { peekSenderKeyMessage, senderKeyDecrypt } from '@parley/crypto';
import { InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { ownerOf } from '../devices/index.ts';
import {
  type Effects,
  groupEffects,
  indexBody,
  insertIncoming,
  shownAttachment,
  storeIncomingFile,
} from '../messaging/index.ts';
import type {
  AccountTx,
  AttachmentsTx,
  ContactRecord,
  ContactsTx,
  DevicesTx,
  GroupsTx,
  MessageKey,
  MessagesTx,
} from '../ports/index.ts';
import { openBody, sealBody } from '../views/index.ts';
import { type AppMessage, decodeAppMessage, type MessageRef } from '../wire/index.ts';
import { GROUP_MESSAGE_KINDS, GroupNotReadyError, senderKeyContext } from './codec.ts';
import { countsReadMarks, noteGroupRead } from './read-marks.ts';
import { loadGroup, loadReceivers, memberOf, type StoredGroup, saveReceivers, selfId } from './store.ts';

/** How long a GROUP frame (or group control) may wait for its key or state before it is parked. */
export const GROUP_WAIT_MAX_MS: number = 24 * 3600 * 1000;

const waitKey = (peer: string, digest: string): string => `group-wait:${peer}:${digest}`;

/** Records the first time a frame had to wait; false once it waited longer than GROUP_WAIT_MAX_MS. */
export function keepWaiting(tx: AccountTx, peer: string, digest: string, now: number): boolean {
  const key = waitKey(peer, digest);
  const since = tx.getMeta(key);
  if (!since) {
    tx.setMeta(key, new TextEncoder().encode(String(now)));
    return true;
  }
  const first = Number(new TextDecoder().decode(since));
  if (now - first <= GROUP_WAIT_MAX_MS) return true;
  tx.deleteMeta(key);
  return false;
}

/** Forgets the wait record of a frame that was finally processed. */
export const doneWaiting = (tx: AccountTx, peer: string, digest: string): void =>
  tx.deleteMeta(waitKey(peer, digest));

export function receiveGroupFrame(
  ctx: Ctx,
  tx: MessagesTx & GroupsTx & AttachmentsTx,
  sender: ContactRecord,
  groupId: string,
  message: Uint8Array,
): Effects {
  const effects: Effects = { messages: [], downloads: [] };
  const g = loadGroup(ctx, tx, groupId);
  if (!g) throw new GroupNotReadyError('a message for a group we do not know (yet)');
  if (g.status !== 'active') return effects; // we left: acknowledged and dropped
  const from = sender.peerId;
  if (!memberOf(g, from)) {
    // Removed or left at the previous change: their late frames are dropped (and ACKed so
    // their outbox drains). Otherwise they may be joining in a state we have not seen yet.
    if (g.prev.some((p) => p.peerId === from)) return effects;
    throw new GroupNotReadyError('a message from someone not (yet) in the group');
  }
  const { keyId } = peekSenderKeyMessage(message);
  const keys = loadReceivers(ctx, tx, groupId, from);
  const key = keys.find((k) => k.receiver.keyId === keyId);
  if (!key) throw new GroupNotReadyError(`${sender.name}'s sender key has not arrived yet`);
  // Opened in the context of the member Noise authenticated: a frame relayed by someone else, or
  // signed with a key registered to another member, does not verify (crypto SPEC.md §12.3).
  const context = senderKeyContext(groupId, from);
  const { receiver, plaintext } = senderKeyDecrypt(key.receiver, message, context, ctx.primitives);
  const app = decodeAppMessage(plaintext);
  if (!GROUP_MESSAGE_KINDS.has(app.body.kind))
    throw new InboundError('bad-message', `a ${app.body.kind} message cannot come through a group`);
  applyGroupMessage(ctx, tx, g, from, app, effects);
  saveReceivers(ctx, tx, groupId, from, [...keys.filter((k) => k !== key), { ...key, receiver }]);
  return effects;
}

/**
 * A reference in a group message: `mine` = sent by the referring message's
 * sender; otherwise the message with that id from anyone else (us included).
 */
export function resolveRef(
  tx: MessagesTx,
  g: StoredGroup,
  refSender: string,
  ref: MessageRef,
  self: string,
): MessageKey | undefined {
  const conversationId = g.state.id;
  const asKey = (peer: string): MessageKey => ({
    conversationId,
    sender: peer === self ? 'self' : peer,
    id: ref.id,
  });
  if (ref.mine) return asKey(refSender);
  const candidates = [self, ...g.state.members.map((m) => m.peerId), ...g.prev.map((p) => p.peerId)];
  for (const peer of new Set(candidates)) {
    if (peer === refSender) continue;
    const k = asKey(peer);
    if (tx.getMessage(k)) return k;
  }
  return undefined;
}

/** Applies one decrypted group message from member `from` (pairwise frame or topic). Inside `tx`. */
export function applyGroupMessage(
  ctx: Ctx,
  tx: MessagesTx & GroupsTx & AttachmentsTx,
  g: StoredGroup,
  from: string,
  app: AppMessage,
  effects: Effects,
): void {
  const now = ctx.now();
  const me = selfId(ctx);
  const body = app.body;
  const conversationId = g.state.id;
  // From our own other device (docs/MULTI-DEVICE.md "Groups"): ours, as if sent from here.
  const author = from === me ? 'self' : from;
  switch (body.kind) {
    case 'text': {
      if (app.seq < 1) throw new InboundError('bad-message', 'a text message needs a sequence number');
      const key = { conversationId, sender: author, id: app.id };
      const stored = body.replyTo ? { text: body.text, replyTo: body.replyTo } : { text: body.text };
      const inserted = insertIncoming(ctx, tx, {
        key,
        seq: app.seq,
        kind: 'text',
        stored,
        sentAt: app.sentAt,
        ttl: null,
        ...(author === 'self' ? { status: 'sent' as const } : {}),
      });
      if (inserted === 'inserted') effects.messages.push(key);
      return;
    }
    case 'attachment':
      receiveGroupFile(ctx, tx, conversationId, author, app, body, effects);
      return;
    case 'reaction': {
      const t = resolveRef(tx, g, from, body.target, me);
      if (!t || !tx.getMessage(t)) return;
      if (body.emoji === '') tx.deleteReaction(conversationId, t.sender, t.id, author);
      else
        tx.putReaction({
          conversationId,
          targetSender: t.sender,
          targetId: t.id,
          reactor: author,
          emoji: body.emoji,
          at: now,
        });
      effects.messages.push(t);
      return;
    }
    case 'edit':
    case 'delete': {
      if (!body.target.mine) return; // only one's own messages
      const t = { conversationId, sender: author, id: body.target.id };
      const existing = tx.getMessage(t);
      if (!existing || existing.deletedAt !== null) return;
      if (body.kind === 'edit') {
        const { replyTo } = openBody(ctx.account.vault, existing);
        const stored = replyTo ? { text: body.text, replyTo } : { text: body.text };
        tx.updateMessage(t, { body: sealBody(ctx.account.vault, t, stored), editedAt: now });
        indexBody(tx, t, stored, existing.receivedAt);
      } else {
        tx.updateMessage(t, { body: new Uint8Array(0), deletedAt: now });
      }
      effects.messages.push(t);
      return;
    }
    case 'read': {
      if (author === 'self') {
        markReadHere(tx, g, body.targets, me);
        return;
      }
      if (countsReadMarks(g)) {
        // A large group: one read mark per member, not a receipt per (message, member).
        const own = body.targets.flatMap((ref) => {
          const m = ref.mine ? undefined : tx.getMessage({ conversationId, sender: 'self', id: ref.id });
          return m ? [m] : [];
        });
        effects.messages.push(...noteGroupRead(ctx, tx, g, from, own));
        return;
      }
      for (const ref of body.targets) {
        if (ref.mine) continue;
        const t = { conversationId, sender: 'self', id: ref.id };
        if (tx.getMessage(t) && noteReceipt(ctx, tx, g, t, from, 'read')) effects.messages.push(t);
      }
      return;
    }
    case 'typing':
      if (author === 'self') return;
      groupEffects(effects).typing.push({ group: g.state.id, member: from, active: body.active });
      return;
    default:
      return;
  }
}

/**
 * A file in a group (docs/PROTOCOL.md "Files in groups"): the message now, the bytes after commit,
 * fetched from the member who sent it (who serves them to the group's members only). Ours, told by
 * our other device: fetched from a device of ours, and ours to offer again once here.
 */
function receiveGroupFile(
  ctx: Ctx,
  tx: MessagesTx & AttachmentsTx,
  conversationId: string,
  author: string,
  app: AppMessage,
  manifest: Extract<AppMessage['body'], { kind: 'attachment' }>,
  effects: Effects,
): void {
  if (app.seq < 1) throw new InboundError('bad-message', 'an attachment message needs a sequence number');
  const key = { conversationId, sender: author, id: app.id };
  const stored = { text: manifest.caption ?? '', attachment: shownAttachment(manifest) };
  const inserted = insertIncoming(ctx, tx, {
    key,
    seq: app.seq,
    kind: 'attachment',
    stored,
    sentAt: app.sentAt,
    ttl: null,
    ...(author === 'self' ? { status: 'sent' as const } : {}),
  });
  if (inserted === 'duplicate') return;
  effects.messages.push(key);
  const record = storeIncomingFile(ctx, tx, {
    // (an out record of a group is named by the group: groups/files.ts)
    ...(author === 'self'
      ? { direction: 'out', peerId: conversationId }
      : { direction: 'in', peerId: author }),
    message: key,
    manifest,
  });
  if (record?.state === 'downloading') effects.downloads.push(record);
}

/** Our other device read these messages: read here too, up to the latest of them. */
function markReadHere(tx: MessagesTx, g: StoredGroup, targets: readonly MessageRef[], me: string): void {
  const conversation = tx.getConversation(g.state.id);
  if (!conversation) return;
  let upTo = conversation.readUpTo;
  for (const ref of targets) {
    const key = ref.mine ? undefined : resolveRef(tx, g, me, ref, me);
    const m = key && tx.getMessage(key);
    if (m && m.sortKey > upTo) upTo = m.sortKey;
  }
  // (read there: no longer marked unread here either)
  if (upTo > conversation.readUpTo)
    tx.putConversation({ ...conversation, readUpTo: upTo, markedUnread: false });
}

/**
 * One member's receipt for one of our messages; the message itself becomes
 * `delivered` (`read`) once every current member has acknowledged (read) it.
 * Returns whether anything visible changed.
 */
export function noteReceipt(
  ctx: Ctx,
  tx: MessagesTx & GroupsTx,
  g: StoredGroup,
  key: MessageKey,
  peerId: string,
  status: 'delivered' | 'read',
): boolean {
  const m = tx.getMessage(key);
  if (!m) return false;
  const receipts = tx.listReceipts(key);
  const had = receipts.find((r) => r.peerId === peerId);
  if (had?.status === 'read' || had?.status === status) return false;
  const now = ctx.now();
  tx.putReceipt({ ...key, peerId, status, at: now, deliveredAt: had?.deliveredAt ?? now });
  const all = new Map(receipts.map((r) => [r.peerId, r.status]));
  all.set(peerId, status);
  const members = g.state.members.map((x) => x.peerId).filter((p) => p !== selfId(ctx));
  const delivered = members.every((p) => all.has(p));
  const read = members.every((p) => all.get(p) === 'read');
  const next = read && ctx.settings.readReceipts ? 'read' : delivered ? 'delivered' : m.status;
  if (next !== m.status && m.status !== 'failed' && m.status !== 'read')
    tx.updateMessage(key, { status: next });
  return true;
}

/** An ACK for one of our GROUP frames: the member's delivery receipt. */
export function groupAcked(
  ctx: Ctx,
  tx: MessagesTx & GroupsTx & ContactsTx & DevicesTx,
  from: string,
  key: MessageKey,
): boolean {
  const g = loadGroup(ctx, tx, key.conversationId);
  if (!g) return false;
  // A member's receipt is from any device of theirs; our own other device's ACK is none.
  const owner = ownerOf(ctx, tx, from);
  if (owner?.kind === 'self') return false;
  return noteReceipt(ctx, tx, g, key, owner?.contact.peerId ?? from, 'delivered');
}
