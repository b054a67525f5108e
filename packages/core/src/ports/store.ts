/**
 * The Store interface: everything core persists, behind one synchronous,
 * transactional API. core defines it; `@parley/store` implements it on SQLite
 * (WAL, synchronous=FULL) and `createMemoryStore()` implements it in memory.
 * Both pass the Store compliance suite (`@parley/core/testing`).
 *
 * Why synchronous: the durability invariants (DESIGN.md §5, D1–D7) need
 * "message + outbox ciphertext + ratchet state" and "received message + new
 * ratchet state" to commit atomically. A synchronous transaction callback
 * cannot interleave with other work, so nothing async can observe or break a
 * half-done transaction.
 *
 * The store is deliberately dumb: it never interprets bytes. Secrets and
 * message bodies arrive already encrypted by core (see account/vault.ts); the store
 * sees opaque `Uint8Array`s. Records returned are copies: mutating them does
 * not change the store.
 */

/**
 * `pending` until the other side confirmed our introduction; `active`: one of the user's contacts;
 * `introduced`: a member of a group we are in whom we know only through its admin's word (their card
 * in a state we accepted; docs/GROUPS.md "Members who are not contacts"): admitted on
 * `/parley/msg` only, marked as such, never added to groups or sent files by us.
 */
export type ContactState = 'pending' | 'active' | 'introduced';

