/**
 * What our own other devices tell us (docs/MULTI-DEVICE.md "Sending and receiving"): the device
 * list when they change it, and a sync copy of what they sent or read, applied here as if this
 * device had done it — a message they sent shows here as ours, in its place by its sequence
 * number (D4), once (D2: the same message id is a duplicate).
 */
import { decodeContactCard, decodeFileKey, fileChunkCount } from '@parley/crypto';
import { accountIdOf, checkDisplayName } from '../account/index.ts';
import { sealManifest, shownAttachment } from '../attachments/index.ts';
import { fromBase64Url, InboundError } from '../base/index.ts';
import { applyChannelShare } from '../channels/index.ts';
import { storeNewContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import {
  type ContactSync,
  decodeDevicesPayload,
  decodeSyncPayload,
  followDeviceList,
  ownDeviceRecord,
  SELF,
} from '../devices/index.ts';
import { applyOwnGroupControl } from '../groups/index.ts';
import { applyMailboxSync } from '../mailbox/index.ts';
import { type Effects, indexBody, setOwnReaction, sortKeyFor } from '../messaging/index.ts';
import type { AttachmentRecord, ContactRecord, MessageKey, StoreTx } from '../ports/index.ts';
import { openBody, type StoredBody, sealBody } from '../views/index.ts';
import { type AppMessage, decodeAppMessage, type MessageRef } from '../wire/index.ts';

/** A message from one of our own devices: the conversation it changed (if any) and what changed. */
export function applyOwnDeviceMessage(
  ctx: Ctx,
  tx: StoreTx,
  app: AppMessage,
  from: string,
): { readonly contact: ContactRecord | null; readonly effects: Effects } {
  const effects: Effects = { messages: [], downloads: [] };
  const body = app.body;
  if (body.kind === 'devices') {
    if (followDeviceList(ctx, tx, SELF, decodeDevicesPayload(body.payload)) !== 'same')
      effects.devices = true;
    return { contact: null, effects };
  }
  if (body.kind === 'group') {
    const self = ownMemberRecord(ctx, from);
    applyOwnGroupControl(ctx, tx, self, body.payload, effects, from);
    return { contact: self, effects };
  }
  if (body.kind !== 'sync') throw new InboundError('bad-message', `our own device sent a ${body.kind}`);
  const sync = decodeSyncPayload(body.payload);
  if (sync.op === 'contact') {
    effects.contactChanged = true;
    effects.devices = true; // (admission follows the contacts)
    return { contact: applyContactSync(ctx, tx, sync.peer, sync.contact), effects };
  }
  if (sync.op === 'mailbox') {
    applyMailboxSync(ctx, tx, sync.peer, sync.link);
    effects.ownMailbox = { peer: sync.peer, link: sync.link };
    return { contact: null, effects };
  }
  if (sync.op === 'channel') {
    applyChannelShare(ctx, tx, sync.peer, sync.state, effects);
    // (as groups do: a contact record makes the inbox hand the effects on to channels.applied)
    return { contact: ownMemberRecord(ctx, from), effects };
  }
  if (sync.op === 'forget') {
    const gone = tx.getContactByPeerId(sync.peer);
    if (gone) {
      for (const d of [gone.peerId, ...tx.listDevices(gone.id).map((x) => x.peerId)])
        for (const e of tx.listOutbox(d)) tx.deleteOutbox(e.seq);
      tx.deleteConversation(gone.id);
      tx.deleteContact(gone.id);
      effects.devices = true;
    }
    return { contact: null, effects };
  }
  const contact = tx.getContactByPeerId(sync.peer) ?? null;
  if (!contact) return { contact: null, effects }; // a contact this device does not know yet
  const conversation = tx.getConversation(contact.id);
  if (sync.op !== 'sent') {
    // (read on our other device: no longer marked unread here either)
    if (conversation)
      tx.putConversation({ ...conversation, readUpTo: tx.maxSortKey(contact.id), markedUnread: false });
    return { contact, effects };
  }
  const sent = decodeAppMessage(sync.message);
  applySent(ctx, tx, contact, sent, effects);
  if (effects.downloads.length > 0) effects.downloadsFrom = from;
  return { contact, effects };
}

/**
 * Us as a group member, speaking through our other device `device` (groups know an account by its
 * account id: docs/MULTI-DEVICE.md "Groups").
 */
export function ownMemberRecord(ctx: Ctx, device: string): ContactRecord {
  // (no identity key: nothing starts a session with this record)
  const record = ownDeviceRecord(device, new Uint8Array(0));
  return { ...record, peerId: accountIdOf(ctx.account.info), name: 'you' };
}

/**
 * A contact as another device of ours holds it now: added here if new (its sessions start from its
 * card when we first write), else updated; its local name kept if another contact has that name.
 */
function applyContactSync(ctx: Ctx, tx: StoreTx, peer: string, c: ContactSync): ContactRecord {
  let card: ReturnType<typeof decodeContactCard>;
  try {
    card = decodeContactCard(fromBase64Url(c.card), ctx.primitives);
  } catch {
    throw new InboundError('bad-message', 'a synced contact carries a damaged card');
  }
  if (card.peerId !== peer)
    throw new InboundError('bad-message', 'a synced contact’s card is someone else’s');
  const fields = {
    identityKey: fromBase64Url(c.identityKey),
    card: fromBase64Url(c.card),
    addresses: c.addresses,
    verified: c.verified,
    state: c.state,
    pendingIdentityKey: c.pendingIdentityKey === null ? null : fromBase64Url(c.pendingIdentityKey),
  };
  const existing = tx.getContactByPeerId(peer);
  if (existing) {
    const taken = tx.getContactByName(c.name);
    const name = taken && taken.id !== existing.id ? existing.name : checkDisplayName(c.name);
    const next = { ...existing, ...fields, name, updatedAt: ctx.now() };
    tx.putContact(next);
    return next;
  }
  return storeNewContact(ctx, tx, { ...fields, peerId: peer, name: checkDisplayName(c.name) });
}

/** Stores a message our other device sent, as ours, in its place by its sequence number (D4). */
function insertOwnCopy(
  ctx: Ctx,
  tx: StoreTx,
  contact: ContactRecord,
  app: AppMessage,
  stored: StoredBody,
): MessageKey | undefined {
  const key = { conversationId: contact.id, sender: 'self', id: app.id };
  const ttl = tx.getConversation(contact.id)?.disappearingMs ?? null;
  const inserted = tx.insertMessage({
    ...key,
    senderSeq: app.seq,
    kind: app.body.kind,
    body: sealBody(ctx.account.vault, key, stored),
    sentAt: app.sentAt,
    receivedAt: ctx.now(),
    sortKey: sortKeyFor(tx, contact.id, 'self', app.seq),
    status: 'sent',
    error: null,
    expiresAt: ttl === null ? null : app.sentAt + ttl,
    editedAt: null,
    deletedAt: null,
  });
  if (inserted !== 'inserted') return undefined;
  indexBody(tx, key, stored, app.sentAt);
  return key;
}

/** Our other device sent `app` to `contact`: the same change here. */
function applySent(ctx: Ctx, tx: StoreTx, contact: ContactRecord, app: AppMessage, effects: Effects): void {
  const now = ctx.now();
  const body = app.body;
  // A reference in what we sent: `mine` = ours (the sender's), otherwise the contact's.
  const target = (ref: MessageRef): MessageKey => ({
    conversationId: contact.id,
    sender: ref.mine ? 'self' : contact.peerId,
    id: ref.id,
  });
  switch (body.kind) {
    case 'text': {
      const stored = body.replyTo ? { text: body.text, replyTo: body.replyTo } : { text: body.text };
      const key = insertOwnCopy(ctx, tx, contact, app, stored);
      if (key) effects.messages.push(key);
      return;
    }
    case 'reaction': {
      const key = target(body.target);
      if (setOwnReaction(tx, key, body.emoji, now)) effects.messages.push(key);
      return;
    }
    case 'edit':
    case 'delete': {
      if (!body.target.mine) return; // only our own messages can be edited or deleted
      const key = target(body.target);
      const existing = tx.getMessage(key);
      if (!existing || existing.deletedAt !== null) return;
      if (body.kind === 'edit') {
        const { replyTo } = openBody(ctx.account.vault, existing);
        const stored = replyTo ? { text: body.text, replyTo } : { text: body.text };
        tx.updateMessage(key, { body: sealBody(ctx.account.vault, key, stored), editedAt: now });
        indexBody(tx, key, stored, existing.receivedAt);
      } else tx.updateMessage(key, { body: new Uint8Array(0), deletedAt: now });
      effects.messages.push(key);
      return;
    }
    case 'timer': {
      const conversation = tx.getConversation(contact.id);
      if (conversation) tx.putConversation({ ...conversation, disappearingMs: body.disappearingMs });
      effects.timerChanged = true;
      return;
    }
    case 'attachment': {
      // Our file, sent from our other device: its message here, and its bytes fetched from that device.
      const { kind: _kind, ...manifest } = body;
      const shown = shownAttachment(manifest);
      const key = insertOwnCopy(ctx, tx, contact, app, { text: manifest.caption ?? '', attachment: shown });
      if (!key || tx.getAttachment('out', contact.peerId, manifest.id)) return;
      effects.messages.push(key);
      const record: AttachmentRecord = {
        id: manifest.id,
        direction: 'out',
        peerId: contact.peerId,
        message: key,
        manifest: new Uint8Array(0),
        size: manifest.size,
        chunks: fileChunkCount(manifest.size, decodeFileKey(manifest.key).chunkSize),
        receivedChunks: 0,
        state: manifest.size <= ctx.limits.autoDownloadMaxBytes ? 'downloading' : 'offered',
        error: null,
        createdAt: now,
        updatedAt: now,
      };
      const sealed = { ...record, manifest: sealManifest(ctx, record, { ...manifest, name: shown.name }) };
      tx.putAttachment(sealed);
      if (sealed.state === 'downloading') effects.downloads.push(sealed);
      return;
    }
    default:
      return; // other kinds are not copied
  }
}
