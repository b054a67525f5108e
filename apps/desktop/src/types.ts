/**
 * The daemon's API views (packages/core/src/views.ts), restated for the
 * browser bundle, which must not import Node code.
 */
export type DaemonState = 'no-account' | 'locked' | 'ready';
/** Ours: queued → sent → delivered → read (or failed). Theirs: delivered (unread) or read. */
export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export interface ContactView {
  readonly id: string;
  readonly name: string;
  readonly peerId: string;
  readonly verified: boolean;
  /** `introduced`: a member of one of our groups we know only through its admin (not added by us). */
  readonly state: 'pending' | 'active' | 'introduced';
  readonly identityChanged: boolean;
  readonly sendingBlocked: boolean;
  readonly online: boolean;
  /** How the connection runs now: straight, through a relay (limited: files wait), or none. */
  readonly connection?: 'direct' | 'relayed' | null;
  readonly addresses: readonly string[];
}

/** `status.reachability`: how others can reach this device (packages/net reachability.ts). */
export interface Reachability {
  readonly public: boolean | null;
  readonly nat: 'none' | 'cone' | 'symmetric' | 'unknown';
  readonly upnp: boolean;
  readonly relays: readonly string[];
  readonly addresses: readonly string[];
}

export interface MessageRef {
  readonly id: string;
  readonly mine: boolean;
}

export interface ReactionView {
  readonly emoji: string;
  readonly from: string;
}

export interface MessageView {
  readonly id: string;
  readonly conversationId: string;
  readonly contact: string;
  readonly direction: 'out' | 'in';
  readonly from: string;
  readonly seq: number;
  readonly text: string;
  readonly replyTo: MessageRef | null;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly status: MessageStatus;
  readonly error: string | null;
  readonly edited: boolean;
  readonly deleted: boolean;
  readonly expiresAt: number | null;
  readonly reactions: readonly ReactionView[];
  readonly gapBefore: boolean;
  /** Present if the daemon exposes its paging cursor (messages.list `before`). */
  readonly sortKey?: number;
  /** A photo, video, file or voice message (the text is its caption). */
  readonly attachment?: AttachmentView | null;
  /** Our own group messages: each other member's delivery state. */
  readonly receipts?: readonly ReceiptView[];
}

export interface ReceiptView {
  readonly member: string;
  readonly status: 'pending' | 'delivered' | 'read';
}

export interface GroupMemberView {
  readonly name: string;
  readonly peerId: string;
  readonly role: 'admin' | 'member';
  readonly me: boolean;
  readonly online: boolean;
  readonly keyReceived: boolean;
  readonly keySent: boolean;
}

export interface GroupView {
  readonly id: string;
  readonly name: string;
  readonly epoch: number;
  /** `invited`: a pending invitation the user accepts (groups.accept) or declines (groups.decline). */
  readonly status: 'active' | 'invited' | 'left' | 'removed';
  /** `invited` only: who added us. */
  readonly invitedBy: string | null;
  readonly admin: boolean;
  readonly members: readonly GroupMemberView[];
  /** The group picture (fetch its bytes with `groups.picture`); `id` changes with the picture. */
  readonly picture: { readonly type: string; readonly bytes: number; readonly id: string } | null;
}

export interface ChannelView {
  readonly id: string;
  readonly name: string;
  readonly role: 'owner' | 'publisher' | 'follower';
  readonly private: boolean;
  readonly status: 'owner' | 'following' | 'requested' | 'approved' | 'removed';
  readonly posts: number;
  readonly followers: readonly string[];
  readonly requests: readonly string[];
  /** Owner: appointed publishers (contact names); absent from older daemons. */
  readonly publishers?: readonly string[];
  readonly createdAt: number;
}

/**
 * Ours: `sending` (being encrypted), then `available`. Theirs: `offered` (larger than
 * the auto-download limit: waits for the user), `downloading`, `done`, `failed`, `cancelled`.
 */
export type AttachmentStatus =
  | 'sending'
  | 'available'
  | 'offered'
  | 'downloading'
  | 'done'
  | 'failed'
  | 'cancelled';

export interface AttachmentView {
  readonly id: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly status: AttachmentStatus;
  readonly transferred: number;
  readonly error: string | null;
  readonly durationMs?: number;
  /** base64url bytes, 0..255 each. */
  readonly waveform?: string;
  /** base64url JPEG (or other image). */
  readonly thumbnail?: string;
}

/** Transfer progress (the `attachment` event); `encrypting` while the sender encrypts. */
export interface AttachmentProgress {
  readonly id: string;
  readonly direction: 'out' | 'in';
  readonly contact: string;
  readonly state: AttachmentStatus | 'encrypting';
  readonly transferred: number;
  readonly size: number;
  readonly error: string | null;
}

export interface ConversationView {
  readonly id: string;
  readonly contact: ContactView;
  readonly lastMessage: MessageView | null;
  readonly unread: number;
  readonly disappearingMs: number | null;
}

export interface Identity {
  readonly peerId: string;
  readonly name: string;
  readonly fingerprint: string;
  readonly addresses: readonly string[];
}

export interface Settings {
  readonly readReceipts: boolean;
}

export interface DaemonConfig {
  readonly listen: readonly string[];
  readonly bootstrap: readonly string[];
  readonly mdns: boolean;
}

export interface SafetyNumber {
  readonly digits: string;
  readonly groups: readonly string[];
  /** base64url of the QR payload. */
  readonly qr: string;
}

export type ParleyEvent =
  | { readonly type: 'message'; readonly data: MessageView }
  | { readonly type: 'contact'; readonly data: { contact: ContactView; removed?: boolean } }
  | { readonly type: 'typing'; readonly data: { contact: string; active: boolean; member?: string } }
  | { readonly type: 'conversation'; readonly data: { contact: string; disappearingMs: number | null } }
  | { readonly type: 'problem'; readonly data: { code: string; message: string; contact?: string } }
  | { readonly type: 'expired'; readonly data: { contact: string; id: string } }
  | { readonly type: 'attachment'; readonly data: AttachmentProgress }
  | { readonly type: 'state'; readonly data: { state: DaemonState } }
  | {
      readonly type: 'group';
      readonly data: { group: GroupView; change: 'added' | 'invited' | 'changed' | 'removed' };
    }
  | {
      readonly type: 'channel';
      readonly data: { channel: ChannelView; change: 'added' | 'changed' | 'removed' };
    }
  | { readonly type: 'post'; readonly data: MessageView }
  | { readonly type: 'outbox'; readonly data: { size: number } };

/** A message's identity within a conversation: ids are unique per sender. */
export const messageKey = (m: { readonly id: string; readonly direction: 'out' | 'in' }): string =>
  `${m.direction}:${m.id}`;