export interface ContactRecord {
  /** Local id, random hex. */
  readonly id: string;
  /** The contact's libp2p PeerId (unique among contacts). */
  readonly peerId: string;
  /** The local display name, unique among contacts ignoring case. */
  readonly name: string;
  /** Their identity public key, as encoded by @parley/crypto. */
  readonly identityKey: Uint8Array;
  /** Their latest verified contact card. */
  readonly card: Uint8Array;
  /** Last known addresses (multiaddr strings). */
  readonly addresses: readonly string[];
  /** The user compared safety numbers and marked this contact verified. */
  readonly verified: boolean;
  /** `pending` until the other side confirmed the introduction; `introduced`: known through a group. */
  readonly state: ContactState;
  /** A new identity key seen for this contact, awaiting the user's acceptance; null if none. */
  readonly pendingIdentityKey: Uint8Array | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** X25519 prekeys ('signed', 'one-time') and ML-KEM-768 prekeys of suite 2 ('kem-signed', 'kem-one-time'); ids are per kind. */
export type PrekeyKind = 'signed' | 'one-time' | 'kem-signed' | 'kem-one-time';

export interface PrekeyRecord {
  readonly kind: PrekeyKind;
  readonly id: number;
  /** The encoded key pair, encrypted at rest by core. */
  readonly secret: Uint8Array;
  readonly createdAt: number;
}

export interface InviteRecord {
  /** SHA-256 of the invite token, lowercase hex: the token itself is never stored. */
  readonly tokenHash: string;
  readonly createdAt: number;
  /** Epoch ms after which the invite is refused; null = never expires. */
  readonly expiresAt: number | null;
  /** Single-use invites are deleted when used; reusable ones count uses. */
  readonly reusable: boolean;
  readonly uses: number;
  /** The one-time prekey id embedded in the invite's card, if any. */
  readonly oneTimePrekeyId: number | null;
}

export type ConversationKind = 'direct' | 'group' | 'channel';

export interface ConversationRecord {
  /** For a direct conversation, the contact id. */
  readonly id: string;
  readonly kind: ConversationKind;
  /** Disappearing-messages timer; null = off. */
  readonly disappearingMs: number | null;
  /** sortKey of the last message the user has seen (for unread counts). */
  readonly readUpTo: number;
  /**
   * The user marked the conversation unread ("Mark as unread"): shown as unread whatever
   * `readUpTo` says, until it is read again. Kept on this device only.
   */
  readonly markedUnread: boolean;
  readonly createdAt: number;
}

/**
 * A conversation's unsent composer text: at most one per conversation (a direct conversation's,
 * a group's or a channel's id), `body` sealed at rest by core like a message body.
 */
export interface DraftRecord {
  readonly conversationId: string;
  readonly body: Uint8Array;
  readonly updatedAt: number;
}

/**
 * Our messages: queued → sent (written to the peer) or stored (held by one of its mailboxes) →
 * delivered (the peer ACKed after storing it) → read; or failed. Theirs: received.
 */
export type MessageStatus = 'queued' | 'sent' | 'stored' | 'delivered' | 'read' | 'failed' | 'received';

/** `sender` is the literal 'self' for our own messages, else the sender's PeerId. */
export interface MessageKey {
  readonly conversationId: string;
  readonly sender: string;
  /** Random 128-bit id, 32 lowercase hex chars, chosen by the sender. */
  readonly id: string;
}

export interface MessageRecord extends MessageKey {
  /** The sender's per-conversation sequence number (1, 2, 3, …). */
  readonly senderSeq: number;
  /** Message kind as core names it ('text', 'reply', …). Not secret: no content. */
  readonly kind: string;
  /** The message body, encrypted at rest by core. */
  readonly body: Uint8Array;
  /** The sender's timestamp (epoch ms). */
  readonly sentAt: number;
  /** When we stored it (epoch ms). */
  readonly receivedAt: number;
  /** Display order within the conversation (ascending). */
  readonly sortKey: number;
  readonly status: MessageStatus;
  /** A readable error for failed/parked messages; null otherwise. */
  readonly error: string | null;
  /** Epoch ms when it disappears; null = never. */
  readonly expiresAt: number | null;
  readonly editedAt: number | null;
  readonly deletedAt: number | null;
}

export type MessagePatch = Partial<
  Pick<MessageRecord, 'body' | 'status' | 'error' | 'expiresAt' | 'editedAt' | 'deletedAt'>
>;

export interface MessageQuery {
  /** Only messages with sortKey < before. */
  readonly before?: number;
  /** Only messages with sortKey > after. */
  readonly after?: number;
  /** At most this many, the newest of the range when `before` is set or no bound is set, else the oldest. Default 50. */
  readonly limit?: number;
}

export interface ReactionRecord {
  readonly conversationId: string;
  /** The message reacted to. */
  readonly targetSender: string;
  readonly targetId: string;
  /** 'self' or the reactor's PeerId. One reaction per reactor per message. */
  readonly reactor: string;
  readonly emoji: string;
  readonly at: number;
}

export type OutboxKind = 'intro' | 'msg';

export interface OutboxRecord {
  /** Assigned by the store, increasing: the send order. */
  readonly seq: number;
  readonly peerId: string;
  readonly kind: OutboxKind;
  /** The exact bytes to (re)send (D6: retries resend these, never re-encrypt). */
  readonly frame: Uint8Array;
  /** Hex digest of the frame that the receiver acknowledges. */
  readonly digest: string;
  /** The message this frame carries, if it is one the user sees (for status updates). */
  readonly message: MessageKey | null;
  readonly createdAt: number;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  /** When the frame was deposited at one of the peer's mailboxes (it stays here until the ACK), or null. */
  readonly depositedAt: number | null;
}

export type NewOutboxRecord = Omit<OutboxRecord, 'seq' | 'depositedAt'>;

/** What taking an entry out of the outbox (its ACK or REJECT came) returns: all but the frame. */
export type TakenOutboxRecord = Pick<OutboxRecord, 'seq' | 'peerId' | 'kind' | 'digest' | 'message'>;

export interface ParkedRecord {
  readonly peerId: string;
  readonly digest: string;
  readonly frame: Uint8Array;
  readonly error: string;
  readonly failures: number;
  readonly parkedAt: number;
}

export type AttachmentDirection = 'out' | 'in';

/**
 * Where an attachment is:
 * - out: `available` (encrypted copy ready to serve to the peer), `cancelled`;
 * - in: `offered` (waiting for the user: large file), `downloading`, `done`, `failed`, `cancelled`.
 */
export type AttachmentState = 'available' | 'offered' | 'downloading' | 'done' | 'failed' | 'cancelled';

export interface AttachmentRecord {
  /** Random 128-bit id chosen by the sender (32 lowercase hex); unique per (direction, peerId). */
  readonly id: string;
  readonly direction: AttachmentDirection;
  /** The other side: who may fetch it (out), whom to fetch it from (in). */
  readonly peerId: string;
  /** The message that carries its manifest. */
  readonly message: MessageKey;
  /** The manifest (name, type, size, hash, file key…), sealed at rest by core. */
  readonly manifest: Uint8Array;
  readonly size: number;
  readonly chunks: number;
  /** Chunks stored so far (all of them for `out`). */
  readonly receivedChunks: number;
  readonly state: AttachmentState;
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A group: its contents (name, members, roles, epoch, our sender key) are sealed by core. */
export interface GroupRecord {
  /** Random 128-bit id, 32 lowercase hex; also the group's conversation id. */
  readonly id: string;
  readonly data: Uint8Array;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * One message of a large group (gossipsub mode, docs/GROUPS.md "Large groups"),
 * kept so members can answer "missing iteration" catch-up queries. `message`
 * is the sender-key message as signed by its sender, sealed at rest by core.
 * Unique per (groupId, sender, keyId, iteration).
 */
export interface GroupLogRecord {
  readonly groupId: string;
  /** The sender's PeerId (ours for our own messages). */
  readonly sender: string;
  /** The sender key's id (u32) and the message's iteration in that chain. */
  readonly keyId: number;
  readonly iteration: number;
  readonly receivedAt: number;
  readonly message: Uint8Array;
}

/** One member's receipt for one of our group messages (per-member delivery/read status). */
/** A channel we own, publish to or follow; `data` is sealed by core (keys, descriptor, state). */
export interface ChannelRecord {
  readonly id: string;
  readonly data: Uint8Array;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * One signed channel post, kept as the bytes that were signed (so it can be
 * verified again and relayed to other followers), sealed at rest by core.
 * Unique per (channelId, publisher, seq).
 */
export interface ChannelPostRecord {
  readonly channelId: string;
  /** The publisher's key id (hex). */
  readonly publisher: string;
  /** The publisher's sequence number, ≥ 1. */
  readonly seq: number;
  /** Display order (the publisher's timestamp, bounded by our clock); ties by publisher, seq. */
  readonly sortKey: number;
  readonly receivedAt: number;
  readonly post: Uint8Array;
}

export interface ReceiptRecord extends MessageKey {
  readonly peerId: string;
  readonly status: 'delivered' | 'read';
  /** When it reached `status` (epoch ms): for `read`, when it was read. */
  readonly at: number;
  /** When it was delivered (epoch ms); null if not known (a row from before schema V12). */
  readonly deliveredAt: number | null;
}

/**
 * How far a member of a large (topic) group has read our messages there: the highest sequence
 * number (`senderSeq`) of ours they reported read. One per (group, member); it only moves forward
 * (docs/GROUPS.md "Receipts").
 */
export interface ReadMarkRecord {
  readonly groupId: string;
  readonly peerId: string;
  /** ≥ 1. */
  readonly seq: number;
  /** When it last moved (epoch ms). */
  readonly at: number;
}

/**
 * The operations available inside a transaction, in named parts (one per feature that owns the
 * records), joined in StoreTx below.
 */

/** Account-level key/value and prekeys: account/. */
export interface AccountTx {
  // Account-level key/value (identity, settings, counters).
  getMeta(key: string): Uint8Array | undefined;
  setMeta(key: string, value: Uint8Array): void;
  deleteMeta(key: string): void;

