/**
 * Talks to the running daemon through its local API: the address and token
 * come from files in the data folder. Light on purpose (no libp2p here), so
 * client commands start fast.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { CliError, exitCodeFor } from './cli-error.ts';
import { EXIT_UNAVAILABLE } from './exit-codes.ts';
import type { HomePaths } from './home.ts';

export interface DaemonAddress {
  readonly port: number;
  readonly token: string;
}

export interface EventMessage {
  readonly type: string;
  readonly data: unknown;
}

const notRunning = (home: HomePaths): CliError =>
  new CliError(
    'daemon-not-running',
    `the Parley daemon is not running for ${home.dir}; start it with "parley daemon${home.dir ? ` --home ${home.dir}` : ''}" (or "parley ui")`,
    EXIT_UNAVAILABLE,
  );

export function daemonAddress(home: HomePaths): DaemonAddress {
  try {
    const { port } = JSON.parse(readFileSync(home.apiFile, 'utf8')) as { port: number };
    const token = readFileSync(home.tokenFile, 'utf8').trim();
    if (!Number.isInteger(port) || token.length === 0) throw new Error('bad api file');
    return { port, token };
  } catch {
    throw notRunning(home);
  }
}

export interface Client {
  call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Opens the event stream; resolves once subscribed. */
  events(onEvent: (event: EventMessage) => void): Promise<{ close(): void; closed: Promise<void> }>;
}

export function connect(home: HomePaths): Client {
  const address = daemonAddress(home);
  const base = `127.0.0.1:${address.port}`;
  let nextId = 1;
  return {
    async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      let response: Response;
      try {
        response = await fetch(`http://${base}/rpc`, {
          method: 'POST',
          headers: { authorization: `Bearer ${address.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
        });
      } catch {
        throw notRunning(home);
      }
      if (response.status === 401)
        throw new CliError('unauthorized', 'the daemon refused our token; restart the daemon');
      const body = (await response.json()) as {
        result?: T;
        error?: { message: string; data?: { code?: string } };
      };
      if (body.error) {
        const code = body.error.data?.code ?? 'error';
        throw new CliError(code, body.error.message, exitCodeFor(code));
      }
      return body.result as T;
    },
    events(onEvent) {
      const ws = new WebSocket(`ws://${base}/events`, {
        headers: { authorization: `Bearer ${address.token}` },
      });
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.on('message', (data) => {
        try {
          onEvent(JSON.parse(String(data)) as EventMessage);
        } catch {
          // ignore a malformed event
        }
      });
      return new Promise((resolve, reject) => {
        ws.once('open', () => resolve({ close: () => ws.close(), closed }));
        ws.once('error', () => reject(notRunning(home)));
      });
    },
  };
}
