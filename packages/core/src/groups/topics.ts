/**
 * The live part of large groups (docs/GROUPS.md "Large groups over
 * gossipsub"): which topics we are subscribed to (the current epoch's topic of
 * every active group at or above the size threshold; old epochs' topics are
 * left), publishing after commit, and catch-up over /parley/query.
 *
 * Gossip is best effort, so durability comes from catch-up: every member logs
 * the last GROUP_LOG_PER_SENDER messages of each sender (its own included) and
 * answers other members' requests for the iterations they miss. A member
 * asks on start, when it subscribes, when a sender key arrives, when a member
 * connects, when a message reveals a gap (the sender-key chain's skipped iterations), and every
 * GROUP_SYNC_INTERVAL_MS (a lost last message has no successor to reveal it).
 */

import { shuffled } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { Effects } from '../messaging/index.ts';
import type { MessageKey } from '../ports/index.ts';
import { listGroups, loadGroup, type StoredGroup } from './store.ts';
import {
  answerGroupSync,
  decodeGroupSyncAnswer,
  decodeGroupSyncRequest,
  decodeTopicMessage,
  encodeGroupSyncRequest,
  GROUP_SYNC_RANGES_MAX,
  ingestTopicMessage,
  keyOwners,
  missingRanges,
  type TopicOutcome,
  topicOf,
} from './topic.ts';

/** How often every large group asks for what it misses (a lost last message has no successor). */
export const GROUP_SYNC_INTERVAL_MS = 60_000;
/** Members asked per catch-up round, and pages asked of each. */
export const GROUP_SYNC_PEERS_PER_ROUND = 4;
export const GROUP_SYNC_MAX_PAGES = 32;
/** A gap or an unknown key seen on the topic starts a catch-up at most this often per group. */
export const GROUP_SYNC_TRIGGER_MIN_MS = 2_000;
/** Own messages whose publish failed, kept (per group) to publish again on the next round. */
export const GROUP_REPUBLISH_MAX = 256;

export interface GroupTopicHooks {
  /** Messages stored or changed by topic messages (after commit). */
  readonly changed: (keys: readonly MessageKey[]) => void;
  /** Our own message was handed to the network (its status may now be `sent`). */
  readonly published: (key: MessageKey) => void;
}

export interface GroupTopics {
  start(): void;
  stop(): void;
  /** Re-evaluate subscriptions (after any group change) and catch up on new topics. */
  refresh(): void;
  /** Publish one of our messages (after its transaction committed). */
  publish(groupId: string, topic: string, data: Uint8Array, key: MessageKey | null): void;
  /** Ask members for what we miss; resolves to how many messages were new. */
  sync(groupId: string, first?: readonly string[]): Promise<number>;
  /** /parley/query handler part: undefined when the request is not a group catch-up or is refused. */
  answer(peer: string, request: Uint8Array): Uint8Array | undefined;
}