  // Prekeys.
  putPrekey(prekey: PrekeyRecord): void;
  getPrekey(kind: PrekeyKind, id: number): PrekeyRecord | undefined;
  deletePrekey(kind: PrekeyKind, id: number): void;
  /** Ids and creation times, ascending by id. */
  listPrekeys(kind: PrekeyKind): Array<{ readonly id: number; readonly createdAt: number }>;
}

/** Contacts and the invites that make them: contacts/. */
export interface ContactsTx {
  // Contacts. putContact inserts or replaces by id; throws StoreConflictError
  // if another contact already has the same peerId or (case-insensitive) name.
  putContact(contact: ContactRecord): void;
  getContact(id: string): ContactRecord | undefined;
  getContactByPeerId(peerId: string): ContactRecord | undefined;
  getContactByName(name: string): ContactRecord | undefined;
  listContacts(): ContactRecord[];
  /**
   * Deletes the contact and its sessions (keys `id` and `id@peerId` for each listed device, each
   * with the session it replaced, `…#previous`); messages and conversation stay unless deleted
   * separately.
   */
  deleteContact(id: string): void;

  // Invites.
  putInvite(invite: InviteRecord): void;
  getInvite(tokenHash: string): InviteRecord | undefined;
  deleteInvite(tokenHash: string): void;
  listInvites(): InviteRecord[];
}

/** Ratchet sessions, one per contact: sessions/. */
export interface SessionsTx {
  // Ratchet sessions, one per contact, encrypted at rest by core.
  getSession(contactId: string): Uint8Array | undefined;
  putSession(contactId: string, state: Uint8Array): void;
  deleteSession(contactId: string): void;
}

/**
 * One device of an account we follow (a contact's, or one of our own: owner 'self'), as its latest
 * verified device list names it (devices/, docs/MULTI-DEVICE.md).
 */
export interface DeviceRecord {
  /** `self`, or the id of the contact whose device it is. */
  readonly owner: string;
  readonly peerId: string;
  /** The device's identity key as the list names it (encodeIdentityPublic: 64 bytes). */
  readonly identityKey: Uint8Array;
  /** The device's own contact card (its prekeys, signed by its device key), once we have it. */
  readonly card: Uint8Array | null;
}

/** The device lists of accounts we follow, and their devices: devices/. */
export interface DevicesTx {
  /**
   * The latest device list accepted for `owner` (its bytes, as signed), if any. Empty bytes: a
   * provisional list, the one device a linked device's invite or introduction came from, until the
   * account's own list arrives (contacts/device-invites.ts); stores keep it like any other.
   */
  getDeviceList(owner: string): Uint8Array | undefined;
  /**
   * Stores `list` as `owner`'s latest and makes `devices` its devices (those of the previous list
   * that are not named again are removed). Throws StoreConflictError('peerId') if a device's
   * PeerId belongs to another owner.
   */
  putDeviceList(owner: string, list: Uint8Array, devices: readonly DeviceRecord[]): void;
  /** Forgets `owner`'s list and devices (a contact deleted). */
  deleteDeviceList(owner: string): void;
  getDevice(peerId: string): DeviceRecord | undefined;
  /** `owner`'s devices, in the order they were put. */
  listDevices(owner: string): DeviceRecord[];
  /** Stores a device's newer card; false if the device is not known. */
  setDeviceCard(peerId: string, card: Uint8Array): boolean;
}

/** Conversations, messages and reactions: messaging/, inbound/. */
export interface MessagesTx {
  // Conversations.
  putConversation(conversation: ConversationRecord): void;
  getConversation(id: string): ConversationRecord | undefined;
  listConversations(): ConversationRecord[];
  /** Deletes the conversation with its messages, reactions and draft. */
  deleteConversation(id: string): void;

