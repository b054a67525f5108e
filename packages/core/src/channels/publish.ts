/**
 * Posting (owner and appointed publishers): a post signed with our publisher key, stored as ours,
 * and published on the channel's topic (sealed under the current epoch's key on a private one);
 * and listing a channel's posts.
 */
import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { type MessagePageQuery, pageLimit } from '../messaging/index.ts';
import type { ChannelPostRecord, ChannelsTx } from '../ports/index.ts';
import type { MessageView } from '../views/index.ts';
import { CHANNEL_MAX_PUBLISHERS, decodePost, encodePost, keyIdOf } from './codec.ts';
import { type ChannelRuntime, topicOf } from './live.ts';
import { findChannel } from './names.ts';
import { indexPost } from './search.ts';
import { postingSeed } from './share.ts';
import { type ChannelState, descriptorOf, epochKey, postLabel, saveChannel } from './store.ts';
import { sealEnvelope } from './topic.ts';
import { postView } from './views.ts';

/** Posts `text` in the channel named `name` (owner or publisher only); its view. */
export function post(rt: Pick<ChannelRuntime, 'ctx' | 'live'>, name: string, text: string): MessageView {
  const { ctx } = rt;
  const { s, bytes, record } = ctx.store.transaction((tx) => writePost(ctx, tx, name, text));
  const l = rt.live.get(s.id);
  if (l) l.state = s;
  publishOn(ctx, s, bytes);
  const v = postView(ctx, s, descriptorOf(ctx, s), record) as MessageView;
  ctx.events.emit('post', v);
  return v;
}

/** Inside the transaction: signs and stores our next post; the channel's next state. */
function writePost(
  ctx: Ctx,
  tx: ChannelsTx,
  name: string,
  text: string,
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
    text,
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
      .flatMap((r) => postView(ctx, s, d, r) ?? []);
  });
}
