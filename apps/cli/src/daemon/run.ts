/**
 * The daemon: one account's node (core + net + SQLite store) and its local
 * API. Started by `parley daemon` (or `parley ui`); stopped by SIGINT/SIGTERM
 * or the `daemon.stop` method.
 *
 * It can start before the account is usable: with no account yet
 * ('no-account') or a passphrase not yet given ('locked'), only the API runs,
 * offering `account.create` / `account.unlock` (the desktop app's
 * onboarding). Once unlocked it goes online ('ready').
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountIdOf, createMessenger, decodeDeviceLink, type Messenger } from '@parley/core';
import { bufferedRandom, safetyNumber, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { createParleyTransport, type ParleyNetwork, type ParleyTransport } from '@parley/net';
import { mailboxDatabaseKey, openMailStore } from '@parley/store';
import { CliError } from '../cli-error.ts';
import type { HomePaths } from '../home.ts';
import { VERSION } from '../version.ts';
import {
  homeHasAccount,
  type OpenAccount,
  setUpAccount,
  tryUnlock,
  type UpgradeProgress,
} from './account-setup.ts';
import { type ApiServer, type ExtraRoutes, RpcFailure, startApiServer } from './api-server.ts';
import { PATH_METHODS } from './attachment-methods.ts';
import { faultsFromEnv } from './faults.ts';
import { createFileBlobStore } from './file-blobs.ts';
import { linkThisDevice } from './link-device.ts';
import { DEFAULT_LISTEN, rememberedListen, rememberListen } from './listen.ts';
import { acquireLock } from './lock.ts';
import { redactPeerIds, shortPeerId } from './log-redaction.ts';
import { readyMethods } from './methods.ts';
import { handlers, type Method, own, rpcDispatcher } from './rpc-methods.ts';
import { tracerFromEnv } from './trace.ts';

export type DaemonState = 'no-account' | 'locked' | 'ready';

export interface DaemonOptions {
  readonly home: HomePaths;
  /** Listen multiaddrs; undefined = the ports of the last run (listen.ts), else random ones. */
  readonly listen?: readonly string[];
  /** 'public': the Amino DHT and (without `bootstrap`) the standard bootstrap list; 'private': closed. */
  readonly network: ParleyNetwork;
  /** Replaces the network's default bootstrap list when not empty. */
  readonly bootstrap: readonly string[];
  /** Relays to hold a reservation on, besides the ones found (`--relay`). */
  readonly relays?: readonly string[];
  readonly mdns: boolean;
  readonly passphrase?: string;
  /** Keep loopback/private addresses in DHT records (LAN and tests). */
  readonly privateAddresses?: boolean;
  /** Largest attachment sent or accepted (default 2 GiB). */
  readonly attachmentMaxBytes?: number;
  /** Start even without a usable account (the desktop app onboards through the API). */
  readonly allowLocked?: boolean;
  /** Where log lines go (PeerIds in them are shortened first: log-redaction.ts). */
  readonly log: (line: string) => void;
  /** Extra HTTP routes: the desktop app. */
  readonly extraRoutes?: (daemon: DaemonView) => ExtraRoutes;
}

export interface DaemonView {
  readonly api: () => ApiServer;
  readonly state: () => DaemonState;
  /** Set once the account is unlocked (the desktop app's upload and download routes). */
  readonly messenger: () => Messenger | undefined;
}

export interface DaemonHandle extends DaemonView {
  readonly port: number;
  /** Set once the account is unlocked. */
  messenger(): Messenger | undefined;
  /** Resolves when the account is unlocked and online. */
  readonly online: Promise<Messenger>;
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
  'attachment',
  'group',
  'post',
  'channel',
  'outbox',
  'searchIndex',
  'devices',
  'history',
] as const;

