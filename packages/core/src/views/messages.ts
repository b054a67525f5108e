/**
 * What the messenger shows: plain JSON-able views of contacts, conversations
 * and messages, for the daemon's API and the UI. Bodies are decrypted here
 * (the store only holds sealed bodies).
 */

import type { Vault } from '../account/index.ts';
import { fromUtf8, utf8 } from '../base/index.ts';
import type {
  AttachmentsTx,
  ConnectionKind,
  ContactRecord,
  MessageKey,
  MessageRecord,
  MessageStatus,
  MessagesTx,
  ReceiptRecord,
} from '../ports/index.ts';
import type { MessageRef } from '../wire/index.ts';

export interface ContactView {
  readonly id: string;
  readonly name: string;
  readonly peerId: string;
  readonly verified: boolean;
  /**
   * `pending` (our introduction not confirmed yet), `active`, or `introduced`: a member of a group
   * we are in, known only through its admin (not one of the user's contacts until they accept an
   * invite from them; docs/GROUPS.md "Members who are not contacts").
   */
  readonly state: 'pending' | 'active' | 'introduced';
  /** The contact's identity key changed and the user has not accepted it yet. */
  readonly identityChanged: boolean;
  /** Sending is refused until the change is accepted (verified contacts only). */
  readonly sendingBlocked: boolean;
  readonly online: boolean;
  /** How the connection to the contact runs now: straight, through a relay, or none. */
  readonly connection: ConnectionKind;
  readonly addresses: readonly string[];
}

export interface ReactionView {
  readonly emoji: string;
  /** 'me' or the reactor's contact name. */
  readonly from: string;
}

export interface MessageView {
  readonly id: string;
  readonly conversationId: string;
  /** The contact's name (1:1 conversations). */
  readonly contact: string;
  readonly direction: 'out' | 'in';
  /** 'me' or the sender's contact name. */
  readonly from: string;
  readonly seq: number;
  /** Display position in the conversation; pass it as `before` to page back through history. */
  readonly sortKey: number;
  readonly text: string;
  readonly replyTo: MessageRef | null;
  readonly sentAt: number;
  readonly receivedAt: number;
  /**
   * Ours: queued → sent → delivered → read (or failed). Theirs: delivered
   * (to us, not yet read) or read (we have seen it).
   */
  readonly status: Exclude<MessageStatus, 'received'>;
  readonly error: string | null;
  readonly edited: boolean;
  readonly deleted: boolean;
  readonly expiresAt: number | null;
  readonly reactions: readonly ReactionView[];
  readonly attachment: AttachmentView | null;
  /** Messages of this sender are missing just before this one (D4: gaps are visible). */
  readonly gapBefore: boolean;
  /**
   * Our own messages in a pairwise group: each other member's delivery/read status. In a large
   * group, only `messages.get` lists them (read or pending, from the members' read marks).
   */
  readonly receipts?: readonly ReceiptView[];
  /** Our own messages in a large (topic) group: read by `count` of the `of` other members (docs/GROUPS.md "Receipts"). */
  readonly readBy?: ReadByView;
  /** A notice in the timeline (Parley's, not a message: NOTICE_SENDER), and what about. */
  readonly notice?: NoticeKind;
}

export interface ReadByView {
  readonly count: number;
  readonly of: number;
}

export interface ReceiptView {
  /** The member's name (contact name, else their own display name). */
  readonly member: string;
  readonly status: 'pending' | 'delivered' | 'read';
  /** When it reached them and when they read it (epoch ms), where known: only in `messages.get`. */
  readonly deliveredAt?: number;
  readonly readAt?: number;
}

/** A receipt row's times as a ReceiptView shows them. */
export const receiptTimes = (r: ReceiptRecord): Pick<ReceiptView, 'deliveredAt' | 'readAt'> => ({
  ...(r.deliveredAt !== null ? { deliveredAt: r.deliveredAt } : {}),
  ...(r.status === 'read' ? { readAt: r.at } : {}),
});

export interface ConversationView {
  readonly id: string;
  readonly contact: ContactView;
  readonly lastMessage: MessageView | null;
  readonly unread: number;
  /** The user marked it unread ("Mark as unread"; this device only) and has not read it since. */
  readonly markedUnread: boolean;
  readonly disappearingMs: number | null;
}

/** What a message shows of its attachment (the key stays in the attachment record). */
export interface StoredAttachment {
  readonly id: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly durationMs?: number;
  /** base64url */
  readonly waveform?: string;
  /** base64url */
  readonly thumbnail?: string;
}

/**
 * The sender of a notice: Parley itself telling the user something about the conversation (a
 * contact's safety number changed, their devices changed). Stored in the conversation's timeline,
 * never sent, never counted as unread, never answered with a read receipt.
 */
export const NOTICE_SENDER = 'notice';
export type NoticeKind = 'safety-number' | 'devices';

/** The sealed, stored form of a visible message body. */
export interface StoredBody {
  readonly text: string;
  readonly replyTo?: MessageRef;
  readonly attachment?: StoredAttachment;
  /** A notice's kind (its text is the sentence shown). */
  readonly notice?: NoticeKind;
}

export interface AttachmentView extends StoredAttachment {
  /** 'sending' while the sender encrypts; then the attachment record's state. */
  readonly status: string;
  /** Bytes stored so far (received, or all for our own). */
  readonly transferred: number;
  readonly error: string | null;
}

export const bodyLabel = (key: MessageKey): string => `msg:${key.conversationId}:${key.sender}:${key.id}`;

