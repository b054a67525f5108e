/**
 * The local API is described once (@parley/client's schema): the daemon serves exactly the
 * schema's methods, answers `rpc.discover` with an OpenRPC 1.3 document of all of them, and
 * refuses malformed params with the one error, -32602 `bad-input`, naming the parameter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, METHOD_NAMES, RpcError } from '@parley/client';
import type { Messenger } from '@parley/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonAddress } from '../src/client.ts';
import type { ProfileDeps } from '../src/daemon/account-methods.ts';
import { RpcFailure } from '../src/daemon/api-server.ts';
import { PATH_METHODS } from '../src/daemon/attachment-methods.ts';
import { readyMethods } from '../src/daemon/methods.ts';
import { type DaemonInfo, type Method, own, rpcDispatcher } from '../src/daemon/rpc-methods.ts';
import { type DaemonHandle, startDaemon } from '../src/daemon/run.ts';
import { resolveHome } from '../src/home.ts';

/** Served by run.ts itself, in every state (before an account exists too). */
const SETUP_METHODS = ['daemon.state', 'daemon.stop', 'account.create', 'account.link', 'account.unlock'];
/** Answered by the dispatcher itself. */
const DISPATCHER_METHODS = ['rpc.discover'];

const info: DaemonInfo = { version: 'test', pid: 1, startedAt: 0, fingerprint: () => '', stop: () => {} };

/** The method tables of a ready daemon; the messenger is only called when a method runs. */
function tables(messenger: Messenger): Record<string, Method> {
  return readyMethods(messenger, info, {} as ProfileDeps);
}

interface OpenRpcDocument {
  readonly openrpc: string;
  readonly info: { readonly version: string };
  readonly methods: ReadonlyArray<{
    readonly name: string;
    readonly params: ReadonlyArray<{
      readonly name: string;
      readonly required: boolean;
      readonly schema: object;
    }>;
    readonly result: { readonly schema: object };
  }>;
}

describe('rpc.discover over HTTP (a daemon without an account)', () => {
  let dir = '';
  let daemon: DaemonHandle;
  let document: OpenRpcDocument;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-api-schema-'));
    const home = resolveHome(dir, {});
    daemon = await startDaemon({
      home,
      network: 'private',
      bootstrap: [],
      mdns: false,
      allowLocked: true,
      log: () => {},
    });
    const api = createClient(daemonAddress(home));
    document = (await api.call('rpc.discover')) as unknown as OpenRpcDocument;
  });
  afterAll(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is an OpenRPC 1.3 document with params and a result for each method', () => {
    expect(document.openrpc).toMatch(/^1\.3\.\d+$/);
    for (const method of document.methods) {
      expect(Array.isArray(method.params), method.name).toBe(true);
      expect(method.result.schema, method.name).toBeTypeOf('object');
    }
    const send = document.methods.find((m) => m.name === 'messages.send');
    expect(send?.params.map((p) => [p.name, p.required])).toEqual([
      ['contact', true],
      ['text', true],
      ['replyTo', false],
    ]);
  });

  it('lists every method the daemon serves, and serves every method it lists', () => {
    const listed = document.methods.map((m) => m.name).sort();
    const served = [
      ...new Set([...Object.keys(tables({} as Messenger)), ...SETUP_METHODS, ...DISPATCHER_METHODS]),
    ].sort();
    expect(listed).toEqual(served);
    expect(listed).toEqual([...METHOD_NAMES].sort());
  });

  it('refuses a method outside the schema (-32601) and bad params (-32602 bad-input)', async () => {
    const api = createClient({ port: daemon.port, token: daemonAddress(resolveHome(dir, {})).token });
    await expect(api.request('no.such.method')).rejects.toMatchObject({ rpcCode: -32601 });
    await expect(api.request('account.create', {})).rejects.toMatchObject({
      code: 'bad-input',
      rpcCode: -32602,
      message: '"name" must be a string',
    });
    const error = await api.request('account.create', { name: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(await api.call('daemon.state')).toMatchObject({ state: 'no-account' });
  });
});