function writePrivate(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

const stateError = (state: DaemonState): RpcFailure =>
  new RpcFailure({
    code: -32001,
    message:
      state === 'no-account' ? 'no account yet: create one first' : 'the account is locked: unlock it first',
    data: { code: state === 'no-account' ? 'no-account' : 'locked' },
  });

export async function startDaemon(options: DaemonOptions): Promise<DaemonHandle> {
  const { home } = options;
  const log = (line: string): void => options.log(redactPeerIds(line));
  const release = acquireLock(home.lockFile, home.dir);
  const cleanups: Array<() => Promise<void> | void> = [release];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse().splice(0)) await Promise.resolve(fn()).catch(() => undefined);
  };
  try {
    const faults = faultsFromEnv(process.env, log);
    const tracer = tracerFromEnv(process.env, log);
    let state: DaemonState = homeHasAccount(home) ? 'locked' : 'no-account';
    let messenger: Messenger | undefined;
    let methods: Record<string, Method> | undefined;
    let resolveOnline!: (m: Messenger) => void;
    const online = new Promise<Messenger>((r) => {
      resolveOnline = r;
    });
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((r) => {
      resolveStopped = r;
    });
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= cleanup().then(resolveStopped);
      return stopping;
    };
    let apiRef: ApiServer | undefined;
    const view: DaemonView = {
      api: () => apiRef as ApiServer,
      state: () => state,
      messenger: () => messenger,
    };

    // The first unlock of an account from before page encryption encrypts its database: say how far.
    let lastPercent = -1;
    const upgradeProgress: UpgradeProgress = ({ done, total }) => {
      const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
      if (percent === lastPercent || (percent % 10 !== 0 && percent !== 100)) return;
      lastPercent = percent;
      log(`encrypting the database (first start of this version): ${percent}% of ${total} rows`);
    };

    const goOnline = async ({ account, store: openStore }: OpenAccount): Promise<void> => {
      const store = faults.wrapStore(openStore);
      cleanups.push(() => store.close());
      const transportFor = (listen: readonly string[]) =>
        createParleyTransport(
          {
            privateKey: account.peerKey,
            listen,
            network: options.network,
            bootstrap: options.bootstrap,
            relays: options.relays ?? [],
            mdns: options.mdns,
            // A private network is a closed deployment or a test: its node asks no router for a
            // port mapping (UPnP's search is multicast on every interface).
            upnp: options.network === 'public',
            dhtAllowPrivateAddresses: options.privateAddresses ?? false,
          },
          { log, privateAddressesArePublic: options.privateAddresses ?? false },
        );
      let unwrapped: ParleyTransport;
      if (options.listen) unwrapped = await transportFor(options.listen);
      else {
        // Last run's ports if they are still free, else fresh ones; then remember what we got.
        unwrapped = await transportFor(rememberedListen(home.dir)).catch(() => transportFor(DEFAULT_LISTEN));
        rememberListen(
          home.dir,
          unwrapped.node.getMultiaddrs().map((ma) => ma.toString()),
        );
      }
      const transport = tracer.wrapTransport(faults.wrapTransport(unwrapped));
      cleanups.push(() => transport.stop());
      const m = createMessenger({
        store,
        transport,
        account,
        primitives: nodePrimitives,
        random: bufferedRandom(systemRandom), // one CSPRNG call per 4 KiB of ids and nonces
        blobs: createFileBlobStore(join(home.dir, 'attachments')),
        // Mail we hold for friends (parley mailbox offer): its own file, opened on first use.
        mailStore: () => {
          const key = mailboxDatabaseKey(account.vault);
          try {
            return openMailStore(home.mailboxDatabase, { key });
          } finally {
            key.fill(0);
          }
        },
        ...(options.attachmentMaxBytes ? { limits: { attachmentMaxBytes: options.attachmentMaxBytes } } : {}),
      });
      if (tracer.active) m.events.on('problem', (p) => tracer.note(`problem ${p.code}: ${p.message}`));
      // Messages stored before search existed are indexed in the background (docs/DESIGN.md §5.6).
      let searchLogged = 0;
      m.events.on('searchIndex', ({ indexed, done }) => {
        if (done && indexed > 0) log(`search: indexed ${indexed} earlier messages`);
        else if (!done && (searchLogged === 0 || indexed - searchLogged >= 10_000)) {
          searchLogged = indexed;
          log(`search: indexing earlier messages (${indexed} so far)`);
        }
      });
      // A newly linked device brings the history from the device that approved it (docs/MULTI-DEVICE.md).
      let historyLogged = 0;
      m.events.on('history', ({ received, conversations, conversationsDone, done }) => {
        if (done)
          log(`history: ${received} messages from your other device, all ${conversations} conversations`);
        else if (historyLogged === 0 || received - historyLogged >= 10_000) {
          historyLogged = received;
          log(
            `history: ${received} messages so far from your other device (conversation ${conversationsDone + 1} of ${conversations})`,
          );
        }
      });
      await m.start();
      cleanups.push(() => m.stop());
      const fingerprint = (): string => {
        // The account's half of every safety number: the same on each of its devices.
        const me = { identity: account.accountIdentity.publicIdentity, peerId: accountIdOf(account.info) };
        return safetyNumber(me, me, nodePrimitives)
          .digits.slice(0, 30)
          .replace(/(\d{5})(?=\d)/g, '$1 ');
      };
      const info = {
        version: VERSION,
        pid: process.pid,
        startedAt: Date.now(),
        fingerprint,
        stop: () => void stop(),
        reachability: () => unwrapped.reachability(),
      };
      methods = readyMethods(m, info, {
        home,
        account,
        fingerprint,
        onPassphraseStep: (step) => faults.passphraseStep(step),
      });
      // Forward the messenger's events only while an /events client listens: message views cost
      // work to build (and a daemon driven only by RPC, or by nobody, needs none).
      let forwarding: Array<() => void> = [];
      const forward = (listening: boolean): void => {
        for (const off of forwarding.splice(0)) off();
        if (listening)
          forwarding = MESSENGER_EVENTS.map((type) =>
            m.events.on(type, (event) => apiRef?.broadcast(type, event)),
          );
      };
      forward(apiRef?.listening() ?? false);
      apiRef?.onListening(forward);
      messenger = m;
      state = 'ready';
      apiRef?.broadcast('state', { state });
      // No name in the log: `parley ui` keeps it in the data folder (daemon.log), which holds nothing readable.
      log(`online (${shortPeerId(account.info.peerId)})`);
      resolveOnline(m);
    };

    // The params are the schema's (rpcDispatcher validates them first): `name` and `passphrase`
    // are strings here, and a wrong type never reaches these handlers (-32602 bad-input).
    const setupMethods = handlers({
      'daemon.state': () => ({ state, version: VERSION, pid: process.pid }),
      'daemon.stop': () => {
        setTimeout(() => void stop(), 10);
        return { stopping: true };
      },
      'account.create': async (p) => {
        if (state !== 'no-account')
          throw new RpcFailure({
            code: -32000,
            message: 'an account already exists',
            data: { code: 'account-exists' },
          });
        // An empty passphrase, like none, means a key file beside the database.
        const passphrase = p.passphrase || null;
        await goOnline(await setUpAccount(home, p.name, passphrase));
        return { state };
      },
      'account.link': async (p) => {
        if (state !== 'no-account')
          throw new RpcFailure({
            code: -32000,
            message: 'an account already exists',
            data: { code: 'account-exists' },
          });
        const offer = decodeDeviceLink(p.link, Date.now()); // CoreError bad-link / link-expired
        const net = {
          network: options.network,
          bootstrap: options.bootstrap,
          privateAddresses: options.privateAddresses ?? false,
          mdns: options.mdns,
        };
        try {
          const { account, store } = await linkThisDevice(home, offer, p.name, p.passphrase || null, net);
          await goOnline({ account, store });
        } catch (error) {
          if (error instanceof CliError)
            throw new RpcFailure({ code: -32000, message: error.message, data: { code: error.code } });
          throw error;
        }
        return { state };
      },
      'account.unlock': async (p) => {
        if (state !== 'locked') throw stateError(state);
        const opened = await tryUnlock(home, p.passphrase, upgradeProgress);
        if (opened) await goOnline(opened);
        return { state };
      },
    });
    const lockedMethod: Method = () => Promise.reject(stateError(state));
    const dispatch = rpcDispatcher(
      (method) => own(setupMethods)(method) ?? (methods ? own(methods)(method) : lockedMethod),
      PATH_METHODS,
    );
    const extra = options.extraRoutes?.(view);
    const api = await startApiServer({ rpc: dispatch, ...(extra ? { extra } : {}) });
    apiRef = api;
    cleanups.push(() => api.close());
    writePrivate(home.tokenFile, `${api.token}\n`);
    writePrivate(home.apiFile, `${JSON.stringify({ pid: process.pid, port: api.port, version: VERSION })}\n`);
    cleanups.push(() => {
      rmSync(home.apiFile, { force: true });
      rmSync(home.tokenFile, { force: true });
    });

    if (state === 'locked') {
      const opened = await tryUnlock(home, options.passphrase, upgradeProgress);
      if (opened) await goOnline(opened);
    }
    if ((state as DaemonState) !== 'ready' && !options.allowLocked) {
      throw state === 'no-account'
        ? new CliError('no-account', `no account in ${home.dir}; create one with "parley init --name NAME"`)
        : new CliError(
            'passphrase-needed',
            'this account has a passphrase: run "parley daemon --passphrase-stdin" and type it',
          );
    }
    return { ...view, port: api.port, messenger: () => messenger, online, stop, stopped };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