  // Messages. insertMessage returns 'duplicate' (and changes nothing) if the
  // key (conversationId, sender, id) exists: this is what makes D2 hold.
  insertMessage(message: MessageRecord): 'inserted' | 'duplicate';
  getMessage(key: MessageKey): MessageRecord | undefined;
  /** Applies the patch; returns false if there is no such message. */
  updateMessage(key: MessageKey, patch: MessagePatch): boolean;
  /** Applies the patch only if the message's status is one of `from`; returns whether it did. */
  updateMessageIf(key: MessageKey, from: readonly MessageStatus[], patch: MessagePatch): boolean;
  /** Ascending by sortKey (see MessageQuery for which end `limit` keeps). */
  listMessages(conversationId: string, query?: MessageQuery): MessageRecord[];
  /** The message of `sender` with that sequence number, if stored. */
  getMessageBySeq(conversationId: string, sender: string, senderSeq: number): MessageRecord | undefined;
  /**
   * The stored message of `sender` with the lowest sequence number above `senderSeq`, however far
   * (of several with that number, the first by sortKey): a late message's successor (D4).
   */
  getNextMessageBySeq(conversationId: string, sender: string, senderSeq: number): MessageRecord | undefined;
  /** Likewise the one with the highest sequence number below `senderSeq` (the last by sortKey). */
  getPreviousMessageBySeq(
    conversationId: string,
    sender: string,
    senderSeq: number,
  ): MessageRecord | undefined;
  /** Highest sortKey in the conversation, or 0 if empty. */
  maxSortKey(conversationId: string): number;
  /** Highest senderSeq of `sender` in the conversation, or 0. */
  maxSenderSeq(conversationId: string, sender: string): number;
  /** Number of messages not from 'self' (nor notices, sender 'notice') with sortKey > after: the unread count. */
  countMessagesAfter(conversationId: string, after: number): number;
  /** Keys of messages with expiresAt <= now (at most `limit`). */
  listExpired(now: number, limit: number): MessageKey[];
  deleteMessage(key: MessageKey): void;
  /**
   * Puts the message in the full-text index (SearchTx), or replaces its tokens if it is there
   * (keeping its place). `tokens`: what core's `indexText` makes of its plaintext; `at` (epoch ms)
   * orders it among results. Does nothing for a message that is not stored or was deleted for
   * everyone. Every way a message is removed (deleteMessage, deleteConversation, updateMessage
   * with `deletedAt`) takes it out of the index in the same operation.
   */
  indexMessage(key: MessageKey, tokens: string, at: number): void;

