/**
 * Issue 8, hostile input:
 * - hostile file names are sanitized and nothing is written outside the
 *   attachments folder: once from a real daemon (the names a Linux file can
 *   have, via messages.sendFile), and once from a modified client (an
 *   in-process peer that puts raw names — `../`, absolute, NUL, ESC, 300
 *   characters — into its authenticated manifest);
 * - a peer asking for chunks of a file it was not sent gets nothing: a real
 *   contact of the sender (in-process, with its own key, admitted) and a
 *   stranger (a fresh key, not admitted) both pull by id over /parley/file.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FileSource, type MessageView, sanitizeFileName, TransportError } from '@parley/core';
import { createParleyTransport, generatePeerKey } from '@parley/net';
import { afterAll, describe, expect, it } from 'vitest';
import { befriendedPair } from '../support/durability.ts';
import { type AttachmentInfo, listTree, sendFile, waitAttachment } from '../support/files.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';
import { type InProcessPeer, inProcessPeer, replaceBytes } from '../support/peer.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
const scratch = mkdtempSync(join(tmpdir(), 'parley-hostile-'));
const peers: InProcessPeer[] = [];
afterAll(async () => {
  for (const p of peers) await p.stop().catch(() => undefined);
  await world.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const BLOB_NAME = /^(out-[0-9a-f]{32}|in-[0-9a-f]{16}-[0-9a-f]{32})$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Files that appeared under `home` since `before`, outside the database's own files. */
function newFiles(home: string, before: readonly string[]): string[] {
  const old = new Set(before);
  return listTree(home).filter((f) => !old.has(f) && !/^parley\.db(-wal|-shm|-journal)?$/.test(f));
}

function expectOnlyBlobs(added: readonly string[]): void {
  for (const f of added) {
    const [dir, name, ...rest] = f.split('/');
    expect({ f, dir, rest }).toEqual({ f, dir: 'attachments', rest: [] });
    expect(name).toMatch(BLOB_NAME);
  }
}

/** Saves `contact`'s attachment `id` into a fresh folder; checks it wrote exactly `<folder>/<sanitized name>`. */
async function saveIntoFolder(home: string, contact: string, id: string, label: string): Promise<string> {
  const folder = join(scratch, `save-${label}`);
  mkdirSync(folder);
  const info = await world.rpc<AttachmentInfo>(home, 'attachments.get', { contact, id });
  const saved = await world.rpc<{ path: string; name: string }>(home, 'attachments.save', {
    contact,
    id,
    path: folder,
  });
  expect(saved.path).toBe(join(folder, info.name));
  expect(listTree(folder)).toEqual([info.name]);
  return info.name;
}

function expectSafeName(name: string): void {
  expect(name).not.toMatch(/[/\\]/);
  expect(name).not.toMatch(CONTROL);
  expect(name).not.toMatch(/^\./);
  expect(name.length).toBeGreaterThan(0);
  expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
}

const memorySource = (name: string, bytes: Uint8Array): FileSource => ({
  name,
  mime: 'application/octet-stream',
  size: bytes.length,
  read: async (offset, length) => bytes.slice(offset, offset + length),
});

/** An in-process peer befriended with the daemon of `home` (named `name` there); returns it. */
async function befriendInProcess(
  home: string,
  name: string,
  options: Parameters<typeof inProcessPeer>[1] = {},
): Promise<InProcessPeer> {
  const peer = await inProcessPeer(name, options);
  peers.push(peer);
  const invite = world.run(home, ['invite']);
  if (invite.code !== 0) throw new Error(invite.stderr);
  peer.messenger.acceptInvite(invite.stdout.trim(), 'daemon');
  await eventually(
    async () =>
      (await world.rpc<Array<{ name: string; state: string }>>(home, 'contacts.list')).some(
        (c) => c.name === name && c.state === 'active',
      ),
    20_000,
    `${name} to become a contact`,
  );
  return peer;
}

