/**
 * Receiving (D2, D3, D5, D7): a MSG frame is decrypted on a copy of the
 * session; the message and the new ratchet state are stored in ONE
 * transaction, and the frame is ACKed only after that commit. A frame seen
 * before is ACKed again and never shown twice. A frame that fails
 * MAX_PROCESSING_FAILURES times is parked with a visible error and REJECTed,
 * so it never blocks the rest.
 */

import {
  acceptSession,
  decrypt,
  type MessageInfo,
  type Primitives,
  peekMessage,
  type RandomSource,
  type Session,
  sameIdentity,
} from '@parley/crypto';
import { decodeIdentityPublic, encodeIdentityPublic } from '../account/index.ts';
import { InboundError, soon, toHex } from '../base/index.ts';
import { acceptOptions, deleteUsedPrekeys, prekeyLookup } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import { ownDeviceRecord, ownerOf, type PeerOwner } from '../devices/index.ts';
import {
  doneWaiting,
  GroupNotReadyError,
  groupAcked,
  keepWaiting,
  receiveGroupFrame,
} from '../groups/index.ts';
import { type Effects, insertNotice, keyChangedText, noteDirectReceipt } from '../messaging/index.ts';
import {
  type AccountTx,
  type AttachmentsTx,
  type ContactRecord,
  type ContactsTx,
  type DevicesTx,
  type GroupsTx,
  type InboundFrame,
  type InboxTx,
  type MessageKey,
  type MessagesTx,
  type OutboxTx,
  StoreClosedError,
  type StoreTx,
} from '../ports/index.ts';
import { SessionBatch } from '../sessions/index.ts';
import {
  ACK_MAX_DIGESTS,
  decodeAppMessage,
  decodeFrame,
  encodeFrame,
  type Frame,
  frameDigest,
  type RejectReason,
} from '../wire/index.ts';
import { applyMessage } from './apply-message.ts';
import { applyOwnDeviceMessage, ownMemberRecord } from './apply-sync.ts';

/** A frame that failed this many times is parked (D7). */
export const MAX_PROCESSING_FAILURES = 3;
/**
 * ACKed digests per ACK frame (of up to ACK_MAX_DIGESTS) looked up in the
 * store when the pump does not know them (sent before a restart, or straight
 * from a group send): a search walks the peer's outbox from its oldest entry,
 * so a frame full of made-up digests must not make us walk it 64 times.
 */
export const ACK_SEARCHES_PER_FRAME = 16;
/** ACK-only batches closer together than this are merged into one transaction (see #scheduleDrain). */
export const ACK_COALESCE_MS = 5;
/** Most MSG frames committed in one transaction; also the inbound queue bound. */
export const INBOX_BATCH_MAX_FRAMES = 256;

export interface InboxHooks<Seen> {
  /**
   * Inside the batch's transaction, once every frame is processed: read what
   * the events will show (message views…), while the rows just written are
   * at hand. Only reads; what it returns reaches `applied` after the commit.
   */
  see(tx: ContactsTx & MessagesTx & AttachmentsTx & GroupsTx, batch: ReadonlyArray<Applied>): Seen;
  /**
   * After the batch committed: messages changed, a contact changed, someone
   * is typing… (in arrival order). `seen` is what `see` returned, or
   * undefined if it failed (then only what needs no reads is reported).
   */
  applied(batch: ReadonlyArray<Applied>, seen: Seen | undefined): void;
  /** A message was parked (shown to the user as an error). */
  parked(contact: ContactRecord, error: string): void;
  /** ACKs or REJECTs for our own outbox. */
  acked(peerId: string, settled: Settled): void;
  rejected(peerId: string, settled: Settled): void;
  /** The outbox seq of the entry with this digest we sent to the peer, if known (fast ACK lookup). */
  locate(peerId: string, digest: string): number | undefined;
  /** The peer just learned who we are (HELLO): resend what they have not acknowledged. */
  hello(peerId: string): void;
  /** Our own device list changed (a device of ours linked or removed one). */
  devicesChanged?(): void;
  /** Our other device paired with a mailbox node (`link`) or stopped using one (null). */
  ownMailbox?(peer: string, link: string | null): void;
  /** An ACK frame could not be sent to the peer (it is away): it may go to its mailboxes. */
  undelivered?(peerId: string, frame: Uint8Array): void;
}

