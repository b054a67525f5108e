/**
 * The outbox pump (D1, D6): sends queued frames in order, per peer; keeps
 * each frame until the peer ACKs it (after its own commit); retries with
 * capped backoff, and at once when the peer connects.
 *
 * A peer's frames reach it in outbox order, also across failures: a newer
 * frame that overtook older ones would make the receiver keep skipped ratchet
 * keys for the gap (MAX_SKIP in @parley/crypto; past it, decryption fails and
 * D7 parks the message). So the backoff is one clock per peer, not per frame:
 * after a failed send nothing goes to that peer until its retry, which sends
 * everything unACKed from the oldest (what was written may have been lost with
 * the connection, as when the connection closes); a success, an ACK or the
 * peer connecting ends the backoff. Frames written and waiting for their ACK
 * are resent, in order, after ACK_TIMEOUT_MS (or all of them when the peer
 * connects).
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

import { ACK_TIMEOUT_MS, RETRY_MAX_DELAY_MS, retryDelayMs } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { recipientOf } from '../devices/index.ts';
import type { ContactRecord, MessageKey, OutboxRecord } from '../ports/index.ts';

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
  /**
   * The peer could not be reached (a send failed, or it is backing off and something new is
   * queued): what waits for it may go to its mailboxes (mailbox/mailboxes.ts). The entries stay
   * here until the peer ACKs them.
   */
  unreachable?(peerId: string): void;
}

/** A peer whose last send failed: nothing more goes to it before `retryAt` (unless it connects). */
interface Backoff {
  readonly failures: number;
  readonly retryAt: number;
}

/** A frame written to its peer and not ACKed yet: written `writes` times; again at `resendAt`. */
interface Written {
  readonly writes: number;
  readonly resendAt: number;
}

