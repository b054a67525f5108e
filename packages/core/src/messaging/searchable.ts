/**
 * What of a message the search index gets (docs/DESIGN.md §5.6): its text (an attachment's
 * caption) and its file's name, as tokens. Called wherever a visible message is stored or edited
 * with its plaintext at hand; removing one is the store's own business (ports/store.ts MessagesTx.indexMessage).
 */
import type { MessageKey, MessagesTx } from '../ports/index.ts';
import { indexText } from '../search/index.ts';
import type { StoredBody } from '../views/index.ts';

/** The searchable text of a stored body: its text (or caption) and its file's name. */
export function bodyText(body: StoredBody): string {
  return body.attachment ? `${body.text}\n${body.attachment.name}` : body.text;
}

/** Indexes (or re-indexes) the message with this body; `at` places it among results (epoch ms). */
export function indexBody(
  tx: Pick<MessagesTx, 'indexMessage'>,
  key: MessageKey,
  body: StoredBody,
  at: number,
): void {
  tx.indexMessage(key, indexText(bodyText(body)), at);
}
