/**
 * Read receipts in large (topic) groups (docs/GROUPS.md "Receipts"). A member's `read` group
 * message advances that member's read mark — the highest sequence number of ours they have read —
 * instead of adding a receipt row per (message, member): the store holds at most one mark per
 * member, and a view says "read by `count` of `of`" instead of listing every member.
 *
 * A mark means "read up to": a member who reports seq 9 counts as having read 1..9, also a message
 * they missed on gossip (their client lists only what it holds; messages of one sender are read in
 * order, so this is what the conversation shows them as read too).
 */
import type { Ctx } from '../context/index.ts';
import type { GroupsTx, MessageKey, MessageRecord, MessagesTx, ReadMarkRecord } from '../ports/index.ts';
import type { ReadByView } from '../views/index.ts';
import type { StoredGroup } from './store.ts';
import { selfId } from './store.ts';

/** Whether the group counts reads by mark: a large group, whose state carries the topic secret. */
export const countsReadMarks = (g: StoredGroup): boolean => g.state.secret !== undefined;

/**
 * The other current members' read marks of one group, sorted once, so that "how many have read
 * seq s" is a binary search: a page of 50 own messages costs one read of ≤ members rows, not
 * 50 × members. Marks of members no longer in the group are not counted.
 */
export interface GroupReads {
  /** How many other current members there are. */
  readonly of: number;
  /** How many of them have read our message `seq`. */
  count(seq: number): number;
  /** Which of them have read our message `seq` (PeerIds, by PeerId): one message's details. */
  readers(seq: number): string[];
}

export const groupReads = (tx: GroupsTx, g: StoredGroup, me: string): GroupReads =>
  readsOf(tx.listReadMarks(g.state.id), g, me);

function readsOf(all: readonly ReadMarkRecord[], g: StoredGroup, me: string): GroupReads {
  const others = new Set(g.state.members.map((m) => m.peerId).filter((p) => p !== me));
  const marks = all.filter((m) => others.has(m.peerId));
  const sorted = marks.map((m) => m.seq).sort((a, b) => a - b);
  return {
    of: others.size,
    count: (seq) => sorted.length - firstAtLeast(sorted, seq),
    readers: (seq) => marks.filter((m) => m.seq >= seq).map((m) => m.peerId),
  };
}

/** The index of the first element ≥ `seq` in ascending `sorted` (its length if none). */
function firstAtLeast(sorted: readonly number[], seq: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What an own message of a large group shows: its count, and `read` once every other member read it. */
export function readByView(
  ctx: Ctx,
  reads: GroupReads,
  m: MessageRecord,
): { readonly readBy: ReadByView; readonly read: boolean } {
  const count = reads.count(m.senderSeq);
  const read = ctx.settings.readReceipts && reads.of > 0 && count >= reads.of && m.status !== 'failed';
  return { readBy: { count, of: reads.of }, read };
}

/**
 * Member `from` read `own` (our messages its `read` listed). Advances their mark to the highest
 * seq among them (never back: a stale or replayed receipt changes nothing) and marks `read` those
 * every other current member has now read. Returns the messages whose view changed. Inside `tx`.
 *
 * Cost: one mark write per receipt; the group's marks are read (≤ members rows) only when the mark
 * moved and a listed message is not `read` yet — then marks of former members are dropped too.
 */
export function noteGroupRead(
  ctx: Ctx,
  tx: MessagesTx & GroupsTx,
  g: StoredGroup,
  from: string,
  own: readonly MessageRecord[],
): MessageKey[] {
  const top = Math.max(0, ...own.map((m) => m.senderSeq));
  if (top < 1) return [];
  const groupId = g.state.id;
  if (!tx.advanceReadMark({ groupId, peerId: from, seq: top, at: ctx.now() })) return [];
  const open = own.filter((m) => m.status !== 'read' && m.status !== 'failed');
  if (open.length > 0 && ctx.settings.readReceipts) {
    const reads = readsOf(dropFormerMembers(tx, g), g, selfId(ctx));
    for (const m of open) if (readByView(ctx, reads, m).read) tx.updateMessage(m, { status: 'read' });
  }
  return own.map((m) => ({ conversationId: m.conversationId, sender: m.sender, id: m.id }));
}

/** Deletes the marks of members no longer in the group (bounded: one per member); returns the rest. */
function dropFormerMembers(tx: GroupsTx, g: StoredGroup): ReadMarkRecord[] {
  const current = new Set(g.state.members.map((m) => m.peerId));
  const marks = tx.listReadMarks(g.state.id);
  for (const m of marks) if (!current.has(m.peerId)) tx.deleteReadMarks(g.state.id, m.peerId);
  return marks.filter((m) => current.has(m.peerId));
}