export class OutboxPump {
  readonly #ctx: Ctx;
  readonly #hooks: OutboxHooks;
  readonly #busy = new Set<string>();
  readonly #again = new Map<string, boolean>();
  /** Busy peers whose connection closed during the flush: its writes may be lost (#disconnected). */
  readonly #dropped = new Set<string>();
  /** Peers backing off after a failed send (removed on success, ACK, connect, or an empty outbox). */
  readonly #backoff = new Map<string, Backoff>();
  /**
   * Per peer, its entries written and not ACKed yet, by outbox seq. Entries not here were never
   * written, or may have been lost since (a failed send, a closed connection): due whenever the
   * peer is not backing off.
   */
  readonly #written = new Map<string, Map<number, Written>>();
  /** Messages written once and not yet ACKed, oldest first, with when they were written. */
  readonly #sent = new Map<string, { readonly key: MessageKey; readonly at: number }>();
  /** (peer, digest) → outbox seq of the entries handed to the transport: how an ACK finds its entry. */
  readonly #byDigest = new Map<string, number>();
  readonly #digestOf = new Map<number, { readonly peerId: string; readonly key: string }>();
  /**
   * Per peer, an outbox seq up to which every entry was written (or is gone): while the peer is
   * not backing off and no ACK is overdue, only newer entries need reading.
   */
  readonly #sentUpTo = new Map<string, number>();
  #sentTimer: ReturnType<typeof setTimeout> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(ctx: Ctx, hooks: OutboxHooks) {
    this.#ctx = ctx;
    this.#hooks = hooks;
  }

  start(): void {
    this.#stopped = false;
    this.#unsubscribe ??= this.#ctx.transport.onPeer((e) => {
      if (e.type === 'disconnected') this.#disconnected(e.peer);
    });
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
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
        this.#backOff(peerId); // (a failing store would otherwise be retried at once, forever)
        this.#ctx.events.emit('problem', { code: 'outbox', message: `sending failed: ${String(error)}` });
      })
      .finally(() => {
        this.#busy.delete(peerId);
        if (this.#dropped.delete(peerId)) this.#disconnected(peerId);
        const again = this.#again.get(peerId);
        this.#again.delete(peerId);
        if (again !== undefined) this.kick(peerId, again);
        else this.#schedule();
      });
  }

  async #flush(peerId: string, force: boolean): Promise<void> {
    const now = this.#ctx.now();
    const backoff = this.#backoff.get(peerId);
    // While the peer backs off, nothing is sent: a newer entry would overtake the older ones
    // waiting for the retry. A connect ends the backoff and resends everything unACKed.
    if (force) this.#backoff.delete(peerId);
    else if (backoff && backoff.retryAt > now) {
      this.#hooks.unreachable?.(peerId); // newly queued entries may go to its mailboxes meanwhile
      return;
    }
    // Written entries wait for their ACK; unless a retry or an ACK timeout is due (or the peer just
    // connected), every entry up to #sentUpTo was written, and only newer ones need reading.
    const resend = force || backoff !== undefined || this.#ackOverdue(peerId, now);
    const after = resend ? 0 : (this.#sentUpTo.get(peerId) ?? 0);
    const { contact, entries } = this.#ctx.store.transaction((tx) => ({
      contact: recipientOf(this.#ctx, tx, peerId),
      entries: tx.listOutbox(peerId, after),
    }));
    if (after === 0) this.#forgetGone(peerId, entries);
    if (!contact) return this.#forgetPeer(peerId);
    // Due: not written (or perhaps lost since), or its ACK is overdue; in outbox order, so an
    // entry is never sent before an older one that is not written yet.
    const written = this.#written.get(peerId);
    const due = entries.filter((e) => force || (written?.get(e.seq)?.resendAt ?? 0) <= now);
    if (due.length === 0) {
      this.#backoff.delete(peerId); // nothing left to retry
      return;
    }
    const intro = entries.find((e) => e.kind === 'intro');
    if (intro && (await this.#introduce(contact, intro)) !== true) return;
    const msgs = due.filter((e) => e.kind === 'msg');
    for (let i = 0; i < msgs.length && !this.#stopped; i += OUTBOX_SEND_BATCH) {
      if (!(await this.#sendBatch(contact, msgs.slice(i, i + OUTBOX_SEND_BATCH)))) return;
    }
  }

  /** Whether a frame written to `peerId` went without its ACK for too long. */
  #ackOverdue(peerId: string, now: number): boolean {
    for (const w of this.#written.get(peerId)?.values() ?? []) if (w.resendAt <= now) return true;
    return false;
  }

  /** The outbox seq of the entry with this digest that we sent to `peerId`, if we did. */
  locate(peerId: string, digest: string): number | undefined {
    return this.#byDigest.get(`${peerId}\u0000${digest}`);
  }

  #remember(e: OutboxRecord): void {
    const key = `${e.peerId}\u0000${e.digest}`;
    this.#byDigest.set(key, e.seq);
    this.#digestOf.set(e.seq, { peerId: e.peerId, key });
  }

  #forget(seq: number): void {
    const d = this.#digestOf.get(seq);
    if (d === undefined) return;
    this.#digestOf.delete(seq);
    if (this.#byDigest.get(d.key) === seq) this.#byDigest.delete(d.key);
    this.#unwrite(d.peerId, seq);
  }

  /** `seq` no longer waits for its ACK (ACKed, or gone from the outbox). */
  #unwrite(peerId: string, seq: number): void {
    const written = this.#written.get(peerId);
    if (written?.delete(seq) && written.size === 0) this.#written.delete(peerId);
  }

  /** Drops the state of `peerId`'s entries that left the outbox (ACKed, rejected, removed). */
  #forgetGone(peerId: string, entries: readonly OutboxRecord[]): void {
    const present = new Set(entries.map((e) => e.seq));
    for (const [seq, d] of this.#digestOf) if (d.peerId === peerId && !present.has(seq)) this.#forget(seq);
    for (const seq of this.#written.get(peerId)?.keys() ?? [])
      if (!present.has(seq)) this.#unwrite(peerId, seq);
    if (entries.length > 0) return;
    this.#backoff.delete(peerId); // nothing queued for the peer: no state needed
    this.#sentUpTo.delete(peerId);
  }

  /** The peer is no contact any more (its outbox went with it). */
  #forgetPeer(peerId: string): void {
    this.#forgetGone(peerId, []);
    this.#written.delete(peerId);
  }

  async #introduce(contact: ContactRecord, entry: OutboxRecord): Promise<boolean | undefined> {
    let accepted: boolean;
    try {
      accepted = await this.#ctx.transport.introduce(contact.peerId, entry.frame, {
        addresses: contact.addresses,
      });
    } catch {
      this.#failed(contact.peerId);
      return undefined;
    }
    this.#backoff.delete(contact.peerId); // it answered
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
    const peerId = contact.peerId;
    for (const e of batch) this.#remember(e); // before sending: the ACK may come back at once
    const results = await Promise.allSettled(batch.map((e) => this.#ctx.transport.send(peerId, e.frame)));
    const now = this.#ctx.now();
    if (this.#dropped.delete(peerId)) {
      this.#failed(peerId); // the connection closed meanwhile: these writes may be lost with it
      return false;
    }
    const written = batch.filter((_, i) => results[i]?.status === 'fulfilled');
    if (written.length > 0) this.#backoff.delete(peerId); // it is reachable: the clock starts over
    for (const e of written) this.#wrote(peerId, e, now);
    if (this.#sent.size > 0) this.#sentTimer ??= setTimeout(() => this.#flushSent(), SENT_STATUS_FLUSH_MS);
    if (written.length === batch.length) return true;
    this.#failed(peerId);
    this.#hooks.unreachable?.(peerId);
    return false;
  }

  /** `e` was written to `peerId` (handed to the transport): resend it if no ACK comes in time. */
  #wrote(peerId: string, e: OutboxRecord, now: number): void {
    this.#sentUpTo.set(peerId, Math.max(this.#sentUpTo.get(peerId) ?? 0, e.seq));
    if (!this.#digestOf.has(e.seq)) return; // its ACK came back already
    const written = this.#written.get(peerId) ?? new Map<number, Written>();
    this.#written.set(peerId, written);
    const writes = (written.get(e.seq)?.writes ?? 0) + 1;
    const wait = Math.min(ACK_TIMEOUT_MS * 2 ** Math.min(writes - 1, 2), RETRY_MAX_DELAY_MS);
    written.set(e.seq, { writes, resendAt: now + wait });
    if (e.message && writes === 1) {
      const id = keyId(e.message);
      this.#sent.delete(id); // (re)inserted last: #sent stays oldest first
      this.#sent.set(id, { key: e.message, at: now });
    }
  }

  /**
   * These outbox entries were ACKed or REJECTed (and removed): forget their
   * retry state; their messages are "delivered" (or "failed") now, so no need
   * to store "sent" for them any more.
   */
  settled(seqs: readonly number[], keys: readonly MessageKey[]): void {
    const peers = new Set<string>();
    for (const seq of seqs) {
      const peerId = this.#digestOf.get(seq)?.peerId;
      if (peerId !== undefined) peers.add(peerId);
      this.#forget(seq);
    }
    for (const k of keys) this.#sent.delete(keyId(k));
    this.#hooks.sizeMayHaveChanged();
    // The peer answered, so it is reachable: what waits for its retry goes now, oldest first.
    for (const peerId of peers) if (this.#backoff.delete(peerId)) this.kick(peerId);
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

  /**
   * A send to `peerId` failed: its connection is gone, and with it perhaps what was written and
   * not ACKed yet. So everything unACKed is due again, from the oldest, when the backoff ends.
   */
  #failed(peerId: string): void {
    this.#written.delete(peerId);
    this.#sentUpTo.delete(peerId);
    this.#backOff(peerId);
  }

  /**
   * The connection to `peerId` closed. What was written and not ACKed may be lost with it (a
   * killed receiver never read it), so nothing newer may go first: it is all due again, oldest
   * first, at the peer's retry — or at once when the peer connects. A flush in flight finds out
   * when its batch returns (#dropped).
   */
  #disconnected(peerId: string): void {
    if (this.#busy.has(peerId)) {
      this.#dropped.add(peerId);
      return;
    }
    if (!this.#written.has(peerId)) return; // nothing written that could be lost
    this.#failed(peerId);
    this.#schedule();
  }

  /** One more failure for `peerId`: its retry clock moves out (capped exponential backoff, jitter). */
  #backOff(peerId: string): void {
    const failures = (this.#backoff.get(peerId)?.failures ?? 0) + 1;
    this.#backoff.set(peerId, {
      failures,
      retryAt: this.#ctx.now() + retryDelayMs(failures, this.#jitter()),
    });
  }

  #jitter(): number {
    return (this.#ctx.random(1)[0] as number) / 256;
  }

  /** When `peerId` needs a flush without a kick: its retry, else its earliest ACK timeout. */
  #wakeAt(peerId: string): number {
    const backoff = this.#backoff.get(peerId);
    if (backoff) return backoff.retryAt; // its ACK timeouts wait for the retry too
    let next = Number.POSITIVE_INFINITY;
    for (const w of this.#written.get(peerId)?.values() ?? []) next = Math.min(next, w.resendAt);
    return next;
  }

  /** Wakes up at the earliest retry or ACK timeout of any peer. */
  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const peers = (): Set<string> => new Set([...this.#backoff.keys(), ...this.#written.keys()]);
    let next = Number.POSITIVE_INFINITY;
    for (const peer of peers()) next = Math.min(next, this.#wakeAt(peer));
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = Math.max(0, Math.min(next - this.#ctx.now(), RETRY_MAX_DELAY_MS));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const now = this.#ctx.now();
      const due = [...peers()].filter((peer) => this.#wakeAt(peer) <= now);
      for (const peer of due) this.kick(peer);
      if (due.length === 0) this.#schedule();
    }, delay);
  }
}
