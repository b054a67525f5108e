import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { type MessagePageQuery, pageLimit, storeOwnFile } from '../messaging/index.ts';
import type { AttachmentsTx, ChannelPostRecord, ChannelsTx } from '../ports/index.ts';
import type { MessageView } from '../views/index.ts';
import type { FileManifest } from '../wire/index.ts';
import { CHANNEL_MAX_PUBLISHERS, decodePost, encodePost, keyIdOf } from './codec.ts';
import { type ChannelRuntime, topicOf } from './live.ts';
import { findChannel } from './names.ts';
import type { PostContent } from './post-file.ts';
import { indexPost } from './search.ts';
import { postingSeed } from './share.ts';
import { type ChannelState, descriptorOf, epochKey, postLabel, saveChannel } from './store.ts';
import { sealEnvelope } from './topic.ts';
import { postMessageId, postView } from './views.ts';

/**
 * Posts `text` in the channel named `name` (owner or publisher only); its view. With `file` (a
 * file already encrypted into our blob `out-<id>`, messenger/attachments.ts) the post carries its
 * manifest, and this device serves its chunks (files.ts): the source named in the post.
 */
export function post(
  rt: Pick<ChannelRuntime, 'ctx' | 'live'>,
  name: string,
  text: string,
  file?: FileManifest,
): MessageView {
  const { ctx } = rt;
  const content: PostContent = file ? { text, file: { ...file, source: ctx.transport.peerId } } : { text };
  const { s, bytes, v } = ctx.store.transaction((tx) => {
    const w = writePost(ctx, tx, name, content);
    if (file) offerFile(ctx, tx, w.s.id, postMessageId(w.record.publisher, w.record.seq), file);
    return { ...w, v: postView(ctx, tx, w.s, descriptorOf(ctx, w.s), w.record) as MessageView };
  });
  const l = rt.live.get(s.id);
  if (l) l.state = s;
  publishOn(ctx, s, bytes);
  ctx.events.emit('post', v);
  return v;
}

/**
 * Our copy of a posted file, named by the channel (`out`, peerId = the channel's id, as a group's
 * is named by the group): the file server hands it to the peers the channel admits (files.ts).
 */
function offerFile(ctx: Ctx, tx: AttachmentsTx, channelId: string, postId: string, file: FileManifest): void {
  const message = { conversationId: channelId, sender: 'self', id: postId };
  storeOwnFile(ctx, tx, { peerId: channelId, message, manifest: file });
}

/** Inside the transaction: signs and stores our next post; the channel's next state. */
function writePost(
  ctx: Ctx,
  tx: ChannelsTx,
  name: string,
  content: PostContent,
): { readonly s: ChannelState; readonly bytes: Uint8Array; readonly record: ChannelPostRecord } {
  const p = ctx.primitives;
  const s = findChannel(ctx, tx, name);
  if (s.secret === null || (s.role !== 'owner' && s.role !== 'publisher')) {
    throw new CoreError(
      'not-allowed',
      `followers cannot post in "${s.name}"; only its owner and publishers can`,
    );
  }
  const d = descriptorOf(ctx, s);
  // each device of the owner signs with its own key, numbered on its own (share.ts)
  const secret = postingSeed(ctx, s);
  if (!secret)
    throw new CoreError(
      'not-allowed',
      `this device cannot post in "${s.name}" yet: its key is not in the channel (at most ${CHANNEL_MAX_PUBLISHERS - 1} publishers and devices); try again once your devices are online`,
    );
  const seq = s.nextSeq;
  const bytes = encodePost(
    p,
    ctx.random,
    { channelId: s.id, seq, timestamp: ctx.now(), publisher: keyIdOf(p, p.ed25519PublicKey(secret)) },
    content,
    secret,
    d.isPrivate ? { epoch: s.current, key: epochKey(s, s.current) as Uint8Array } : undefined,
  );
  const publisher = decodePost(bytes).publisher;
  const now = ctx.now();
  const contiguous = Math.max(s.contiguous[publisher] ?? 0, seq);
  const next = { ...s, nextSeq: seq + 1, contiguous: { ...s.contiguous, [publisher]: contiguous } };
  const record: ChannelPostRecord = {
    channelId: s.id,
    publisher,
    seq,
    sortKey: now * 1000 + (seq % 1000),
    receivedAt: now,
    post: ctx.account.vault.seal(postLabel(s.id), bytes),
  };
  if (tx.putPost(record) === 'inserted') indexPost(ctx, tx, next, record, decodePost(bytes));
  saveChannel(ctx, tx, next);
  return { s: next, bytes, record };
}

/** Publishes a post or a descriptor on the channel's topic now (sealed on a private one). */
export function publishOn(ctx: Ctx, s: ChannelState, bytes: Uint8Array): void {
  const t = topicOf(ctx, s, descriptorOf(ctx, s));
  if (!t) return;
  void ctx.transport
    .publish(t.topic, sealEnvelope(ctx.primitives, ctx.random, t, bytes))
    .catch(() => undefined);
}

/** The channel's posts readable to us, in display order (a page as pageLimit sizes it; `before` pages back). */
export function listPosts(ctx: Ctx, name: string, query: MessagePageQuery): MessageView[] {
  return ctx.store.transaction((tx) => {
    const s = findChannel(ctx, tx, name);
    const d = descriptorOf(ctx, s);
    return tx
      .listPosts(s.id, { limit: pageLimit(query.limit), ...(query.before ? { before: query.before } : {}) })
      .flatMap((r) => postView(ctx, tx, s, d, r) ?? []);
  });
}
