/**
 * What a name means to the Messenger, resolved once per call: a contact's 1:1 conversation, a
 * group, or a channel. Contacts come first (a group or channel named like a contact is reached
 * by its id), then groups, then channels; methods that channels do not have resolve only the
 * first two, and a name that is none of them is a direct conversation whose lookup then fails
 * with `unknown-contact`.
 */
import type { ChannelsTx, ContactsTx, GroupsTx } from '../ports/index.ts';

export type Conversation<Group> =
  | { readonly kind: 'direct'; readonly name: string }
  | { readonly kind: 'group'; readonly group: Group }
  | { readonly kind: 'channel'; readonly channel: string };

export interface Resolvers<Group> {
  /** The group `name` means (not when it is a contact's name), if any. */
  readonly group: (name: string, tx: ContactsTx & GroupsTx) => Group | undefined;
  /** The channel id `name` means, if any. */
  readonly channel: (name: string, tx: ContactsTx & ChannelsTx) => string | undefined;
}

/** Resolves `name` in `tx`; `withChannels: false` for what only contacts and groups do. */
export function resolveConversation<Group>(
  tx: ContactsTx & GroupsTx & ChannelsTx,
  name: string,
  resolvers: Resolvers<Group>,
  withChannels = true,
): Conversation<Group> {
  const group = resolvers.group(name, tx);
  if (group !== undefined) return { kind: 'group', group };
  const channel = withChannels ? resolvers.channel(name, tx) : undefined;
  if (channel !== undefined) return { kind: 'channel', channel };
  return { kind: 'direct', name };
}
