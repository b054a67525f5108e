/**
 * When a contact got and read our 1:1 message, for its Info (messages.get): one receipt row per
 * (message, contact), like a group member's (groups/inbox.ts noteReceipt). The message's own
 * `status` stays what lists show; these rows only add the times.
 */

import type { GroupsTx, MessageKey } from '../ports/index.ts';

/** Records `status` for `peerId` unless it has it (or `read`) already; a read keeps the delivery time. */
export function noteDirectReceipt(
  tx: GroupsTx,
  key: MessageKey,
  peerId: string,
  status: 'delivered' | 'read',
  now: number,
): void {
  const had = tx.listReceipts(key).find((r) => r.peerId === peerId);
  if (had?.status === 'read' || had?.status === status) return;
  tx.putReceipt({ ...key, peerId, status, at: now, deliveredAt: had?.deliveredAt ?? now });
}
