/**
 * The daemon's local API (docs/API.md): JSON-RPC 2.0 over HTTP at POST /rpc
 * and a WebSocket of events at /events, on 127.0.0.1 only.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Caller, checkRequest, type GuardVerdict } from './api-guard.ts';

/** How long an idle keep-alive connection to the API stays open. */
export const API_KEEP_ALIVE_MS = 30_000;

/** Largest JSON-RPC request body accepted. */
export const RPC_BODY_MAX_BYTES = 1024 * 1024;
/** A WebSocket client that falls this far behind is disconnected. */
export const EVENTS_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface RpcError {
  readonly code: number;
  readonly message: string;
  readonly data?: { readonly code: string };
}

/** Runs one call; `caller` says how the request authenticated (api-guard.ts). */
export type RpcHandler = (method: string, params: unknown, caller: Caller) => Promise<unknown>;

/** Serves extra routes (the desktop app); returns true if it handled the request. */
export type ExtraRoutes = (
  req: IncomingMessage,
  res: ServerResponse,
  guard: () => GuardVerdict,
) => Promise<boolean>;

export interface ApiServer {
  readonly port: number;
  readonly token: string;
  readonly sessions: Set<string>;
  broadcast(type: string, data: unknown): void;
  /** Whether any /events client is connected (events nobody receives need not be built). */
  listening(): boolean;
  /** Calls `fn` whenever the number of /events clients goes from 0 to 1 or from 1 to 0. */
  onListening(fn: (listening: boolean) => void): void;
  close(): Promise<void>;
}

export class RpcFailure extends Error {
  readonly rpc: RpcError;
  constructor(rpc: RpcError) {
    super(rpc.message);
    this.rpc = rpc;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > RPC_BODY_MAX_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handleRpc(
  req: IncomingMessage,
  res: ServerResponse,
  rpc: RpcHandler,
  caller: Caller,
): Promise<void> {
  const text = await readBody(req);
  if (text === undefined)
    return send(res, 413, {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'request too large' },
    });
  let request: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  try {
    request = JSON.parse(text);
  } catch {
    return send(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
  }
  const id = typeof request.id === 'string' || typeof request.id === 'number' ? request.id : null;
  if (request.jsonrpc !== '2.0' || typeof request.method !== 'string') {
    return send(res, 200, { jsonrpc: '2.0', id, error: { code: -32600, message: 'invalid request' } });
  }
  try {
    const result = await rpc(request.method, request.params ?? {}, caller);
    send(res, 200, { jsonrpc: '2.0', id, result: result ?? null });
  } catch (error) {
    const rpcError: RpcError =
      error instanceof RpcFailure
        ? error.rpc
        : { code: -32603, message: 'internal error', data: { code: 'internal' } };
    send(res, 200, { jsonrpc: '2.0', id, error: rpcError });
  }
}

export async function startApiServer(options: {
  readonly rpc: RpcHandler;
  readonly extra?: ExtraRoutes;
  readonly port?: number;
}): Promise<ApiServer> {
  const token = randomBytes(32).toString('base64url'); // 256 bits
  const sessions = new Set<string>();
  let port = 0;
  const guardOptions = { port: () => port, token, sessions };
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const guard = (): GuardVerdict => checkRequest(req, guardOptions);
      if (options.extra && (await options.extra(req, res, guard))) return;
      const verdict = guard();
      if (!verdict.ok) return send(res, verdict.status, { error: verdict.reason });
      if (req.method === 'POST' && req.url === '/rpc')
        return handleRpc(req, res, options.rpc, verdict.caller);
      send(res, 404, { error: 'not found' });
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });
  server.on('upgrade', (req, socket, head) => {
    const verdict = checkRequest(req, guardOptions);
    if (!verdict.ok || req.url !== '/events') {
      socket.end(`HTTP/1.1 ${verdict.ok ? 404 : verdict.status} Refused\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const watchers: Array<(listening: boolean) => void> = [];
  wss.on('connection', (ws: WebSocket) => {
    if (wss.clients.size === 1) for (const fn of watchers) fn(true);
    ws.once('close', () => {
      if (wss.clients.size === 0) for (const fn of watchers) fn(false);
    });
  });
  // Headers must arrive within 10 s; a body may take as long as it keeps moving (uploads of large
  // files), but a connection idle for a minute is closed. /rpc bodies are also capped at 1 MiB.
  server.headersTimeout = 10_000;
  server.requestTimeout = 0;
  server.setTimeout(60_000);
  // An idle keep-alive connection is closed after 30 s, not Node's 5 s: a client that reuses it
  // just as the daemon closes it gets "other side closed" for a request the daemon never read,
  // and a busy client (a script, the CLI under load) is late by more than Node's 1 s margin.
  server.keepAliveTimeout = API_KEEP_ALIVE_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    sessions,
    broadcast(type, data) {
      const text = JSON.stringify({ type, data });
      for (const client of wss.clients as Set<WebSocket>) {
        if (client.readyState !== client.OPEN) continue;
        if (client.bufferedAmount > EVENTS_MAX_BUFFERED_BYTES) client.terminate();
        else client.send(text);
      }
    },
    listening: () => wss.clients.size > 0,
    onListening(fn) {
      watchers.push(fn);
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
