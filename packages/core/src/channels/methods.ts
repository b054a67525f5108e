/** The channel part of the Messenger API (docs/API.md), delegating to a running Channels. */
import type { ChannelView, MessageView } from '../views/index.ts';
import type { Channels } from './channels.ts';

export interface ChannelMethods {
  createChannel(name: string, options?: { readonly private?: boolean }): ChannelView;
  channelInvite(name: string): { link: string; qrPayload: Uint8Array };
  followChannel(link: string, name?: string): ChannelView;
  /** Posts text; a file is posted through sendFile (messenger/attachments.ts). */
  post(channel: string, text: string): MessageView;
  channels(): ChannelView[];
  channel(name: string): ChannelView;
  posts(channel: string, query?: { readonly limit?: number; readonly before?: number }): MessageView[];
  unfollow(channel: string): ChannelView;
  approveFollower(channel: string, contact: string): ChannelView;
  removeFollower(channel: string, contact: string): ChannelView;
  /** Owner: appoint a contact as a publisher of the channel, or remove one (docs/CHANNELS.md). */
  addPublisher(channel: string, contact: string): ChannelView;
  removePublisher(channel: string, contact: string): ChannelView;
  /** Ask known peers for missed posts now (all channels, or one); resolves with the posts stored. */
  syncChannels(channel?: string): Promise<number>;
}

export function channelMethods(c: Channels): ChannelMethods {
  return {
    createChannel: (name, options) => c.createChannel(name, options),
    channelInvite: (name) => c.channelInvite(name),
    followChannel: (link, name) => c.followChannel(link, name),
    post: (name, text) => c.post(name, text),
    channels: () => c.channels(),
    channel: (name) => c.channel(name),
    posts: (name, query) => c.posts(name, query),
    unfollow: (name) => c.unfollow(name),
    approveFollower: (name, contact) => c.approveFollower(name, contact),
    removeFollower: (name, contact) => c.removeFollower(name, contact),
    addPublisher: (name, contact) => c.addPublisher(name, contact),
    removePublisher: (name, contact) => c.removePublisher(name, contact),
    syncChannels: (name) => c.sync(name),
  };
}
