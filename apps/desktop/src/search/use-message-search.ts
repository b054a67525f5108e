/**
 * The sidebar's message search: asks `messages.search` once the query has
 * been still for SEARCH_DEBOUNCE_MS, drops answers to queries the user has
 * since changed, and appends further pages (`next`) on demand.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { call, RpcError } from '../api.ts';
import { hitKey, type SearchHit, type SearchPage } from './hits.ts';

/** Typing pauses this long before a query is sent. */
export const SEARCH_DEBOUNCE_MS = 200;
/** Hits per page. */
export const SEARCH_PAGE_SIZE = 30;

export interface MessageSearch {
  /** The query the hits answer (trimmed); '' when idle. */
  readonly query: string;
  readonly hits: readonly SearchHit[];
  /** A query is waiting for its first page. */
  readonly searching: boolean;
  readonly loadingMore: boolean;
  readonly hasMore: boolean;
  readonly error: string | null;
  loadMore(): void;
}

interface Answer {
  readonly query: string;
  readonly hits: readonly SearchHit[];
  readonly next: string | null;
  readonly error: string | null;
}

const IDLE: Answer = { query: '', hits: [], next: null, error: null };

function search(query: string, before: string | null): Promise<SearchPage> {
  return call('messages.search', {
    query,
    limit: SEARCH_PAGE_SIZE,
    ...(before !== null ? { before } : {}),
  });
}

const failure = (error: unknown): string =>
  error instanceof RpcError ? error.message : 'The search failed. Try again.';

export function useMessageSearch(input: string): MessageSearch {
  const query = input.trim();
  const [answer, setAnswer] = useState<Answer>(IDLE);
  const [loadingMore, setLoadingMore] = useState(false);
  /** Bumped per query: an answer for an older one is dropped. */
  const generation = useRef(0);

  useEffect(() => {
    const mine = ++generation.current;
    setLoadingMore(false);
    if (!query) {
      setAnswer(IDLE);
      return;
    }
    const timer = setTimeout(() => {
      search(query, null).then(
        (page) => {
          if (mine === generation.current)
            setAnswer({ query, hits: page.hits, next: page.next, error: null });
        },
        (error: unknown) => {
          if (mine === generation.current) setAnswer({ ...IDLE, query, error: failure(error) });
        },
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query]);

  const latest = useRef(answer);
  latest.current = answer;
  const busy = useRef(false);
  const loadMore = useCallback(() => {
    const { query: asked, next } = latest.current;
    if (busy.current || next === null) return;
    const mine = generation.current;
    busy.current = true;
    setLoadingMore(true);
    search(asked, next)
      .then(
        (page) => {
          if (mine !== generation.current) return;
          setAnswer((a) => {
            const seen = new Set(a.hits.map(hitKey));
            return {
              ...a,
              hits: [...a.hits, ...page.hits.filter((h) => !seen.has(hitKey(h)))],
              next: page.next,
            };
          });
        },
        (error: unknown) => {
          if (mine === generation.current) setAnswer((a) => ({ ...a, error: failure(error) }));
        },
      )
      .finally(() => {
        busy.current = false;
        if (mine === generation.current) setLoadingMore(false);
      });
  }, []);

  const current = answer.query === query;
  return {
    query,
    // While a changed query is on its way, the last answer stays on screen (marked busy).
    hits: query ? answer.hits : [],
    searching: query !== '' && !current,
    loadingMore,
    hasMore: current && answer.next !== null,
    error: current ? answer.error : null,
    loadMore,
  };
}
