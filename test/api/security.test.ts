/**
 * The daemon's local API refuses everything that is not our own client:
 * token (401), Host (421, DNS rebinding) and Origin (403) are checked before
 * any handler runs, for POST /rpc and for the /events WebSocket upgrade.
 * Parley Desktop's session: its ticket only ever lives in a 0600 launch
 * file, works once, and neither it nor the cookie it becomes works for
 * another user of the machine; a session cannot touch files by path.
 */

import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apiOf } from '../support/cli.ts';
import { type Daemon, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
let home = '';
let daemon: Daemon;
let port = 0;
let token = '';

beforeAll(async () => {
  home = world.account('api');
  daemon = await world.daemon(home);
  ({ port, token } = apiOf(home));
});
afterAll(() => world.cleanup());

interface Reply {
  status: number;
  body: string;
}

/** A raw HTTP request (fetch cannot set Host). */
function http(options: {
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/rpc',
        method: options.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (options.method === 'GET') req.end();
    else req.end(options.body ?? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: {} }));
  });
}

const auth = (t = token): Record<string, string> => ({ authorization: `Bearer ${t}` });

/** Opens /events with the given headers; resolves with 'open' or the refusal's HTTP status. */
function upgrade(headers: Record<string, string>, host?: string): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/events`, {
      headers: { ...headers, ...(host ? { host } : {}) },
      handshakeTimeout: 10_000,
    });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

/**
 * A copy of this Node binary that another user may run: the repo's own may sit in a folder only
 * we can enter (a fresh clone under a 0700 mktemp folder).
 */
function nodeForOtherUsers(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-node-'));
  chmodSync(dir, 0o755);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'node');
  copyFileSync(process.execPath, copy);
  chmodSync(copy, 0o755);
  return copy;
}

describe('POST /rpc', () => {
  it('without a token → 401, and no result leaks', async () => {
    const r = await http({});
    expect(r.status).toBe(401);
    expect(r.body).not.toContain('peerId');
  });

  it('with a wrong token → 401 (also a prefix of the right one, and a bare Bearer)', async () => {
    for (const t of ['nope', token.slice(0, -1), `${token}x`, '']) {
      const r = await http({ headers: auth(t) });
      expect(r.status, t).toBe(401);
    }
    expect((await http({ headers: { authorization: token } })).status).toBe(401);
  });

  it('right token but Host: evil.example:PORT (DNS rebinding) → 421', async () => {
    const r = await http({ headers: { ...auth(), host: `evil.example:${port}` } });
    expect(r.status).toBe(421);
    expect((await http({ headers: { ...auth(), host: '127.0.0.1:1' } })).status).toBe(421);
    // Even an unauthenticated rebinding probe learns nothing more than 421.
    expect((await http({ headers: { host: `evil.example:${port}` } })).status).toBe(421);
  });

  it('right token but Origin: http://evil.example → 403', async () => {
    const r = await http({ headers: { ...auth(), origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    expect((await http({ headers: { ...auth(), origin: 'null' } })).status).toBe(403);
    expect((await http({ headers: { ...auth(), origin: `http://127.0.0.1:${port + 1}` } })).status).toBe(403);
  });

  it('right token and our own Origin → 200 with the result', async () => {
    const r = await http({ headers: { ...auth(), origin: `http://127.0.0.1:${port}` } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { peerId: daemon.peerId } });
    expect((await http({ headers: auth() })).status).toBe(200);
  });

  it('other paths are also refused for a foreign Host or Origin', async () => {
    // (Static desktop pages may be served without the token; never to a rebinding page.)
    expect((await http({ path: '/', method: 'GET', headers: { host: `evil.example:${port}` } })).status).toBe(
      421,
    );
    const origin = await http({ path: '/nope', method: 'GET', headers: { origin: 'http://evil.example' } });
    expect(origin.status).toBe(403);
  });

  it('an unknown method → JSON-RPC error -32601', async () => {
    const r = await http({
      headers: auth(),
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'no.such.method', params: {} }),
    });
    expect(JSON.parse(r.body)).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32601 } });
    const proto = await http({
      headers: auth(),
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'toString', params: {} }),
    });
    expect(JSON.parse(proto.body)).toMatchObject({ id: 8, error: { code: -32601 } });
  });

  it('malformed JSON → -32700; not a JSON-RPC request → -32600', async () => {
    const r = await http({ headers: auth(), body: '{"jsonrpc":"2.0",' });
    expect(JSON.parse(r.body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    const bad = await http({ headers: auth(), body: JSON.stringify({ id: 1, method: 'status' }) });
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: -32600 } });
    const params = await http({
      headers: auth(),
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'status', params: [1] }),
    });
    expect(JSON.parse(params.body)).toMatchObject({ error: { code: -32602 } });
  });

  it('a body over 1 MiB → 413; the daemon keeps serving', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'status',
      params: { pad: 'x'.repeat(1024 * 1024) },
    });
    const r = await http({ headers: auth(), body: big }).catch((e: Error) => ({
      status: -1,
      body: e.message,
    }));
    expect(r.status).toBe(413);
    expect((await http({ headers: auth() })).status).toBe(200);
  });

  it('a body over 1 MiB without the token → 401 (not read at all)', async () => {
    const r = await http({ body: 'x'.repeat(1024 * 1024 + 10) }).catch((e: Error) => ({
      status: -1,
      body: e.message,
    }));
    expect(r.status).toBe(401);
  });
});

