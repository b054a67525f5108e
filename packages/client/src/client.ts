/**
 * A typed client for the daemon's local API: JSON-RPC 2.0 over HTTP POST /rpc (docs/API.md).
 * The types come from schema.ts, so a misspelt method or a missing param fails to compile.
 */
import { RpcError, TransportError } from './errors.ts';
import type { MethodName, ParamsOf, ResultOf } from './schema.ts';

/** The part of `fetch` the client uses (the global one in Node 24 and browsers fits). */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string },
) => Promise<{ readonly status: number; readonly ok: boolean; json(): Promise<unknown> }>;

export interface ClientOptions {
  /** The daemon's port, from `api.json` in the data folder. */
  readonly port?: number;
  /** The API token, from `api.token` in the data folder; leave out to rely on a session cookie. */
  readonly token?: string;
  /** The endpoint, instead of `http://127.0.0.1:PORT/rpc` (the desktop app uses `/rpc`). */
  readonly url?: string;
  readonly fetch?: FetchLike;
}

/** Methods whose params may be left out altogether take them as an optional argument. */
export type ParamsArgs<M extends MethodName> =
  Partial<ParamsOf<M>> extends ParamsOf<M> ? [params?: ParamsOf<M>] : [params: ParamsOf<M>];

export interface Client {
  /** Calls `method`; rejects with RpcError (the daemon said no) or TransportError (no answer). */
  call<M extends MethodName>(method: M, ...params: ParamsArgs<M>): Promise<ResultOf<M>>;
  /** The same, for a method name known only at run time: nothing is checked here. */
  request(method: string, params?: Readonly<Record<string, unknown>>): Promise<unknown>;
}

interface RpcAnswer {
  readonly result?: unknown;
  readonly error?: {
    readonly code?: unknown;
    readonly message?: unknown;
    readonly data?: { readonly code?: unknown };
  };
}

/**
 * @example
 * const parley = createClient({ port, token });
 * const sent = await parley.call('messages.send', { contact: 'Bob', text: 'hi' });
 */
export function createClient(options: ClientOptions): Client {
  const url = options.url ?? `http://127.0.0.1:${options.port}/rpc`;
  const fetchFn = options.fetch ?? (globalThis as unknown as { fetch: FetchLike }).fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let nextId = 1;

  async function request(method: string, params: Readonly<Record<string, unknown>> = {}): Promise<unknown> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params });
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await fetchFn(url, { method: 'POST', headers, body });
    } catch {
      throw new TransportError('unreachable', `the Parley daemon is not reachable at ${url}`);
    }
    if (response.status === 401)
      throw new TransportError('unauthorized', 'the daemon refused our credentials', response.status);
    const answer = (await response.json().catch(() => undefined)) as RpcAnswer | undefined;
    const error = typeof answer === 'object' && answer !== null ? answer.error : undefined;
    // A refusal before any method ran (413: body too large) still comes as a JSON-RPC error.
    if (!response.ok && typeof error?.message !== 'string')
      throw new TransportError('http', `the daemon answered HTTP ${response.status}`, response.status);
    if (typeof answer !== 'object' || answer === null)
      throw new TransportError('bad-response', 'the daemon sent something other than a JSON-RPC answer');
    if (error) {
      const code = typeof error.data?.code === 'string' ? error.data.code : 'error';
      const rpcCode = typeof error.code === 'number' ? error.code : -32603;
      throw new RpcError(code, rpcCode, typeof error.message === 'string' ? error.message : 'error');
    }
    return answer.result;
  }

  function call<M extends MethodName>(method: M, ...params: ParamsArgs<M>): Promise<ResultOf<M>> {
    // The result is the daemon's, not checked here: the schema's result types describe it.
    return request(method, params[0]) as Promise<ResultOf<M>>;
  }

  return { call, request };
}
