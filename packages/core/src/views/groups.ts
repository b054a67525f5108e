/** What the messenger shows of groups: plain JSON-able views (docs/API.md "Groups"). */

export type GroupRole = 'admin' | 'member';

/**
 * `active`: we are a member; `invited`: an admin added us and the user has not accepted yet
 * (nothing is sent, nobody is introduced; docs/GROUPS.md "Invitations"); `left`/`removed`:
 * history only, nothing is sent or accepted.
 */
export type GroupStatus = 'active' | 'invited' | 'left' | 'removed';

export interface GroupMemberView {
  /** Our contact name for them, else their own display name. */
  readonly name: string;
  readonly peerId: string;
  readonly role: GroupRole;
  readonly me: boolean;
  readonly online: boolean;
  /** We hold their sender key for the current epoch (we can read what they send now). */
  readonly keyReceived: boolean;
  /** Our sender key for the current epoch is queued or delivered to them. */
  readonly keySent: boolean;
}

export interface GroupView {
  readonly id: string;
  readonly name: string;
  readonly epoch: number;
  /**
   * `active`; `invited`: a pending invitation (accept or decline it: nothing is sent and nobody
   * is introduced before); or `left`/`removed` (history only).
   */
  readonly status: GroupStatus;
  /** `invited` only: the name of the contact (an admin) who added us; else null. */
  readonly invitedBy: string | null;
  /** We are an admin (may add, remove, rename). */
  readonly admin: boolean;
  readonly members: readonly GroupMemberView[];
  /** The group picture's type, size and a short id of its bytes (changes with it); fetch it with groupPicture. */
  readonly picture: { readonly type: string; readonly bytes: number; readonly id: string } | null;
  /**
   * Peers our own latest change (as the admin who made it) is still to be queued for: it is sent
   * in batches, each in its own transaction, so a change of a large group does not stall the
   * daemon. 0 once every copy is in the outbox (or when we made no change).
   */
  readonly pending: number;
  /** The user marked the group unread ("Mark as unread"; this device only) and has not read it since. */
  readonly markedUnread: boolean;
}
