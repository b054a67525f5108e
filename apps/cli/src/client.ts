/**
 * Talks to the running daemon through its local API: the address and token
 * come from files in the data folder. Light on purpose (no libp2p here), so
 * client commands start fast.
 */
import { readFileSync } from 'node:fs';
// Types only: the schema's validators stay out of the command's start-up.
import type { MethodName, ResultOf } from '@parley/client';
import { createClient, type ParamsArgs, RpcError, TransportError } from '@parley/client/http';
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

/** @parley/client's errors as the CLI's own, with their exit codes. */
function cliError(error: unknown, home: HomePaths): unknown {
  if (error instanceof RpcError) return new CliError(error.code, error.message, exitCodeFor(error.code));
  if (!(error instanceof TransportError)) return error;
  if (error.code === 'unreachable') return notRunning(home);
  if (error.code === 'unauthorized')
    return new CliError('unauthorized', 'the daemon refused our token; restart the daemon');
  return new CliError('error', error.message);
}

export interface Client {
  /** Calls a method, typed by the API schema (@parley/client). */
  call<M extends MethodName>(method: M, ...params: ParamsArgs<M>): Promise<ResultOf<M>>;
  /** Opens the event stream; resolves once subscribed. */
  events(onEvent: (event: EventMessage) => void): Promise<{ close(): void; closed: Promise<void> }>;
}

export function connect(home: HomePaths): Client {
  const address = daemonAddress(home);
  const base = `127.0.0.1:${address.port}`;
  const api = createClient({ port: address.port, token: address.token });
  return {
    async call(method, ...params) {
      try {
        return await api.call(method, ...params);
      } catch (error) {
        throw cliError(error, home);
      }
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
