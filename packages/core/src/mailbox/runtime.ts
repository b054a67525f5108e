/**
 * What the parts of one running Mailboxes share (MailboxRuntime), the types they hand out, and
 * what every part does: read our own mailboxes, and ask a mailbox something. The parts are
 * pairing.ts (our mailboxes), deposit.ts (mail for contacts who are away), drain.ts (fetching
 * ours) and hosting.ts (holding mail for friends); mailboxes.ts composes them.
 */
import { loadOwnMailboxes, type OwnMailbox } from '../account/index.ts';
import type { Ctx } from '../context/index.ts';
import type { MailStore, MessageKey } from '../ports/index.ts';
import type { MailboxAddress } from '../wire/index.ts';
import { encodeMailRequest, type MailRequest } from './codec.ts';

/** What the API shows of one of our mailboxes. */
export interface MailboxView {
  /** The mailbox's PeerId. */
  readonly id: string;
  readonly kind: OwnMailbox['kind'];
  /** For a friend's mailbox: the contact's name. */
  readonly contact: string | null;
  readonly addresses: readonly string[];
  readonly addedAt: number;
  readonly quota: OwnMailbox['quota'];
  /** Whether it is connected now. */
  readonly online: boolean;
  /** When we last drained it, and how that went. */
  readonly lastDrainAt: number | null;
  readonly lastError: string | null;
}

/** A contact's offer to hold our mail on their daemon, not accepted yet. */
export interface MailboxOfferView {
  readonly contact: string;
  readonly receivedAt: number;
}

export interface MailboxesDeps {
  /** Flush a peer's outbox now (after queuing our new card). */
  kick(peerId: string): void;
  /** Our mailboxes changed: a device of a multi-device account tells its new device card. */
  cardChanged?(): void;
  /** Hand frames from `from` to the inbox; resolves true once all of them are committed (or seen). */
  deliver(from: string, frames: readonly Uint8Array[]): Promise<boolean>;
  /** These of our messages changed status (now `stored`). */
  changed(keys: readonly MessageKey[]): void;
  /** Where mail we hold for friends is kept (opened on first use). */
  mailStore?: () => MailStore;
  /** The sealed chunks of small attachments among these messages to `peerId` (by message id). */
  inlineFiles?(peerId: string, keys: readonly MessageKey[]): Promise<ReadonlyMap<string, InlineFile>>;
  /** A sealed attachment chunk that came inline from `peerId` through a mailbox. */
  inlineChunk?(peerId: string, fileId: string, index: number, chunk: Uint8Array): void;
}

/** What travels inline with an attachment's manifest (attachments/inline.ts). */
export interface InlineFile {
  readonly fileId: string;
  readonly chunks: readonly Uint8Array[];
}

/** What a drain brought: envelopes opened and delivered, and the frames in them. */
export interface Drained {
  envelopes: number;
  frames: number;
}

/** What the parts of one running Mailboxes share. */
export interface MailboxRuntime {
  readonly ctx: Ctx;
  readonly deps: MailboxesDeps;
  /** Outside start()…stop(): nothing is deposited, and a drain stops after its current page. */
  stopped: boolean;
  /** drain.ts: when each of our mailboxes (by PeerId) was last drained, and how that went. */
  readonly drains: Map<string, { at: number; error: string | null }>;
  /** drain.ts: the drain of all our mailboxes in progress, if any. */
  draining: Promise<Drained> | undefined;
}

/** Our own mailboxes, as stored (sealed) in the account. */
export const ownMailboxes = (ctx: Ctx): OwnMailbox[] =>
  ctx.store.transaction((tx) => loadOwnMailboxes(tx, ctx.account.vault));

/** Sends `req` to mailbox `box` (at the addresses we know for it); resolves with the answer's bytes. */
export const ask = async (
  ctx: Ctx,
  box: Pick<MailboxAddress, 'peerId' | 'addresses'>,
  req: MailRequest,
): Promise<Uint8Array> =>
  ctx.transport.query(box.peerId, encodeMailRequest(req), { addresses: box.addresses });
