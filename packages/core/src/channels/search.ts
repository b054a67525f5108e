/**
 * Channel posts in the messenger's search (docs/DESIGN.md §5.6): indexed when stored with their
 * readable text (a private channel's post sealed under an epoch key we lack has none yet), found
 * again as a view, and indexed in batches for posts stored before the index existed.
 */
import type { Ctx } from '../context/index.ts';
import type { AttachmentsTx, ChannelPostRecord, ChannelsTx } from '../ports/index.ts';
import { indexText } from '../search/index.ts';
import type { MessageView } from '../views/index.ts';
import { type DecodedPost, decodePost, openPostContent } from './codec.ts';
import { type ChannelState, descriptorOf, epochKey, getChannelState, postLabel } from './store.ts';
import { postView } from './views.ts';

/** A post's place among results: its display time (sortKey is that time × 1000 + seq). */
const postTime = (r: ChannelPostRecord): number => Math.floor(r.sortKey / 1000);

/** Indexes a stored post whose text we can read (else nothing). */
export function indexPost(
  ctx: Ctx,
  tx: ChannelsTx,
  s: ChannelState,
  r: ChannelPostRecord,
  post?: DecodedPost,
): void {
  const decoded = post ?? decodePost(ctx.account.vault.open(postLabel(s.id), r.post));
  const c = openPostContent(ctx.primitives, decoded, (e) => epochKey(s, e));
  if (c === undefined) return;
  // a file's post is found by its caption and its file's name
  const text = c.file ? `${c.text} ${c.file.name}`.trim() : c.text;
  tx.indexPost(r.channelId, r.publisher, r.seq, indexText(text), postTime(r));
}

/** A found post as a message of its channel, with the channel's name; undefined if gone or unreadable. */
export function postHit(
  ctx: Ctx,
  tx: ChannelsTx & AttachmentsTx,
  ref: { readonly channelId: string; readonly publisher: string; readonly seq: number },
): { readonly name: string; readonly view: MessageView } | undefined {
  const s = getChannelState(ctx, tx, ref.channelId);
  const r = tx.getPost(ref.channelId, ref.publisher, ref.seq);
  if (!s || !r) return undefined;
  const view = postView(ctx, tx, s, descriptorOf(ctx, s), r);
  return view ? { name: s.name, view } : undefined;
}

/**
 * Indexes the channel's posts below `before` (a sortKey; all when undefined), newest first, at most
 * `limit`: how many it read, and the sortKey to continue below (undefined when none are left).
 */
export function indexPostsBefore(
  ctx: Ctx,
  tx: ChannelsTx,
  channelId: string,
  before: number | undefined,
  limit: number,
): { readonly count: number; readonly next: number | undefined } {
  const s = getChannelState(ctx, tx, channelId);
  if (!s) return { count: 0, next: undefined };
  const page = tx.listPosts(channelId, before === undefined ? { limit } : { before, limit });
  for (const r of page) {
    try {
      indexPost(ctx, tx, s, r);
    } catch {
      // A post that does not open is not shown, nor searchable.
    }
  }
  return { count: page.length, next: page.length < limit ? undefined : page[0]?.sortKey };
}
