/** JSON-RPC methods for channels (docs/API.md "Channels"): a thin layer over the Messenger's channel API. */
import { type ChannelView, CoreError, type MessageView, type Messenger } from '@parley/core';
import type { Method } from './rpc-methods.ts';

const bad = (message: string): CoreError => new CoreError('bad-input', message);

function str(p: Record<string, unknown>, key: string): string {
  const v = p[key];
  if (typeof v !== 'string' || v.length === 0) throw bad(`"${key}" must be a non-empty string`);
  return v;
}

function optional(p: Record<string, unknown>, key: string): string | undefined {
  return p[key] === undefined ? undefined : str(p, key);
}

function limit(p: Record<string, unknown>): number | undefined {
  const v = p.limit;
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 1000) throw bad('"limit" must be 1..1000');
  return v as number;
}

export function channelMethods(m: Messenger): Record<string, Method> {
  return {
    'channels.list': (): ChannelView[] => m.channels(),
    'channels.get': (p) => m.channel(str(p, 'name')),
    'channels.create': (p) => m.createChannel(str(p, 'name'), { private: p.private === true }),
    'channels.invite': (p) => {
      const { link } = m.channelInvite(str(p, 'name'));
      return { link };
    },
    'channels.follow': (p) => m.followChannel(str(p, 'link'), optional(p, 'name')),
    'channels.post': (p): MessageView => m.post(str(p, 'name'), str(p, 'text')),
    'channels.posts': (p): MessageView[] => {
      const l = limit(p);
      const before = p.before;
      if (before !== undefined && !Number.isInteger(before)) throw bad('"before" must be an integer');
      return m.posts(str(p, 'name'), {
        ...(l !== undefined ? { limit: l } : {}),
        ...(before !== undefined ? { before: before as number } : {}),
      });
    },
    'channels.unfollow': (p) => m.unfollow(str(p, 'name')),
    'channels.approve': (p) => m.approveFollower(str(p, 'name'), str(p, 'contact')),
    'channels.removeFollower': (p) => m.removeFollower(str(p, 'name'), str(p, 'contact')),
    'channels.addPublisher': (p) => m.addPublisher(str(p, 'name'), str(p, 'contact')),
    'channels.removePublisher': (p) => m.removePublisher(str(p, 'name'), str(p, 'contact')),
    'channels.sync': async (p) => ({ stored: await m.syncChannels(optional(p, 'name')) }),
  };
}
