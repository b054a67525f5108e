/**
 * Channels: signed descriptors, publishers, posts over a topic. Imports base … messaging;
 * never attachments or groups.
 */
export { applyChannelControl } from './apply.ts';
export { CHANNEL_SYNC_INTERVAL_MS, type Channels, createChannels } from './channels.ts';
export { CHANNEL_LINK_SCHEME, POST_TEXT_MAX_BYTES } from './codec.ts';
export { type ChannelMethods, channelMethods } from './methods.ts';
export { indexPostsBefore, postHit } from './search.ts';
export { applyChannelShare } from './share.ts';
