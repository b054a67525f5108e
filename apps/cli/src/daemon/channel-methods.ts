/** JSON-RPC methods for channels (docs/API.md "Channels"): a thin layer over the Messenger's channel API. */
import type { ChannelView, MessageView, Messenger } from '@parley/core';
import { sendFileFromPath } from './attachment-methods.ts';
import { handlers, type Method } from './rpc-methods.ts';

export function channelMethods(m: Messenger): Record<string, Method> {
  return handlers({
    'channels.list': (): ChannelView[] => m.channels(),
    'channels.get': (p) => m.channel(p.name),
    'channels.create': (p) => m.createChannel(p.name, { private: p.private === true }),
    'channels.invite': (p) => {
      const { link } = m.channelInvite(p.name);
      return { link };
    },
    'channels.follow': (p) => m.followChannel(p.link, p.name),
    'channels.post': (p): MessageView => m.post(p.name, p.text),
    // A path method: token callers only, like messages.sendFile. Named by its id, so that a contact
    // who has the channel's name (contacts come first) is never sent the file instead.
    'channels.postFile': (p) =>
      sendFileFromPath(m, m.channel(p.name).id, p.path, {
        ...(p.text === undefined ? {} : { caption: p.text }),
        ...(p.mime === undefined ? {} : { mime: p.mime }),
      }),
    'channels.posts': (p): MessageView[] =>
      m.posts(p.name, {
        ...(p.limit !== undefined ? { limit: p.limit } : {}),
        ...(p.before !== undefined ? { before: p.before } : {}),
      }),
    'channels.unfollow': (p) => m.unfollow(p.name),
    'channels.approve': (p) => m.approveFollower(p.name, p.contact),
    'channels.removeFollower': (p) => m.removeFollower(p.name, p.contact),
    'channels.addPublisher': (p) => m.addPublisher(p.name, p.contact),
    'channels.removePublisher': (p) => m.removePublisher(p.name, p.contact),
    'channels.sync': async (p) => ({ stored: await m.syncChannels(p.name) }),
  });
}