/** Outbox entries an ACK or REJECT removed (`seqs`), and the messages whose status it changed. */
export interface Settled {
  readonly keys: readonly MessageKey[];
  readonly seqs: readonly number[];
}

/** A frame the batch applied, and what it changed. */
export interface Applied {
  readonly contact: ContactRecord;
  readonly effects: Effects;
}

/** A frame waiting for the next group commit: MSGs, and ACK/REJECTs of our own outbox. */
type Queued =
  | {
      readonly from: string;
      readonly frame: Extract<Frame, { type: 'msg' | 'group' }>;
      readonly data: Uint8Array;
      readonly digest: string;
    }
  | { readonly from: string; readonly frame: Extract<Frame, { type: 'ack' | 'reject' | 'hello' }> };

const sameKey = (a: Uint8Array | null, b: Uint8Array): boolean =>
  a !== null && a.length === b.length && a.every((x, i) => x === b[i]);

type Outcome =
  | { readonly kind: 'applied'; readonly contact: ContactRecord; readonly effects: Effects }
  | { readonly kind: 'duplicate' | 'failed' | 'ignored' | 'waiting' }
  /** A control from one of our own devices that changed no conversation (ACKed like a message). */
  | {
      readonly kind: 'own';
      readonly devices: boolean;
      readonly mailbox?: { readonly peer: string; readonly link: string | null };
    }
  | ({ readonly kind: 'acked' | 'rejected' } & Settled)
  | {
      readonly kind: 'parked';
      readonly contact: ContactRecord;
      readonly error: string;
      readonly reason: RejectReason;
    };

export class Inbox<Seen> {
  readonly #ctx: Ctx;
  readonly #hooks: InboxHooks<Seen>;
  /** MSG frames waiting for the next group commit. */
  readonly #batch: Queued[] = [];
  #drainScheduled = false;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #lastAckDrainAt = Number.NEGATIVE_INFINITY;
  readonly #idle: Array<() => void> = [];
  /** ACKs waiting to be sent, per peer: coalesced into frames of up to ACK_MAX_DIGESTS. */
  readonly #pendingAcks = new Map<string, string[]>();
  /** Digests of group frames that had to wait (their wait record is cleared once processed). */
  readonly #waiting = new Set<string>();
  /** Waiting for the queue to empty (whenDrained): each learns whether every batch committed. */
  readonly #drainedWaiters: Array<{ readonly resolve: (ok: boolean) => void; ok: boolean }> = [];

  constructor(ctx: Ctx, hooks: InboxHooks<Seen>) {
    this.#ctx = ctx;
    this.#hooks = hooks;
  }

