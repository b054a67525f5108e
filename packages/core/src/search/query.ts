/**
 * A search query as terms the store matches (ports/store.ts `SearchQuery`), and the ranges of a
 * text that a query matches (highlights).
 *
 * The rule: every term must occur (AND). A word is matched as a PREFIX of a word of the text —
 * every word of the query, not only the last, so "resu imp" finds "Résumé important" while typing
 * and after. A run of CJK characters or emoji written without a space between them is a PHRASE
 * of unigrams, matched exactly and in order ("好世" finds "你好世界"). Nothing of the query is
 * syntax: quotes, `*`, `-`, `:`, NEAR… are punctuation or plain words.
 */
import type { SearchQuery, SearchTerm } from '../ports/index.ts';
import { type SearchToken, tokenEnd, tokenize } from './normalize.ts';

/** Longest query accepted, in UTF-16 units after trimming. */
export const SEARCH_QUERY_MAX_CHARS = 256;
/** Most terms a query keeps (the rest are ignored: the first ones already narrow it enough). */
export const SEARCH_TERMS_MAX = 16;

/**
 * The query's terms; none when it has nothing searchable (only punctuation, say).
 *
 * @example parseQuery('Résu 好世').terms // [{ tokens: ['resu'], prefix: true }, { tokens: ['好', '世'], prefix: false }]
 */
export function parseQuery(query: string): SearchQuery {
  const terms: SearchTerm[] = [];
  let run: SearchToken[] = [];
  const endRun = (): void => {
    if (run.length > 0) terms.push({ tokens: run.map((t) => t.text), prefix: false });
    run = [];
  };
  for (const t of tokenize(query)) {
    if (!t.unigram) {
      endRun();
      terms.push({ tokens: [t.text], prefix: true });
      continue;
    }
    const last = run[run.length - 1];
    if (last && tokenEnd(last) !== t.start) endRun(); // a space (or anything) between: a new phrase
    run.push(t);
  }
  endRun();
  return { terms: dedupe(terms).slice(0, SEARCH_TERMS_MAX) };
}

function dedupe(terms: SearchTerm[]): SearchTerm[] {
  const seen = new Set<string>();
  return terms.filter((t) => {
    const k = `${t.prefix}:${t.tokens.join(' ')}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Whether the term matches `tokens` starting at `i`; the number of tokens it spans, else 0. */
export function matchAt(term: SearchTerm, tokens: readonly string[], i: number): number {
  const n = term.tokens.length;
  for (let j = 0; j < n; j++) {
    const have = tokens[i + j];
    const want = term.tokens[j] as string;
    if (have === undefined) return 0;
    const last = j === n - 1;
    if (!(last && term.prefix ? have.startsWith(want) : have === want)) return 0;
  }
  return n;
}

/** Whether every term of the query occurs in `tokens` (what the in-memory store answers). */
export function matchesAll(query: SearchQuery, tokens: readonly string[]): boolean {
  return query.terms.every((term) => tokens.some((_, i) => matchAt(term, tokens, i) > 0));
}

/** A range of the original text: UTF-16 [start, end). */
export type Highlight = readonly [start: number, end: number];

/**
 * The ranges of `text` the query matches, sorted and merged. A prefix match covers only the
 * matched part ("resu" in "Résumé" highlights "Résu").
 *
 * @example highlights('Un Résumé', parseQuery('resume')) // [[3, 9]]
 */
export function highlights(text: string, query: SearchQuery): Highlight[] {
  const tokens = tokenize(text);
  const texts = tokens.map((t) => t.text);
  const found: Array<[number, number]> = [];
  for (const term of query.terms) {
    for (let i = 0; i < tokens.length; i++) {
      const n = matchAt(term, texts, i);
      if (n === 0) continue;
      const first = tokens[i] as SearchToken;
      const last = tokens[i + n - 1] as SearchToken;
      const matched = (term.tokens[n - 1] as string).length;
      const end = term.prefix ? (last.ends[matched - 1] ?? tokenEnd(last)) : tokenEnd(last);
      found.push([first.start, end]);
    }
  }
  return merge(found);
}

function merge(ranges: Array<[number, number]>): Highlight[] {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const prev = out[out.length - 1];
    if (prev && r[0] <= prev[1]) prev[1] = Math.max(prev[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
