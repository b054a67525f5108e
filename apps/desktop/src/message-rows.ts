/**
 * The rows of a conversation's message list: day separators, the "N unread
 * messages" divider where the unread messages began, Parley's notices (a
 * contact's safety number or devices changed) as centred notes, and the
 * messages, each marked `first` when it starts a run from one sender (its
 * bubble shows the sender and a gap above).
 */
import { formatDay, startOfDay } from './format.ts';
import { type MessageView, messageKey } from './types.ts';

/** Messages of one sender closer together than this form one run. */
const RUN_GAP_MS = 5 * 60_000;

/** The unread divider's row key. */
export const UNREAD_ROW_KEY = 'unread';

export type Row =
  | { readonly kind: 'day' | 'note' | 'unread'; readonly key: string; readonly label: string }
  | {
      readonly kind: 'message';
      readonly key: string;
      readonly message: MessageView;
      readonly first: boolean;
    };

/** Where the unread messages began when the chat was opened: the first one's key, and how many. */
export interface UnreadMark {
  readonly key: string;
  readonly count: number;
}

/** Day separators, messages, and the unread divider before the message `unread` names. */
export function toRows(messages: readonly MessageView[], unread: UnreadMark | null = null): Row[] {
  const rows: Row[] = [];
  let day = -1;
  let prev: MessageView | undefined;
  for (const m of messages) {
    const d = startOfDay(m.sentAt);
    if (d !== day) {
      rows.push({ kind: 'day', key: `day:${d}`, label: formatDay(m.sentAt) });
      day = d;
      prev = undefined;
    }
    const key = messageKey(m);
    if (m.notice) {
      // Parley's own line (a safety number or a device list changed): centred, not a bubble.
      rows.push({ kind: 'note', key, label: m.text });
      prev = undefined;
      continue;
    }
    const divider = key === unread?.key;
    if (divider) {
      const label = `${unread.count} unread message${unread.count === 1 ? '' : 's'}`;
      rows.push({ kind: 'unread', key: UNREAD_ROW_KEY, label });
    }
    const first =
      divider ||
      !prev ||
      prev.direction !== m.direction ||
      prev.from !== m.from ||
      m.sentAt - prev.sentAt > RUN_GAP_MS;
    rows.push({ kind: 'message', key, message: m, first });
    prev = m;
  }
  return rows;
}
