/**
 * A group's conversation: sending (fanned out over the pairwise sessions, or published on the
 * topic of a large group), reacting, typing, and reading its messages. Edits, deletions, reads and
 * paging go through messaging/, as in the 1:1 conversation (messenger/direct.ts).
 */
import { CoreError } from '../base/index.ts';
import {
  type MessagePageQuery,
  messagePage,
  type OwnConversation,
  setOwnReaction,
} from '../messaging/index.ts';
import type { MessageKey, MessageRecord, MessagesTx, StoreTx } from '../ports/index.ts';
import type { MessageView, StoredBody } from '../views/index.ts';
import type { AppBody, MessageRef } from '../wire/index.ts';
import { checkJoined, type GroupLocal } from './local.ts';
import { composeGroup } from './send.ts';
import { loadGroup, type StoredGroup } from './store.ts';
import { topicOf } from './topic.ts';
import { groupMessageView, groupPage } from './views.ts';

/**
 * Sends `body` to the group; its view, or null for a body that is not stored (typing, receipts).
 * `stored`: what the message shows, when not its text (a file); `withRecord` runs in the same
 * transaction once the message is stored (a file's record: files.ts).
 */
export function sendToGroup(
  local: GroupLocal,
  g: StoredGroup,
  body: AppBody,
  stored?: StoredBody,
  withRecord?: (tx: StoreTx, record: MessageRecord) => void,
): MessageView | null {
  const { ctx } = local;
  checkJoined(g);
  const { composed, view } = ctx.store.transaction((tx) => {
    const composed = composeGroup(ctx, tx, g, body, stored);
    if (composed.record) withRecord?.(tx, composed.record);
    return { composed, view: composed.record ? groupMessageView(ctx, tx, g, composed.record) : null };
  });
  if (composed.publish) {
    const key = composed.record
      ? { conversationId: g.state.id, sender: 'self', id: composed.record.id }
      : null;
    local.topics.publish(g.state.id, composed.publish.topic, composed.publish.data, key);
  } else if (body.kind === 'typing') {
    for (const p of composed.recipients)
      if (ctx.transport.isConnected(p)) void ctx.transport.send(p, composed.frame).catch(() => undefined);
  }
  local.kickAll(composed.kicks);
  if (view) ctx.events.emit('message', view);
  return view;
}

export function sendText(local: GroupLocal, g: StoredGroup, text: string, replyTo?: MessageRef): MessageView {
  return sendToGroup(
    local,
    g,
    replyTo ? { kind: 'text', text, replyTo } : { kind: 'text', text },
  ) as MessageView;
}

/** Many texts in one transaction; their views, in order. */
export function sendTexts(local: GroupLocal, g: StoredGroup, texts: readonly string[]): MessageView[] {
  const { ctx } = local;
  const { views, kicks, published } = ctx.store.transaction((tx) => {
    const all = texts.map((text) => composeGroup(ctx, tx, g, { kind: 'text', text }));
    const page = groupPage(ctx, tx, g);
    return {
      views: all.flatMap((c) => (c.record ? [groupMessageView(ctx, tx, g, c.record, page)] : [])),
      kicks: all.flatMap((c) => c.kicks),
      published: all.flatMap((c) => (c.publish ? [{ ...c.publish, id: c.record?.id }] : [])),
    };
  });
  for (const p of published)
    local.topics.publish(
      g.state.id,
      p.topic,
      p.data,
      p.id ? { conversationId: g.state.id, sender: 'self', id: p.id } : null,
    );
  local.kickAll(kicks);
  for (const v of views) ctx.events.emit('message', v);
  return views;
}

export function react(local: GroupLocal, g: StoredGroup, target: MessageRef, emoji: string): void {
  const { ctx } = local;
  sendToGroup(local, g, { kind: 'reaction', target, emoji });
  const views = ctx.store.transaction((tx) => {
    const key = target.mine
      ? { conversationId: g.state.id, sender: 'self', id: target.id }
      : findIncoming(local, tx, g, target.id);
    if (!key || !setOwnReaction(tx, key, emoji, ctx.now())) return [];
    return local.messageViews(tx, [key]);
  });
  for (const v of views) ctx.events.emit('message', v);
}

export function setTyping(local: GroupLocal, g: StoredGroup, active: boolean): void {
  // Large groups: typing is not shown in groups, and on the topic it would spend an iteration
  // that catch-up could never fill.
  if (local.ctx.store.transaction(() => topicOf(local.ctx, g))) return;
  sendToGroup(local, g, { kind: 'typing', active });
}

/** The group as messaging/'s own-change helpers (edit, delete, mark read) reach it. */
export function ownConversation(local: GroupLocal, g: StoredGroup): OwnConversation {
  const { ctx } = local;
  return {
    id: g.state.id,
    label: `group "${g.state.name}"`,
    send: (body) => sendToGroup(local, g, body),
    view: (tx, m) => groupMessageView(ctx, tx, loadGroup(ctx, tx, m.conversationId) as StoredGroup, m),
  };
}

export function messages(local: GroupLocal, g: StoredGroup, query: MessagePageQuery): MessageView[] {
  const { ctx } = local;
  return ctx.store.transaction((tx) => {
    // Once per page: names, and in a large group the sorted read marks every own message counts in.
    const page = groupPage(ctx, tx, g);
    return messagePage(tx, g.state.id, query, (m) => groupMessageView(ctx, tx, g, m, page));
  });
}

export function message(
  local: GroupLocal,
  g: StoredGroup,
  key: { sender: 'self' | 'peer'; id: string },
): MessageView {
  const { ctx } = local;
  return ctx.store.transaction((tx) => {
    const k =
      key.sender === 'self'
        ? { conversationId: g.state.id, sender: 'self', id: key.id }
        : findIncoming(local, tx, g, key.id);
    const m = k && tx.getMessage(k);
    if (!m) throw new CoreError('unknown-message', `no message ${key.id} in group "${g.state.name}"`);
    return groupMessageView(ctx, tx, g, m, undefined, true); // one message: who has read it, too
  });
}

/** The key of the received message `id`, whichever member sent it. */
function findIncoming(local: GroupLocal, tx: MessagesTx, g: StoredGroup, id: string): MessageKey | undefined {
  for (const m of g.state.members) {
    const k = { conversationId: g.state.id, sender: m.peerId, id };
    if (m.peerId !== local.me && tx.getMessage(k)) return k;
  }
  return undefined;
}
