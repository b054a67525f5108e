/**
 * Channel control messages arriving through a pairwise session (the
 * `channel` application kind). Channels are not implemented yet: the message
 * is authenticated (it came through the ratchet) but ignored, and says so.
 */
import type { Effects } from './apply-message.ts';
import type { Ctx } from './context.ts';
import type { ContactRecord, StoreTx } from './store.ts';

export function applyChannelControl(
  ctx: Ctx,
  _tx: StoreTx,
  contact: ContactRecord,
  _payload: Uint8Array,
  effects: Effects,
): Effects {
  ctx.events.emit('problem', {
    code: 'unsupported',
    contact: contact.name,
    message: `${contact.name} sent a channel update; this version of Parley has no channels yet`,
  });
  return effects;
}
