/**
 * What incoming channel controls changed inside the receiving transaction (channels/apply.ts),
 * carried in that transaction's effects and acted on only after it commits: the messenger hands
 * the effects to Channels.applied, as it does for groups. A rolled-back transaction so tells nothing.
 */

/** The channel part of an incoming message's effects. */
export interface ChannelEffects {
  /** Ids of the channels whose state was saved (activate, emit `channel`, sync after commit). */
  readonly changed: Set<string>;
}

/** Effects that may carry a channel part (inbound's effects are of this kind). */
export interface WithChannelEffects {
  channel?: ChannelEffects;
}

/** The channel part of `effects`, made on first use. */
export const channelEffects = (effects: WithChannelEffects): ChannelEffects => {
  effects.channel ??= { changed: new Set() };
  return effects.channel;
};