export function createGroupTopics(ctx: Ctx, hooks: GroupTopicHooks): GroupTopics {
  const { store, transport } = ctx;
  const me = ctx.account.info.peerId;
  /** topic → group id, and group id → unsubscribe of its current topic. */
  const subscribed = new Map<string, { readonly groupId: string; readonly off: () => void }>();
  const syncing = new Map<string, Promise<number>>();
  const unpublished = new Map<string, Array<{ topic: string; data: Uint8Array; key: MessageKey | null }>>();
  /** Per group: key id → members holding it; dropped on every refresh (keys and members change). */
  const owners = new Map<string, Map<number, string[]>>();
  /** Per group: its current members, the only peers its topic is shared with (topic admission). */
  const admitted = new Map<string, ReadonlySet<string>>();
  const triggered = new Map<string, number>();
  let started = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let offPeer: (() => void) | undefined;

  const ingest = (groupId: string, message: Uint8Array): TopicOutcome => {
    const effects: Effects = { messages: [], downloads: [] };
    const outcome = store.transaction((tx) => {
      const g = loadGroup(ctx, tx, groupId);
      if (!g) return { result: 'rejected' } as const;
      let index = owners.get(groupId);
      if (!index) {
        index = keyOwners(ctx, tx, g);
        owners.set(groupId, index);
      }
      return ingestTopicMessage(ctx, tx, g, message, index, effects);
    });
    if (effects.messages.length > 0) hooks.changed(effects.messages);
    return outcome;
  };

  const onTopic = (groupId: string, data: Uint8Array, from: string): void => {
    const message = decodeTopicMessage(data);
    if (!message || !started) return; // not ours (or stopping): dropped
    let outcome: TopicOutcome;
    try {
      outcome = ingest(groupId, message);
    } catch (error) {
      // Called from the transport's delivery: never throw into it (a store fault is reported).
      ctx.events.emit('problem', {
        code: 'store',
        message: `a group message could not be stored: ${String(error)}`,
      });
      return;
    }
    // A gap (or a key we do not have yet): ask, the publisher first (it logs its own messages).
    // Throttled: whoever knows the topic must not be able to make us query in a loop.
    if ((outcome.result === 'fresh' && outcome.gap) || outcome.result === 'unknown-key') {
      const now = ctx.now();
      if (now - (triggered.get(groupId) ?? 0) < GROUP_SYNC_TRIGGER_MIN_MS) return;
      triggered.set(groupId, now);
      void sync(groupId, [from]);
    }
  };

  const members = (g: StoredGroup): string[] => {
    const all = g.state.members.map((m) => m.peerId).filter((p) => p !== me);
    const order = shuffled(all, ctx.random); // spreads the load over the group
    return [
      ...order.filter((p) => transport.isConnected(p)),
      ...order.filter((p) => !transport.isConnected(p)),
    ];
  };

  const addressesOf = (peer: string): readonly string[] =>
    store.transaction((tx) => tx.getContactByPeerId(peer)?.addresses ?? []);

  const askOne = async (groupId: string, peer: string): Promise<number> => {
    let fresh = 0;
    for (let page = 0; page < GROUP_SYNC_MAX_PAGES; page++) {
      const ranges = store.transaction((tx) => {
        const g = loadGroup(ctx, tx, groupId);
        return g && topicOf(ctx, g) ? missingRanges(ctx, tx, g) : [];
      });
      if (ranges.length === 0) return fresh;
      let now = 0;
      // A large group has more member keys than one request holds: one request per slice, each
      // answer ingested before the next is asked (one answer in memory at a time).
      for (let i = 0; i < ranges.length; i += GROUP_SYNC_RANGES_MAX) {
        const slice = ranges.slice(i, i + GROUP_SYNC_RANGES_MAX);
        let messages: Uint8Array[];
        try {
          const answer = await transport.query(peer, encodeGroupSyncRequest({ groupId, ranges: slice }), {
            addresses: addressesOf(peer),
          });
          messages = decodeGroupSyncAnswer(answer);
        } catch {
          return fresh + now; // unreachable, refused, or nonsense: the next member
        }
        for (const m of messages) if (ingest(groupId, m).result === 'fresh') now++;
      }
      fresh += now;
      if (now === 0) return fresh;
    }
    return fresh;
  };

  const sync = (groupId: string, first: readonly string[] = []): Promise<number> => {
    const running = syncing.get(groupId);
    if (running || !started) return running ?? Promise.resolve(0);
    const run = async (): Promise<number> => {
      const g = store.transaction((tx) => loadGroup(ctx, tx, groupId));
      if (!g || !topicOf(ctx, g)) return 0;
      await republish(groupId);
      const peers = [...new Set([...first, ...members(g)])].filter((p) => p !== me);
      let total = 0;
      for (const peer of peers.slice(0, GROUP_SYNC_PEERS_PER_ROUND)) total += await askOne(groupId, peer);
      return total;
    };
    // Best effort: a failed round (store closed at shutdown, a peer's nonsense) waits for the next one.
    const p = run()
      .catch(() => 0)
      .finally(() => syncing.delete(groupId));
    syncing.set(groupId, p);
    return p;
  };

  const tryPublish = async (topic: string, data: Uint8Array): Promise<boolean> => {
    try {
      await transport.publish(topic, data);
      return true;
    } catch {
      return false; // e.g. nobody subscribed yet: members fetch it from our log
    }
  };

  const republish = async (groupId: string): Promise<void> => {
    const waiting = unpublished.get(groupId) ?? [];
    unpublished.delete(groupId);
    for (const w of waiting) publish(groupId, w.topic, w.data, w.key);
  };

  const publish = (groupId: string, topic: string, data: Uint8Array, key: MessageKey | null): void => {
    void tryPublish(topic, data)
      .then((ok) => {
        if (ok) {
          if (key) hooks.published(key);
          return;
        }
        const list = unpublished.get(groupId) ?? [];
        list.push({ topic, data, key });
        unpublished.set(groupId, list.slice(-GROUP_REPUBLISH_MAX)); // bounded; the log still has them
      })
      .catch(() => undefined); // the status update failed (store closed): the message stays queued
  };

  const refresh = (): void => {
    owners.clear();
    if (!started) return;
    const wanted = new Map<string, string>();
    admitted.clear();
    for (const g of store.transaction((tx) => listGroups(ctx, tx))) {
      const topic = topicOf(ctx, g);
      if (!topic) continue;
      wanted.set(topic, g.state.id);
      admitted.set(g.state.id, new Set(g.state.members.map((m) => m.peerId).filter((p) => p !== me)));
    }
    for (const [topic, s] of subscribed) {
      if (wanted.get(topic) === s.groupId) continue;
      s.off(); // an old epoch's topic, or a group we left
      subscribed.delete(topic);
    }
    for (const [topic, groupId] of wanted) {
      if (subscribed.has(topic)) continue;
      const off = transport.subscribe(topic, (m) => onTopic(groupId, m.data, m.from), {
        admit: (peer) => admitted.get(groupId)?.has(peer) === true, // non-members learn nothing of it
      });
      subscribed.set(topic, { groupId, off });
      void sync(groupId);
    }
  };

  return {
    start() {
      if (started) return;
      started = true;
      refresh();
      // A member came (back) online: what was published while one of us was away is in their log.
      offPeer = transport.onPeer((e) => {
        if (e.type !== 'connected' || !started) return;
        const groups = new Set([...subscribed.values()].map((s) => s.groupId));
        for (const id of groups) {
          try {
            const g = store.transaction((tx) => loadGroup(ctx, tx, id));
            if (g?.state.members.some((m) => m.peerId === e.peer)) void sync(id, [e.peer]);
          } catch {
            return; // the store is closing
          }
        }
      });
      timer = setInterval(() => {
        for (const s of subscribed.values()) void sync(s.groupId);
      }, GROUP_SYNC_INTERVAL_MS);
    },
    stop() {
      started = false;
      if (timer) clearInterval(timer);
      offPeer?.();
      for (const s of subscribed.values()) s.off();
      subscribed.clear();
    },
    refresh,
    publish,
    sync,
    answer(peer, request) {
      const req = decodeGroupSyncRequest(request);
      if (!req) return undefined;
      return store.transaction((tx) => answerGroupSync(ctx, tx, loadGroup(ctx, tx, req.groupId), peer, req));
    },
  };
}
