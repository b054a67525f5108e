/**
 * The schema's result types (@parley/client views.ts) describe what the daemon returns: core's
 * views. Checked by the compiler (`pnpm typecheck`): each core view must fit its description and
 * have exactly its fields, so a field added to or dropped from a core view fails the build here
 * until the schema says so too.
 */
import type { ResultOf } from '@parley/client';
import type * as core from '@parley/core';
import { describe, expect, it } from 'vitest';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** `Core` fits `Schema`, field for field. */
type Describes<Core, Schema> = [Core] extends [Schema] ? Same<keyof Core, keyof Schema> : false;
type Item<T> = T extends readonly (infer I)[] ? I : never;

type Checks = [
  Describes<core.ContactView, ResultOf<'contacts.get'>>,
  Describes<core.MessageView, ResultOf<'messages.get'>>,
  Describes<core.AttachmentView, NonNullable<ResultOf<'messages.get'>['attachment']>>,
  Describes<core.ConversationView, Item<ResultOf<'conversations.list'>>>,
  Describes<core.GroupView, ResultOf<'groups.get'>>,
  Describes<core.GroupMemberView, Item<ResultOf<'groups.get'>['members']>>,
  Describes<core.ChannelView, ResultOf<'channels.get'>>,
  Describes<core.AttachmentProgress, ResultOf<'attachments.download'>>,
  Describes<core.Settings, ResultOf<'settings.get'>>,
  Describes<core.Invite, ResultOf<'invite.create'>>,
  Describes<core.MailboxView, Item<ResultOf<'mailboxes.list'>>>,
  Describes<core.SearchHit, Item<ResultOf<'messages.search'>['hits']>>,
  Describes<core.SearchResult, ResultOf<'messages.search'>>,
  Describes<core.DraftView, Item<ResultOf<'drafts.list'>>>,
];

describe("the schema's results are core's views", () => {
  it('compiles (the check is in the types)', () => {
    const checks: Checks = [
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
    ];
    expect(checks.every(Boolean)).toBe(true);
  });
});
