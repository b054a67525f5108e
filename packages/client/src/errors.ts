/** The errors a @parley/client call can end in. Match on `code`, not on the message. */

/** The daemon answered with a JSON-RPC error; `code` is its stable `error.data.code` (docs/API.md). */
export class RpcError extends Error {
  /** The stable application code, e.g. `unknown-contact`, `bad-input`; `error` if the daemon gave none. */
  readonly code: string;
  /** The JSON-RPC error code (-32602 bad params, -32000 a messenger error, …). */
  readonly rpcCode: number;
  constructor(code: string, rpcCode: number, message: string) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.rpcCode = rpcCode;
  }
}

/**
 * The daemon could not be asked or answered outside JSON-RPC: `unreachable` (no connection: not
 * running, wrong port), `unauthorized` (HTTP 401: wrong or stale token), `http` (another status),
 * `bad-response` (not a JSON-RPC answer).
 */
export type TransportErrorCode = 'unreachable' | 'unauthorized' | 'http' | 'bad-response';

export class TransportError extends Error {
  readonly code: TransportErrorCode;
  /** The HTTP status, when there was one. */
  readonly status: number | undefined;
  constructor(code: TransportErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
    this.status = status;
  }
}
