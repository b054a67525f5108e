/** Calling for the user's attention (issue 20): the unread badge and desktop notifications. */
export { BADGE_MAX_COUNT, badgeIcon, badgeLabel, unreadTotal, useUnreadBadge } from './badge.ts';
export { notifyMessage } from './notify.ts';
