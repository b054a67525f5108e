/**
 * What every incoming message shares, whoever handles it (1:1, groups, channels, attachments):
 * the effects it leaves for after commit, and its place in the conversation (D4).
 */
import type { Ctx } from '../context/index.ts';
import type { AttachmentRecord, ContactRecord, MessageKey, MessagesTx } from '../ports/index.ts';
import { type GroupView, type StoredBody, sealBody } from '../views/index.ts';
import { indexBody } from './searchable.ts';

export interface Effects {
  readonly messages: MessageKey[];
  /** Incoming attachments to start downloading after commit. */
  readonly downloads: AttachmentRecord[];
  /** Whom to fetch them from, if not their records' peer (our own device that sent a sync copy). */
  downloadsFrom?: string;
  typing?: boolean;
  contactChanged?: boolean;
  /** The contact changed in a way our other devices must learn too (sync op `contact`). */
  contactSync?: boolean;
  timerChanged?: boolean;
  /** Group changes, keys and problems (groups/apply.ts), handled after commit. */
  group?: GroupEffects;
  /** Channels whose state an incoming control saved (channels/apply.ts), handled after commit. */
  channel?: ChannelEffects;
  /** A device list changed (ours or a contact's): admission and fan-out follow it (devices/). */
  devices?: boolean | { readonly added: readonly string[]; readonly removed: readonly string[] };
  /** A friend's mailbox offer arrived, or one we use was withdrawn (mailbox/offers.ts). */
  mailbox?: MailboxEffects;
  /**
   * A contact's new card offers ML-KEM while the session its message came in is classical: we
   * answer with our card, so that whichever of us goes first (the lower PeerId) has the other's
   * hybrid card and moves the session to suite 2 (docs/PROTOCOL.md §3 "Migration").
   */
  hybridCard?: boolean;
  /** Our other device paired with a mailbox node (`link`) or stopped using one (null): follow it. */
  ownMailbox?: { readonly peer: string; readonly link: string | null };
}

/** What a mailbox offer or withdrawal changed, handled after commit. */
export interface MailboxEffects {
  /** Our mailboxes changed: contacts must get our new card. */
  announce: boolean;
  /** Contacts whose offer arrived (shown to the user). */
  readonly offers: string[];
}

/** What a group message or control changed, for events and follow-up sends after commit. */
export interface GroupEffects {
  /** Group id → what happened to it (`invited`: a pending invitation arrived or changed). */
  readonly changed: Map<string, 'added' | 'invited' | 'changed' | 'removed'>;
  /** Groups whose keys/states may need sending (syncGroup after commit). */
  readonly sync: Set<string>;
  /** Contacts the group introduced (admit them, connect to them). */
  readonly contacts: ContactRecord[];
  /** Refused controls, shown to the user as `problem` events. */
  readonly problems: Array<{ readonly code: string; readonly message: string }>;
  /** Members who started or stopped typing (ephemeral: events only). */
  readonly typing: Array<{ readonly group: string; readonly member: string; readonly active: boolean }>;
  /**
   * Admins whose split state we just applied: the parts that waited were not ACKed; a HELLO makes
   * them resend those at once (now repeats, ACKed) instead of after the ACK timeout.
   */
  readonly resend: Set<string>;
  /** Pending invitations withdrawn or dropped (their record is gone): told as `removed`. */
  readonly gone: GroupView[];
}

/** The group part of `effects`, made on first use. */
export const groupEffects = (effects: Effects): GroupEffects => {
  effects.group ??= {
    changed: new Map(),
    sync: new Set(),
    contacts: [],
    problems: [],
    typing: [],
    resend: new Set(),
    gone: [],
  };
  return effects.group;
};

/**
 * What incoming channel controls changed inside the receiving transaction (channels/apply.ts),
 * acted on only after it commits: the messenger hands the effects to Channels.applied, as it does
 * to Groups.applied. A rolled-back transaction so tells nothing.
 */
export interface ChannelEffects {
  /** Ids of the channels whose state was saved (activate, emit `channel`, sync after commit). */
  readonly changed: Set<string>;
  /** Of those, the ones a contact's control changed: told to our other devices after commit. */
  readonly share: Set<string>;
}

/** The channel part of `effects`, made on first use. */
export const channelEffects = (effects: Effects): ChannelEffects => {
  effects.channel ??= { changed: new Set(), share: new Set() };
  return effects.channel;
};

/**
 * Most display slots one message sets aside for its sender's missing messages (see sortKeyFor).
 * `seq` is a u32: without a bound one message could push the conversation's sort keys up by 2^32,
 * and a few such jumps past 2^53, where numbers stop being exact.
 */
export const MAX_RESERVED_SLOTS = 65_536;

/**
 * D4: the display position of an incoming message, from its sender's sequence number alone, so
 * the order is the same whatever order messages arrive and commit in (a resend overtaken by its
 * successors, frames of two connections interleaved, catch-up from a group log).
 *
 * A message newer than any of its sender's goes last, one slot further per message still missing
 * before it: `seq` after `highest` gets maxSortKey + (seq − highest), and the free slots below it
 * belong to highest+1 … seq−1. A late message takes its slot, counted back from the nearest stored
 * successor `n`: n.sortKey − (n.senderSeq − seq). Slots are whole numbers, one per sequence
 * number, so no run of late messages, however long and in whatever order, can collide with its
 * successor (halving the gap between neighbours ran out of precision after ~45 late messages, and
 * a neighbour more than 64 numbers away was not looked for at all: the message went last).
 */
export function sortKeyFor(tx: MessagesTx, conversationId: string, sender: string, seq: number): number {
  const highest = tx.maxSenderSeq(conversationId, sender);
  const end = tx.maxSortKey(conversationId);
  if (highest < seq) return end + Math.min(seq - highest, MAX_RESERVED_SLOTS);
  const next = tx.getNextMessageBySeq(conversationId, sender, seq);
  if (!next) return end + 1; // `seq` was seen already (a sender reusing it): last
  const slot = next.sortKey - (next.senderSeq - seq);
  const prev = tx.getPreviousMessageBySeq(conversationId, sender, seq);
  // D4: strictly between the sender's previous and next message, whatever else is stored.
  if (!prev || prev.sortKey < slot) return slot;
  // No slot was set aside (rows stored before slots existed, or a jump over MAX_RESERVED_SLOTS).
  return (prev.sortKey + next.sortKey) / 2;
}

/** Stores a received visible message (text or attachment) in its place (D4); 'duplicate' if seen (D2). */
export function insertIncoming(
  ctx: Ctx,
  tx: MessagesTx,
  m: {
    key: MessageKey;
    seq: number;
    kind: string;
    stored: StoredBody;
    sentAt: number;
    ttl: number | null;
    /** `sent`: ours, from our other device (a group message: groups/inbox.ts). */
    status?: 'received' | 'sent';
  },
): 'inserted' | 'duplicate' {
  const now = ctx.now();
  const inserted = tx.insertMessage({
    ...m.key,
    senderSeq: m.seq,
    kind: m.kind,
    body: sealBody(ctx.account.vault, m.key, m.stored),
    sentAt: m.sentAt,
    receivedAt: now,
    sortKey: sortKeyFor(tx, m.key.conversationId, m.key.sender, m.seq),
    status: m.status ?? 'received',
    error: null,
    expiresAt: m.ttl === null ? null : now + m.ttl,
    editedAt: null,
    deletedAt: null,
  });
  if (inserted === 'inserted') indexBody(tx, m.key, m.stored, now);
  return inserted;
}
