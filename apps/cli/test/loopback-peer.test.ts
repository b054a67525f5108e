/**
 * loopback-peer.ts: which local user opened a loopback connection, from /proc/net/tcp*. The
 * desktop session is bound to the daemon's own user with it (test/api/security.test.ts runs the
 * other-user case against a real daemon).
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeProcAddress,
  loopbackPeerOwner,
  openedBySameUser,
  ownerInTable,
} from '../src/daemon/loopback-peer.ts';

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const row = (local: string, remote: string, state: string, uid: number) =>
  `   7: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000  ${uid}        0 4242 1 0 20 4 30 10 -1\n`;

const ENDS = { remoteAddress: '127.0.0.1', remotePort: 0xa1b2, localAddress: '127.0.0.1', localPort: 0x1f90 };

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

describe('ownerInTable', () => {
  it('finds the client end of the connection (little-endian words, as on x86 and arm64)', () => {
    const table =
      HEADER +
      row('0100007F:1F90', '0100007F:A1B2', '01', 0) + // our (the server's) end: not the one we want
      row('0100007F:A1B2', '0100007F:1F90', '01', 1000);
    expect(ownerInTable(table, ENDS, true)).toBe(1000);
  });

  it('decodes big-endian tables too', () => {
    expect(decodeProcAddress('7F000001', false)).toEqual([127, 0, 0, 1]);
    const table = HEADER + row('7F000001:A1B2', '7F000001:1F90', '01', 1001);
    expect(ownerInTable(table, ENDS, false)).toBe(1001);
  });

  it('matches IPv4-mapped rows of /proc/net/tcp6', () => {
    const mapped = '0000000000000000FFFF00000100007F';
    expect(decodeProcAddress(mapped, true)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1]);
    const table = HEADER + row(`${mapped}:A1B2`, `${mapped}:1F90`, '01', 1002);
    expect(ownerInTable(table, ENDS, true)).toBe(1002);
  });

  it('ignores other ports, other addresses and TIME_WAIT rows (which list uid 0)', () => {
    const table =
      HEADER +
      row('0100007F:A1B3', '0100007F:1F90', '01', 1) +
      row('0200007F:A1B2', '0100007F:1F90', '01', 2) +
      row('0100007F:A1B2', '0100007F:1F90', '06', 0);
    expect(ownerInTable(table, ENDS, true)).toBeUndefined();
  });
});

/** Accepts one connection from `connect` and returns what the server learns about its owner. */
async function ownerOfConnection(connect: (port: number) => void) {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const socket = await new Promise<Socket>((resolve) => {
    server.once('connection', resolve);
    connect(port);
  });
  const result = { owner: loopbackPeerOwner(socket), same: openedBySameUser(socket) };
  socket.destroy();
  server.close();
  return result;
}

const linux = existsSync('/proc/net/tcp');

describe.skipIf(!linux)('a live loopback connection (Linux)', () => {
  it('is owned by our own user when we open it', async () => {
    const { createConnection } = await import('node:net');
    let client: Socket | undefined;
    const r = await ownerOfConnection((port) => {
      client = createConnection({ host: '127.0.0.1', port });
    });
    client?.destroy();
    expect(r.owner).toEqual({ kind: 'uid', uid: process.getuid?.() });
    expect(r.same).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'is not ours when another user opens it (run as root: uid 65534)',
    async () => {
      let child: ReturnType<typeof spawn> | undefined;
      const r = await ownerOfConnection((port) => {
        child = spawn(
          nodeForOtherUsers(),
          ['-e', `require('node:net').connect(${port}, '127.0.0.1'); setTimeout(() => {}, 5000)`],
          { uid: 65534, gid: 65534, stdio: 'ignore' },
        );
      });
      child?.kill('SIGKILL');
      expect(r.owner).toEqual({ kind: 'uid', uid: 65534 });
      expect(r.same).toBe(false);
    },
  );
});

describe('where the table cannot be read', () => {
  it('says so (the check is then skipped)', () => {
    expect(loopbackPeerOwner(ENDS, ['/nonexistent/tcp'])).toEqual({ kind: 'unsupported' });
  });
});
