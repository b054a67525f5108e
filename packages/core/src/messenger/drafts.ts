/**
 * The messenger's draft methods (messaging/drafts.ts says how a draft is kept): a conversation is
 * named as everywhere else — a contact's, group's or channel's name — or by its id, so a client
 * that keys its drafts by id keeps them across renames.
 */
import { CoreError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { StoredGroup } from '../groups/index.ts';
import { openDraft, saveDraft } from '../messaging/index.ts';
import type { ChannelsTx, ContactsTx, ConversationKind, GroupsTx, StoreTx } from '../ports/index.ts';

/** A draft as the API shows it: its conversation's kind, id and current name, and the text. */
export interface DraftView {
  readonly kind: ConversationKind;
  readonly conversationId: string;
  /** The contact's, group's or channel's name now. */
  readonly conversation: string;
  readonly text: string;
  readonly updatedAt: number;
}

export interface DraftMethods {
  /**
   * Keeps `text` as the unsent text of `conversation` (a name or id); blank text deletes it. At
   * most one per conversation, of at most DRAFT_TEXT_MAX_BYTES (`message-too-large`).
   */
  setDraft(conversation: string, text: string): void;
  /** Every draft, oldest written first. Drafts of conversations that are gone are deleted. */
  drafts(): DraftView[];
}

/** How names and ids are found (the messenger's resolvers). */
export interface DraftNames {
  readonly group: (name: string, tx: ContactsTx & GroupsTx) => StoredGroup | undefined;
  readonly channel: (name: string, tx: ContactsTx & ChannelsTx) => string | undefined;
  readonly channelName: (id: string) => string | undefined;
}

type Target = { readonly kind: ConversationKind; readonly id: string; readonly name: string };

function findTarget(tx: StoreTx, names: DraftNames, name: string): Target | undefined {
  const contact = tx.getContact(name) ?? tx.getContactByName(name.trim());
  if (contact) return { kind: 'direct', id: contact.id, name: contact.name };
  const group = names.group(name, tx);
  if (group) return { kind: 'group', id: group.state.id, name: group.state.name };
  const channel = names.channel(name, tx);
  const channelName = channel === undefined ? undefined : names.channelName(channel);
  if (channel !== undefined && channelName !== undefined)
    return { kind: 'channel', id: channel, name: channelName };
  return undefined;
}

export function draftMethods(ctx: Ctx, names: DraftNames): DraftMethods {
  return {
    setDraft(conversation, text) {
      ctx.store.transaction((tx) => {
        const target = findTarget(tx, names, conversation);
        if (!target)
          throw new CoreError('unknown-contact', `no contact, group or channel named "${conversation}"`);
        saveDraft(ctx.account.vault, tx, target.id, text, ctx.now());
      });
    },
    drafts() {
      return ctx.store.transaction((tx) =>
        tx.listDrafts().flatMap((record) => {
          const target = findTarget(tx, names, record.conversationId);
          if (!target || target.id !== record.conversationId) {
            tx.deleteDraft(record.conversationId); // (its conversation is gone)
            return [];
          }
          const { text, updatedAt } = openDraft(ctx.account.vault, record);
          return [
            { kind: target.kind, conversationId: target.id, conversation: target.name, text, updatedAt },
          ];
        }),
      );
    },
  };
}
