/** What the messenger shows of channels: plain JSON-able views (docs/API.md "Channels"). */

export type ChannelRole = 'owner' | 'publisher' | 'follower';

/** owner; following (public); requested / approved / removed (private follower). */
export type ChannelStatus = 'owner' | 'following' | 'requested' | 'approved' | 'removed';

export interface ChannelView {
  readonly id: string;
  readonly name: string;
  readonly role: ChannelRole;
  readonly private: boolean;
  readonly status: ChannelStatus;
  /** Posts stored (readable or not). */
  readonly posts: number;
  /** Owner of a private channel: approved followers and pending requests (contact names). */
  readonly followers: readonly string[];
  readonly requests: readonly string[];
  /** Owner: appointed publishers (contact names). */
  readonly publishers: readonly string[];
  readonly createdAt: number;
}

export interface ChannelEvent {
  readonly channel: ChannelView;
  readonly change: 'added' | 'changed' | 'removed';
}
