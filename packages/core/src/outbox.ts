/**
 * The outbox pump (D1, D6): sends queued frames in order, per peer; keeps
 * each frame until the peer ACKs it (after its own commit); retries with
 * capped backoff, and at once when the peer connects.
 *
 * An `intro` entry (our introduction after accepting an invite) goes first:
 * until the inviter accepted it, they would refuse our messages, so the
 * messages behind it wait.
 *
 * Retry timing lives in memory, not in the database: it only says *when* to
 * resend, and after a restart everything pending is simply due at once. That
 * keeps a commit (an fsync) off the path of every send. The "sent" status is
 * written lazily, at most once per SENT_STATUS_FLUSH_MS, for all messages
 * written meanwhile (an ACK usually makes them "delivered" first).
 */
import type { Ctx } from './context.ts';
import { ACK_TIMEOUT_MS, RETRY_MAX_DELAY_MS, retryDelayMs } from './retry.ts';
import type { ContactRecord, MessageKey, OutboxRecord } from './store.ts';

const keyId = (k: MessageKey): string => `${k.conversationId}/${k.sender}/${k.id}`;

/** Frames sent to one peer concurrently (the transport coalesces them into few writes). */
export const OUTBOX_SEND_BATCH = 64;
/** How often the "sent" status of written-but-unacknowledged messages is stored. */
export const SENT_STATUS_FLUSH_MS = 1_000;

export interface OutboxHooks {
  /** Our introduction was accepted (true) or refused (false) by the inviter. */
  introduced(contact: ContactRecord, accepted: boolean): void;
  /** Statuses of these messages changed (queued → sent). */
  changed(keys: readonly MessageKey[]): void;
  /** Entries may have been added (a kick follows every enqueue) or removed (ACKed, refused). */
  sizeMayHaveChanged(): void;
}

interface Attempt {
  readonly peerId: string;
  readonly attempts: number;
  readonly nextAttemptAt: number;
}

