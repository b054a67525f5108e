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
 *
 * Sender keys travel the same way (key-announce.ts): our announcement for the
 * epoch is published when we subscribe and on every catch-up round (gossipsub
 * drops duplicates), and each round first asks for the keys we lack (query
 * kind 0x05), then for the messages.
 */

import { shuffled } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { Effects } from '../messaging/index.ts';
import type { AttachmentRecord, MessageKey } from '../ports/index.ts';
import {
  decodeGroupKeysAnswer,
  decodeGroupKeysRequest,
  encodeGroupKeysRequest,
  isAnnouncement,
} from './key-announce.ts';
import {
  answerGroupKeys,
  ingestAnnouncement,
  type KeyAnnounceOutcome,
  type KeyAnnounceRefusal,
  missingKeys,
  ownAnnouncement,
} from './key-receive.ts';
import { groupDevices, memberDevices, memberOfDevice } from './member-devices.ts';
import { listGroups, loadGroup, type StoredGroup, selfId } from './store.ts';
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
/** Key announcements of a catch-up answer taken in per transaction. */
export const GROUP_KEYS_PER_TX = 64;
/** A key announcement that reached nobody is published again after 0.5, 1, 2, 4, 8 and 16 s. */
export const GROUP_ANNOUNCE_RETRY_MS = 500;
export const GROUP_ANNOUNCE_RETRIES = 6;
/** Own messages whose publish failed, kept (per group) to publish again on the next round. */
export const GROUP_REPUBLISH_MAX = 256;

export interface GroupTopicHooks {
  /** Messages stored or changed by topic messages (after commit). */
  readonly changed: (keys: readonly MessageKey[]) => void;
  /** Files that came in topic messages, to fetch (after commit). */
  readonly downloads?: (records: readonly AttachmentRecord[]) => void;
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
  /**
   * Ask members for what we miss (keys first, then messages); resolves to how many keys and
   * messages were new. `again`: if a round is running, run one more after it (it may have
   * asked before what just arrived).
   */
  sync(groupId: string, first?: readonly string[], again?: boolean): Promise<number>;
  /** /parley/query handler part: undefined when the request is not a group catch-up or is refused. */
  answer(peer: string, request: Uint8Array): Uint8Array | undefined;
  /** Key announcements refused since start, per reason (dropped, never thrown: key-receive.ts). */
  refusedKeys(): Readonly<Partial<Record<KeyAnnounceRefusal, number>>>;
}

