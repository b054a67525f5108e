/**
 * Storing a channel's posts as they arrive (gossip, sync answers): verified against the
 * descriptor's publisher keys, stored once, and the per-publisher contiguous seq kept so sync
 * knows what to ask for.
 */
import type { Ctx } from '../context/index.ts';
import { storeIncomingFile } from '../messaging/index.ts';
import type { AttachmentRecord, AttachmentsTx, ChannelPostRecord, ChannelsTx } from '../ports/index.ts';
import type { MessageView } from '../views/index.ts';
import { type DecodedPost, openPostContent, POST_MAX_BYTES, verifyPost } from './codec.ts';
import { allowedOf, type ChannelRuntime, type Live } from './live.ts';
import { indexPost } from './search.ts';
import {
  CHANNEL_KNOWN_PEERS_MAX,
  type ChannelState,
  epochKey,
  getChannelState,
  postLabel,
  saveChannel,
} from './store.ts';
import { postMessageId, postView } from './views.ts';

/** A post more than this far ahead of what we have from its publisher is dropped (sync fills in first). */
export const POST_SEQ_GAP_MAX = 4096;
/** A post's display time is its publisher's timestamp, but never more than this ahead of our clock. */
export const POST_CLOCK_SKEW_MAX_MS: number = 5 * 60 * 1000;

type Parts = Pick<
  ChannelRuntime,
  | 'ctx'
  | 'self'
  | 'live'
  | 'rejected'
  | 'stored'
  | 'adoptDescriptor'
  | 'refreshDescriptor'
  | 'syncChannel'
  | 'download'
>;

/**
 * Verifies and stores one post; its view if it was new (null: not readable to us), else false.
 * `from` (the gossip author of a new post) is remembered as a peer to sync from: it had the post
 * (a private channel's: under the content key). A peer that only asks us is never remembered (a
 * stranger could fill the list).
 */
export function ingestPost(
  rt: Parts,
  id: string,
  bytes: Uint8Array,
  from?: string,
): MessageView | null | false {
  const l = rt.live.get(id);
  if (!l || bytes.length > POST_MAX_BYTES) return false;
  const post = verifyPost(rt.ctx.primitives, l.descriptor, bytes);
  if (!post) {
    if (rt.adoptDescriptor(id, bytes)) return false; // the owner announced a new revision
    rt.rejected++;
    if (from) void rt.refreshDescriptor(id, [from]); // perhaps a publisher we do not know of yet
    return false;
  }
  const outcome = rt.ctx.store.transaction((tx) => storePost(rt.ctx, tx, rt.self, l, post, bytes, from));
  if (!outcome) return false;
  rt.stored++;
  if (outcome.view) rt.ctx.events.emit('post', outcome.view);
  if (outcome.downloads.length > 0) rt.download(outcome.downloads);
  if (outcome.gap && from) void rt.syncChannel(id, [from]);
  return outcome.view;
}

/** Inside the transaction: stores `post` and advances the channel's state (and `l`'s). */
function storePost(
  ctx: Ctx,
  tx: ChannelsTx & AttachmentsTx,
  self: string,
  l: Live,
  post: DecodedPost,
  bytes: Uint8Array,
  from: string | undefined,
):
  | { readonly view: MessageView | null; readonly gap: boolean; readonly downloads: AttachmentRecord[] }
  | false {
  const id = l.state.id;
  const s = getChannelState(ctx, tx, id);
  if (!s) return false;
  let contiguous = s.contiguous[post.publisher] ?? 0;
  if (post.seq > contiguous + POST_SEQ_GAP_MAX) return false;
  const now = ctx.now();
  const at = Math.min(post.timestamp, now + POST_CLOCK_SKEW_MAX_MS);
  const stored: ChannelPostRecord = {
    channelId: id,
    publisher: post.publisher,
    seq: post.seq,
    sortKey: at * 1000 + (post.seq % 1000),
    receivedAt: now,
    post: ctx.account.vault.seal(postLabel(id), bytes),
  };
  const inserted = tx.putPost(stored);
  let next = s;
  if (inserted === 'inserted') {
    indexPost(ctx, tx, s, stored, post);
    while (tx.getPost(id, post.publisher, contiguous + 1)) contiguous++;
    next = { ...next, contiguous: { ...next.contiguous, [post.publisher]: contiguous } };
    if (from && from !== self && !next.peers.includes(from)) {
      next = { ...next, peers: [from, ...next.peers].slice(0, CHANNEL_KNOWN_PEERS_MAX) };
    }
  }
  if (next !== s) saveChannel(ctx, tx, next);
  l.state = next;
  if (next.peers !== s.peers && l.descriptor.isPrivate && next.role !== 'owner')
    l.allowed = allowedOf(ctx, next, l.descriptor);
  if (inserted !== 'inserted') return false;
  const record = tx.getPost(id, post.publisher, post.seq);
  if (!record) return false;
  const downloads = receiveFile(ctx, tx, self, next, post);
  return { view: postView(ctx, tx, next, l.descriptor, record), gap: contiguous < post.seq, downloads };
}

/**
 * A new post's file, if it carries one we can read: its record, named by the channel (`in`,
 * peerId = the channel's id) and fetched from the device the post names (`source`, kept in the
 * sealed manifest). Small files download at once, as in a conversation (storeIncomingFile).
 */
function receiveFile(
  ctx: Ctx,
  tx: AttachmentsTx,
  self: string,
  s: ChannelState,
  post: DecodedPost,
): AttachmentRecord[] {
  const file = openPostContent(ctx.primitives, post, (e) => epochKey(s, e))?.file;
  if (!file || file.source === self) return []; // (ours, stored again: we hold it already)
  const message = { conversationId: s.id, sender: file.source, id: postMessageId(post.publisher, post.seq) };
  const record = storeIncomingFile(ctx, tx, { direction: 'in', peerId: s.id, message, manifest: file });
  return record?.state === 'downloading' ? [record] : [];
}