export class OutboxPump {
  readonly #ctx: Ctx;
  readonly #hooks: OutboxHooks;
  readonly #busy = new Set<string>();
  readonly #again = new Map<string, boolean>();
  /** Outbox seq → when to try it again. Entries never tried are due now. */
  readonly #attempts = new Map<number, Attempt>();
  /** Messages written once and not yet ACKed, oldest first, with when they were written. */
  readonly #sent = new Map<string, { readonly key: MessageKey; readonly at: number }>();
  /** (peer, digest) → outbox seq of the entries handed to the transport: how an ACK finds its entry. */
  readonly #byDigest = new Map<string, number>();
  readonly #digestOf = new Map<number, string>();
  /** Per peer, the highest outbox seq written to the peer at least once. */
  readonly #sentUpTo = new Map<string, number>();
  #sentTimer: ReturnType<typeof setTimeout> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(ctx: Ctx, hooks: OutboxHooks) {
    this.#ctx = ctx;
    this.#hooks = hooks;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    for (const t of [this.#timer, this.#sentTimer]) if (t) clearTimeout(t);
    this.#timer = undefined;
    this.#flushSent();
  }

  /** Flush a peer's outbox now; `force` ignores backoff (the peer just connected). */
  kick(peerId: string, force = false): void {
    if (this.#stopped) return;
    this.#hooks.sizeMayHaveChanged();
    if (this.#busy.has(peerId)) {
      this.#again.set(peerId, force || (this.#again.get(peerId) ?? false));
      return;
    }
    this.#busy.add(peerId);
    void this.#flush(peerId, force)
      .catch((error: unknown) => {
        this.#ctx.events.emit('problem', { code: 'outbox', message: `sending failed: ${String(error)}` });
      })
      .finally(() => {
        this.#busy.delete(peerId);
        const again = this.#again.get(peerId);
        this.#again.delete(peerId);
        if (again !== undefined) this.kick(peerId, again);
        else this.#schedule();
      });
  }

  async #flush(peerId: string, force: boolean): Promise<void> {
    const now = this.#ctx.now();
    // Entries already sent wait for their ACK; unless some retry is due (or the peer just
    // connected), only entries newer than the last one sent need reading.
    const retryDue = [...this.#attempts.values()].some((a) => a.peerId === peerId && a.nextAttemptAt <= now);
    const after = force || retryDue ? 0 : (this.#sentUpTo.get(peerId) ?? 0);
    const { contact, entries } = this.#ctx.store.transaction((tx) => ({
      contact: tx.getContactByPeerId(peerId),
      entries: tx.listOutbox(peerId, after),
    }));
    if (after === 0) this.#forgetGone(peerId, entries);
    if (!contact) return;
    const due = entries.filter((e) => force || (this.#attempts.get(e.seq)?.nextAttemptAt ?? 0) <= now);
    const intro = entries.find((e) => e.kind === 'intro');
    if (intro) {
      if (!due.includes(intro)) return;
      if ((await this.#introduce(contact, intro)) !== true) return;
    }
    const msgs = due.filter((e) => e.kind === 'msg');
    for (let i = 0; i < msgs.length && !this.#stopped; i += OUTBOX_SEND_BATCH) {
      if (!(await this.#sendBatch(contact, msgs.slice(i, i + OUTBOX_SEND_BATCH)))) return;
    }
  }

  /** The outbox seq of the entry with this digest that we sent to `peerId`, if we did. */
  locate(peerId: string, digest: string): number | undefined {
    return this.#byDigest.get(`${peerId}\u0000${digest}`);
  }

  #remember(e: OutboxRecord): void {
    const key = `${e.peerId}\u0000${e.digest}`;
    this.#byDigest.set(key, e.seq);
    this.#digestOf.set(e.seq, key);
  }

  #forget(seq: number): void {
    this.#attempts.delete(seq);
    const key = this.#digestOf.get(seq);
    if (key === undefined) return;
    this.#digestOf.delete(seq);
    if (this.#byDigest.get(key) === seq) this.#byDigest.delete(key);
  }

  /** Drops retry state of entries that left the outbox (ACKed, rejected, removed). */
  #forgetGone(peerId: string, entries: readonly OutboxRecord[]): void {
    const present = new Set(entries.map((e) => e.seq));
    for (const [seq, a] of this.#attempts) if (a.peerId === peerId && !present.has(seq)) this.#forget(seq);
    const prefix = `${peerId}\u0000`;
    for (const [seq, key] of this.#digestOf)
      if (key.startsWith(prefix) && !present.has(seq)) this.#forget(seq);
  }

  async #introduce(contact: ContactRecord, entry: OutboxRecord): Promise<boolean | undefined> {
    let accepted: boolean;
    try {
      accepted = await this.#ctx.transport.introduce(contact.peerId, entry.frame, {
        addresses: contact.addresses,
      });
    } catch (error) {
      this.#failed([entry], error);
      return undefined;
    }
    this.#ctx.store.transaction((tx) => {
      tx.deleteOutbox(entry.seq);
      const current = tx.getContact(contact.id);
      if (accepted && current) tx.putContact({ ...current, state: 'active', updatedAt: this.#ctx.now() });
    });
    this.#forget(entry.seq);
    this.#hooks.sizeMayHaveChanged();
    this.#hooks.introduced(contact, accepted);
    return accepted;
  }

  /** Sends a batch concurrently; returns false if the peer could not be reached. */
  async #sendBatch(contact: ContactRecord, batch: readonly OutboxRecord[]): Promise<boolean> {
    for (const e of batch) this.#remember(e); // before sending: the ACK may come back at once
    const results = await Promise.allSettled(
      batch.map((e) => this.#ctx.transport.send(contact.peerId, e.frame)),
    );
    const now = this.#ctx.now();
    const failed: OutboxRecord[] = [];
    for (const [i, e] of batch.entries()) {
      if (results[i]?.status !== 'fulfilled') {
        failed.push(e);
        continue;
      }
      const attempts = (this.#attempts.get(e.seq)?.attempts ?? 0) + 1;
      const wait = Math.min(ACK_TIMEOUT_MS * 2 ** Math.min(attempts - 1, 2), RETRY_MAX_DELAY_MS);
      this.#attempts.set(e.seq, { peerId: contact.peerId, attempts, nextAttemptAt: now + wait });
      this.#sentUpTo.set(contact.peerId, Math.max(this.#sentUpTo.get(contact.peerId) ?? 0, e.seq));
      if (e.message && attempts === 1) this.#sent.set(keyId(e.message), { key: e.message, at: now });
    }
    if (this.#sent.size > 0) this.#sentTimer ??= setTimeout(() => this.#flushSent(), SENT_STATUS_FLUSH_MS);
    if (failed.length === 0) return true;
    const reason = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    this.#failed(failed, reason.reason);
    return false;
  }

  /**
   * These outbox entries were ACKed or REJECTed (and removed): forget their
   * retry state; their messages are "delivered" (or "failed") now, so no need
   * to store "sent" for them any more.
   */
  settled(seqs: readonly number[], keys: readonly MessageKey[]): void {
    for (const seq of seqs) this.#forget(seq);
    for (const k of keys) this.#sent.delete(keyId(k));
    this.#hooks.sizeMayHaveChanged();
  }

  /**
   * Stores "sent" for messages written at least SENT_STATUS_FLUSH_MS ago and
   * still not ACKed (usually the ACK comes first, and nothing is written).
   */
  #flushSent(): void {
    this.#sentTimer = undefined;
    const due = this.#ctx.now() - SENT_STATUS_FLUSH_MS;
    const keys: MessageKey[] = [];
    for (const [id, { key, at }] of this.#sent) {
      if (at > due) break; // oldest first: the rest are younger
      keys.push(key);
      this.#sent.delete(id);
    }
    if (this.#sent.size > 0) this.#sentTimer = setTimeout(() => this.#flushSent(), SENT_STATUS_FLUSH_MS);
    if (keys.length === 0) return;
    try {
      const changed = this.#ctx.store.transaction(
        (tx) =>
          keys.filter((k) => {
            if (tx.getMessage(k)?.status !== 'queued') return false;
            tx.updateMessage(k, { status: 'sent' });
            return true;
          }),
        { durable: false }, // a display status; after a power loss the message shows "queued" until delivered
      );
      if (changed.length > 0) this.#hooks.changed(changed);
    } catch {
      // Only a display status: the message itself is safe in the outbox.
    }
  }

  #failed(entries: readonly OutboxRecord[], _error: unknown): void {
    const now = this.#ctx.now();
    for (const e of entries) {
      const attempts = (this.#attempts.get(e.seq)?.attempts ?? 0) + 1;
      this.#attempts.set(e.seq, {
        peerId: e.peerId,
        attempts,
        nextAttemptAt: now + retryDelayMs(attempts, this.#jitter()),
      });
    }
  }

  #jitter(): number {
    return (this.#ctx.random(1)[0] as number) / 256;
  }

  /** Wakes up at the earliest retry time of any peer. */
  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const a of this.#attempts.values()) next = Math.min(next, a.nextAttemptAt);
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = Math.max(0, Math.min(next - this.#ctx.now(), RETRY_MAX_DELAY_MS));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const now = this.#ctx.now();
      const peers = new Set(
        [...this.#attempts.values()].filter((a) => a.nextAttemptAt <= now).map((a) => a.peerId),
      );
      for (const peer of peers) this.kick(peer);
      if (peers.size === 0) this.#schedule();
    }, delay);
  }
}
