/**
 * Channel controls sent through the pairwise sessions (the `channel` application kind, applied
 * at the other end by channels/apply.ts): queued in the contact's outbox inside the transaction.
 */
import type { Ctx } from '../context/index.ts';
import { compose } from '../messaging/index.ts';
import type { ContactsTx, DevicesTx, MessagesTx, OutboxTx, SessionsTx } from '../ports/index.ts';
import { CHANNEL_MAX_EPOCHS_SENT, encodeControl } from './codec.ts';
import type { ChannelState } from './store.ts';

/** Queues `payload` for contact `contactId`; the peer to kick after commit (null: no such contact). */
export function sendControl(
  ctx: Ctx,
  tx: ContactsTx & SessionsTx & MessagesTx & OutboxTx & DevicesTx,
  contactId: string,
  payload: Uint8Array,
): string | null {
  const contact = tx.getContact(contactId);
  if (!contact) return null;
  compose(ctx, tx, contact, { kind: 'channel', payload });
  return contact.peerId;
}

/** A private channel's content keys (the newest CHANNEL_MAX_EPOCHS_SENT) for a member. */
export const keysFor = (s: ChannelState): Uint8Array =>
  encodeControl({
    t: 'keys',
    channel: s.id,
    descriptor: s.descriptor,
    current: s.current,
    keys: s.epochs.slice(-CHANNEL_MAX_EPOCHS_SENT),
  });
