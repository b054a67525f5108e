/**
 * Composer drafts (issue 20): a conversation's unsent text, kept so it survives a restart. Only in
 * the store, sealed by the vault like a message body (label `draft:<conversation id>`, so a draft
 * cannot be swapped for another conversation's), inside the page-encrypted database: nothing a
 * user writes sits unencrypted on disk. One per conversation (the store's key), at most
 * DRAFT_TEXT_MAX_BYTES, on this device only (a draft is not synced to our other devices).
 */
import type { Vault } from '../account/index.ts';
import { CoreError, fromUtf8, utf8 } from '../base/index.ts';
import type { DraftRecord, DraftsTx } from '../ports/index.ts';
import { MESSAGE_TEXT_MAX_BYTES } from '../wire/index.ts';

/** A draft is at most what could be sent as one message. */
export const DRAFT_TEXT_MAX_BYTES: number = MESSAGE_TEXT_MAX_BYTES;

const draftLabel = (conversationId: string): string => `draft:${conversationId}`;

export interface Draft {
  readonly conversationId: string;
  readonly text: string;
  readonly updatedAt: number;
}

/** Stores `text` as the conversation's draft; blank text (empty or only spaces) deletes it. */
export function saveDraft(
  vault: Vault,
  tx: DraftsTx,
  conversationId: string,
  text: string,
  now: number,
): void {
  if (text.trim() === '') {
    tx.deleteDraft(conversationId);
    return;
  }
  const bytes = utf8(text);
  if (bytes.length > DRAFT_TEXT_MAX_BYTES)
    throw new CoreError(
      'message-too-large',
      `a draft is at most ${DRAFT_TEXT_MAX_BYTES} bytes, like a message (this one is ${bytes.length})`,
    );
  tx.putDraft({ conversationId, body: vault.seal(draftLabel(conversationId), bytes), updatedAt: now });
}

/** The draft of a stored record, opened. */
export function openDraft(vault: Vault, record: DraftRecord): Draft {
  const text = fromUtf8(vault.open(draftLabel(record.conversationId), record.body));
  return { conversationId: record.conversationId, text, updatedAt: record.updatedAt };
}
