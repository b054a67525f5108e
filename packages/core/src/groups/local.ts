/**
 * What every local group operation shares (groups.ts composes them): reaching the members (the
 * outbox flushed to them), telling the UI, the large groups' topics, and `change`, a local change
 * of the state run with its follow-up sync in one transaction.
 */
import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { AttachmentRecord, ContactRecord, MessageKey, StoreTx } from '../ports/index.ts';
import type { GroupView, MessageView } from '../views/index.ts';
import { checkActive, syncGroup } from './send.ts';
import { changeOwed, findGroup, loadGroup, type StoredGroup, selfId } from './store.ts';
import { createGroupTopics, type GroupTopics } from './topics.ts';
import type { GroupViewTx } from './tx.ts';
import { type GroupPage, groupMessageView, groupPage, groupView } from './views.ts';

/** `invited`: a pending invitation arrived (or a newer one replaced it); `added`: we joined. */
export type GroupChange = 'added' | 'invited' | 'changed' | 'removed';

export interface GroupHooks {
  /** Flush the outbox to this peer. */
  kick(peerId: string): void;
  /** A member we had no contact for became an `introduced` contact: admit (on msg) and reach them. */
  introduced(contact: ContactRecord): void;
  /** Files that came in a large group's topic messages, to fetch (after commit). */
  download?(records: readonly AttachmentRecord[]): void;
}

export interface GroupLocal {
  readonly ctx: Ctx;
  /** Our own peer id. */
  readonly me: string;
  readonly hooks: GroupHooks;
  readonly topics: GroupTopics;
  /** Flushes the outbox to each of these peers, once. */
  kickAll(peers: Iterable<string>): void;
  /** Emits `group` with the group's view, if it is still stored. */
  emitGroup(id: string, change: GroupChange): void;
  /** The views of the group messages stored at these keys, in `tx`. */
  messageViews(tx: GroupViewTx, keys: readonly (MessageKey | null)[]): MessageView[];
  /** Emits `message` for the group messages stored at these keys. */
  emitMessages(keys: readonly (MessageKey | null)[]): void;
  /** A local change: runs `fn` and the follow-up sync in one transaction, then flushes and tells. */
  change(name: string, fn: (tx: StoreTx, g: StoredGroup) => StoredGroup): GroupView;
  /**
   * Sends the rest of what the group is owed (our change to a large group: whole states and
   * deltas) in later transactions, one batch each (send.ts `flushOwed`), yielding to the event
   * loop in between. Stops when nothing is left or a batch reached nobody new.
   */
  drain(groupId: string): void;
  /** Whether batches may run (false once the messenger stopped: what is left waits for the next start). */
  running: boolean;
}

/** Refuses what only a member may do in a group we are only invited to, saying how to join. */
export function checkJoined(g: StoredGroup): void {
  if (g.status === 'invited')
    throw new CoreError(
      'not-allowed',
      `you are invited to group "${g.state.name}" but have not joined it; accept or decline the invitation first`,
    );
  checkActive(g);
}

export function createGroupLocal(ctx: Ctx, hooks: GroupHooks): GroupLocal {
  const { store } = ctx;
  const messageViews = (tx: GroupViewTx, keys: readonly (MessageKey | null)[]): MessageView[] => {
    // Names and read marks looked up once per group, not once per message (a read lists many).
    const pages = new Map<string, GroupPage>();
    return keys.flatMap((k) => {
      const m = k && tx.getMessage(k);
      const g = m && loadGroup(ctx, tx, m.conversationId);
      if (!m || !g) return [];
      let page = pages.get(g.state.id);
      if (!page) {
        page = groupPage(ctx, tx, g);
        pages.set(g.state.id, page);
      }
      return [groupMessageView(ctx, tx, g, m, page)];
    });
  };
  const emitMessages = (keys: readonly (MessageKey | null)[]): void => {
    for (const v of store.transaction((tx) => messageViews(tx, keys))) ctx.events.emit('message', v);
  };
  const topics = createGroupTopics(ctx, {
    changed: emitMessages,
    downloads: (records) => hooks.download?.(records),
    published: (key) => {
      store.transaction((tx) => {
        if (tx.getMessage(key)?.status === 'queued') tx.updateMessage(key, { status: 'sent' });
      });
      emitMessages([key]);
    },
  });
  const local: GroupLocal = {
    ctx,
    me: selfId(ctx),
    hooks,
    topics,
    kickAll(peers) {
      for (const p of new Set(peers)) hooks.kick(p);
    },
    emitGroup(id, change) {
      const view = store.transaction((tx) => {
        const g = loadGroup(ctx, tx, id);
        return g ? groupView(ctx, tx, g) : undefined;
      });
      if (view) ctx.events.emit('group', { group: view, change });
    },
    messageViews,
    emitMessages,
    change: (name, fn) => runChange(local, name, fn),
    drain: (id) => drain(id),
    running: true,
  };
  const draining = new Set<string>();
  const drain = (id: string): void => {
    if (draining.has(id)) return;
    draining.add(id);
    const step = (): void => {
      if (!local.running) {
        draining.delete(id);
        return;
      }
      let batch: { kicks: string[]; more: boolean; done: boolean };
      try {
        batch = store.transaction((tx) => {
          const g = loadGroup(ctx, tx, id);
          const before = g ? changeOwed(g) : 0;
          if (!g || before === 0) return { kicks: [], more: false, done: true };
          const kicks = syncGroup(ctx, tx, g);
          const after = changeOwed(loadGroup(ctx, tx, id) ?? g);
          return { kicks, more: after > 0 && after < before, done: after === 0 };
        });
      } catch {
        draining.delete(id); // the store is closing: the next start resumes (syncGroup at start)
        return;
      }
      local.kickAll(batch.kicks);
      if (batch.more) {
        setTimeout(step, 0);
        return;
      }
      draining.delete(id);
      if (batch.done) local.emitGroup(id, 'changed'); // `pending` reached 0
    };
    setTimeout(step, 0);
  };
  return local;
}

function runChange(
  local: GroupLocal,
  name: string,
  fn: (tx: StoreTx, g: StoredGroup) => StoredGroup,
): GroupView {
  const { ctx, me } = local;
  const { g, kicks } = ctx.store.transaction((tx) => {
    const before = findGroup(ctx, tx, name);
    checkJoined(before);
    const after = fn(tx, before);
    const peers = [...before.state.members, ...after.state.members].map((m) => m.peerId);
    return { g: after, kicks: [...peers.filter((p) => p !== me), ...syncGroup(ctx, tx, after)] };
  });
  local.kickAll(kicks);
  local.drain(g.state.id);
  local.topics.refresh();
  local.emitGroup(g.state.id, g.status === 'active' ? 'changed' : 'removed');
  return ctx.store.transaction((tx) => groupView(ctx, tx, g));
}
