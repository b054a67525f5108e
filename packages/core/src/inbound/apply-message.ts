/**
 * Applying an authenticated application message to the store, inside the
 * receiving transaction. Returns what changed, for events after commit.
 */

import { decodeContactCard, sameIdentity } from '@parley/crypto';
import { decodeIdentityPublic } from '../account/index.ts';
import { receiveAttachment } from '../attachments/index.ts';
import { equalBytes, InboundError } from '../base/index.ts';
import { applyChannelControl } from '../channels/index.ts';
import { vouchedAddresses } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import { decodeDevicesPayload, followDeviceList } from '../devices/index.ts';
import { applyGroupControl } from '../groups/index.ts';
import { applyMailboxControl } from '../mailbox/index.ts';
import {
  devicesChangedText,
  type Effects,
  indexBody,
  insertIncoming,
  insertNotice,
  noteDirectReceipt,
} from '../messaging/index.ts';
import type { ContactRecord, MessageKey, StoreTx } from '../ports/index.ts';
import { openBody, sealBody } from '../views/index.ts';
import type { AppMessage, MessageRef } from '../wire/index.ts';

const target = (contact: ContactRecord, ref: MessageRef): MessageKey => ({
  conversationId: contact.id,
  sender: ref.mine ? contact.peerId : 'self',
  id: ref.id,
});

export function applyMessage(
  ctx: Ctx,
  tx: StoreTx,
  contact: ContactRecord,
  app: AppMessage,
  /** Which of the contact's devices sent it (their first by default). */
  device: string = contact.peerId,
): Effects {
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
        indexBody(tx, t, stored, existing.receivedAt);
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
          noteDirectReceipt(tx, t, contact.peerId, 'read', now);
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
      // may name private addresses only where the ones we hold already reach (contacts/address-scope.ts).
      const addresses =
        contact.state === 'introduced' ? vouchedAddresses(card.addresses, contact.addresses) : card.addresses;
      tx.putContact({ ...contact, card: body.card, addresses, updatedAt: now });
      effects.contactChanged = true;
      // Told once per new card (our answer is our card, unchanged when it comes back).
      if (card.kemPrekey !== undefined && !equalBytes(contact.card, body.card)) effects.hybridCard = true;
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
      // Every device of ours takes part, each with its own sender key (docs/MULTI-DEVICE.md "Groups").
      return applyGroupControl(ctx, tx, contact, body.payload, effects, device);
    case 'channel':
      // Applied on whichever of our devices it reaches (every device holds the channel), and told
      // to our other devices from there (docs/MULTI-DEVICE.md "Channels").
      return applyChannelControl(ctx, tx, contact, body.payload, effects);
    case 'mailbox':
      // Offers reach every device of ours; each pairs under its own PeerId (mailbox/offers.ts).
      return applyMailboxControl(ctx, tx, contact, body.payload, effects, device);
    case 'devices': {
      const change = followDeviceList(ctx, tx, contact, decodeDevicesPayload(body.payload));
      // A contact made from a linked device's invite got the card of the account's first device
      // (devices/lists.ts): our other devices can hold it only now.
      if (contact.card.length === 0 && (tx.getContact(contact.id)?.card.length ?? 0) > 0)
        effects.contactSync = effects.contactChanged = true;
      if (change !== 'same') {
        // (the devices we met with the invite are no news: admission follows, no notice)
        effects.devices = change.added.length + change.removed.length > 0 ? change : true;
        effects.contactChanged = true;
        const text = devicesChangedText(contact.name, change);
        if (text) effects.messages.push(insertNotice(ctx, tx, contact.id, 'devices', text));
      }
      return effects;
    }
    case 'sync':
      throw new InboundError('bad-message', 'sync copies come only from our own devices');
  }
}
