/**
 * core's pubsub (`subscribe` / `publish`) on the node's gossipsub service
 * (`node.services.pubsub`, StrictSign: every message carries its author's
 * PeerId and signature, checked by gossipsub before we see it).
 *
 * One 'message' listener dispatches to the handlers of each topic; the topic
 * is joined on the first handler and left with the last. Messages outside
 * 1..PUBSUB_MESSAGE_MAX_BYTES are dropped on receipt and refused on publish.
 */
import type { Message } from '@libp2p/gossipsub';
import {
  PUBSUB_MESSAGE_MAX_BYTES,
  type PubsubHandler,
  type PubsubMessage,
  TransportError,
} from '@parley/core';
import type { TransportContext } from './context.ts';

export interface PubsubSide {
  subscribe(topic: string, handler: PubsubHandler): () => void;
  publish(topic: string, data: Uint8Array): Promise<void>;
  close(): void;
}

export function createPubsub(ctx: TransportContext): PubsubSide {
  const pubsub = ctx.node.services.pubsub;
  const handlers = new Map<string, Set<PubsubHandler>>();
  const onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail;
    if (msg.type !== 'signed') return; // StrictSign drops unsigned ones before this anyway
    const set = handlers.get(msg.topic);
    if (!set || msg.data.length === 0 || msg.data.length > PUBSUB_MESSAGE_MAX_BYTES) return;
    const message: PubsubMessage = { topic: msg.topic, from: msg.from.toString(), data: msg.data };
    for (const handler of [...set]) {
      try {
        handler(message);
      } catch (err) {
        ctx.log(`pubsub handler failed: ${(err as Error).name}`);
      }
    }
  };
  pubsub.addEventListener('message', onMessage);
  return {
    subscribe(topic, handler) {
      if (ctx.stopped) throw new TransportError('closed', 'transport is stopped');
      let set = handlers.get(topic);
      if (!set) {
        set = new Set();
        handlers.set(topic, set);
        pubsub.subscribe(topic);
      }
      // a wrapper per call: the same function subscribed twice gets two unsubscribes
      const entry: PubsubHandler = (m) => handler(m);
      set.add(entry);
      const own = set;
      return () => {
        if (!own.delete(entry) || own.size > 0 || handlers.get(topic) !== own) return;
        handlers.delete(topic);
        if (!ctx.stopped) {
          try {
            pubsub.unsubscribe(topic);
          } catch {
            // stopping
          }
        }
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
      pubsub.removeEventListener('message', onMessage);
      handlers.clear();
    },
  };
}