export function createGroupTopics(ctx: Ctx, hooks: GroupTopicHooks): GroupTopics {
  const { store, transport } = ctx;
  const me = selfId(ctx);
  /** topic → group id, and group id → unsubscribe of its current topic. */
  const subscribed = new Map<string, { readonly groupId: string; readonly off: () => void }>();
  const syncing = new Map<string, Promise<number>>();
  /** Groups whose running round is to be followed by another (a key arrived meanwhile). */
  const rerun = new Set<string>();
  const refused: Partial<Record<KeyAnnounceRefusal, number>> = {};
  const unpublished = new Map<string, Array<{ topic: string; data: Uint8Array; key: MessageKey | null }>>();
  /** Per group: key id → members holding it; dropped on every refresh (keys and members change). */
  const owners = new Map<string, Map<number, string[]>>();
  /** Per group: its current members, the only peers its topic is shared with (topic admission). */
  const admitted = new Map<string, ReadonlySet<string>>();
  const triggered = new Map<string, number>();
  let started = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const retries = new Set<ReturnType<typeof setTimeout>>();
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
    if (effects.downloads.length > 0) hooks.downloads?.(effects.downloads);
    return outcome;
  };

  /** Key announcements from the topic or a catch-up answer, in one transaction: how many were new. */
  const ingestKeys = (groupId: string, announcements: readonly Uint8Array[]): number => {
    const outcomes = store.transaction((tx): KeyAnnounceOutcome[] => {
      const g = loadGroup(ctx, tx, groupId);
      return announcements.map((a) =>
        g ? ingestAnnouncement(ctx, tx, g, a) : { result: 'rejected', why: 'no-group' },
      );
    });
    let fresh = 0;
    for (const o of outcomes) {
      if (o.result === 'fresh') fresh++;
      if (o.result === 'rejected') refused[o.why] = (refused[o.why] ?? 0) + 1;
    }
    if (fresh > 0) owners.delete(groupId); // the key id index is stale now
    return fresh;
  };

  const onKey = (groupId: string, data: Uint8Array, from: string): void => {
    let fresh: number;
    try {
      fresh = ingestKeys(groupId, [data]);
    } catch (error) {
      ctx.events.emit('problem', {
        code: 'store',
        message: `a group member's key could not be stored: ${String(error)}`,
      });
      return;
    }
    // The messages that came before their key (`unknown-key`) can be fetched now.
    if (fresh > 0) void sync(groupId, [from], true);
  };

  const onTopic = (groupId: string, data: Uint8Array, from: string): void => {
    if (!started) return;
    if (isAnnouncement(data)) {
      onKey(groupId, data, from);
      return;
    }
    const message = decodeTopicMessage(data);
    if (!message) return; // not ours: dropped
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

  /** Whom to ask: the other members (their first devices) and our own other devices. */
  const members = (g: StoredGroup): string[] => {
    const ours = store.transaction((tx) => memberDevices(ctx, tx, me));
    const all = [...g.state.members.map((m) => m.peerId), ...ours].filter(
      (p) => p !== me && p !== ctx.account.info.peerId,
    );
    const order = shuffled(all, ctx.random); // spreads the load over the group
    return [
      ...order.filter((p) => transport.isConnected(p)),
      ...order.filter((p) => !transport.isConnected(p)),
    ];
  };

  const addressesOf = (peer: string): readonly string[] =>
    store.transaction((tx) => tx.getContactByPeerId(peer)?.addresses ?? []);

  /** The keys of this epoch we lack, from `peer`: how many were new, or undefined (unreachable). */
  const askKeys = async (groupId: string, peer: string): Promise<number | undefined> => {
    const req = store.transaction((tx) => {
      const g = loadGroup(ctx, tx, groupId);
      const members = g && topicOf(ctx, g) ? missingKeys(ctx, tx, g) : [];
      return g && members.length > 0 ? { groupId, epoch: g.state.epoch, members } : undefined;
    });
    if (!req) return 0;
    let announcements: Uint8Array[];
    try {
      const answer = await transport.query(peer, encodeGroupKeysRequest(req), {
        addresses: addressesOf(peer),
      });
      announcements = decodeGroupKeysAnswer(answer);
    } catch {
      return undefined; // unreachable, refused, or nonsense: the next member
    }
    // A few dozen per transaction (~1 ms each at 1 000 members): others' writes are not held up long.
    let fresh = 0;
    for (let i = 0; i < announcements.length; i += GROUP_KEYS_PER_TX)
      fresh += ingestKeys(groupId, announcements.slice(i, i + GROUP_KEYS_PER_TX));
    return fresh;
  };

  const askOne = async (groupId: string, peer: string): Promise<number> => {
    let fresh = 0;
    for (let page = 0; page < GROUP_SYNC_MAX_PAGES; page++) {
      // Keys first: the messages they open are asked for right after, in the same page.
      const keys = await askKeys(groupId, peer);
      if (keys === undefined) return fresh;
      const ranges = store.transaction((tx) => {
        const g = loadGroup(ctx, tx, groupId);
        return g && topicOf(ctx, g) ? missingRanges(ctx, tx, g) : [];
      });
      if (ranges.length === 0) return fresh + keys;
      let now = keys;
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

  const sync = (groupId: string, first: readonly string[] = [], again = false): Promise<number> => {
    const running = syncing.get(groupId);
    if (running && again) rerun.add(groupId);
    if (running || !started) return running ?? Promise.resolve(0);
    const run = async (): Promise<number> => {
      const g = store.transaction((tx) => loadGroup(ctx, tx, groupId));
      const topic = g && topicOf(ctx, g);
      if (!g || !topic) return 0;
      await republish(groupId);
      await announce(g, topic);
      const peers = [...new Set([...first, ...members(g)])].filter((p) => p !== ctx.account.info.peerId);
      let total = 0;
      for (const peer of peers.slice(0, GROUP_SYNC_PEERS_PER_ROUND)) total += await askOne(groupId, peer);
      return total;
    };
    // Best effort: a failed round (store closed at shutdown, a peer's nonsense) waits for the next one.
    const p = run()
      .catch(() => 0)
      .finally(() => {
        syncing.delete(groupId);
        if (rerun.delete(groupId)) void sync(groupId);
      });
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

  /**
   * Our key's announcement for the epoch, again (cheap: gossipsub drops the duplicates). Right
   * after we subscribed, nobody may know yet that we did (subscriptions take a heartbeat to
   * spread), so a publish that reached nobody is tried again a few times, backing off, before the
   * next catch-up round.
   */
  const announce = async (g: StoredGroup, topic: string, attempt = 0): Promise<void> => {
    const data = store.transaction((tx) => ownAnnouncement(ctx, tx, g));
    if (!data || (await tryPublish(topic, data)) || attempt >= GROUP_ANNOUNCE_RETRIES) return;
    const timer = setTimeout(
      () => {
        retries.delete(timer);
        if (started && subscribed.has(topic)) void announce(g, topic, attempt + 1).catch(() => undefined);
      },
      GROUP_ANNOUNCE_RETRY_MS * 2 ** attempt,
    );
    retries.add(timer);
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
    store.transaction((tx) => {
      for (const g of listGroups(ctx, tx)) {
        const topic = topicOf(ctx, g);
        if (!topic) continue;
        wanted.set(topic, g.state.id);
        // Every device of every member, by the device lists we hold now (ours too).
        admitted.set(g.state.id, groupDevices(ctx, tx, g));
      }
    });
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
      void sync(groupId, [], true); // publishes our key for the new epoch, then catches up
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
            const member = store.transaction((tx) => g && memberOfDevice(ctx, tx, g, e.peer));
            if (member !== undefined) void sync(id, [e.peer]);
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
      for (const t of retries) clearTimeout(t);
      retries.clear();
      offPeer?.();
      for (const s of subscribed.values()) s.off();
      subscribed.clear();
    },
    refresh,
    publish,
    sync,
    answer(peer, request) {
      const keys = decodeGroupKeysRequest(request);
      if (keys)
        return store.transaction((tx) =>
          answerGroupKeys(ctx, tx, loadGroup(ctx, tx, keys.groupId), peer, keys),
        );
      const req = decodeGroupSyncRequest(request);
      if (!req) return undefined;
      return store.transaction((tx) => answerGroupSync(ctx, tx, loadGroup(ctx, tx, req.groupId), peer, req));
    },
    refusedKeys: () => ({ ...refused }),
  };
}