  // Reactions (one per reactor per message; putReaction replaces).
  /** Stores nothing if the message is not there: a message inserted later starts with no reactions. */
  putReaction(reaction: ReactionRecord): void;
  deleteReaction(conversationId: string, targetSender: string, targetId: string, reactor: string): void;
  listReactions(conversationId: string, targetSender: string, targetId: string): ReactionRecord[];
}

/** The outbox: messaging/ (DESIGN.md §5.3 D1, D6). */
export interface OutboxTx {
  // Outbox (D1, D6).
  enqueueOutbox(record: NewOutboxRecord): number;
  /** Ascending by seq; all peers when peerId is undefined; only seq > afterSeq when given. */
  listOutbox(peerId?: string, afterSeq?: number): OutboxRecord[];
  getOutboxByDigest(peerId: string, digest: string): OutboxRecord | undefined;
  /** Removes the entry getOutboxByDigest would return (the oldest such) and returns it without its frame. */
  takeOutboxByDigest(peerId: string, digest: string): TakenOutboxRecord | undefined;
  /** Removes the entry `seq` if it is `peerId`'s with that digest, and returns it without its frame; else changes nothing. */
  takeOutbox(seq: number, peerId: string, digest: string): TakenOutboxRecord | undefined;
  updateOutbox(seq: number, patch: Pick<OutboxRecord, 'attempts' | 'nextAttemptAt' | 'lastError'>): void;
  deleteOutbox(seq: number): void;
  /** These entries were deposited at a mailbox at `at` (entries gone meanwhile are skipped). */
  markOutboxDeposited(seqs: readonly number[], at: number): void;
  countOutbox(peerId?: string): number;
}

/** Attachment records: attachments/. */
export interface AttachmentsTx {
  // Attachments (the encrypted bytes live outside the store, in core's BlobStore).
  /** Inserts or replaces by (direction, peerId, id). */
  putAttachment(record: AttachmentRecord): void;
  getAttachment(direction: AttachmentDirection, peerId: string, id: string): AttachmentRecord | undefined;
  /**
   * The attachments with this id exchanged with `peerId` (sent and received; normally one), by
   * createdAt. Never across peers: a contact can put any id in its manifests, so an id means
   * something only within the conversation it came in.
   */
  findAttachments(peerId: string, id: string): AttachmentRecord[];
  /** All attachments, or those in `state`, by createdAt. */
  listAttachments(state?: AttachmentState): AttachmentRecord[];
  deleteAttachment(direction: AttachmentDirection, peerId: string, id: string): void;
}

/** Groups, sender keys, the catch-up log and receipts: groups/. */
export interface GroupsTx {
  // Groups and their members' sender keys (sealed by core).
  putGroup(group: GroupRecord): void;
  getGroup(id: string): GroupRecord | undefined;
  /** By createdAt, then id. */
  listGroups(): GroupRecord[];
  /** Deletes the group, every sender key stored for it and its draft. */
  deleteGroup(id: string): void;
  putSenderKey(groupId: string, peerId: string, state: Uint8Array): void;
  getSenderKey(groupId: string, peerId: string): Uint8Array | undefined;
  deleteSenderKey(groupId: string, peerId: string): void;