describe('hostile file names', () => {
  it('from a daemon (names a Linux file can have): sanitized; only hex blobs appear, save writes <folder>/<name>', async () => {
    const pair = await befriendedPair(world); // bob sends to alice
    const names = [
      '..\\..\\..\\etc\\x', // Windows-style traversal: a legal Linux file name
      'con\u001b[31mtrol\u0007.txt',
      '...hidden',
      'tab\tand\nnewline',
      '日'.repeat(85), // 255 bytes: the longest a Linux name can be
    ];
    const src = join(scratch, 'daemon-src');
    mkdirSync(src);
    const before = { alice: listTree(pair.alice), bob: listTree(pair.bob) };
    const ids: string[] = [];
    for (const [i, name] of names.entries()) {
      const path = join(src, name);
      writeFileSync(path, `file ${i}`);
      ids.push((await sendFile(world, pair.bob, 'alice', path)).attachment.id);
    }
    for (const id of ids) {
      const end = await waitAttachment(
        world,
        pair.alice,
        'bob',
        id,
        (a) => a.state !== 'downloading',
        20_000,
      );
      expect(end.state).toBe('done');
    }
    expectOnlyBlobs(newFiles(pair.alice, before.alice));
    expectOnlyBlobs(newFiles(pair.bob, before.bob));
    for (const [i, id] of ids.entries()) {
      const name = await saveIntoFolder(pair.alice, 'bob', id, `d${i}`);
      expectSafeName(name);
      expect(name).toBe(sanitizeFileName(names[i] as string));
    }
    expect(existsSync(join(pair.alice, '..', '..', '..', 'etc', 'x'))).toBe(false);
  }, 60_000);

  it('from a modified client (raw ../, /abs, NUL, ESC, 300 chars in the manifest): sanitized or refused', async () => {
    const alice = world.account('alice');
    await world.daemon(alice);
    const hostile = ['../../../etc/x', '/abs/path', 'a\u0000b', 'con\u001b[31mtrol', 'n'.repeat(300)];
    const placeholder = (i: number): string => `"name":"HOSTILEPLACEHOLDER${i}"`;
    // The ratchet seals a message in place, so a rewrite keeps the plaintext's length: each caption
    // carries slack that the rewrite takes out, and JSON whitespace after it makes up the rest.
    const slack = '~'.repeat(320);
    const caption = (i: number): string => `"caption":"hostile ${i}${slack}"`;
    const mallory = await befriendInProcess(alice, 'mallory', {
      rewritePlaintext: (pt) => {
        for (const [i, name] of hostile.entries()) {
          const named = replaceBytes(pt, placeholder(i), `"name":${JSON.stringify(name)}`);
          if (named === pt) continue;
          const cut = replaceBytes(named, caption(i), `"caption":"hostile ${i}"`);
          return replaceBytes(
            cut,
            `"caption":"hostile ${i}"`,
            `"caption":"hostile ${i}"${' '.repeat(pt.length - cut.length)}`,
          );
        }
        return pt;
      },
    });
    const before = listTree(alice);
    const sent: string[] = [];
    for (const [i] of hostile.entries()) {
      const m: MessageView = await mallory.messenger.sendFile(
        'daemon',
        memorySource(`HOSTILEPLACEHOLDER${i}`, new Uint8Array(1000 + i).fill(i)),
        { caption: `hostile ${i}${slack}` },
      );
      sent.push(m.attachment?.id as string);
    }
    // a sentinel after the hostile ones: once it is in, everything before it was processed
    const sentinel = await mallory.messenger.sendFile(
      'daemon',
      memorySource('sentinel.txt', new Uint8Array(10)),
    );
    const sentinelId = sentinel.attachment?.id as string;
    await waitAttachment(world, alice, 'mallory', sentinelId, (a) => a.state === 'done', 20_000);

    const shown = await world.rpc<MessageView[]>(alice, 'messages.list', { contact: 'mallory', limit: 100 });
    for (const [i, id] of sent.entries()) {
      const raw = hostile[i] as string;
      const message = shown.find((m) => m.attachment?.id === id);
      if (Buffer.byteLength(raw) > 255) {
        // over FILE_NAME_MAX_BYTES: the whole message is refused, nothing is stored
        expect(message).toBeUndefined();
        continue;
      }
      expect(message, `hostile name ${JSON.stringify(raw)} was not shown`).toBeDefined();
      await waitAttachment(world, alice, 'mallory', id, (a) => a.state === 'done', 20_000);
      const name = await saveIntoFolder(alice, 'mallory', id, `m${i}`);
      expectSafeName(name);
      expect(name).toBe(sanitizeFileName(raw));
    }
    expectOnlyBlobs(newFiles(alice, before));
    expect(existsSync(join(alice, 'attachments', '..', '..', '..', 'etc', 'x'))).toBe(false);
  }, 60_000);
});

describe('a peer asking for chunks of a file it was not sent', () => {
  it('gets nothing: neither a real contact of the sender (its own key) nor a stranger', async () => {
    const pair = await befriendedPair(world); // bob sends to alice
    const src = join(scratch, 'for-alice.txt');
    writeFileSync(src, 'only for alice '.repeat(10_000));
    const { attachment } = await sendFile(world, pair.bob, 'alice', src);
    await waitAttachment(world, pair.alice, 'bob', attachment.id, (a) => a.state === 'done', 20_000);

    const drain = async (peer: { transport: InProcessPeer['transport'] }, fromChunk: number) => {
      let chunks = 0;
      try {
        for await (const _ of peer.transport.fetchFile(pair.bobDaemon.peerId, {
          fileId: attachment.id,
          fromChunk,
        }))
          chunks++;
        return { chunks, error: null };
      } catch (error) {
        return { chunks, error };
      }
    };

    // carol: a real contact of bob (admitted on /parley/file), asking for alice's file
    const carol = await befriendInProcess(pair.bob, 'carol');
    for (const fromChunk of [0, 1]) {
      const r = await drain(carol, fromChunk);
      expect(r.chunks).toBe(0);
      expect(r.error).toBeInstanceOf(TransportError);
      expect((r.error as TransportError).code).toBe('refused');
    }
    // carol's own copy of the same file works, so the refusal above is about who asks
    await world.rpc(pair.bob, 'messages.sendFile', { contact: 'carol', path: src });
    await eventually(
      () => carol.messenger.messages('daemon').some((m) => m.attachment?.status === 'done'),
      20_000,
      "carol's own copy",
    );

    // a stranger: a fresh key bob never admitted
    const stranger = await createParleyTransport({
      privateKey: generatePeerKey(),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
    });
    try {
      await stranger.connect(pair.bobDaemon.peerId, { addresses: pair.bobDaemon.addresses }).catch(() => {});
      const r = await drain({ transport: stranger }, 0);
      expect(r.chunks).toBe(0);
      expect(r.error).toBeInstanceOf(TransportError);
      expect(['refused', 'unreachable']).toContain((r.error as TransportError).code);
    } finally {
      await stranger.stop();
    }
  }, 60_000);
});
