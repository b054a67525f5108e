/**
 * Groups (docs/GROUPS.md): state, sender keys, invitations, fan-out and gossipsub topics.
 * Imports base … messaging; never attachments or channels.
 */
export { applyGroupControl } from './apply.ts';
export { GROUP_MAX_MEMBERS, GroupNotReadyError } from './codec.ts';
export { createGroups, type Groups } from './groups.ts';
export { doneWaiting, GROUP_WAIT_MAX_MS, groupAcked, keepWaiting, receiveGroupFrame } from './inbox.ts';
export { applyOwnGroupControl } from './own-devices.ts';
export {
  GROUP_PICTURE_MAX_BYTES,
  type GroupPicture,
  type GroupPictureType,
  sniffPicture,
} from './picture.ts';
export { groupHit } from './search.ts';
export { GROUP_CHANGE_BATCH_MS } from './send.ts';
export type { StoredGroup } from './store.ts';
export { GROUP_TOPIC_MIN_MEMBERS_DEFAULT, groupTopic } from './topic.ts';