/**
 * Recently sealed or opened bodies: a message's view is built several times
 * (queued, sent, delivered, read…), and opening the same ciphertext again
 * would only cost time. Keyed by the body's label and checked against the
 * exact sealed bytes, so an edited body (new ciphertext) is never served
 * stale. Bounded by generations: when the current map holds
 * BODY_CACHE_ENTRIES, it becomes the previous one and the older is dropped
 * (O(1), no scan over deleted Map entries).
 */
export const BODY_CACHE_ENTRIES = 4096;

interface CachedBody {
  /** The sealing's random nonce and its tag: they name one sealed value. */
  readonly mark: Uint8Array;
  readonly body: StoredBody;
}

/** Bytes 1–28 after the version byte (v2: salt ‖ nonce; v1: nonce ‖ 4 ciphertext bytes) ‖ the tag (last 16). */
const markOf = (sealed: Uint8Array): Uint8Array => {
  const mark = new Uint8Array(44);
  mark.set(sealed.subarray(1, 29), 0);
  mark.set(sealed.subarray(sealed.length - 16), 28);
  return mark;
};

class BodyCache {
  #current = new Map<string, CachedBody>();
  #previous = new Map<string, CachedBody>();

  get(label: string, sealed: Uint8Array): StoredBody | undefined {
    const hit = this.#current.get(label) ?? this.#previous.get(label);
    return hit && sameBytes(hit.mark, markOf(sealed)) ? hit.body : undefined;
  }

  set(label: string, sealed: Uint8Array, body: StoredBody): void {
    if (this.#current.size >= BODY_CACHE_ENTRIES) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(label, { mark: markOf(sealed), body });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const bodyCaches = new WeakMap<Vault, BodyCache>();

function cacheOf(vault: Vault): BodyCache {
  let cache = bodyCaches.get(vault);
  if (!cache) {
    cache = new BodyCache();
    bodyCaches.set(vault, cache);
  }
  return cache;
}

export function sealBody(vault: Vault, key: MessageKey, body: StoredBody): Uint8Array {
  const label = bodyLabel(key);
  const sealed = vault.seal(label, utf8(JSON.stringify(body)));
  cacheOf(vault).set(label, sealed, body);
  return sealed;
}

export function openBody(vault: Vault, record: MessageRecord): StoredBody {
  if (record.body.length === 0) return { text: '' };
  const label = bodyLabel(record);
  const cached = cacheOf(vault).get(label, record.body);
  if (cached) return cached;
  const body = JSON.parse(fromUtf8(vault.open(label, record.body))) as StoredBody;
  cacheOf(vault).set(label, record.body, body);
  return body;
}

export function contactView(
  c: ContactRecord,
  online: boolean,
  connection: ConnectionKind = online ? 'direct' : null,
): ContactView {
  const identityChanged = c.pendingIdentityKey !== null;
  return {
    id: c.id,
    name: c.name,
    peerId: c.peerId,
    verified: c.verified,
    state: c.state,
    identityChanged,
    sendingBlocked: identityChanged && c.verified,
    online,
    connection: online ? connection : null,
    addresses: c.addresses,
  };
}

export function messageView(
  tx: MessagesTx & AttachmentsTx,
  vault: Vault,
  contact: ContactRecord,
  m: MessageRecord,
): MessageView {
  const body: StoredBody = m.deletedAt === null ? openBody(vault, m) : { text: '' };
  const reactions = tx.listReactions(m.conversationId, m.sender, m.id).map((r) => ({
    emoji: r.emoji,
    from: r.reactor === 'self' ? 'me' : contact.name,
  }));
  const gapBefore =
    m.sender !== 'self' &&
    m.senderSeq > 1 &&
    !tx.getMessageBySeq(m.conversationId, m.sender, m.senderSeq - 1);
  return {
    attachment: body.attachment ? attachmentView(tx, contact, m, body.attachment) : null,
    id: m.id,
    conversationId: m.conversationId,
    contact: contact.name,
    direction: m.sender === 'self' ? 'out' : 'in',
    from: m.sender === 'self' ? 'me' : m.sender === NOTICE_SENDER ? 'Parley' : contact.name,
    seq: m.senderSeq,
    sortKey: m.sortKey,
    text: body.text,
    replyTo: body.replyTo ?? null,
    sentAt: m.sentAt,
    receivedAt: m.receivedAt,
    status:
      m.sender === NOTICE_SENDER
        ? 'read' // (a notice is never unread)
        : m.status === 'received'
          ? m.sortKey <= (tx.getConversation(m.conversationId)?.readUpTo ?? 0)
            ? 'read'
            : 'delivered'
          : m.status,
    error: m.error,
    edited: m.editedAt !== null,
    deleted: m.deletedAt !== null,
    expiresAt: m.expiresAt,
    reactions,
    gapBefore,
    ...(body.notice ? { notice: body.notice } : {}),
  };
}

function attachmentView(
  tx: AttachmentsTx,
  contact: ContactRecord,
  m: MessageRecord,
  a: StoredAttachment,
): AttachmentView {
  const direction = m.sender === 'self' ? 'out' : 'in';
  // Ours is named by the conversation's peer (a group's: by the group); a received one by its sender.
  const record = tx.getAttachment(direction, direction === 'out' ? contact.peerId : m.sender, a.id);
  if (!record)
    return { ...a, status: direction === 'out' ? 'sending' : 'failed', transferred: 0, error: null };
  const perChunk = record.chunks > 0 ? a.size / record.chunks : 0;
  const transferred =
    record.receivedChunks >= record.chunks ? a.size : Math.round(record.receivedChunks * perChunk);
  return { ...a, status: record.state, transferred, error: record.error };
}
