/**
 * After the inbox committed (or an invitation was accepted): the group effects it left are
 * carried out: introduced members admitted, what we owe sent, the UI told.
 */
import type { Effects } from '../messaging/index.ts';
import { encodeFrame } from '../wire/index.ts';
import type { GroupLocal } from './local.ts';
import { syncGroup } from './send.ts';
import { loadGroup } from './store.ts';
import { memberName } from './views.ts';

const HELLO = encodeFrame({ type: 'hello' });
/** Typing notices told to the UI per batch at most (the latest). */
const TYPING_EVENTS_MAX = 64;

export function applyEffects(local: GroupLocal, effects: Effects): void {
  const { ctx, topics } = local;
  const e = effects.group;
  if (!e) return;
  for (const c of e.contacts) local.hooks.introduced(c);
  for (const p of e.problems) ctx.events.emit('problem', p);
  // A split state applied: its parts that waited un-ACKed come again at once, as repeats.
  for (const p of e.resend) void ctx.transport.send(p, HELLO).catch(() => undefined);
  for (const t of e.typing.slice(-TYPING_EVENTS_MAX)) {
    const who = ctx.store.transaction((tx) => {
      const g = loadGroup(ctx, tx, t.group);
      return g?.status === 'active'
        ? { group: g.state.name, member: memberName(tx, g, t.member) }
        : undefined;
    });
    if (who) ctx.events.emit('typing', { contact: who.group, member: who.member, active: t.active });
  }
  const kicks = ctx.store.transaction((tx) =>
    [...e.sync].flatMap((id) => {
      const g = loadGroup(ctx, tx, id);
      return g ? syncGroup(ctx, tx, g) : [];
    }),
  );
  local.kickAll(kicks);
  for (const id of e.sync) local.drain(id);
  topics.refresh();
  for (const id of e.sync) void topics.sync(id); // a sender key may have arrived: fetch what it opens
  for (const [id, what] of e.changed) local.emitGroup(id, what);
  for (const group of e.gone) ctx.events.emit('group', { group, change: 'removed' });
}
