/** One page of a conversation's messages, newest last, as 1:1 conversations and groups list them. */

import type { MessageRecord, MessagesTx } from '../ports/index.ts';
import type { MessageView } from '../views/index.ts';
import { isHiddenTombstone } from './own-changes.ts';

/** Messages in a page when the caller names no limit. */
export const MESSAGE_PAGE_DEFAULT = 50;
/** Messages in a page at most (a larger limit is cut to this). */
export const MESSAGE_PAGE_MAX = 1000;

/** How many items a page asked for `limit` holds: MESSAGE_PAGE_DEFAULT if unnamed, 1 … MESSAGE_PAGE_MAX. */
export const pageLimit = (limit: number | undefined): number =>
  Math.min(Math.max(limit ?? MESSAGE_PAGE_DEFAULT, 1), MESSAGE_PAGE_MAX);

export interface MessagePageQuery {
  /** Only messages with a sortKey below this. */
  readonly before?: number;
  readonly limit?: number;
}

/**
 * The page of conversation `conversationId` that `query` asks for, without the tombstones of
 * disappeared messages and those deleted for me, each shown by `view`. Runs in the caller's transaction.
 */
export function messagePage(
  tx: MessagesTx,
  conversationId: string,
  query: MessagePageQuery,
  view: (m: MessageRecord) => MessageView,
): MessageView[] {
  return tx
    .listMessages(conversationId, {
      limit: pageLimit(query.limit),
      ...(query.before ? { before: query.before } : {}),
    })
    .filter((m) => !isHiddenTombstone(m))
    .map(view);
}