  // Recent messages of large groups, for catch-up (deleteGroup deletes them too).
  /** 'duplicate' (and nothing changes) if (groupId, sender, keyId, iteration) exists. */
  putGroupLog(entry: GroupLogRecord): 'inserted' | 'duplicate';
  /** Entries of any sender with this key id and iteration >= fromIteration, ascending, at most `limit`. */
  listGroupLog(groupId: string, keyId: number, fromIteration: number, limit: number): GroupLogRecord[];
  /** Keeps the `keep` newest entries of one sender (by receivedAt, then iteration); returns how many went. */
  pruneGroupLog(groupId: string, sender: string, keep: number): number;
  /** Deletes one sender's entries, or the whole group's when `sender` is omitted. */
  deleteGroupLog(groupId: string, sender?: string): void;

  // Per-recipient receipts of our messages (a group's members; a contact). putReceipt replaces per (message, peerId).
  putReceipt(receipt: ReceiptRecord): void;
  /** By peerId. */
  listReceipts(key: MessageKey): ReceiptRecord[];

  // Large groups' read marks, one per (group, member) (deleteGroup deletes them too).
  /**
   * Stores `mark` if the member has none yet or a lower seq (then `at` too); returns whether it
   * did. A mark never moves back.
   */
  advanceReadMark(mark: ReadMarkRecord): boolean;
  /** The group's marks, by peerId. */
  listReadMarks(groupId: string): ReadMarkRecord[];
  /** Deletes one member's mark, or every mark of the group when `peerId` is omitted. */
  deleteReadMarks(groupId: string, peerId?: string): void;
}

/** Channels and their posts: channels/. */
export interface ChannelsTx {
  // Channels and their posts (sealed by core). deleteChannel deletes its posts and draft too.
  putChannel(channel: ChannelRecord): void;
  getChannel(id: string): ChannelRecord | undefined;
  listChannels(): ChannelRecord[];
  deleteChannel(id: string): void;
  /** 'duplicate' (and nothing changes) if (channelId, publisher, seq) exists. */
  putPost(post: ChannelPostRecord): 'inserted' | 'duplicate';
  getPost(channelId: string, publisher: string, seq: number): ChannelPostRecord | undefined;
  /** By (sortKey, publisher, seq), ascending; `before`/`after` on sortKey with MessageQuery's semantics. */
  listPosts(channelId: string, query?: MessageQuery): ChannelPostRecord[];
  /** One publisher's posts with seq > afterSeq, ascending by seq, at most `limit`. */
  listPostsAfter(channelId: string, publisher: string, afterSeq: number, limit: number): ChannelPostRecord[];
  /** The highest seq stored for this publisher, 0 if none. */
  maxPostSeq(channelId: string, publisher: string): number;
  countPosts(channelId: string): number;
  /** Like indexMessage, for a stored post; deleteChannel takes its posts out of the index. */
  indexPost(channelId: string, publisher: string, seq: number, tokens: string, at: number): void;
}

/**
 * Composer drafts, one per conversation: messaging/drafts.ts. Deleting the conversation (or the
 * group, or the channel) deletes its draft in the same operation.
 */
export interface DraftsTx {
  /** Inserts or replaces the draft of `draft.conversationId`. */
  putDraft(draft: DraftRecord): void;
  getDraft(conversationId: string): DraftRecord | undefined;
  /** By updatedAt, then conversationId. */
  listDrafts(): DraftRecord[];
  deleteDraft(conversationId: string): void;
}

/** Inbox bookkeeping: inbound/ (D2, D5, D7). */
export interface InboxTx {
  // Inbox bookkeeping (D2, D5, D7).
  /** Whether a frame with this digest from this peer was already processed. */
  hasReceived(peerId: string, digest: string): boolean;
  markReceived(peerId: string, digest: string, at: number): void;
  /** Forget received digests older than `before` (bounded table). Returns how many. */
  pruneReceived(before: number): number;
  /** Count one more processing failure of a frame; returns the new count. */
  recordFailure(peerId: string, digest: string, at: number): number;
  clearFailure(peerId: string, digest: string): void;
  park(record: ParkedRecord): void;
  listParked(): ParkedRecord[];
  deleteParked(peerId: string, digest: string): void;
}

/**
 * A search term (core's search/query.ts makes them): one normalized token, or a phrase of
 * CJK/emoji unigrams. `prefix`: the last token matches any token that starts with it.
 */
export interface SearchTerm {
  readonly tokens: readonly string[];
  readonly prefix: boolean;
}

/** Every term must occur in the document (AND). */
export interface SearchQuery {
  readonly terms: readonly SearchTerm[];
}

/** What a search found: a message or a channel post, by its document number (the order). */
export type SearchDocRef =
  | { readonly doc: number; readonly kind: 'message'; readonly key: MessageKey }
  | {
      readonly doc: number;
      readonly kind: 'post';
      readonly channelId: string;
      readonly publisher: string;
      readonly seq: number;
    };

export interface SearchFind {
  readonly match: SearchQuery;
  /** Only documents of this conversation or channel id. */
  readonly scope?: string;
  /** Only documents with doc < before (paging). */
  readonly before?: number;
  readonly limit: number;
}

/**
 * Searching the full-text index of messages and channel posts (docs/DESIGN.md §5.6): the
 * messenger's search. Documents go in with the records they index (MessagesTx.indexMessage,
 * ChannelsTx.indexPost) — tokens of the normalized plaintext (core's `indexText`), never the text
 * as written — and out with them: nothing of a removed one stays readable in the store's files.
 * A document's number orders results: the store derives it from `at` (epoch ms; unique, about
 * at × 1024), so results come newest first whatever order they were indexed in.
 */
export interface SearchTx {
  /**
   * Documents matching the query, highest number (newest) first, at most `limit`; every document
   * indexed so far is found (a store that writes its index in batches flushes it first).
   */
  findMessages(find: SearchFind): SearchDocRef[];
  /**
   * A store may keep new documents aside and write them into its index in batches (the SQLite
   * store does: its FTS5 index costs far less per document in batches); this writes up to
   * `limit` of them and says how many it wrote (0: nothing waits). The messenger calls it
   * in the background.
   */
  flushSearchIndex(limit: number): number;
}

/**
 * The operations available inside a transaction: the named parts above, defined once here. Both stores
 * implement every part; code that needs only some can ask for those (e.g. `OutboxTx`).
 */
export interface StoreTx
  extends AccountTx,
    ContactsTx,
    SessionsTx,
    DevicesTx,
    MessagesTx,
    OutboxTx,
    AttachmentsTx,
    GroupsTx,
    ChannelsTx,
    DraftsTx,
    InboxTx,
    SearchTx {}

export interface TransactionOptions {
  /**
   * `false`: the commit survives a crash of the process but need not survive
   * a power loss (no fsync of its own; the next durable commit covers it).
   * Only for writes whose loss is harmless because the peer repeats them:
   * bookkeeping of ACKs (a lost one means a resend, which is deduplicated
   * and ACKed again, D5). Ignored by an outer transaction's nested calls.
   * Default `true`.
   */
  readonly durable?: boolean;
}

export interface Store {
  /**
   * Runs `fn` in one ACID transaction and returns its result. If `fn` throws,
   * everything it did is rolled back and the error propagates. A call made
   * from inside `fn` joins the outer transaction. `fn` must be synchronous.
   */
  transaction<T>(fn: (tx: StoreTx) => T, options?: TransactionOptions): T;
  /** Flushes and closes; later calls throw StoreClosedError. */
  close(): void;
}

/** putContact would make two contacts share a PeerId or a name. */
export class StoreConflictError extends Error {
  readonly code = 'store-conflict' as const;
  readonly field: 'peerId' | 'name';
  constructor(field: 'peerId' | 'name', message: string) {
    super(message);
    this.name = 'StoreConflictError';
    this.field = field;
  }
}

/** The store was used after close(). */
export class StoreClosedError extends Error {
  readonly code = 'store-closed' as const;
  constructor() {
    super('the store is closed');
    this.name = 'StoreClosedError';
  }
}
