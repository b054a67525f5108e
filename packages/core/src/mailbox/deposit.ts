/**
 * Depositing for contacts who are away (the outbox pump's `unreachable` hook): the contact's
 * outbox frames, already end-to-end encrypted, go into envelopes that hide us from the mailbox
 * (envelope.ts) and are deposited in outbox order at the first of its mailboxes that takes them.
 * They STAY in the outbox until the contact ACKs them (D1); `depositedAt` keeps them from being
 * deposited twice, and the message shows `stored`. ACKs we could not send go the same way,
 * gathered per peer and best effort.
 */
import { decodeContactCard } from '@parley/crypto';
import { decodeIdentityPublic } from '../account/index.ts';
import type { Ctx } from '../context/index.ts';
import { ownerOf } from '../devices/index.ts';
import type { ContactRecord, MessageKey, OutboxRecord } from '../ports/index.ts';
import { decodeCardExtension, type MailboxAddress } from '../wire/index.ts';
import { batches, itemsOf } from './batches.ts';
import { decodeDepositAnswer, MailboxError } from './codec.ts';
import { sealEnvelope } from './envelope.ts';
import { ask, type MailboxRuntime } from './runtime.ts';

/** ACKs for a peer that is away are gathered this long, then deposited in one envelope. */
export const ACK_DEPOSIT_DELAY_MS = 500;
/** At most this many ACK frames (64 digests each) wait per peer; more are dropped (the peer resends, D5). */
export const ACK_DEPOSIT_MAX_FRAMES = 256;
/** A deposit no mailbox took is tried again after this, doubling up to DEPOSIT_RETRY_MAX_MS. */
export const DEPOSIT_RETRY_MIN_MS = 2_000;
export const DEPOSIT_RETRY_MAX_MS = 60_000;

const mailboxCards = new Map<string, { readonly card: Uint8Array; readonly list: MailboxAddress[] }>();

/** The mailboxes a card names (decoded once per card and PeerId). */
function cardMailboxes(ctx: Ctx, peerId: string, card: Uint8Array): MailboxAddress[] {
  const cached = mailboxCards.get(peerId);
  if (cached && cached.card.length === card.length && cached.card.every((b, i) => b === card[i]))
    return cached.list;
  let list: MailboxAddress[] = [];
  try {
    list = [...decodeCardExtension(decodeContactCard(card, ctx.primitives).extension).mailboxes];
  } catch {
    list = []; // a card we stored was verified; one that does not parse names no mailbox
  }
  mailboxCards.set(peerId, { card: card.slice(), list });
  return list;
}

/** The mailboxes a contact's card names (its founding device's). */
export function contactMailboxes(ctx: Ctx, contact: ContactRecord): MailboxAddress[] {
  return cardMailboxes(ctx, contact.peerId, contact.card);
}

/**
 * Where mail for the device `peerId` waits while it is away: the mailboxes ITS card names, and the
 * key its envelopes are sealed to. Every device pairs with mailboxes under its own PeerId, since a
 * queue is drained (and emptied) by its owner alone: a contact's founding device by the card the
 * contact record holds, a contact's linked device and our own other devices by their device
 * cards. `contact` is the contact it belongs to, or null for our own device. Undefined when the
 * device names no mailbox (or is no active contact's).
 */
interface DepositTarget {
  readonly contact: ContactRecord | null;
  readonly boxes: readonly MailboxAddress[];
  readonly recipientKey: Uint8Array;
}

function depositTarget(ctx: Ctx, peerId: string): DepositTarget | undefined {
  const found = ctx.store.transaction((tx) => {
    const owner = ownerOf(ctx, tx, peerId);
    if (!owner || (owner.kind === 'contact' && owner.contact.state !== 'active')) return undefined;
    const contact = owner.kind === 'contact' ? owner.contact : null;
    const card =
      contact && !(owner.kind === 'contact' && owner.linked) ? contact.card : tx.getDevice(peerId)?.card;
    return card ? { contact, card, identityKey: owner.identityKey } : undefined;
  });
  if (!found) return undefined;
  const boxes = cardMailboxes(ctx, peerId, found.card);
  if (boxes.length === 0) return undefined;
  return {
    contact: found.contact,
    boxes,
    recipientKey: decodeIdentityPublic(found.identityKey).agreementKey,
  };
}

/** The deposits of one running Mailboxes, per peer. */
export interface Deposits {
  readonly rt: MailboxRuntime;
  /** Deposits in progress. */
  readonly running: Map<string, Promise<void>>;
  /** Peers that became unreachable again while their deposit ran: deposit once more after it. */
  readonly again: Set<string>;
  /** Per peer whose deposit failed: how many times in a row, and the timer of the next try. */
  readonly retries: Map<string, { failures: number; timer: ReturnType<typeof setTimeout> }>;
  /** ACK frames waiting to be deposited. */
  readonly acks: Map<string, Uint8Array[]>;
}

export function createDeposits(rt: MailboxRuntime): Deposits {
  return { rt, running: new Map(), again: new Set(), retries: new Map(), acks: new Map() };
}

/** The outbox pump could not reach `peerId`: deposit what waits for it (one run per peer). */
export function unreachable(d: Deposits, peerId: string): void {
  const { rt } = d;
  if (rt.stopped) return;
  if (d.running.has(peerId)) {
    d.again.add(peerId);
    return;
  }
  const run = depositFor(rt, peerId)
    .catch((error: unknown) => {
      rt.ctx.events.emit('problem', { code: 'mailbox', message: `depositing failed: ${String(error)}` });
      return false;
    })
    .then((done) => retryLater(d, peerId, done))
    .finally(() => {
      d.running.delete(peerId);
      if (d.again.delete(peerId)) unreachable(d, peerId);
    });
  d.running.set(peerId, run);
}

