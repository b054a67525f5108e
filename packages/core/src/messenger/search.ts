/**
 * The messenger's full-text search over every conversation (docs/DESIGN.md §5.6, docs/API.md
 * `messages.search`): the store finds documents newest first (ports/store.ts SearchTx); each
 * becomes the message view its conversation shows, with a snippet and the matched ranges.
 */
import { CoreError } from '../base/index.ts';
import { postHit } from '../channels/index.ts';
import { findContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import { groupHit } from '../groups/index.ts';
import { bodyText } from '../messaging/index.ts';
import type { ChannelsTx, ContactsTx, GroupsTx, SearchDocRef, StoreTx } from '../ports/index.ts';
import { type Highlight, highlights, parseQuery, SEARCH_QUERY_MAX_CHARS, snippet } from '../search/index.ts';
import { type MessageView, messageView } from '../views/index.ts';
import { type Conversation, type Resolvers, resolveConversation } from './conversation.ts';

/** Hits per call when `limit` is not given, and the most one call returns. */
export const SEARCH_LIMIT_DEFAULT = 20;
export const SEARCH_LIMIT_MAX = 100;

export interface SearchParams {
  /** 1..SEARCH_QUERY_MAX_CHARS characters after trimming; every word a prefix, CJK/emoji runs phrases. */
  readonly query: string;
  /** Only this conversation: a contact's, a group's or a channel's name or id. */
  readonly conversation?: string;
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly before?: string;
}

export interface SearchHit {
  readonly kind: 'direct' | 'group' | 'channel';
  readonly conversationId: string;
  /** The contact's, group's or channel's name. */
  readonly conversation: string;
  /** The message as its conversation lists it. */
  readonly message: MessageView;
  /** At most SNIPPET_MAX_CHARS of its text (and file name) around the first match, '…' where cut. */
  readonly snippet: string;
  /** UTF-16 [start, end) ranges of `snippet` that matched. */
  readonly highlights: readonly Highlight[];
}

export interface SearchResult {
  /** Newest first. */
  readonly hits: readonly SearchHit[];
  /** Pass as `before` for the next page; null when there is none. */
  readonly next: string | null;
}

const CURSOR = /^d([0-9a-z]{1,12})$/;
const encodeCursor = (doc: number): string => `d${doc.toString(36)}`;

function decodeCursor(cursor: string): number {
  const m = CURSOR.exec(cursor);
  const doc = m ? Number.parseInt(m[1] as string, 36) : Number.NaN;
  if (!Number.isSafeInteger(doc))
    throw new CoreError(
      'bad-input',
      `"${cursor}" is not a search cursor; pass the "next" of a previous search`,
    );
  return doc;
}

function checkParams(params: SearchParams): { query: string; limit: number } {
  const query = params.query.trim();
  if (query.length === 0 || query.length > SEARCH_QUERY_MAX_CHARS)
    throw new CoreError(
      'bad-input',
      `a search query is 1 to ${SEARCH_QUERY_MAX_CHARS} characters (got ${query.length} after trimming)`,
    );
  const limit = params.limit ?? SEARCH_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_LIMIT_MAX)
    throw new CoreError('bad-input', `limit must be an integer from 1 to ${SEARCH_LIMIT_MAX}`);
  return { query, limit };
}

/** The conversation or channel id `name` means; unknown names fail as the other methods do. */
function scopeOf<Group>(
  tx: ContactsTx & GroupsTx & ChannelsTx,
  name: string,
  resolvers: Resolvers<Group>,
  groupId: (g: Group) => string,
): string {
  const c: Conversation<Group> = resolveConversation(tx, name, resolvers);
  if (c.kind === 'group') return groupId(c.group);
  if (c.kind === 'channel') return c.channel;
  return tx.getContact(name.trim())?.id ?? findContact(tx, name).id;
}

/** One found document as a hit; undefined if it cannot be shown (gone, or unreadable to us). */
function hitOf(
  ctx: Ctx,
  tx: StoreTx,
  ref: SearchDocRef,
): Omit<SearchHit, 'snippet' | 'highlights'> | undefined {
  if (ref.kind === 'post') {
    const found = postHit(ctx, tx, ref);
    return (
      found && {
        kind: 'channel',
        conversationId: ref.channelId,
        conversation: found.name,
        message: found.view,
      }
    );
  }
  const m = tx.getMessage(ref.key);
  if (!m || m.deletedAt !== null) return undefined;
  const contact = tx.getContact(m.conversationId);
  if (contact) {
    const message = messageView(tx, ctx.account.vault, contact, m);
    return { kind: 'direct', conversationId: contact.id, conversation: contact.name, message };
  }
  const found = groupHit(ctx, tx, m);
  return (
    found && {
      kind: 'group',
      conversationId: m.conversationId,
      conversation: found.name,
      message: found.view,
    }
  );
}

/**
 * Searches every conversation (or one), newest first.
 *
 * @example search(ctx, resolvers, (g) => g.state.id, { query: 'résumé', conversation: 'bob' })
 * @throws CoreError 'bad-input' for an empty, too long or unsearchable query, a bad limit or cursor;
 *   'unknown-contact' for a conversation that is no contact, group or channel.
 */
export function search<Group>(
  ctx: Ctx,
  resolvers: Resolvers<Group>,
  groupId: (g: Group) => string,
  params: SearchParams,
): SearchResult {
  const { query, limit } = checkParams(params);
  const match = parseQuery(query);
  if (match.terms.length === 0)
    throw new CoreError('bad-input', `"${query}" has nothing to search for: use letters, digits or emoji`);
  const before = params.before === undefined ? undefined : decodeCursor(params.before);
  return ctx.store.transaction((tx) => {
    const scope =
      params.conversation === undefined ? undefined : scopeOf(tx, params.conversation, resolvers, groupId);
    const refs = tx.findMessages({
      match,
      limit: limit + 1,
      ...(scope === undefined ? {} : { scope }),
      ...(before === undefined ? {} : { before }),
    });
    const page = refs.slice(0, limit);
    const hits = page.flatMap((ref): SearchHit[] => {
      const hit = hitOf(ctx, tx, ref);
      if (!hit) return [];
      const { message } = hit;
      const { text: shown, attachment } = message;
      const text = bodyText(attachment ? { text: shown, attachment } : { text: shown });
      const cut = snippet(text, highlights(text, match));
      return [{ ...hit, snippet: cut.text, highlights: cut.highlights }];
    });
    const last = page[page.length - 1];
    return { hits, next: refs.length > limit && last ? encodeCursor(last.doc) : null };
  });
}
