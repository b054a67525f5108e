/**
 * StoreTx's search part (ports/store.ts SearchTx) on SQLite FTS5: the contentless `search_index`
 * and `search_docs`, which maps a document number (the FTS rowid) to its message or post and
 * keeps the tokens a secure 'delete' must name (schema V9). The query's terms become an FTS5 MATCH expression in which every term is a quoted string
 * (so nothing the user typed is FTS syntax), restricted to the `text` column, and the scope a
 * quoted token of the `scope` column. Deleting is the triggers' work (schema.ts V9).
 */
import type { MessageKey, SearchDocRef, SearchQuery, StoreTx } from '@parley/core';
import { checkLimit } from './paging.ts';
import { num, text } from './rows.ts';
import type { Statements } from './statements.ts';

/** Documents a search writes into the FTS5 index per step before it queries (all that wait, in steps). */
const FLUSH_IN_SEARCH = 1_000;

/** Document numbers per millisecond of `at` before they spill into the next one (as the memory store). */
const DOCS_PER_MS = 1024;

/** Scope tokens remembered (a few conversations take most messages); cleared when full. */
const SCOPE_TOKENS_CACHED = 256;
const scopeTokens = new Map<string, string>();

/** A conversation or channel id as one FTS token (letters and digits only: its UTF-8 in hex). */
export function scopeToken(id: string): string {
  let token = scopeTokens.get(id);
  if (token === undefined) {
    token = `s${Buffer.from(id, 'utf8').toString('hex')}`;
    if (scopeTokens.size >= SCOPE_TOKENS_CACHED) scopeTokens.clear();
    scopeTokens.set(id, token);
  }
  return token;
}

const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/**
 * The MATCH expression for `query` (and `scope`), or undefined if it has no terms.
 *
 * @example matchExpression({ terms: [{ tokens: ['resu'], prefix: true }] }) === 'text : ("resu"*)'
 */
export function matchExpression(query: SearchQuery, scope?: string): string | undefined {
  if (query.terms.length === 0) return undefined;
  const terms = query.terms.map((t) => `${quote(t.tokens.join(' '))}${t.prefix ? '*' : ''}`);
  const text = `text : (${terms.join(' AND ')})`;
  return scope === undefined ? text : `${text} AND scope : ${quote(scopeToken(scope))}`;
}

type SearchOps = 'indexMessage' | 'indexPost' | 'findMessages' | 'flushSearchIndex';

