/**
 * What the messenger shows of a channel and of its posts (views/channels.ts, views/messages.ts),
 * read from the channel's state at rest; and the `channel` event.
 */
import { fromBase64Url } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { shownAttachment } from '../messaging/index.ts';
import type { AttachmentsTx, ChannelPostRecord, ChannelsTx, ContactsTx } from '../ports/index.ts';
import type { AttachmentView, ChannelEvent, ChannelView, MessageView } from '../views/index.ts';
import { type ChannelDescriptor, decodePost, keyIdOf, openPostContent } from './codec.ts';
import type { PostFile } from './post-file.ts';
import { appointmentsOf } from './publishers.ts';
import { ownKeyIds } from './share.ts';
import { type ChannelState, descriptorOf, epochKey, getChannelState, postLabel } from './store.ts';

export function channelView(ctx: Ctx, tx: ContactsTx & ChannelsTx, s: ChannelState): ChannelView {
  const d = descriptorOf(ctx, s);
  const names = (ids: readonly string[]) => ids.flatMap((id) => tx.getContact(id)?.name ?? []);
  return {
    id: s.id,
    name: s.name,
    role: s.role,
    private: d.isPrivate,
    status: s.status,
    posts: tx.countPosts(s.id),
    followers: names(s.followers),
    requests: names(s.requests),
    publishers: names(appointmentsOf(s).map((a) => a.contact)),
    createdAt: s.createdAt,
  };
}

/** Emits the `channel` event for channel `id` as it is stored now (nothing if it is gone). */
export function emitChannel(ctx: Ctx, id: string, change: ChannelEvent['change']): void {
  const v = ctx.store.transaction((tx) => {
    const s = getChannelState(ctx, tx, id);
    return s ? channelView(ctx, tx, s) : undefined;
  });
  if (v) ctx.events.emit('channel', { channel: v, change });
}

/** A post's message id: its publisher's key id and its seq (hex). */
export const postMessageId = (publisher: string, seq: number): string =>
  `${publisher}${seq.toString(16).padStart(8, '0')}`;

/** A stored post as a message, or null if it is sealed under a content key we do not have. */
export function postView(
  ctx: Ctx,
  tx: Pick<AttachmentsTx, 'getAttachment'>,
  s: ChannelState,
  d: ChannelDescriptor,
  r: ChannelPostRecord,
): MessageView | null {
  const p = ctx.primitives;
  const post = decodePost(ctx.account.vault.open(postLabel(s.id), r.post));
  const content = openPostContent(p, post, (e) => epochKey(s, e));
  if (content === undefined) return null; // sealed under a key we do not have: nothing readable
  const { text, file } = content;
  const mine =
    s.role === 'owner'
      ? ownKeyIds(ctx, s, d).has(post.publisher)
      : s.secret !== null && post.publisher === keyIdOf(p, p.ed25519PublicKey(fromBase64Url(s.secret)));
  const isOwner = post.publisher === keyIdOf(p, d.channelKey);
  return {
    id: postMessageId(post.publisher, post.seq),
    conversationId: s.id,
    contact: s.name,
    direction: mine ? 'out' : 'in',
    from: mine ? 'me' : isOwner ? s.name : `${s.name} (${post.publisher.slice(0, 8)})`,
    seq: post.seq,
    sortKey: r.sortKey,
    text,
    replyTo: null,
    sentAt: post.timestamp,
    receivedAt: r.receivedAt,
    status: mine ? 'sent' : 'delivered',
    error: null,
    edited: false,
    deleted: false,
    expiresAt: null,
    reactions: [],
    attachment: file ? fileView(tx, s.id, file) : null,
    gapBefore: false,
  };
}

/**
 * A post's file as the messenger shows it: the name made safe, and the transfer's state from its
 * record (named by the channel: ours `out`, a received one `in`; publish.ts, ingest.ts).
 */
function fileView(
  tx: Pick<AttachmentsTx, 'getAttachment'>,
  channelId: string,
  file: PostFile,
): AttachmentView {
  const shown = shownAttachment(file);
  const record = tx.getAttachment('out', channelId, file.id) ?? tx.getAttachment('in', channelId, file.id);
  if (!record) return { ...shown, status: 'failed', transferred: 0, error: null };
  const transferred =
    record.receivedChunks >= record.chunks
      ? file.size
      : Math.round((record.receivedChunks / Math.max(record.chunks, 1)) * file.size);
  return { ...shown, status: record.state, transferred, error: record.error };
}
