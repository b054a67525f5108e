/**
 * The in-memory Store's search index (ports/store.ts SearchTx): documents with their tokens,
 * matched with core's own term rules (search/query.ts), which the SQLite store's FTS5 MATCH
 * expression reproduces. Document numbers as in @parley/store: from `at` × 1024, after the highest
 * of that millisecond.
 */
import type { MessageKey, SearchDocRef, StoreTx } from '../ports/index.ts';
import { matchesAll } from '../search/index.ts';

/** Documents per millisecond of `at` before numbers spill into the next one. */
export const DOCS_PER_MS = 1024;

export interface SearchDoc {
  readonly ref: SearchDocRef;
  /** The conversation or channel id. */
  readonly scope: string;
  readonly tokens: readonly string[];
}

/** doc number (as a string) → document; reference key → doc number. */
export interface SearchTables {
  readonly searchDocs: Map<string, SearchDoc>;
  readonly searchRefs: Map<string, number>;
}

type Write = <V>(table: Map<string, V>, k: string, value: V | undefined) => void;

const messageRef = (k: MessageKey): string => JSON.stringify(['m', k.conversationId, k.sender, k.id]);
const postRef = (channelId: string, publisher: string, seq: number): string =>
  JSON.stringify(['p', channelId, publisher, seq]);

function put(
  t: SearchTables,
  write: Write,
  ref: string,
  doc: Omit<SearchDoc, 'ref'>,
  at: number,
  make: (doc: number) => SearchDocRef,
): void {
  let n = t.searchRefs.get(ref);
  if (n === undefined) {
    // As @parley/store: after the highest number of that millisecond, then the first free one.
    const base = Math.max(0, Math.floor(at)) * DOCS_PER_MS;
    let top = -1;
    for (const d of t.searchDocs.values())
      if (d.ref.doc >= base && d.ref.doc < base + DOCS_PER_MS) top = Math.max(top, d.ref.doc);
    n = top < 0 ? base : top + 1;
    while (t.searchDocs.has(String(n))) n++;
    write(t.searchRefs, ref, n);
  }
  write(t.searchDocs, String(n), { ...doc, ref: make(n) });
}

function remove(t: SearchTables, write: Write, ref: string): void {
  const n = t.searchRefs.get(ref);
  if (n === undefined) return;
  write(t.searchDocs, String(n), undefined);
  write(t.searchRefs, ref, undefined);
}

/** The message's document goes (deleteMessage, deleteConversation, deleted for everyone). */
export const unindexMessage = (t: SearchTables, write: Write, k: MessageKey): void =>
  remove(t, write, messageRef(k));

/** The post's document goes (deleteChannel). */
export const unindexPost = (
  t: SearchTables,
  write: Write,
  channelId: string,
  publisher: string,
  seq: number,
): void => remove(t, write, postRef(channelId, publisher, seq));

const split = (tokens: string): string[] => tokens.split(' ').filter((s) => s.length > 0);

/** What may be indexed: a stored message not deleted for everyone, a stored post. */
export interface Indexable {
  message(k: MessageKey): boolean;
  post(channelId: string, publisher: string, seq: number): boolean;
}

export function searchOperations(
  t: SearchTables,
  write: Write,
  indexable: Indexable,
): Pick<StoreTx, 'indexMessage' | 'indexPost' | 'findMessages' | 'flushSearchIndex'> {
  return {
    // Documents are searchable as soon as they are put: nothing waits.
    flushSearchIndex: (limit) => {
      if (!Number.isInteger(limit) || limit < 0)
        throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
      return 0;
    },
    indexMessage: (k, tokens, at) => {
      if (!indexable.message(k)) return;
      const key = { conversationId: k.conversationId, sender: k.sender, id: k.id };
      put(t, write, messageRef(k), { scope: k.conversationId, tokens: split(tokens) }, at, (doc) => ({
        doc,
        kind: 'message',
        key,
      }));
    },
    indexPost: (channelId, publisher, seq, tokens, at) => {
      if (!indexable.post(channelId, publisher, seq)) return;
      const doc = { scope: channelId, tokens: split(tokens) };
      put(t, write, postRef(channelId, publisher, seq), doc, at, (n) => ({
        doc: n,
        kind: 'post',
        channelId,
        publisher,
        seq,
      }));
    },
    findMessages: ({ match, scope, before, limit }) => {
      if (!Number.isInteger(limit) || limit < 0)
        throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
      if (match.terms.length === 0) return [];
      return [...t.searchDocs.values()]
        .filter(
          (d) => (scope === undefined || d.scope === scope) && (before === undefined || d.ref.doc < before),
        )
        .filter((d) => matchesAll(match, d.tokens))
        .sort((a, b) => b.ref.doc - a.ref.doc)
        .slice(0, limit)
        .map((d) => structuredClone(d.ref));
    },
  };
}