/** An ACK for `peerId` could not be sent: gathered for ACK_DEPOSIT_DELAY_MS, then deposited. */
export function undelivered(d: Deposits, peerId: string, frame: Uint8Array): void {
  if (d.rt.stopped) return;
  const pending = d.acks.get(peerId);
  if (pending) {
    if (pending.length < ACK_DEPOSIT_MAX_FRAMES) pending.push(frame);
    return;
  }
  d.acks.set(peerId, [frame]);
  setTimeout(() => void depositAcks(d, peerId).catch(() => undefined), ACK_DEPOSIT_DELAY_MS);
}

/** Resolves once no deposit is in progress. */
export async function idle(d: Deposits): Promise<void> {
  while (d.running.size > 0) await Promise.all(d.running.values());
}

/** On stop: no deposit is tried again. */
export function cancelRetries(d: Deposits): void {
  for (const r of d.retries.values()) clearTimeout(r.timer);
  d.retries.clear();
}

/** Deposits what waits for `peerId`; false when a batch found no mailbox that took it. */
async function depositFor(rt: MailboxRuntime, peerId: string): Promise<boolean> {
  const { ctx } = rt;
  // The pump calls this on every kick while the peer backs off: a device without mailboxes (the
  // common case) must cost a few lookups, not a read of its whole outbox.
  const target = depositTarget(ctx, peerId);
  if (!target) return true;
  const entries = ctx.store.transaction((tx) =>
    tx.listOutbox(peerId).filter((e) => e.kind === 'msg' && e.depositedAt === null),
  );
  if (entries.length === 0) return true;
  const { contact, boxes, recipientKey } = target;
  const name = contact?.name ?? 'your other device';
  for (const items of batches(await itemsOf(entries, rt.deps.inlineFiles, peerId))) {
    if (rt.stopped || ctx.transport.isConnected(peerId)) return true; // they are back: the pump sends directly
    const envelope = sealFor(
      ctx,
      recipientKey,
      items.flatMap((i) => i.records),
    );
    const taken = await depositAnywhere(ctx, boxes, envelope);
    if (taken !== true) {
      ctx.events.emit('problem', {
        code: 'mailbox',
        ...(contact ? { contact: contact.name } : {}),
        message: `could not leave messages at ${name}'s mailboxes (${taken}); they stay queued`,
      });
      return false;
    }
    const keys = markDeposited(
      ctx,
      contact,
      items.map((i) => i.entry),
    );
    if (keys.length > 0) rt.deps.changed(keys);
  }
  return true;
}

/**
 * Marks a deposited batch as such; the keys of its messages that are now `stored` (a sync copy
 * left for our own other device says nothing about the message's recipient: `contact` null).
 */
function markDeposited(
  ctx: Ctx,
  contact: ContactRecord | null,
  batch: readonly OutboxRecord[],
): MessageKey[] {
  return ctx.store.transaction((tx) => {
    tx.markOutboxDeposited(
      batch.map((e) => e.seq),
      ctx.now(),
    );
    return batch.flatMap((e) =>
      contact &&
      e.message &&
      e.message.conversationId === contact.id &&
      tx.updateMessageIf(e.message, ['queued', 'sent'], { status: 'stored' })
        ? [e.message]
        : [],
    );
  });
}

/** Deposits the ACKs gathered for `peerId` (best effort: without it, the peer resends and we ACK again). */
async function depositAcks(d: Deposits, peerId: string): Promise<void> {
  const { ctx } = d.rt;
  const frames = d.acks.get(peerId) ?? [];
  d.acks.delete(peerId);
  const target = d.rt.stopped || frames.length === 0 ? undefined : depositTarget(ctx, peerId);
  if (!target) return;
  await depositAnywhere(ctx, target.boxes, sealFor(ctx, target.recipientKey, frames));
}

/** A failed deposit is tried again on its own (the pump's backoff may be a minute away). */
function retryLater(d: Deposits, peerId: string, done: boolean): void {
  const previous = d.retries.get(peerId);
  if (previous) clearTimeout(previous.timer);
  d.retries.delete(peerId);
  if (done || d.rt.stopped) return;
  const failures = (previous?.failures ?? 0) + 1;
  const delay = Math.min(DEPOSIT_RETRY_MIN_MS * 2 ** (failures - 1), DEPOSIT_RETRY_MAX_MS);
  const timer = setTimeout(() => unreachable(d, peerId), delay);
  d.retries.set(peerId, { failures, timer });
}

/** An envelope from us to the holder of `recipientKey`, hiding us from the mailbox. */
function sealFor(ctx: Ctx, recipientKey: Uint8Array, frames: readonly Uint8Array[]): Uint8Array {
  const { account } = ctx;
  return sealEnvelope(ctx.primitives, ctx.random, {
    senderPeerId: account.info.peerId,
    senderSecret: account.identity.agreementSecret,
    recipientKey,
    frames,
  });
}

/** true once a mailbox took the envelope, else why none did. */
async function depositAnywhere(
  ctx: Ctx,
  boxes: readonly MailboxAddress[],
  envelope: Uint8Array,
): Promise<true | string> {
  let why = 'no mailbox answered';
  for (const box of boxes) {
    try {
      decodeDepositAnswer(await ask(ctx, box, { kind: 'deposit', token: box.token, envelope }));
      return true;
    } catch (error) {
      why = error instanceof MailboxError ? error.message : 'unreachable';
    }
  }
  return why;
}
