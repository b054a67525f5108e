/**
 * The daemon's API views come from the API schema (@parley/client, packages/client/src/views.ts),
 * which the daemon's own types are checked against; what is left here is the app's own.
 */
import type {
  AttachmentProgress,
  ChannelView,
  ContactView,
  DaemonState,
  GroupView,
  MessageView,
} from '@parley/client';

export type {
  AttachmentProgress,
  AttachmentStatus,
  AttachmentView,
  ChannelView,
  ContactView,
  ConversationView,
  DaemonState,
  DeviceView,
  GroupMemberView,
  GroupView,
  Identity,
  Invite,
  MailboxView,
  MessageRef,
  MessageView,
  Profile,
  Reachability,
  ReactionView,
  ReadByView,
  ReceiptView,
  SafetyNumber,
  Settings,
} from '@parley/client';

/** Ours: queued → sent or stored (held by their mailbox) → delivered → read (or failed). Theirs: delivered (unread) or read. */
export type MessageStatus = MessageView['status'];

export interface DaemonConfig {
  readonly listen: readonly string[];
  readonly bootstrap: readonly string[];
  readonly mdns: boolean;
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
  | { readonly type: 'outbox'; readonly data: { size: number } }
  /** A contact linked or removed devices (names). */
  | {
      readonly type: 'devices';
      readonly data: { contact: string; added: readonly string[]; removed: readonly string[] };
    }
  /** On a newly linked device, while its history arrives. */
  | {
      readonly type: 'history';
      readonly data: {
        received: number;
        added: number;
        conversations: number;
        conversationsDone: number;
        done: boolean;
      };
    };

/** A message's identity within a conversation: ids are unique per sender. */
export const messageKey = (m: { readonly id: string; readonly direction: 'out' | 'in' }): string =>
  `${m.direction}:${m.id}`;
