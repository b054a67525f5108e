/**
 * Group commit for sending: texts submitted while a commit is pending are
 * composed in ONE transaction (one fsync for the lot), each request in its
 * own savepoint so a bad one fails alone. Every caller still learns "queued"
 * only after the commit that holds its message (D1).
 */

import { soon } from '../base/index.ts';
import { findContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import type { MessageRecord } from '../ports/index.ts';
import { SessionBatch } from '../sessions/index.ts';
import { type MessageView, messageView } from '../views/index.ts';
import type { AppBody } from '../wire/index.ts';
import { compose } from './outbound.ts';

/** Most messages composed in one transaction (a request is never split, so one may go over). */
export const SEND_QUEUE_BATCH_MAX = 512;

interface Pending {
  readonly name: string;
  readonly bodies: readonly AppBody[];
  readonly resolve: (views: MessageView[]) => void;
  readonly reject: (error: unknown) => void;
}

export class SendQueue {
  readonly #ctx: Ctx;
  readonly #kick: (peerId: string) => void;
  readonly #pending: Pending[] = [];
  #scheduled = false;

  constructor(ctx: Ctx, kick: (peerId: string) => void) {
    this.#ctx = ctx;
    this.#kick = kick;
  }

  /** Queues a visible message; resolves with its view once committed. */
  async enqueue(name: string, body: AppBody): Promise<MessageView> {
    const [view] = await this.enqueueMany(name, [body]);
    return view as MessageView;
  }

  /**
   * Queues visible messages to one contact, all or none (one savepoint);
   * resolves with their views once committed. Requests that arrive while a
   * commit is running share the next one (one fsync for all of them).
   */
  enqueueMany(name: string, bodies: readonly AppBody[]): Promise<MessageView[]> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ name, bodies, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        soon(() => this.#flush());
      }
    });
  }

  /** The oldest requests, up to SEND_QUEUE_BATCH_MAX messages (at least one request). */
  #take(): Pending[] {
    let messages = 0;
    let n = 0;
    while (
      n < this.#pending.length &&
      (n === 0 || messages + (this.#pending[n]?.bodies.length ?? 0) <= SEND_QUEUE_BATCH_MAX)
    ) {
      messages += this.#pending[n]?.bodies.length ?? 0;
      n++;
    }
    return this.#pending.splice(0, n);
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#take();
    if (this.#pending.length > 0) {
      this.#scheduled = true;
      soon(() => this.#flush());
    }
    const results: Array<{ peerId: string; views: MessageView[] } | { error: unknown }> = [];
    try {
      this.#ctx.store.transaction((tx) => {
        const sessions = new SessionBatch(tx, this.#ctx.account.vault);
        for (const p of batch) {
          try {
            results.push(
              this.#ctx.store.transaction((inner) => {
                const contact = findContact(inner, p.name);
                const views = p.bodies.map((body) => {
                  const record = compose(this.#ctx, inner, contact, body, undefined, sessions)
                    .record as MessageRecord;
                  // Its view, read while the row just written is at hand.
                  return messageView(inner, this.#ctx.account.vault, contact, record);
                });
                return { peerId: contact.peerId, views };
              }),
            );
          } catch (error) {
            results.push({ error });
          }
        }
        sessions.save();
      });
    } catch (error) {
      for (const p of batch) p.reject(error); // nothing was committed
      return;
    }
    const peers = new Set<string>();
    for (const [i, p] of batch.entries()) {
      const r = results[i] as (typeof results)[number];
      if ('error' in r) {
        p.reject(r.error);
        continue;
      }
      peers.add(r.peerId);
      for (const view of r.views) this.#ctx.events.emit('message', view);
      p.resolve(r.views);
    }
    for (const peer of peers) this.#kick(peer);
  }
}
