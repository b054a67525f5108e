/**
 * What the user does in a conversation they write in, the same for a contact's 1:1 conversation
 * (messenger/direct.ts, `To` a name) and a group's (groups/groups.ts, `To` the stored group).
 */

import type { MessageView } from '../views/index.ts';
import type { MessageRef } from '../wire/index.ts';
import type { MessagePageQuery } from './page.ts';

export interface ConversationActions<To> {
  sendText(to: To, text: string, replyTo?: MessageRef): MessageView;
  /** Many texts composed in one transaction; their views, in order. */
  sendTexts(to: To, texts: readonly string[]): MessageView[];
  /** Our reaction to a message ('' removes it). */
  react(to: To, target: MessageRef, emoji: string): void;
  /** Edits one of our own messages (own-changes.ts). */
  edit(to: To, id: string, text: string): MessageView;
  /** Deletes one of our own messages for everyone (own-changes.ts). */
  deleteForEveryone(to: To, id: string): MessageView;
  /** Marks what we received as read; how many messages were unread (own-changes.ts). */
  markRead(to: To): number;
  setTyping(to: To, active: boolean): void;
  /** One page of the conversation's messages (page.ts). */
  messages(to: To, query: MessagePageQuery): MessageView[];
  message(to: To, key: { sender: 'self' | 'peer'; id: string }): MessageView;
}
