/** What every part of the messenger shares: its dependencies and its events. */
import type { Primitives, RandomSource } from '@parley/crypto';
import type { Account } from '../account/index.ts';
import type { Emitter } from '../base/index.ts';
import type { Store, Transport } from '../ports/index.ts';
import type {
  AttachmentProgress,
  ChannelEvent,
  ContactView,
  GroupView,
  MessageView,
} from '../views/index.ts';

export interface MessengerEvents extends Record<string, unknown> {
  /** A message was added or changed (status, edit, reaction, delete). */
  message: MessageView;
  /** A contact was added, changed or removed. */
  contact: { readonly contact: ContactView; readonly removed: boolean };
  /** The contact is typing (or stopped); in a group, `contact` is the group's name and `member` who. */
  typing: { readonly contact: string; readonly active: boolean; readonly member?: string };
  /** A contact's conversation settings changed (disappearing timer). */
  conversation: { readonly contact: string; readonly disappearingMs: number | null };
  /** An attachment's transfer progressed or changed state. */
  attachment: AttachmentProgress;
  /** A message was removed from this device: it disappeared, or was deleted for me. */
  expired: { readonly contact: string; readonly id: string };
  /**
   * A group: `invited` (a pending invitation arrived or was replaced by a newer one: accept or
   * decline it), `added` (we joined: accepted an invitation or created it), `changed`, or `removed`
   * (we left, declined or were removed, or an invitation was withdrawn or dropped).
   */
  group: { readonly group: GroupView; readonly change: 'added' | 'invited' | 'changed' | 'removed' };
  /** A channel post arrived or was published (contact = the channel's name). */
  post: MessageView;
  /** A channel was added (created, followed, or the owner approved us), changed or removed. */
  channel: ChannelEvent;
  /** Something the user should see went wrong (a parked message, a refused invite…). */
  problem: { readonly code: string; readonly message: string; readonly contact?: string };
  /**
   * The number of frames waiting in the outbox for their ACK (status().outbox) changed; told at
   * most every OUTBOX_EVENT_MS, and only while someone listens (ask status() for the size now).
   */
  outbox: { readonly size: number };
  /**
   * Indexing messages stored before search existed (an upgraded database) progressed: how many
   * so far in this run, and whether it is done (docs/DESIGN.md §5.6).
   */
  searchIndex: { readonly indexed: number; readonly done: boolean };
  /**
   * A contact's device list changed (docs/MULTI-DEVICE.md): the names of the devices added and
   * removed. Shown to the user as a notice, as a key change is.
   */
  devices: {
    readonly contact: string;
    readonly added: readonly string[];
    readonly removed: readonly string[];
  };
  /**
   * History transfer to this newly linked device progressed (docs/MULTI-DEVICE.md): messages
   * received so far in this run (and how many were new here), conversations done of all.
   */
  history: {
    readonly received: number;
    readonly added: number;
    readonly conversations: number;
    readonly conversationsDone: number;
    readonly done: boolean;
  };
}

export interface Settings {
  /** Send read receipts (and show others' read receipts). */
  readonly readReceipts: boolean;
}

export interface Limits {
  /** Largest attachment sent or accepted (default 2 GiB). */
  readonly attachmentMaxBytes: number;
  /** Incoming attachments up to this size download without asking (default 16 MiB). */
  readonly autoDownloadMaxBytes: number;
  /** Groups with at least this many members use gossipsub instead of pairwise fan-out (default 32). */
  readonly groupTopicMinMembers: number;
  /**
   * Most time one transaction spends queueing a group change before it leaves the rest to the next
   * (default 50 ms, GROUP_CHANGE_BATCH_MS; docs/GROUPS.md "Deltas").
   */
  readonly groupChangeBatchMs: number;
}

export interface Ctx {
  readonly store: Store;
  readonly transport: Transport;
  readonly account: Account;
  readonly primitives: Primitives;
  readonly random: RandomSource;
  readonly now: () => number;
  readonly events: Emitter<MessengerEvents>;
  readonly limits: Limits;
  settings: Settings;
}