  /**
   * The transport's frame handler. MSG frames are queued and committed in
   * batches (group commit: one transaction, one fsync, for every frame that
   * arrived meanwhile); each is ACKed only after its batch commits. The
   * handler returns at once unless the queue is full (backpressure).
   */
  async onFrame({ from, data }: InboundFrame): Promise<void> {
    let frame: Frame;
    try {
      frame = decodeFrame(data);
    } catch {
      return; // not ours to interpret: an authenticated contact sent garbage; nothing to store
    }
    if (frame.type === 'hello') {
      this.#hooks.hello(from);
      return;
    }
    this.#batch.push(
      frame.type === 'msg' || frame.type === 'group'
        ? { from, frame, data, digest: frameDigest(data, this.#ctx.primitives.sha256) }
        : { from, frame },
    );
    this.#scheduleDrain(frame.type === 'msg' || frame.type === 'group');
    if (this.#batch.length >= INBOX_BATCH_MAX_FRAMES)
      await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /**
   * Drains right after the I/O of this round; except that ACK-only batches
   * coming hard on each other's heels (a busy outbox) wait ACK_COALESCE_MS to
   * go into one transaction: each batch rewrites the outbox and message pages
   * it touches, so many small ones write the same pages again and again.
   */
  #scheduleDrain(urgent: boolean): void {
    if (urgent && this.#drainTimer !== undefined) {
      clearTimeout(this.#drainTimer);
      this.#drainTimer = undefined;
      this.#drainScheduled = false;
    }
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    if (!urgent && this.#ctx.now() - this.#lastAckDrainAt < ACK_COALESCE_MS) {
      this.#drainTimer = setTimeout(() => {
        this.#drainTimer = undefined;
        this.#drain();
      }, ACK_COALESCE_MS);
    } else soon(() => this.#drain());
  }

  #drain(): void {
    this.#drainScheduled = false;
    const batch = this.#batch.splice(0, INBOX_BATCH_MAX_FRAMES);
    if (this.#batch.length > 0) {
      this.#drainScheduled = true;
      soon(() => this.#drain());
    }
    // Incoming messages must be on disk before they are ACKed (D5, which keeps D1). A batch of only ACK/REJECTs of
    // our own outbox need not be: if it is lost, the peer gets our frame again and ACKs again (D5).
    const durable = batch.some((q) => q.frame.type === 'msg' || q.frame.type === 'group');
    if (!durable) this.#lastAckDrainAt = this.#ctx.now();
    let outcomes: Outcome[] = [];
    let applied: Applied[] = [];
    let seen: Seen | undefined;
    try {
      ({ outcomes, applied, seen } = this.#ctx.store.transaction(
        (tx) => {
          const sessions = new SessionBatch(tx, this.#ctx.account.vault);
          const out = batch.map((q) => this.#process(tx, q, sessions));
          sessions.save();
          const changed = out.filter((o): o is Extract<Outcome, { kind: 'applied' }> => o.kind === 'applied');
          return {
            outcomes: out,
            applied: changed,
            seen: changed.length > 0 ? this.#see(tx, changed) : undefined,
          };
        },
        { durable },
      ));
    } catch (error) {
      // Nothing was stored (a full disk…): no ACKs, so the senders will retry these frames.
      this.#ctx.events.emit('problem', {
        code: 'store',
        message: `could not store incoming messages: ${String(error)}`,
      });
    }
    for (const resolve of this.#idle.splice(0)) resolve();
    for (const [i, outcome] of outcomes.entries()) this.#after(batch[i] as Queued, outcome);
    if (applied.length > 0) this.#hooks.applied(applied, seen);
    if (outcomes.length < batch.length) for (const w of this.#drainedWaiters) w.ok = false;
    if (this.#batch.length === 0) for (const w of this.#drainedWaiters.splice(0)) w.resolve(w.ok);
  }

  /**
   * Resolves once every frame queued so far has been through a commit: true if each batch
   * committed (its frames are stored, seen before, or parked), false if a batch could not be
   * stored (then nothing of it was, and the frames must be offered again). Mailbox draining waits
   * for this before deleting what it fetched.
   */
  whenDrained(): Promise<boolean> {
    if (this.#batch.length === 0 && !this.#drainScheduled) return Promise.resolve(true);
    return new Promise((resolve) => this.#drainedWaiters.push({ resolve, ok: true }));
  }

  /** The hook's reads; a failure to show something must not undo storing it (only storage errors do). */
  #see(
    tx: ContactsTx & MessagesTx & AttachmentsTx & GroupsTx,
    applied: ReadonlyArray<Applied>,
  ): Seen | undefined {
    try {
      return this.#hooks.see(tx, applied);
    } catch (error) {
      if (isStorageError(error)) throw error;
      return undefined;
    }
  }

  #process(tx: StoreTx, q: Queued, sessions: SessionBatch): Outcome {
    if (q.frame.type === 'ack') return { kind: 'acked', ...this.#acked(tx, q.from, q.frame.digests) };
    if (q.frame.type === 'reject') return { kind: 'rejected', ...this.#rejected(tx, q.from, q.frame.digest) };
    const m = q as Extract<Queued, { data: Uint8Array }>;
    return this.#receive(tx, sessions, m.from, m.digest, m.data, m.frame);
  }

  /** After the batch committed: ACK; report parked frames and our ACKed/REJECTed outbox. */
  #after(q: Queued, outcome: Outcome): void {
    if (outcome.kind === 'acked' || outcome.kind === 'rejected') {
      if (outcome.seqs.length > 0) this.#hooks[outcome.kind](q.from, outcome);
      return;
    }
    const { digest } = q as Extract<Queued, { digest: string }>;
    if (outcome.kind === 'applied' || outcome.kind === 'duplicate' || outcome.kind === 'own')
      this.#queueAck(q.from, digest);
    if (outcome.kind === 'own' && outcome.devices) this.#hooks.devicesChanged?.();
    if (outcome.kind === 'own' && outcome.mailbox)
      this.#hooks.ownMailbox?.(outcome.mailbox.peer, outcome.mailbox.link);
    if (outcome.kind === 'parked') {
      void this.#send(q.from, { type: 'reject', digest, reason: outcome.reason });
      this.#hooks.parked(outcome.contact, outcome.error);
    }
  }

  #receive(
    tx: AccountTx & ContactsTx & DevicesTx & InboxTx,
    sessions: SessionBatch,
    from: string,
    digest: string,
    frame: Uint8Array,
    decoded: Extract<Frame, { type: 'msg' | 'group' }>,
  ): Outcome {
    const owner = ownerOf(this.#ctx, tx, from);
    if (!owner) return { kind: 'ignored' };
    // A frame from a device of ours is handled as from "your other device" (devices/targets.ts).
    const contact = owner.kind === 'contact' ? owner.contact : ownDeviceRecord(from, owner.identityKey);
    // A ratchet message is looked up in `received` only if it fails to decrypt: one that decrypts
    // was never stored (its message key is used once and is gone once the receiver commits), so the
    // common case skips a lookup. Anything else is looked up first: a replayed prekey message could
    // otherwise start a new session, and group frames have their own rules.
    const info = decoded.type === 'msg' ? peek(decoded.message) : undefined;
    const decryptFirst = info?.kind === 'ratchet';
    if (!decryptFirst && tx.hasReceived(from, digest)) return { kind: 'duplicate' };
    const remembered = decryptFirst ? receivedKey(info, digest) : digest;
    const now = this.#ctx.now();
    try {
      // A nested transaction (savepoint): a frame that fails leaves no partial writes in the batch.
      const accepted = this.#ctx.store.transaction((inner) => {
        if (this.#waiting.delete(digest)) doneWaiting(inner, from, digest);
        if (decoded.type === 'msg')
          return this.#accept(
            inner,
            sessions,
            owner,
            contact,
            { from, digest, remembered, message: decoded.message, info },
            now,
          );
        // Groups know members by account, each device with its own sender key (docs/MULTI-DEVICE.md
        // "Groups"): a frame from our other device is from us, as a member.
        const member = owner.kind === 'self' ? ownMemberRecord(this.#ctx, from) : contact;
        const effects = receiveGroupFrame(this.#ctx, inner, member, decoded.groupId, decoded.message);
        // A file in it is fetched from the device that sent it (the one that holds it), not the
        // member's first device (which may not hold it yet); after a restart, from the member.
        if (effects.downloads.length > 0 && from !== member.peerId) effects.downloadsFrom = from;
        inner.markReceived(from, digest, now);
        inner.clearFailure(from, digest);
        return { outcome: { kind: 'applied', contact, effects } as const, session: undefined };
      });
      if (accepted.session) keepSession(sessions, owner.sessionKey, accepted.session); // only once its savepoint succeeded
      return accepted.outcome;
    } catch (error) {
      // A storage error (full disk, I/O) is not the message's fault: roll back the whole batch, so
      // nothing is ACKed and the sender retries. Only errors in the message itself count (D7).
      if (isStorageError(error)) throw error;
      // (by its bare digest too: how frames were remembered before keys by position)
      if (decryptFirst && (tx.hasReceived(from, remembered) || tx.hasReceived(from, digest)))
        return { kind: 'duplicate' };
      // A group frame whose key or state is still on its way: not ACKed (the sender retries), not a failure.
      const waiting = error instanceof GroupNotReadyError && keepWaiting(tx, from, digest, now);
      if (waiting) this.#waiting.add(digest);
      if (waiting) return { kind: 'waiting' };
      const failures =
        error instanceof GroupNotReadyError ? MAX_PROCESSING_FAILURES : tx.recordFailure(from, digest, now);
      if (failures < MAX_PROCESSING_FAILURES) return { kind: 'failed' };
      const malformed = error instanceof InboundError && error.code === 'bad-message';
      const text = malformed
        ? `a message from ${contact.name} was malformed and could not be shown`
        : `a message from ${contact.name} could not be decrypted; ask them to send it again`;
      tx.park({ peerId: from, digest, frame, error: text, failures, parkedAt: now });
      tx.clearFailure(from, digest);
      tx.markReceived(from, remembered, now);
      return { kind: 'parked', contact, error: text, reason: malformed ? 'malformed' : 'undecryptable' };
    }
  }

  #accept(
    tx: StoreTx,
    sessions: SessionBatch,
    owner: PeerOwner,
    contact: ContactRecord,
    frame: {
      from: string;
      digest: string;
      remembered: string;
      message: Uint8Array;
      info: MessageInfo | undefined;
    },
    now: number,
  ): { outcome: Outcome; session: Opened | undefined } {
    const { from, digest } = frame;
    const { session, newIdentity } = this.#open(tx, sessions, owner, contact, frame.message, frame.info);
    const { plaintext } = session;
    let outcome: Outcome;
    if (owner.kind === 'self') {
      const own = applyOwnDeviceMessage(this.#ctx, tx, decodeAppMessage(plaintext), owner.peerId);
      outcome = own.contact
        ? { kind: 'applied', contact: own.contact, effects: own.effects }
        : {
            kind: 'own',
            devices: own.effects.devices === true,
            ...(own.effects.ownMailbox ? { mailbox: own.effects.ownMailbox } : {}),
          };
    } else {
      const current = newIdentity ? { ...contact, pendingIdentityKey: newIdentity, updatedAt: now } : contact;
      if (newIdentity) tx.putContact(current);
      const effects = applyMessage(this.#ctx, tx, current, decodeAppMessage(plaintext), owner.peerId);
      // Only a classical session answers a hybrid card (its answer starts the upgrade).
      if (effects.hybridCard && session.session.pq !== undefined) effects.hybridCard = false;
      // A file from a contact's other device is fetched from that device (it holds the file; the
      // contact's first device may not yet, or be away); after a restart, from the contact.
      if (effects.downloads.length > 0 && owner.linked) effects.downloadsFrom = from;
      if (newIdentity) effects.contactChanged = true;
      // In the timeline once per new key (a second message with the same new key changes nothing).
      if (newIdentity && !sameKey(contact.pendingIdentityKey, newIdentity))
        effects.messages.push(
          insertNotice(this.#ctx, tx, contact.id, 'safety-number', keyChangedText(contact.name)),
        );
      outcome = { kind: 'applied', contact: current, effects };
    }
    tx.markReceived(from, frame.remembered, now);
    tx.clearFailure(from, digest);
    return { outcome, session };
  }

  /**
   * Decrypts on a copy (pure crypto calls); nothing is written here. A prekey
   * message that does not belong to the current session starts a new one;
   * its identity must be the contact's, or it is recorded as a key change. A
   * ratchet message the current session cannot open may be one sealed with the
   * session a newer one replaced (sessions/session-store.ts `previousKey`).
   */
  #open(
    tx: AccountTx,
    sessions: SessionBatch,
    owner: PeerOwner,
    contact: ContactRecord,
    message: Uint8Array,
    peeked: MessageInfo | undefined,
  ): { session: Opened; newIdentity: Uint8Array | null } {
    const { primitives: p, random, account } = this.#ctx;
    const info = peeked ?? peekMessage(message);
    const current = sessions.get(owner.sessionKey);
    if (info.kind === 'ratchet' || current) {
      try {
        if (!current) throw new InboundError('decrypt-failed', 'no session');
        return { session: { ...decrypt(current, message, random, p), slot: 'current' }, newIdentity: null };
      } catch (error) {
        if (info.kind === 'ratchet') {
          const previous = sessions.previous(owner.sessionKey);
          const opened = previous ? tryDecrypt(previous, message, random, p) : undefined;
          if (opened) return { session: { ...opened, slot: 'previous' }, newIdentity: null };
          throw error;
        }
      }
    }
    const lookup = prekeyLookup(tx, account.vault, p);
    const options = acceptOptions(tx, contact.card, info); // no downgrade (contacts/prekey-lookup.ts)
    const accepted = acceptSession(account.identity, lookup, message, random, p, options);
    deleteUsedPrekeys(tx, accepted);
    // Both ends started a session at once (devices, or the founding devices of accounts met through
    // a linked device: messaging/outbound.ts startsSessions): the one started by the lower PeerId
    // wins, at both ends; the other's first messages still open, on the side (devices/targets.ts).
    const keep = current?.pendingPrekey !== undefined && account.info.peerId < owner.peerId;
    const kept = { session: current as Session, plaintext: accepted.plaintext, slot: 'current' } as const;
    if (owner.kind === 'self' || owner.linked) {
      // A device's key is the one its account's signed list names; anything else is refused.
      if (!sameIdentity(decodeIdentityPublic(owner.identityKey), accepted.remoteIdentity))
        throw new InboundError('decrypt-failed', 'a device used a key its device list does not name');
      return {
        session:
          keep && current ? kept : { session: accepted.session, plaintext: accepted.plaintext, slot: 'new' },
        newIdentity: null,
      };
    }
    const known = decodeIdentityPublic(contact.identityKey);
    const changed = !sameIdentity(known, accepted.remoteIdentity);
    if (keep && current && !changed) return { session: kept, newIdentity: null };
    return {
      session: { session: accepted.session, plaintext: accepted.plaintext, slot: 'new' },
      newIdentity: changed ? encodeIdentityPublic(accepted.remoteIdentity) : null,
    };
  }

  #acked(
    tx: MessagesTx & OutboxTx & GroupsTx & ContactsTx & DevicesTx,
    from: string,
    digests: readonly string[],
  ): Settled {
    const out: MessageKey[] = [];
    const seqs: number[] = [];
    let searches = ACK_SEARCHES_PER_FRAME;
    for (const digest of digests) {
      const seq = this.#hooks.locate(from, digest);
      const entry =
        seq !== undefined
          ? tx.takeOutbox(seq, from, digest)
          : searches-- > 0
            ? tx.takeOutboxByDigest(from, digest)
            : undefined; // not found now: the frame is sent again and ACKed again (D5)
      if (!entry) continue;
      seqs.push(entry.seq);
      if (entry.message && tx.getGroup(entry.message.conversationId)) {
        if (groupAcked(this.#ctx, tx, from, entry.message)) out.push(entry.message);
        continue;
      }
      if (
        entry.message &&
        tx.updateMessageIf(entry.message, ['queued', 'sent', 'stored'], { status: 'delivered' })
      ) {
        out.push(entry.message);
        const contact = tx.getContact(entry.message.conversationId);
        if (contact) noteDirectReceipt(tx, entry.message, contact.peerId, 'delivered', this.#ctx.now());
      }
    }
    return { keys: out, seqs };
  }

  #rejected(tx: MessagesTx & OutboxTx, from: string, digest: string): Settled {
    const entry = tx.takeOutboxByDigest(from, digest);
    if (!entry) return { keys: [], seqs: [] };
    if (!entry.message) return { keys: [], seqs: [entry.seq] };
    const error = 'the recipient could not decrypt this message; send it again';
    tx.updateMessage(entry.message, { status: 'failed', error });
    return { keys: [entry.message], seqs: [entry.seq] };
  }

  #queueAck(peer: string, digest: string): void {
    const pending = this.#pendingAcks.get(peer);
    if (pending) {
      pending.push(digest);
      return;
    }
    this.#pendingAcks.set(peer, [digest]);
    soon(() => {
      const digests = this.#pendingAcks.get(peer) ?? [];
      this.#pendingAcks.delete(peer);
      for (let i = 0; i < digests.length; i += ACK_MAX_DIGESTS) {
        void this.#send(peer, { type: 'ack', digests: digests.slice(i, i + ACK_MAX_DIGESTS) });
      }
    });
  }

  async #send(peer: string, frame: Frame): Promise<void> {
    const bytes = encodeFrame(frame);
    try {
      await this.#ctx.transport.send(peer, bytes);
    } catch {
      // The peer will resend (no ACK), and we will ACK the duplicate then (D5); meanwhile an ACK
      // may reach it through its mailbox, so that it learns "delivered" without us online.
      if (frame.type === 'ack') this.#hooks.undelivered?.(peer, bytes);
    }
  }
}

/**
 * The key under which a ratchet message is remembered in `received`: the first 4 bytes of its
 * ratchet key (its sending chain) and its number in that chain, then its digest. One chain's
 * messages sort together in the order they were sent, so a batch of them appends to the table's
 * index instead of dirtying a random page per message (the digest alone is a random key: ~20 µs
 * of CPU per message with the commit, ~8 µs this way). The digest decides the match; the prefix
 * only orders. Unauthenticated header fields are fine here: a frame is only ever compared with
 * what was stored for the same bytes.
 */
export function receivedKey(
  info: { readonly ratchetKey: Uint8Array; readonly n: number },
  digest: string,
): string {
  return `${toHex(info.ratchetKey.subarray(0, 4))}${info.n.toString(16).padStart(8, '0')}${digest}`;
}

/** The message's kind, or undefined if it does not parse (then decrypting it fails, as a failure). */
function peek(message: Uint8Array): MessageInfo | undefined {
  try {
    return peekMessage(message);
  } catch {
    return undefined;
  }
}

/** SQLite errors (code SQLITE_*, or node:sqlite's ERR_SQLITE_*) and a closed store are storage failures, not bad messages. */
export function isStorageError(error: unknown): boolean {
  if (error instanceof StoreClosedError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_') || code.startsWith('ERR_SQLITE'));
}

/** A frame opened, and which of the peer's sessions it advanced (or the new one it started). */
interface Opened {
  readonly session: Session;
  readonly plaintext: Uint8Array;
  readonly slot: 'current' | 'previous' | 'new';
}

/** Stores the session a frame advanced in its slot; a new one sets the current one aside. */
function keepSession(sessions: SessionBatch, key: string, opened: Opened): void {
  if (opened.slot === 'previous') sessions.setPrevious(key, opened.session);
  else if (opened.slot === 'new') sessions.replace(key, opened.session);
  else sessions.set(key, opened.session);
}

/** `decrypt`, or undefined if this session cannot open the message. */
function tryDecrypt(
  session: Session,
  message: Uint8Array,
  random: RandomSource,
  p: Primitives,
): { session: Session; plaintext: Uint8Array } | undefined {
  try {
    return decrypt(session, message, random, p);
  } catch {
    return undefined;
  }
}
