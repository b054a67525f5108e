/**
 * A channel's local name: finding a channel by name (or id), and choosing a name that no contact
 * or other channel has. Contacts' names come first everywhere (docs/CHANNELS.md).
 */
import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ChannelsTx, ContactsTx } from '../ports/index.ts';
import { type ChannelState, getChannelState, loadChannel } from './store.ts';

/** The channel named `name` (or with that id); a `bad-input` error if there is none. */
export function findChannel(ctx: Ctx, tx: ChannelsTx, name: string): ChannelState {
  const wanted = name.trim().toLowerCase();
  for (const r of tx.listChannels()) {
    const s = loadChannel(ctx, r);
    if (s.name.toLowerCase() === wanted || s.id === wanted) return s;
  }
  throw new CoreError('bad-input', `no channel named "${name}"; see "parley channel list"`);
}

/** The channel named `name` if we own it; else a `not-allowed` error. */
export function ownedChannel(ctx: Ctx, tx: ChannelsTx, name: string): ChannelState {
  const s = findChannel(ctx, tx, name);
  if (s.role !== 'owner') throw new CoreError('not-allowed', `only the owner of "${s.name}" can do that`);
  return s;
}

/** The channel id for a name that is not a contact's, or undefined. */
export function resolveChannel(ctx: Ctx, tx: ContactsTx & ChannelsTx, name: string): string | undefined {
  if (tx.getContactByName(name.trim())) return undefined;
  try {
    return findChannel(ctx, tx, name).id;
  } catch {
    return undefined;
  }
}

export const nameTaken = (ctx: Ctx, tx: ContactsTx & ChannelsTx, name: string): boolean =>
  tx.getContactByName(name) !== undefined ||
  tx.listChannels().some((r) => loadChannel(ctx, r).name.toLowerCase() === name.toLowerCase());

/** `wanted`, or `wanted (2)`… — not taken by another channel or a contact. */
export function uniqueChannelName(ctx: Ctx, tx: ContactsTx & ChannelsTx, wanted: string): string {
  const taken = new Set(
    tx.listChannels().map((r) => {
      try {
        return (getChannelState(ctx, tx, r.id)?.name ?? '').toLowerCase();
      } catch {
        return '';
      }
    }),
  );
  for (let i = 1; ; i++) {
    const name = i === 1 ? wanted : `${wanted} (${i})`;
    if (!taken.has(name.toLowerCase()) && !tx.getContactByName(name)) return name;
  }
}
