/**
 * The app's only link to the world: JSON-RPC at /rpc and the event stream at
 * /events, same origin, authenticated by the HttpOnly session cookie the
 * daemon set when it redeemed our one-time ticket.
 */
import {
  RpcError as ApiError,
  createClient,
  type MethodName,
  type ParamsArgs,
  type ResultOf,
  TransportError,
} from '@parley/client';
import type { DaemonConfig, MessageView, ParleyEvent } from './types.ts';

export class RpcError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const api = createClient({
  url: '/rpc',
  // The session cookie is the credential: same origin only.
  fetch: (url, init) => fetch(url, { ...init, credentials: 'same-origin' }),
});

/** The same, for a call that must outlive the page (sent as it unloads: `keepalive`). */
const lastWords = createClient({
  url: '/rpc',
  fetch: (url, init) => fetch(url, { ...init, credentials: 'same-origin', keepalive: true }),
});

/** @parley/client's errors in the words this app shows. */
function appError(error: unknown): unknown {
  if (error instanceof ApiError) return new RpcError(error.code, error.message);
  if (!(error instanceof TransportError)) return error;
  if (error.code === 'unreachable')
    return new RpcError('offline', 'The Parley daemon is not reachable. Is it still running?');
  if (error.code === 'unauthorized') return new RpcError('unauthorized', 'This window has no valid session.');
  return new RpcError('http', `The daemon answered HTTP ${error.status ?? '?'}.`);
}

/** Calls a method, typed by the API schema (@parley/client). */
export async function call<M extends MethodName>(method: M, ...params: ParamsArgs<M>): Promise<ResultOf<M>> {
  try {
    return await api.call(method, ...params);
  } catch (error) {
    throw appError(error);
  }
}

/** Like `call`, for a call made while the page unloads: the browser finishes it after the page is gone. */
export async function callOnExit<M extends MethodName>(
  method: M,
  ...params: ParamsArgs<M>
): Promise<ResultOf<M>> {
  try {
    return await lastWords.call(method, ...params);
  } catch (error) {
    throw appError(error);
  }
}

/** Reacts to a message (emoji '' removes ours) and returns the message as it now stands. */
export async function reactTo(conversation: string, m: MessageView, emoji: string): Promise<MessageView> {
  await call('messages.react', { contact: conversation, id: m.id, mine: m.direction === 'out', emoji });
  return call('messages.get', {
    contact: conversation,
    id: m.id,
    sender: m.direction === 'out' ? 'self' : 'peer',
  });
}

export async function daemonConfig(): Promise<DaemonConfig | null> {
  try {
    const res = await fetch('/ui/config', { credentials: 'same-origin' });
    return res.ok ? ((await res.json()) as DaemonConfig | null) : null;
  } catch {
    return null;
  }
}

export type Listener = (event: ParleyEvent) => void;
export type SocketStatus = 'connecting' | 'up' | 'down';

/** Reconnect delays grow to this. */
const RECONNECT_MAX_DELAY_MS = 5_000;

/** The /events WebSocket, reconnecting with backoff; fans events out to listeners. */
export class EventStream {
  readonly #listeners = new Set<Listener>();
  readonly #statusListeners = new Set<(s: SocketStatus) => void>();
  #socket: WebSocket | undefined;
  #delay = 250;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  status: SocketStatus = 'connecting';

  start(): void {
    this.#closed = false;
    this.#connect();
  }

  stop(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.close();
  }

  /** Tries to connect now rather than after the current backoff ("Try now"). */
  retry(): void {
    if (this.#closed || this.status === 'up') return;
    clearTimeout(this.#timer);
    this.#delay = 250;
    const old = this.#socket;
    this.#socket = undefined;
    old?.close();
    this.#connect();
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onStatus(listener: (s: SocketStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  #setStatus(s: SocketStatus): void {
    this.status = s;
    for (const l of this.#statusListeners) l(s);
  }

  #connect(): void {
    const socket = new WebSocket(`ws://${location.host}/events`);
    this.#socket = socket;
    socket.onopen = () => {
      this.#delay = 250;
      this.#setStatus('up');
    };
    socket.onmessage = (e) => {
      let event: ParleyEvent;
      try {
        event = JSON.parse(String(e.data)) as ParleyEvent;
      } catch {
        return;
      }
      for (const l of this.#listeners) {
        try {
          l(event);
        } catch (error) {
          console.error('event listener failed', error);
        }
      }
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#setStatus('down');
      if (this.#closed) return;
      this.#timer = setTimeout(() => this.#connect(), this.#delay);
      this.#delay = Math.min(this.#delay * 2, RECONNECT_MAX_DELAY_MS);
    };
  }
}
