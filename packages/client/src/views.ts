/**
 * The results of the local API (docs/API.md): core's views as they travel in JSON. The daemon
 * does not check its results against these at run time; a type test in apps/cli
 * (api-schema-types.test.ts) fails to compile when core's views and these part ways.
 */
import * as v from 'valibot';

/** A readonly array, as core hands out. */
const list = <S extends v.GenericSchema>(item: S) => v.pipe(v.array(item), v.readonly());
const described = <S extends v.GenericSchema>(schema: S, title: string, text: string) =>
  v.pipe(schema, v.readonly(), v.title(title), v.description(text));

/** Which message a reply or reaction points at (`mine`: we sent it). */
export const messageRef = v.pipe(v.object({ id: v.string(), mine: v.boolean() }), v.readonly());

export const contactView = described(
  v.object({
    id: v.string(),
    name: v.string(),
    peerId: v.string(),
    verified: v.boolean(),
    /** `introduced`: a member of one of our groups we know only through its admin. */
    state: v.picklist(['pending', 'active', 'introduced']),
    identityChanged: v.boolean(),
    sendingBlocked: v.boolean(),
    online: v.boolean(),
    /** How the connection runs now: straight, through a relay (files wait), or none. */
    connection: v.nullable(v.picklist(['direct', 'relayed'])),
    addresses: list(v.string()),
  }),
  'ContactView',
  'A contact.',
);

export const attachmentStatus = v.picklist([
  'sending',
  'available',
  'offered',
  'downloading',
  'done',
  'failed',
  'cancelled',
]);

export const attachmentView = described(
  v.object({
    id: v.string(),
    name: v.string(),
    mime: v.string(),
    size: v.number(),
    durationMs: v.optional(v.number()),
    /** base64url bytes, 0..255 each. */
    waveform: v.optional(v.string()),
    /** base64url JPEG (or another image). */
    thumbnail: v.optional(v.string()),
    /** Core types it as a string: `sending` while the sender encrypts, then the record's state. */
    status: v.string(),
    transferred: v.number(),
    error: v.nullable(v.string()),
  }),
  'AttachmentView',
  "A message's photo, video, file or voice note.",
);

/** A reaction: `from` is who reacted (a name, or "me"). */
export const reactionView = v.pipe(v.object({ emoji: v.string(), from: v.string() }), v.readonly());

export const receiptView = v.pipe(
  v.object({
    member: v.string(),
    status: v.picklist(['pending', 'delivered', 'read']),
    deliveredAt: v.optional(v.number()),
    readAt: v.optional(v.number()),
  }),
  v.readonly(),
);

/** Our message in a large group: read by `count` of the `of` other current members. */
export const readByView = v.pipe(v.object({ count: v.number(), of: v.number() }), v.readonly());

export const messageView = described(
  v.object({
    id: v.string(),
    conversationId: v.string(),
    contact: v.string(),
    direction: v.picklist(['out', 'in']),
    from: v.string(),
    seq: v.number(),
    /** The paging cursor (`before` of messages.list and channels.posts). */
    sortKey: v.number(),
    text: v.string(),
    replyTo: v.nullable(messageRef),
    sentAt: v.number(),
    receivedAt: v.number(),
    /** Ours: queued → sent → delivered → read (or failed). Theirs: delivered (unread) or read. */
    status: v.picklist(['queued', 'sent', 'stored', 'delivered', 'read', 'failed']),
    error: v.nullable(v.string()),
    edited: v.boolean(),
    deleted: v.boolean(),
    expiresAt: v.nullable(v.number()),
    reactions: list(reactionView),
    attachment: v.nullable(attachmentView),
    gapBefore: v.boolean(),
    /**
     * Our own messages in a pairwise group: each other member's delivery state. In a large group
     * only messages.get lists them (read or pending).
     */
    receipts: v.optional(list(receiptView)),
    /** Our own messages in a large group: how many of the other members read it (docs/GROUPS.md). */
    readBy: v.optional(readByView),
    /**
     * Parley's own line in the timeline, not a message (`from` is "Parley"): a contact's safety
     * number changed, or their devices did. Never unread; not to be answered or reacted to.
     */
    notice: v.optional(v.picklist(['safety-number', 'devices'])),
  }),
  'MessageView',
  'A message, or a channel post.',
);