export function searchOperations(s: Statements): Pick<StoreTx, SearchOps> {
  /**
   * Replaces the document's tokens (a 'delete' of the old ones first if they reached the index,
   * so secure-delete erases them), or adds it; either way it waits for flushSearchIndex.
   */
  const index = (
    existing: number | undefined,
    at: number,
    tokens: string,
    scope: string,
    add: (doc: number, scope: string) => void,
  ): void => {
    const token = scopeToken(scope);
    if (existing === undefined) {
      add(freeDoc(s, at), token);
      return;
    }
    s.run(
      `INSERT INTO search_index (search_index, rowid, text, scope)
       SELECT 'delete', doc, text, scope FROM search_docs WHERE doc = ? AND indexed = 1`,
      existing,
    );
    s.run('UPDATE search_docs SET text = ?, scope = ?, indexed = 0 WHERE doc = ?', tokens, token, existing);
  };
  /** Writes up to `limit` waiting documents into the FTS5 index (oldest number first); how many. */
  const flush = (limit: number): number => {
    const pending = s.all(
      'SELECT doc, text, scope FROM search_docs WHERE indexed = 0 ORDER BY doc LIMIT ?',
      checkLimit(limit),
    );
    for (const d of pending) {
      const doc = num(d.doc);
      s.run(
        'INSERT INTO search_index (rowid, text, scope) VALUES (?, ?, ?)',
        doc,
        text(d.text),
        text(d.scope),
      );
      s.run('UPDATE search_docs SET indexed = 1 WHERE doc = ?', doc);
    }
    return pending.length;
  };
  return {
    indexMessage: (k, tokens, at) => {
      const m = s.get(
        'SELECT pk, deleted_at FROM messages WHERE conversation_id = ? AND sender = ? AND id = ?',
        ...[k.conversationId, k.sender, k.id],
      );
      if (m === undefined || m.deleted_at !== null) return; // nothing to index: no orphans
      const pk = num(m.pk);
      const existing = s.get('SELECT doc FROM search_docs WHERE message_pk = ?', pk);
      index(existing && num(existing.doc), at, tokens, k.conversationId, (doc, scope) =>
        s.run(
          'INSERT INTO search_docs (doc, message_pk, text, scope) VALUES (?, ?, ?, ?)',
          doc,
          pk,
          tokens,
          scope,
        ),
      );
    },
    indexPost: (channelId, publisher, seq, tokens, at) => {
      const post = [channelId, publisher, seq] as const;
      const found = s.get(
        'SELECT 1 AS n FROM channel_posts WHERE channel_id = ? AND publisher = ? AND seq = ?',
        ...post,
      );
      if (found === undefined) return;
      const existing = s.get(
        'SELECT doc FROM search_docs WHERE channel_id = ? AND publisher = ? AND seq = ?',
        ...post,
      );
      index(existing && num(existing.doc), at, tokens, channelId, (doc, scope) =>
        s.run(
          'INSERT INTO search_docs (doc, channel_id, publisher, seq, text, scope) VALUES (?, ?, ?, ?, ?, ?)',
          ...[doc, ...post, tokens, scope],
        ),
      );
    },
    flushSearchIndex: flush,
    findMessages: ({ match, scope, before, limit }) => {
      const expression = matchExpression(match, scope);
      if (expression === undefined || checkLimit(limit) === 0) return [];
      // Everything indexed so far is found: what still waits goes in first.
      while (flush(FLUSH_IN_SEARCH) === FLUSH_IN_SEARCH);
      // rowid DESC with a LIMIT: FTS5 walks its doclists newest first and stops, no sort of all matches.
      const docs = s.all(
        'SELECT rowid AS doc FROM search_index WHERE search_index MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?',
        ...[expression, before ?? Number.MAX_SAFE_INTEGER, limit],
      );
      return docs.flatMap((r) => refOf(s, num(r.doc), scope) ?? []);
    },
  };
}

/** The first number from `at` × DOCS_PER_MS not taken (after the highest of that millisecond). */
function freeDoc(s: Statements, at: number): number {
  const base = Math.max(0, Math.floor(at)) * DOCS_PER_MS;
  const top = s.get(
    'SELECT max(doc) AS doc FROM search_docs WHERE doc >= ? AND doc < ?',
    base,
    base + DOCS_PER_MS,
  );
  let doc = top?.doc === null || top?.doc === undefined ? base : num(top.doc) + 1;
  while (s.get('SELECT 1 AS n FROM search_docs WHERE doc = ?', doc) !== undefined) doc++;
  return doc;
}

/** What document `doc` is; undefined if it is not in `scope` after all (the FTS scope token is checked against the row). */
function refOf(s: Statements, doc: number, scope: string | undefined): SearchDocRef | undefined {
  const r = s.get(
    `SELECT d.message_pk, d.channel_id, d.publisher, d.seq, m.conversation_id, m.sender, m.id
     FROM search_docs d LEFT JOIN messages m ON m.pk = d.message_pk WHERE d.doc = ?`,
    doc,
  );
  if (r === undefined) return undefined;
  if (r.message_pk !== null) {
    if (r.conversation_id === null) return undefined;
    const key: MessageKey = {
      conversationId: text(r.conversation_id),
      sender: text(r.sender),
      id: text(r.id),
    };
    return scope === undefined || key.conversationId === scope ? { doc, kind: 'message', key } : undefined;
  }
  const channelId = text(r.channel_id);
  if (scope !== undefined && channelId !== scope) return undefined;
  return { doc, kind: 'post', channelId, publisher: text(r.publisher), seq: num(r.seq) };
}
