/**
 * Search text (docs/DESIGN.md §5.6): the tokens indexed and asked for, the query's terms, the
 * highlighted ranges and the snippet. Pure functions; imports base … ports.
 */
export { indexText, type SearchToken, tokenize } from './normalize.ts';
export {
  type Highlight,
  highlights,
  matchesAll,
  parseQuery,
  SEARCH_QUERY_MAX_CHARS,
  SEARCH_TERMS_MAX,
} from './query.ts';
export { SNIPPET_MAX_CHARS, type Snippet, snippet } from './snippet.ts';
