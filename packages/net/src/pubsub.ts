/**
 * core's pubsub (`subscribe` / `publish`) on the node's gossipsub service
 * (`node.services.pubsub`, StrictSign: every message carries its author's
 * PeerId and signature, checked by gossipsub before we see it).
 *
 * One 'message' listener dispatches to the handlers of each topic; the topic
 * is joined on the first handler and left with the last. Messages outside
 * 1..PUBSUB_MESSAGE_MAX_BYTES are dropped on receipt and refused on publish.
 *
 * Each subscription carries its admission (core's TopicAdmission; none = an
 * open topic): the node's pubsub guard (pubsub-guard.ts) shares a topic only
 * with the peers one of its subscriptions admits, and nothing of the topics
 * we do not subscribe to. Admissions change without telling us, so the guard
 * re-checks them every PUBSUB_ADMISSION_RECHECK_MS and on every (un)subscribe.
 */
import type { Message } from '@libp2p/gossipsub';
import {
  PUBSUB_ADMISSION_RECHECK_MS,
  PUBSUB_MESSAGE_MAX_BYTES,
  type PubsubHandler,
  type PubsubMessage,
  type SubscribeOptions,
  type TopicAdmission,
  TransportError,
} from '@parley/core';
import type { TransportContext } from './context.ts';
import { pubsubGuardOf } from './pubsub-guard.ts';

export interface PubsubSide {
  subscribe(topic: string, handler: PubsubHandler, options?: SubscribeOptions): () => void;
  publish(topic: string, data: Uint8Array): Promise<void>;
  close(): void;
}

interface Entry {
  readonly handler: PubsubHandler;
  readonly admit: TopicAdmission | undefined;
}

export function createPubsub(ctx: TransportContext): PubsubSide {
  const pubsub = ctx.node.services.pubsub;
  const handlers = new Map<string, Set<Entry>>();
  const guard = pubsubGuardOf(pubsub);
  // a topic is shared with a peer when one of its subscriptions admits the peer
  guard?.setPolicy((peer, topic) => {
    for (const e of handlers.get(topic) ?? []) {
      try {
        if (e.admit === undefined || e.admit(peer)) return true;
      } catch {
        // a failing admission admits no one
      }
    }
    return false;
  });
  const recheck = (): void => {
    if (ctx.stopped) return;
    try {
      guard?.recheck();
    } catch (err) {
      ctx.log(`pubsub admission check failed: ${(err as Error).name}`);
    }
  };
  const rechecker = setInterval(recheck, PUBSUB_ADMISSION_RECHECK_MS);
  rechecker.unref();
  const onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail;
    if (msg.type !== 'signed') return; // StrictSign drops unsigned ones before this anyway
    const set = handlers.get(msg.topic);
    if (!set || msg.data.length === 0 || msg.data.length > PUBSUB_MESSAGE_MAX_BYTES) return;
    const message: PubsubMessage = { topic: msg.topic, from: msg.from.toString(), data: msg.data };
    for (const { handler } of [...set]) {
      try {
        handler(message);
      } catch (err) {
        ctx.log(`pubsub handler failed: ${(err as Error).name}`);
      }
    }
  };
  pubsub.addEventListener('message', onMessage);
  return {
    subscribe(topic, handler, options) {
      if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
      // an entry per call: the same function subscribed twice gets two unsubscribes
      const entry: Entry = { handler, admit: options?.admit };
      let set = handlers.get(topic);
      if (set) set.add(entry);
      else {
        set = new Set([entry]); // the policy knows the topic before gossipsub announces it
        handlers.set(topic, set);
        pubsub.subscribe(topic);
      }
      recheck();
      const own = set;
      return () => {
        if (!own.delete(entry) || handlers.get(topic) !== own) return;
        if (own.size > 0) {
          recheck(); // the remaining subscriptions may admit fewer peers
          return;
        }
        if (!ctx.stopped) {
          try {
            pubsub.unsubscribe(topic); // announced while the policy still admits (pubsub-guard.ts)
          } catch {
            // stopping
          }
        }
        handlers.delete(topic);
        recheck();
      };
    },
    async publish(topic, data) {
      if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
      if (data.length === 0 || data.length > PUBSUB_MESSAGE_MAX_BYTES) {
        throw new TransportError(
          'frame-too-large',
          `pubsub message of ${data.length} bytes is outside 1..${PUBSUB_MESSAGE_MAX_BYTES}`,
        );
      }
      try {
        // a copy: gossipsub keeps the message in its cache for gossip
        await pubsub.publish(topic, data.slice());
      } catch (err) {
        if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
        const name = (err as Error).message ?? '';
        // the same bytes published twice in the seen-cache window are one message: not an error
        if (/duplicate/i.test(name)) return;
        throw new TransportError('unreachable', `publish failed: ${name.slice(0, 120)}`, { cause: err });
      }
    },
    close() {
      clearInterval(rechecker);
      pubsub.removeEventListener('message', onMessage);
      handlers.clear();
    },
  };
}
