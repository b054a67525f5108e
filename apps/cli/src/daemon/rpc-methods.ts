/**
 * The JSON-RPC methods of the local API (docs/API.md), a thin layer over
 * core's Messenger: the params arrive checked against @parley/client's schema
 * (rpcDispatcher), each method calls the Messenger and returns JSON.
 */
import { type CheckedParams, checkParams, isMethodName, type MethodName } from '@parley/client';
import { openRpcDocument } from '@parley/client/openrpc';
import { CoreError, type Messenger } from '@parley/core';
import { VERSION } from '../version.ts';
import type { Caller } from './api-guard.ts';
import { RpcFailure } from './api-server.ts';

type Params = Record<string, unknown>;
export type Method = (p: Params) => unknown;

/** A table of methods, each given its params as the schema's output type. */
export type Handlers<K extends MethodName> = { readonly [M in K]: (p: CheckedParams<M>) => unknown };

/**
 * Forgets each handler's param type so the table can be looked up by name. Sound because
 * rpcDispatcher calls a handler only with what `validate` returned for that same method.
 */
export const handlers = <K extends MethodName>(table: Handlers<K>): Record<string, Method> =>
  table as unknown as Record<string, Method>;

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

/** The one error for a malformed call: JSON-RPC -32602, data.code `bad-input`, naming the parameter. */
export const badInput = (message: string): RpcFailure =>
  new RpcFailure({ code: -32602, message, data: { code: 'bad-input' } });

/** `params` checked against `method`'s schema (@parley/client), or the bad-input RpcFailure. */
export function validate<M extends MethodName>(method: M, params: unknown): CheckedParams<M> {
  const checked = checkParams(method, params);
  if (!checked.ok) throw badInput(checked.message);
  return checked.params;
}

export function rpcMethods(messenger: Messenger, info: DaemonInfo): Record<string, Method> {
  return handlers({
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
    'invite.create': (p) =>
      messenger.createInvite({ reusable: p.reusable, ...(p.ttlMs == null ? {} : { ttlMs: p.ttlMs }) }),
    'contacts.list': () => messenger.contacts(),
    'contacts.get': (p) => messenger.contact(p.name),
    'contacts.add': (p) => messenger.acceptInvite(p.link, p.name ?? undefined),
    'contacts.rename': (p) => messenger.renameContact(p.name, p.newName),
    'contacts.remove': (p) => messenger.removeContact(p.name),
    'contacts.safetyNumber': (p) => {
      const n = messenger.safetyNumber(p.name);
      return { digits: n.digits, groups: n.groups, qr: Buffer.from(n.qrPayload).toString('base64url') };
    },
    'contacts.verify': (p) => messenger.markVerified(p.name, p.verified),
    'contacts.acceptKey': (p) => messenger.acceptIdentityChange(p.name),
    'messages.send': (p) => messenger.queueText(p.contact, p.text, p.replyTo),
    'messages.sendMany': (p) => messenger.queueTexts(p.contact, p.texts),
    'messages.list': (p) =>
      messenger.messages(p.contact, {
        ...(p.limit ? { limit: p.limit } : {}),
        ...(p.before ? { before: p.before } : {}),
      }),
    'messages.search': (p) =>
      messenger.search({
        query: p.query,
        ...(p.conversation ? { conversation: p.conversation } : {}),
        ...(p.limit ? { limit: p.limit } : {}),
        ...(p.before ? { before: p.before } : {}),
      }),
    'messages.get': (p) => messenger.message(p.contact, { id: p.id, sender: p.sender ?? 'self' }),
    'messages.react': (p) => {
      messenger.react(p.contact, { id: p.id, mine: p.mine }, p.emoji ?? '');
      return null;
    },
    'messages.edit': (p) => messenger.edit(p.contact, p.id, p.text),
    'messages.delete': (p) => messenger.deleteForEveryone(p.contact, p.id),
    'messages.deleteForMe': async (p) => {
      await messenger.deleteForMe(p.contact, { id: p.id, sender: p.sender ?? 'self' });
      return null;
    },
    'conversations.list': () => messenger.conversations(),
    'conversations.markRead': (p) => ({ read: messenger.markRead(p.contact) }),
    'conversations.markUnread': (p) => {
      messenger.markUnread(p.contact);
      return null;
    },
    'drafts.set': (p) => {
      messenger.setDraft(p.conversation, p.text);
      return null;
    },
    'drafts.list': () => messenger.drafts(),
    'conversations.setDisappearing': (p) => {
      messenger.setDisappearing(p.contact, p.ms ?? null);
      return null;
    },
    'typing.set': (p) => {
      messenger.setTyping(p.contact, p.active);
      return null;
    },
    'settings.get': () => messenger.settings(),
    'settings.update': (p) =>
      messenger.updateSettings({ readReceipts: p.readReceipts ?? messenger.settings().readReceipts }),
    'daemon.stop': () => {
      setTimeout(info.stop, 10);
      return { stopping: true };
    },
  });
}

/** A JSON-RPC error: a browser session called a method only the token may call. */
export const TOKEN_REQUIRED_CODE = -32002;

const tokenRequired = (method: string): RpcFailure =>
  new RpcFailure({
    code: TOKEN_REQUIRED_CODE,
    message: `"${method}" reads or writes a file on this machine by its path, which a browser session may not do: use the API token (the parley command); Parley Desktop sends files through /upload and saves them through /attachments/ID`,
    data: { code: 'token-required' },
  });

/** rpc.discover: the OpenRPC document, built once, in any daemon state. */
let document: unknown;
const discover: Method = () => {
  document ??= openRpcDocument(VERSION);
  return document;
};

/**
 * Dispatches a call: checks its params against the schema (`validate`), runs the method, and maps
 * CoreError to a JSON-RPC error whose data.code is stable. Methods in `tokenOnly` (those that take
 * a filesystem path) are refused to browser sessions before lookup: a page that got hold of a
 * session must not be able to read or write the user's files.
 */
export function rpcDispatcher(
  lookup: (method: string) => Method | undefined,
  tokenOnly: ReadonlySet<string>,
) {
  return async (method: string, params: unknown, caller: Caller): Promise<unknown> => {
    if (caller !== 'token' && tokenOnly.has(method)) throw tokenRequired(method);
    // Only the schema's methods are served, so rpc.discover lists every one (test: discover.test.ts).
    const fn = isMethodName(method) ? (method === 'rpc.discover' ? discover : lookup(method)) : undefined;
    if (!fn || !isMethodName(method))
      throw new RpcFailure({
        code: -32601,
        message: `unknown method "${method}"`,
        data: { code: 'unknown-method' },
      });
    const checked = validate(method, params);
    try {
      return await fn(checked);
    } catch (error) {
      if (error instanceof RpcFailure) throw error;
      if (error instanceof CoreError)
        throw new RpcFailure({ code: -32000, message: error.message, data: { code: error.code } });
      throw error;
    }
  };
}