/** A UTF-16 [start, end) range of a snippet. */
const highlight = v.pipe(v.tuple([v.number(), v.number()]), v.readonly());

export const searchHit = described(
  v.object({
    kind: v.picklist(['direct', 'group', 'channel']),
    conversationId: v.string(),
    /** The contact's, group's or channel's name. */
    conversation: v.string(),
    /** The message exactly as messages.list (or channels.posts) shows it. */
    message: messageView,
    /** ≤ 160 characters of its text (and file name) around the first match, '…' where cut. */
    snippet: v.string(),
    /** The matched ranges of `snippet`, sorted, UTF-16 [start, end). */
    highlights: list(highlight),
  }),
  'SearchHit',
  'A message or channel post a search found, with a snippet and the matched ranges.',
);

export const conversationView = described(
  v.object({
    id: v.string(),
    contact: contactView,
    lastMessage: v.nullable(messageView),
    unread: v.number(),
    /** The user marked it unread (conversations.markUnread) and has not read it since. */
    markedUnread: v.boolean(),
    disappearingMs: v.nullable(v.number()),
  }),
  'ConversationView',
  'A 1:1 conversation in the chat list.',
);

export const groupMemberView = v.pipe(
  v.object({
    name: v.string(),
    peerId: v.string(),
    role: v.picklist(['admin', 'member']),
    me: v.boolean(),
    online: v.boolean(),
    keyReceived: v.boolean(),
    keySent: v.boolean(),
  }),
  v.readonly(),
);

export const groupView = described(
  v.object({
    id: v.string(),
    name: v.string(),
    epoch: v.number(),
    /** `invited`: a pending invitation, answered with groups.accept or groups.decline. */
    status: v.picklist(['active', 'invited', 'left', 'removed']),
    /** `invited` only: who added us. */
    invitedBy: v.nullable(v.string()),
    admin: v.boolean(),
    members: list(groupMemberView),
    /** Fetch the bytes with groups.picture; `id` changes with the picture. */
    picture: v.nullable(
      v.pipe(v.object({ type: v.string(), bytes: v.number(), id: v.string() }), v.readonly()),
    ),
    /** Peers our own latest change is still to be queued for (sent in batches); 0 once all are. */
    pending: v.number(),
    /** The user marked it unread (conversations.markUnread) and has not read it since. */
    markedUnread: v.boolean(),
  }),
  'GroupView',
  'A group.',
);

export const draftView = described(
  v.object({
    kind: v.picklist(['direct', 'group', 'channel']),
    /** The contact's, group's or channel's id: what the draft is kept by. */
    conversationId: v.string(),
    /** Its name now. */
    conversation: v.string(),
    text: v.string(),
    updatedAt: v.number(),
  }),
  'DraftView',
  "A conversation's unsent text.",
);

export const channelView = described(
  v.object({
    id: v.string(),
    name: v.string(),
    role: v.picklist(['owner', 'publisher', 'follower']),
    private: v.boolean(),
    status: v.picklist(['owner', 'following', 'requested', 'approved', 'removed']),
    posts: v.number(),
    followers: list(v.string()),
    requests: list(v.string()),
    /** Owner: the appointed publishers (contact names). */
    publishers: list(v.string()),
    createdAt: v.number(),
  }),
  'ChannelView',
  'A channel.',
);

export const mailboxView = described(
  v.object({
    id: v.string(),
    kind: v.picklist(['node', 'friend']),
    contact: v.nullable(v.string()),
    addresses: list(v.string()),
    addedAt: v.number(),
    quota: v.nullable(
      v.pipe(v.object({ maxBytes: v.number(), maxItems: v.number(), expiryMs: v.number() }), v.readonly()),
    ),
    online: v.boolean(),
    lastDrainAt: v.nullable(v.number()),
    lastError: v.nullable(v.string()),
  }),
  'MailboxView',
  'A mailbox that holds our mail while we are away (docs/PROTOCOL.md "Mailboxes").',
);