describe('WebSocket /events upgrade', () => {
  it('without a token → 401', async () => {
    expect(await upgrade({})).toBe(401);
  });
  it('with a wrong token → 401', async () => {
    expect(await upgrade(auth('nope'))).toBe(401);
  });
  it('right token but Host: evil.example:PORT → 421', async () => {
    expect(await upgrade(auth(), `evil.example:${port}`)).toBe(421);
  });
  it('right token but Origin: http://evil.example → 403', async () => {
    expect(await upgrade({ ...auth(), origin: 'http://evil.example' })).toBe(403);
  });
  it('right token and our own Origin → open, and events arrive', async () => {
    expect(await upgrade({ ...auth(), origin: `http://127.0.0.1:${port}` })).toBe('open');
    expect(await upgrade({ ...auth(), origin: `http://localhost:${port}` }, `localhost:${port}`)).toBe(
      'open',
    );
  });
  it('right token on another path → 404', async () => {
    const status = await new Promise<number | 'open'>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/other`, { headers: auth() });
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      ws.once('error', reject);
    });
    expect(status).toBe(404);
  });
});

describe('api.json, api.token and the listening address', () => {
  it('api.token is 0600 and holds at least 128 bits (base64url of >= 16 bytes)', () => {
    const st = statSync(join(home, 'api.token'));
    expect(st.mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(statSync(join(home, 'api.json')).mode & 0o077).toBe(0);
    expect(statSync(home).mode & 0o077).toBe(0);
  });

  it('api.json holds the port the daemon reported', () => {
    expect(port).toBe(daemon.apiPort);
    expect(Number.isInteger(port) && port > 0 && port < 65536).toBe(true);
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && !i.internal && i.family === 'IPv4')?.address;

  it.skipIf(external === undefined)(
    `is not reachable on the machine's non-loopback address (${external ?? 'none: skipped'})`,
    async () => {
      const outcome = await new Promise<string>((resolve) => {
        const s = connect({ host: external as string, port, timeout: 3_000 });
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('timeout', () => {
          s.destroy();
          resolve('timeout');
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(outcome).not.toBe('connected');
    },
  );
});

describe('Parley Desktop sessions', () => {
  const origin = () => `http://127.0.0.1:${port}`;
  const rpcBody = (method: string, params: Record<string, unknown> = {}) =>
    JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  /** POST /ui/launch with the token: the launch file's path, and the ticket read from inside it. */
  async function launch(): Promise<{ file: string; ticket: string; answer: string }> {
    const r = await http({ path: '/ui/launch', headers: auth(), body: '' });
    expect(r.status).toBe(200);
    const { file } = JSON.parse(r.body) as { file: string };
    const ticket = /name="ticket" value="([A-Za-z0-9_-]+)"/.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
    expect(ticket).not.toBe('');
    return { file, ticket, answer: r.body };
  }

  let otherUsersNode: string | undefined;
  /** Runs a Node script as another user (nobody, uid 65534); resolves with what it printed. */
  function asNobody(script: string): Promise<string> {
    return new Promise((resolve, reject) => {
      otherUsersNode ??= nodeForOtherUsers();
      const child = spawn(otherUsersNode, ['-e', script], { uid: 65534, gid: 65534, cwd: '/' });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      child.stderr.on('data', (d) => {
        out += String(d);
      });
      child.once('error', reject);
      child.once('exit', () => resolve(out.trim()));
    });
  }

  it('POST /ui/launch needs the token and answers a path; the ticket is only inside the 0600 file', async () => {
    expect((await http({ path: '/ui/launch', body: '' })).status).toBe(401);
    const { file, ticket, answer } = await launch();
    expect(answer).not.toContain(ticket);
    expect(dirname(file)).toBe(join(home, 'launch'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    // The old way, a ticket in the URL, redeems nothing.
    const viaUrl = await http({ path: `/?ticket=${ticket}`, method: 'GET' });
    expect(viaUrl.status).not.toBe(303);
    const redeemed = await fetch(`${origin()}/ui/session`, {
      method: 'POST',
      headers: form,
      body: `ticket=${ticket}`,
      redirect: 'manual',
    });
    expect(redeemed.status).toBe(303); // GET did not use it up
    expect(redeemed.headers.get('set-cookie')).toMatch(
      /^__Host-parley_session=[A-Za-z0-9_-]{43}; Secure; HttpOnly; SameSite=Strict; Path=\/$/,
    );
    expect(existsSync(file)).toBe(false);
    const again = await fetch(`${origin()}/ui/session`, {
      method: 'POST',
      headers: form,
      body: `ticket=${ticket}`,
      redirect: 'manual',
    });
    expect(again.status).toBe(403);
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it.skipIf(process.getuid?.() !== 0)(
    'another local user can neither redeem a ticket nor use a session cookie (uid 65534)',
    async () => {
      const { ticket } = await launch();
      const post = (path: string, headers: Record<string, string>, body: string) =>
        `fetch(${JSON.stringify(`${origin()}${path}`)}, { method: 'POST', redirect: 'manual', headers: ${JSON.stringify(headers)}, body: ${JSON.stringify(body)} }).then((r) => console.log(r.status, r.headers.get('set-cookie')), (e) => console.log('error', e.message))`;
      expect(await asNobody(post('/ui/session', form, `ticket=${ticket}`))).toBe('403 null');
      // Refused before the ticket was looked at: our own browser can still use it.
      const mine = await fetch(`${origin()}/ui/session`, {
        method: 'POST',
        headers: form,
        body: `ticket=${ticket}`,
        redirect: 'manual',
      });
      expect(mine.status).toBe(303);
      const cookie = (mine.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const status = post('/rpc', { cookie, 'content-type': 'application/json' }, rpcBody('status'));
      expect(await asNobody(status)).toBe('403 null');
      expect((await http({ headers: { cookie }, body: rpcBody('status') })).status).toBe(200);
    },
  );

  it('a browser session may not call a method that takes a filesystem path; the token may', async () => {
    const { ticket } = await launch();
    const redeemed = await fetch(`${origin()}/ui/session`, {
      method: 'POST',
      headers: { ...form, origin: 'null' }, // as the launch page (a file: URL) posts it
      body: `ticket=${ticket}`,
      redirect: 'manual',
    });
    const cookie = (redeemed.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^__Host-parley_session=/);
    const withCookie = { cookie, origin: origin() };
    for (const [method, params] of [
      ['messages.sendFile', { contact: 'anyone', path: '/etc/passwd' }],
      [
        'attachments.save',
        { contact: 'anyone', id: 'a'.repeat(32), path: '/tmp/parley-owned', overwrite: true },
      ],
    ] as const) {
      const r = await http({ headers: withCookie, body: rpcBody(method, params) });
      expect(r.status).toBe(200);
      const { error } = JSON.parse(r.body) as {
        error: { code: number; message: string; data: { code: string } };
      };
      expect(error.data.code, method).toBe('token-required');
      expect(error.message).toContain('API token');
      // The token still may (and fails further on, for want of such a contact or attachment).
      const t = JSON.parse((await http({ headers: auth(), body: rpcBody(method, params) })).body) as {
        error: { data: { code: string } };
      };
      expect(t.error.data.code, method).not.toBe('token-required');
    }
    expect(existsSync('/tmp/parley-owned')).toBe(false);
    // Everything else works with the cookie.
    const status = JSON.parse((await http({ headers: withCookie, body: rpcBody('status') })).body) as {
      result: { peerId: string };
    };
    expect(status.result.peerId).toBe(daemon.peerId);
  });
});

describe("the daemon's log", () => {
  it('names our PeerId only by its last 6 characters', () => {
    const log = daemon.log();
    expect(log).toContain(`online (…${daemon.peerId.slice(-6)})`);
    expect(log).not.toContain(daemon.peerId);
  });
});
