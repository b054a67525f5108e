/**
 * `@parley/client/http`: only the client and its errors, without the schema's validators, for
 * callers that start often and want to load little (the `parley` command: ~30 ms less per run).
 */
export { type Client, type ClientOptions, createClient, type FetchLike, type ParamsArgs } from './client.ts';
export { RpcError, TransportError, type TransportErrorCode } from './errors.ts';