export const deviceView = described(
  v.object({
    id: v.string(),
    name: v.string(),
    peerId: v.string(),
    current: v.boolean(),
    addedAt: v.number(),
    lastSeen: v.nullable(v.number()),
  }),
  'DeviceView',
  'One device of this account (docs/MULTI-DEVICE.md); `id` is what `devices.remove` takes.',
);

export const attachmentProgress = described(
  v.object({
    id: v.string(),
    direction: v.picklist(['out', 'in']),
    contact: v.string(),
    state: v.picklist(['encrypting', 'available', 'offered', 'downloading', 'done', 'failed', 'cancelled']),
    transferred: v.number(),
    size: v.number(),
    error: v.nullable(v.string()),
  }),
  'AttachmentProgress',
  "An attachment's transfer state (also the `attachment` event).",
);

export const settings = v.pipe(v.object({ readReceipts: v.boolean() }), v.readonly());

export const daemonState = v.picklist(['no-account', 'locked', 'ready']);

/** How others can reach this device (net's Reachability). */
export const reachability = v.pipe(
  v.object({
    public: v.nullable(v.boolean()),
    nat: v.picklist(['none', 'cone', 'symmetric', 'unknown']),
    upnp: v.boolean(),
    relays: list(v.string()),
    addresses: list(v.string()),
  }),
  v.readonly(),
);

export const status = v.pipe(
  v.object({
    peerId: v.string(),
    name: v.string(),
    addresses: list(v.string()),
    contacts: v.number(),
    online: v.number(),
    outbox: v.number(),
    parked: v.number(),
    version: v.string(),
    pid: v.number(),
    startedAt: v.number(),
    reachability: v.optional(reachability),
  }),
  v.readonly(),
);

export const identity = v.pipe(
  v.object({ peerId: v.string(), name: v.string(), fingerprint: v.string(), addresses: list(v.string()) }),
  v.readonly(),
);

export const profile = v.pipe(
  v.object({
    peerId: v.string(),
    name: v.string(),
    fingerprint: v.string(),
    protection: v.picklist(['passphrase', 'keyfile']),
  }),
  v.readonly(),
);

export const safetyNumber = v.pipe(
  v.object({
    digits: v.string(),
    groups: list(v.string()),
    /** base64url of the QR payload. */
    qr: v.string(),
  }),
  v.readonly(),
);

export const invite = v.pipe(
  v.object({ link: v.string(), reusable: v.boolean(), expiresAt: v.number() }),
  v.readonly(),
);

/** The views by name, as TypeScript types (what the desktop app and bots program against). */
export type ContactView = v.InferOutput<typeof contactView>;
export type MessageView = v.InferOutput<typeof messageView>;
export type MessageRef = v.InferOutput<typeof messageRef>;
export type AttachmentView = v.InferOutput<typeof attachmentView>;
export type AttachmentStatus = v.InferOutput<typeof attachmentStatus>;
export type ReceiptView = v.InferOutput<typeof receiptView>;
export type ReadByView = v.InferOutput<typeof readByView>;
export type ReactionView = v.InferOutput<typeof reactionView>;
export type ConversationView = v.InferOutput<typeof conversationView>;
export type SearchHit = v.InferOutput<typeof searchHit>;
export type GroupMemberView = v.InferOutput<typeof groupMemberView>;
export type GroupView = v.InferOutput<typeof groupView>;
export type DraftView = v.InferOutput<typeof draftView>;
export type ChannelView = v.InferOutput<typeof channelView>;
export type MailboxView = v.InferOutput<typeof mailboxView>;
export type DeviceView = v.InferOutput<typeof deviceView>;
export type AttachmentProgress = v.InferOutput<typeof attachmentProgress>;
export type Settings = v.InferOutput<typeof settings>;
export type DaemonState = v.InferOutput<typeof daemonState>;
export type Reachability = v.InferOutput<typeof reachability>;
export type Identity = v.InferOutput<typeof identity>;
export type Profile = v.InferOutput<typeof profile>;
export type SafetyNumber = v.InferOutput<typeof safetyNumber>;
export type Invite = v.InferOutput<typeof invite>;
