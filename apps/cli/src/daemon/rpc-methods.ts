/**
 * The JSON-RPC methods of the local API (docs/API.md), a thin layer over
 * core's Messenger: validate params, call, return JSON.
 */
import { CoreError, type Messenger } from '@parley/core';
import type { Caller } from './api-guard.ts';
import { RpcFailure } from './api-server.ts';

type Params = Record<string, unknown>;
export type Method = (p: Params) => unknown;

/** Own-property lookup (never Object.prototype's members). */
export const own =
  (table: Record<string, Method>) =>
  (method: string): Method | undefined =>
    Object.hasOwn(table, method) ? table[method] : undefined;

export interface DaemonInfo {
  readonly version: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly fingerprint: () => string;
  readonly stop: () => void;
  /** How this node can be reached (net's Reachability: public, nat, upnp, relays, addresses). */
  readonly reachability?: () => unknown;
}

const bad = (message: string): RpcFailure =>
  new RpcFailure({ code: -32602, message, data: { code: 'bad-input' } });

function str(p: Params, key: string): string {
  const v = p[key];
  if (typeof v !== 'string' || v.length === 0) throw bad(`"${key}" must be a non-empty string`);
  return v;
}

function optStr(p: Params, key: string): string | undefined {
  return p[key] === undefined || p[key] === null ? undefined : str(p, key);
}

function optNum(p: Params, key: string): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`"${key}" must be a number`);
  return v;
}

function bool(p: Params, key: string, fallback: boolean): boolean {
  const v = p[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw bad(`"${key}" must be true or false`);
  return v;
}

export function rpcMethods(messenger: Messenger, info: DaemonInfo): Record<string, Method> {
  return {
    status: () => ({
      ...messenger.status(),
      version: info.version,
      pid: info.pid,
      startedAt: info.startedAt,
      ...(info.reachability ? { reachability: info.reachability() } : {}),
    }),
    id: () => {
      const s = messenger.status();
      return { peerId: s.peerId, name: s.name, fingerprint: info.fingerprint(), addresses: s.addresses };
    },
    'invite.create': (p) => {
      const ttlMs = optNum(p, 'ttlMs');
      return messenger.createInvite({
        reusable: bool(p, 'reusable', false),
        ...(ttlMs === undefined ? {} : { ttlMs }),
      });
    },
    'contacts.list': () => messenger.contacts(),
    'contacts.get': (p) => messenger.contact(str(p, 'name')),
    'contacts.add': (p) => messenger.acceptInvite(str(p, 'link'), optStr(p, 'name')),
    'contacts.rename': (p) => messenger.renameContact(str(p, 'name'), str(p, 'newName')),
    'contacts.remove': (p) => messenger.removeContact(str(p, 'name')),
    'contacts.safetyNumber': (p) => {
      const n = messenger.safetyNumber(str(p, 'name'));
      return { digits: n.digits, groups: n.groups, qr: Buffer.from(n.qrPayload).toString('base64url') };
    },
    'contacts.verify': (p) => messenger.markVerified(str(p, 'name'), bool(p, 'verified', true)),
    'contacts.acceptKey': (p) => messenger.acceptIdentityChange(str(p, 'name')),
    'messages.send': (p) => {
      const replyTo = p.replyTo as { id?: unknown; mine?: unknown } | undefined;
      if (replyTo !== undefined && (typeof replyTo?.id !== 'string' || typeof replyTo.mine !== 'boolean')) {
        throw bad('"replyTo" must be {id, mine}');
      }
      const text = p.text;
      if (typeof text !== 'string') throw bad('"text" must be a string');
      return messenger.queueText(
        str(p, 'contact'),
        text,
        replyTo as { id: string; mine: boolean } | undefined,
      );
    },
    'messages.sendMany': (p) => {
      const texts = p.texts;
      if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string'))
        throw bad('"texts" must be an array of strings');
      return messenger.queueTexts(str(p, 'contact'), texts);
    },
    'messages.list': (p) => {
      const limit = optNum(p, 'limit');
      const before = optNum(p, 'before');
      return messenger.messages(str(p, 'contact'), {
        ...(limit ? { limit } : {}),
        ...(before ? { before } : {}),
      });
    },
    'messages.get': (p) =>
      messenger.message(str(p, 'contact'), {
        id: str(p, 'id'),
        sender: p.sender === 'peer' ? 'peer' : 'self',
      }),
    'messages.react': (p) => {
      messenger.react(
        str(p, 'contact'),
        { id: str(p, 'id'), mine: bool(p, 'mine', false) },
        typeof p.emoji === 'string' ? p.emoji : '',
      );
      return null;
    },
    'messages.edit': (p) => messenger.edit(str(p, 'contact'), str(p, 'id'), str(p, 'text')),
    'messages.delete': (p) => messenger.deleteForEveryone(str(p, 'contact'), str(p, 'id')),
    'conversations.list': () => messenger.conversations(),
    'conversations.markRead': (p) => ({ read: messenger.markRead(str(p, 'contact')) }),
    'conversations.setDisappearing': (p) => {
      messenger.setDisappearing(str(p, 'contact'), optNum(p, 'ms') ?? null);
      return null;
    },
    'typing.set': (p) => {
      messenger.setTyping(str(p, 'contact'), bool(p, 'active', true));
      return null;
    },
    'settings.get': () => messenger.settings(),
    'settings.update': (p) =>
      messenger.updateSettings({ readReceipts: bool(p, 'readReceipts', messenger.settings().readReceipts) }),
    'daemon.stop': () => {
      setTimeout(info.stop, 10);
      return { stopping: true };
    },
  };
}

/** A JSON-RPC error: a browser session called a method only the token may call. */
export const TOKEN_REQUIRED_CODE = -32002;

const tokenRequired = (method: string): RpcFailure =>
  new RpcFailure({
    code: TOKEN_REQUIRED_CODE,
    message: `"${method}" reads or writes a file on this machine by its path, which a browser session may not do: use the API token (the parley command); Parley Desktop sends files through /upload and saves them through /attachments/ID`,
    data: { code: 'token-required' },
  });

/**
 * Dispatches a call; maps CoreError to a JSON-RPC error whose data.code is stable. Methods in
 * `tokenOnly` (those that take a filesystem path) are refused to browser sessions before lookup:
 * a page that got hold of a session must not be able to read or write the user's files.
 */
export function rpcDispatcher(
  lookup: (method: string) => Method | undefined,
  tokenOnly: ReadonlySet<string>,
) {
  return async (method: string, params: unknown, caller: Caller): Promise<unknown> => {
    if (caller !== 'token' && tokenOnly.has(method)) throw tokenRequired(method);
    const fn = lookup(method);
    if (!fn)
      throw new RpcFailure({
        code: -32601,
        message: `unknown method "${method}"`,
        data: { code: 'unknown-method' },
      });
    if (typeof params !== 'object' || params === null || Array.isArray(params))
      throw bad('params must be an object');
    try {
      return await fn(params as Params);
    } catch (error) {
      if (error instanceof RpcFailure) throw error;
      if (error instanceof CoreError)
        throw new RpcFailure({ code: -32000, message: error.message, data: { code: error.code } });
      throw error;
    }
  };
}
