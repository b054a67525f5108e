/**
 * The outbox pump (D1, D6): sends queued frames in order, per peer; keeps
 * each frame until the peer ACKs it (after its own commit); retries with
 * capped backoff, and at once when the peer connects.
 *
 * An `intro` entry (our introduction after accepting an invite) goes first:
 * until the inviter accepted it, they would refuse our messages, so the
 * messages behind it wait.
 */
import type { Ctx } from './context.ts';
import { ACK_TIMEOUT_MS, RETRY_MAX_DELAY_MS, retryDelayMs } from './retry.ts';
import type { ContactRecord, OutboxRecord } from './store.ts';
import { TransportError } from './transport.ts';

/** Frames sent to one peer concurrently (the transport coalesces them into few writes). */
export const OUTBOX_SEND_BATCH = 64;

export interface OutboxHooks {
  /** Our introduction was accepted (true) or refused (false) by the inviter. */
  introduced(contact: ContactRecord, accepted: boolean): void;
  /** Statuses of these messages changed (queued → sent). */
  changed(keys: readonly OutboxRecord['message'][]): void;
}

export class OutboxPump {
  readonly #ctx: Ctx;
  readonly #hooks: OutboxHooks;
  readonly #busy = new Set<string>();
  readonly #again = new Map<string, boolean>();
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
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Flush a peer's outbox now; `force` ignores backoff (the peer just connected). */
  kick(peerId: string, force = false): void {
    if (this.#stopped) return;
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

  /** Size of the outbox (all peers). */
  size(): number {
    return this.#ctx.store.transaction((tx) => tx.countOutbox());
  }

  async #flush(peerId: string, force: boolean): Promise<void> {
    const { store } = this.#ctx;
    const { contact, entries } = store.transaction((tx) => ({
      contact: tx.getContactByPeerId(peerId),
      entries: tx.listOutbox(peerId),
    }));
    if (!contact) return;
    const now = this.#ctx.now();
    const due = entries.filter((e) => force || e.nextAttemptAt <= now);
    const intro = entries.find((e) => e.kind === 'intro');
    if (intro) {
      if (!due.includes(intro)) return;
      const accepted = await this.#introduce(contact, intro);
      if (accepted !== true) return;
    }
    const msgs = due.filter((e) => e.kind === 'msg');
    for (let i = 0; i < msgs.length && !this.#stopped; i += OUTBOX_SEND_BATCH) {
      const ok = await this.#sendBatch(contact, msgs.slice(i, i + OUTBOX_SEND_BATCH));
      if (!ok) return;
    }
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
    this.#hooks.introduced(contact, accepted);
    return accepted;
  }

  /** Sends a batch concurrently; returns false if the peer could not be reached. */
  async #sendBatch(contact: ContactRecord, batch: readonly OutboxRecord[]): Promise<boolean> {
    const results = await Promise.allSettled(
      batch.map((e) => this.#ctx.transport.send(contact.peerId, e.frame)),
    );
    const sent = batch.filter((_, i) => results[i]?.status === 'fulfilled');
    const failed = batch.filter((_, i) => results[i]?.status === 'rejected');
    const now = this.#ctx.now();
    this.#ctx.store.transaction((tx) => {
      for (const e of sent) {
        const wait = Math.min(ACK_TIMEOUT_MS * 2 ** Math.min(e.attempts, 2), RETRY_MAX_DELAY_MS);
        tx.updateOutbox(e.seq, { attempts: e.attempts + 1, nextAttemptAt: now + wait, lastError: null });
        if (e.message && tx.getMessage(e.message)?.status === 'queued')
          tx.updateMessage(e.message, { status: 'sent' });
      }
    });
    if (sent.length > 0) this.#hooks.changed(sent.map((e) => e.message).filter((m) => m !== null));
    if (failed.length > 0) {
      const reason = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      this.#failed(failed, reason.reason);
      return false;
    }
    return true;
  }

  #failed(entries: readonly OutboxRecord[], error: unknown): void {
    const now = this.#ctx.now();
    const reason = error instanceof TransportError ? error.code : 'error';
    this.#ctx.store.transaction((tx) => {
      for (const e of entries) {
        const delay = retryDelayMs(e.attempts + 1, this.#jitter());
        tx.updateOutbox(e.seq, { attempts: e.attempts + 1, nextAttemptAt: now + delay, lastError: reason });
      }
    });
  }

  #jitter(): number {
    const b = this.#ctx.random(1);
    return (b[0] as number) / 256;
  }

  /** Wakes up at the earliest nextAttemptAt of any peer. */
  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    const entries = this.#ctx.store.transaction((tx) => tx.listOutbox());
    if (entries.length === 0) return;
    const next = entries.reduce((min, e) => Math.min(min, e.nextAttemptAt), Number.POSITIVE_INFINITY);
    const delay = Math.max(0, Math.min(next - this.#ctx.now(), RETRY_MAX_DELAY_MS));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const now = this.#ctx.now();
      const peers = new Set(entries.filter((e) => e.nextAttemptAt <= now).map((e) => e.peerId));
      for (const peer of peers) this.kick(peer);
      if (peers.size === 0) this.#schedule();
    }, delay);
  }
}
