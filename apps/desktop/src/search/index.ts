/** Message search (issue 18): the sidebar's search field and results, and what a hit is. */
export { chatOf, hitKey, type SearchHit } from './hits.ts';
export { SearchBox } from './SearchBox.tsx';
export { SearchResults } from './SearchResults.tsx';
export { type MessageSearch, useMessageSearch } from './use-message-search.ts';
