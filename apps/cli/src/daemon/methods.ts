/** Every method table of a ready daemon (an unlocked account): what run.ts serves after setup. */
import type { Messenger } from '@parley/core';
import { accountMethods, type ProfileDeps } from './account-methods.ts';
import { attachmentMethods } from './attachment-methods.ts';
import { channelMethods } from './channel-methods.ts';
import { groupMethods } from './group-methods.ts';
import { deviceMethods, mailboxMethods } from './mailbox-methods.ts';
import { type DaemonInfo, type Method, rpcMethods } from './rpc-methods.ts';

export function readyMethods(m: Messenger, info: DaemonInfo, profile: ProfileDeps): Record<string, Method> {
  return {
    ...rpcMethods(m, info),
    ...accountMethods(m, profile),
    ...attachmentMethods(m),
    ...channelMethods(m),
    ...groupMethods(m),
    ...mailboxMethods(m),
    ...deviceMethods(m),
  };
}