describe('validation through the schema (rpcDispatcher)', () => {
  const seen: unknown[] = [];
  const messenger = new Proxy({} as Messenger, {
    get:
      (_, key) =>
      (...args: unknown[]) => {
        seen.push([key, ...args]);
        return { ok: true };
      },
  });
  const dispatch = rpcDispatcher(own(tables(messenger)), PATH_METHODS);
  const failure = (method: string, params: unknown) =>
    dispatch(method, params, 'token').then(
      () => undefined,
      (e: unknown) => (e instanceof RpcFailure ? e.rpc : e),
    );

  it.each([
    ['contacts.get', {}, '"name" must be a non-empty string'],
    ['contacts.get', { name: '' }, '"name" must be a non-empty string'],
    ['invite.create', { ttlMs: 'soon' }, '"ttlMs" must be a number'],
    ['contacts.verify', { name: 'bob', verified: 'yes' }, '"verified" must be true or false'],
    ['messages.send', { contact: 'bob', text: 'hi', replyTo: { id: 'x' } }, '"replyTo" must be {id, mine}'],
    ['messages.send', { contact: 'bob' }, '"text" must be a string'],
    ['messages.sendMany', { contact: 'bob', texts: ['a', 1] }, '"texts" must be an array of strings'],
    ['groups.create', { name: 'g', members: [] }, '"members" must be a non-empty array of names'],
    ['groups.setPicture', { name: 'g' }, '"data" must be the picture in base64, or null to remove it'],
    [
      'groups.setPicture',
      { name: 'g', data: 'not base64!' },
      '"data" must be the picture in base64, or null to remove it',
    ],
    ['channels.posts', { name: 'c', limit: 0 }, '"limit" must be 1..1000'],
    ['channels.posts', { name: 'c', before: 1.5 }, '"before" must be an integer'],
    ['attachments.save', { contact: 'bob', id: 'a' }, '"path" must be a non-empty string'],
    ['status', [1], 'params must be an object'],
  ])('%s %j → -32602 bad-input: %s', async (method, params, message) => {
    expect(await failure(method, params)).toEqual({ code: -32602, message, data: { code: 'bad-input' } });
  });

  it('a picture over the limit is bad-input too', async () => {
    const error = await failure('groups.setPicture', { name: 'g', data: 'A'.repeat(1024 * 1024) });
    expect(error).toMatchObject({ code: -32602, data: { code: 'bad-input' } });
  });

  it('passes typed params, with defaults, and ignores keys a method does not take', async () => {
    seen.length = 0;
    await dispatch('invite.create', { extra: 1 }, 'token');
    await dispatch('messages.react', { contact: 'bob', id: 'm1' }, 'token');
    await dispatch('contacts.add', { link: 'parley:x', name: null }, 'token');
    await dispatch('groups.setPicture', { name: 'g', data: null }, 'token');
    await dispatch('messages.list', { contact: 'bob', limit: null, before: 5 }, 'token');
    expect(seen).toEqual([
      ['createInvite', { reusable: false }],
      ['react', 'bob', { id: 'm1', mine: false }, ''],
      ['acceptInvite', 'parley:x', undefined],
      ['setGroupPicture', 'g', null],
      ['messages', 'bob', { before: 5 }],
    ]);
  });

  it('a browser session may not call a method that takes a path', async () => {
    expect([...PATH_METHODS].sort()).toEqual(['attachments.save', 'channels.postFile', 'messages.sendFile']);
    const error = await dispatch('attachments.save', {}, 'session').catch((e: unknown) => e);
    expect((error as RpcFailure).rpc.data).toEqual({ code: 'token-required' });
    const post = await dispatch('channels.postFile', {}, 'session').catch((e: unknown) => e);
    expect((post as RpcFailure).rpc.data).toEqual({ code: 'token-required' });
  });
});
