/**
 * The daemon: one account's node (core + net + SQLite store) and its local
 * API. Started by `parley daemon`; stopped by SIGINT/SIGTERM or `daemon.stop`.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { accountProtection, createMessenger, type Messenger, type Store, unlockAccount } from '@parley/core';
import { safetyNumber, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { createParleyTransport, type ParleyTransport } from '@parley/net';
import { openSqliteStore } from '@parley/store';
import { CliError } from '../cli-error.ts';
import type { HomePaths } from '../home.ts';
import { VERSION } from '../version.ts';
import { type ApiServer, type ExtraRoutes, startApiServer } from './api-server.ts';
import { acquireLock } from './lock.ts';
import { rpcDispatcher, rpcMethods } from './rpc-methods.ts';

export interface DaemonOptions {
  readonly home: HomePaths;
  readonly listen: readonly string[];
  readonly bootstrap: readonly string[];
  readonly mdns: boolean;
  readonly passphrase?: string;
  /** Keep loopback/private addresses in DHT records (LAN and tests). */
  readonly privateAddresses?: boolean;
  readonly log: (line: string) => void;
  /** Extra HTTP routes: the desktop app. */
  readonly extraRoutes?: (daemon: { api: () => ApiServer; messenger: Messenger }) => ExtraRoutes;
}

export interface DaemonHandle {
  readonly port: number;
  readonly peerId: string;
  readonly messenger: Messenger;
  readonly api: ApiServer;
  stop(): Promise<void>;
  readonly stopped: Promise<void>;
}

export const MESSENGER_EVENTS = [
  'message',
  'contact',
  'typing',
  'conversation',
  'problem',
  'expired',
] as const;

function writePrivate(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

async function unlock(store: Store, options: DaemonOptions) {
  if (accountProtection(store) === 'keyfile') {
    let keyFile: Uint8Array;
    try {
      keyFile = new Uint8Array(readFileSync(options.home.keyFile));
    } catch {
      throw new CliError(
        'no-key-file',
        `the account's key file ${options.home.keyFile} is missing; restore it from your backup`,
      );
    }
    return unlockAccount(store, { keyFile }, nodePrimitives, systemRandom);
  }
  if (options.passphrase === undefined) {
    throw new CliError(
      'passphrase-needed',
      'this account has a passphrase: run "parley daemon --passphrase-stdin" and type it',
    );
  }
  return unlockAccount(store, { passphrase: options.passphrase }, nodePrimitives, systemRandom);
}

export async function startDaemon(options: DaemonOptions): Promise<DaemonHandle> {
  const { home } = options;
  const release = acquireLock(home.lockFile, home.dir);
  const cleanups: Array<() => Promise<void> | void> = [release];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse().splice(0)) await Promise.resolve(fn()).catch(() => undefined);
  };
  try {
    const store = openSqliteStore(home.database);
    cleanups.push(() => store.close());
    const account = await unlock(store, options);
    const transport: ParleyTransport = await createParleyTransport(
      {
        privateKey: account.peerKey,
        listen: options.listen,
        bootstrap: options.bootstrap,
        mdns: options.mdns,
        dhtAllowPrivateAddresses: options.privateAddresses ?? false,
      },
      { log: options.log },
    );
    cleanups.push(() => transport.stop());
    const messenger = createMessenger({
      store,
      transport,
      account,
      primitives: nodePrimitives,
      random: systemRandom,
    });
    await messenger.start();
    cleanups.push(() => messenger.stop());
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((r) => {
      resolveStopped = r;
    });
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= cleanup().then(resolveStopped);
      return stopping;
    };
    const fingerprint = (): string => {
      const me = { identity: account.identity.publicIdentity, peerId: account.info.peerId };
      return safetyNumber(me, me, nodePrimitives)
        .digits.slice(0, 30)
        .replace(/(\d{5})(?=\d)/g, '$1 ');
    };
    let apiRef: ApiServer | undefined;
    const extra = options.extraRoutes?.({ api: () => apiRef as ApiServer, messenger });
    const api = await startApiServer({
      rpc: rpcDispatcher(
        rpcMethods(messenger, {
          version: VERSION,
          pid: process.pid,
          startedAt: Date.now(),
          fingerprint,
          stop: () => void stop(),
        }),
      ),
      ...(extra ? { extra } : {}),
    });
    apiRef = api;
    cleanups.push(() => api.close());
    for (const type of MESSENGER_EVENTS) messenger.events.on(type, (event) => api.broadcast(type, event));
    writePrivate(home.tokenFile, `${api.token}\n`);
    writePrivate(home.apiFile, `${JSON.stringify({ pid: process.pid, port: api.port, version: VERSION })}\n`);
    cleanups.push(() => {
      rmSync(home.apiFile, { force: true });
      rmSync(home.tokenFile, { force: true });
    });
    options.log(`daemon ready: peer ${account.info.peerId}, API on 127.0.0.1:${api.port}`);
    return { port: api.port, peerId: account.info.peerId, messenger, api, stop, stopped };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
