/**
 * Group control messages arriving through a pairwise session (the `group`
 * application kind). Groups are not implemented yet: a control message is
 * authenticated (it came through the ratchet) but ignored, and says so.
 */
import type { Effects } from './apply-message.ts';
import type { Ctx } from './context.ts';
import type { ContactRecord, StoreTx } from './store.ts';

export function applyGroupControl(
  ctx: Ctx,
  _tx: StoreTx,
  contact: ContactRecord,
  _payload: Uint8Array,
  effects: Effects,
): Effects {
  ctx.events.emit('problem', {
    code: 'unsupported',
    contact: contact.name,
    message: `${contact.name} sent a group update; this version of Parley has no groups yet`,
  });
  return effects;
}
