/**
 * Issue 8, hostile input: a tampered chunk is rejected and re-fetched.
 *
 * - Persistent: the SENDER's own blob is corrupted on disk at chunk 5, so every
 *   fetch of chunk 5 fails verification: the receiver gives up after 3 tries
 *   (`failed`, a clear error) and offers nothing for saving.
 * - Transient: PARLEY_FAULTS `corruptFileChunkOnce` flips a byte of one served
 *   chunk in transit, once: the receiver rejects it, fetches it again and ends
 *   `done` with the right SHA-256.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { befriendedPair, faultsEnv } from '../support/durability.ts';
import {
  listTree,
  MiB,
  randomFile,
  SEALED_CHUNK_BYTES,
  sendFile,
  sha256File,
  waitAttachment,
} from '../support/files.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
const scratch = mkdtempSync(join(tmpdir(), 'parley-tamper-'));
afterAll(async () => {
  await world.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

describe('tampered chunks', () => {
  it("a chunk corrupted in the sender's own copy: 3 tries, then failed; nothing to save", async () => {
    const pair = await befriendedPair(world); // alice receives, bob sends
    const source = join(scratch, 'persistent.bin');
    await randomFile(source, 17 * MiB); // > 16 MiB: waits for attachments.download
    const { attachment } = await sendFile(world, pair.bob, 'alice', source);
    const id = attachment.id;
    expect((await waitAttachment(world, pair.alice, 'bob', id, () => true, 20_000)).state).toBe('offered');

    // corrupt chunk 5 of bob's stored (sealed) copy
    const blob = join(pair.bob, 'attachments', `out-${id}`);
    const handle = await open(blob, 'r+');
    await handle.write(Uint8Array.of(0xde, 0xad, 0xbe, 0xef), 0, 4, 5 * SEALED_CHUNK_BYTES + 100);
    await handle.close();

    await world.rpc(pair.alice, 'attachments.download', { contact: 'bob', id });
    const end = await waitAttachment(world, pair.alice, 'bob', id, (a) => a.state !== 'downloading', 30_000);
    expect(end.state).toBe('failed');
    expect(end.error).toBe('chunk 5 failed verification 3 times');
    // only the chunks before the bad one were kept (durable every 16 chunks: none yet)
    expect(end.transferred).toBeLessThanOrEqual(5 * 64 * 1024);

    // nothing partial is offered for saving: refused, and no file (not even a temp one) appears
    const out = join(scratch, 'save-here');
    mkdirSync(out);
    await expect(
      world.rpc(pair.alice, 'attachments.save', { contact: 'bob', id, path: join(out, 'x.bin') }),
    ).rejects.toThrow(/not been downloaded/);
    await expect(
      world.rpc(pair.alice, 'attachments.save', { contact: 'bob', id, path: out }),
    ).rejects.toThrow(/not been downloaded/);
    expect(listTree(out)).toEqual([]);
    expect(existsSync(join(out, 'x.bin.parley-partial'))).toBe(false);
  }, 60_000);

  it('a chunk corrupted once in transit (PARLEY_FAULTS corruptFileChunkOnce): re-fetched, done, hash matches', async () => {
    const alice = world.account('alice');
    const bob = world.account('bob');
    await Promise.all([
      world.daemon(alice),
      world.daemon(bob, [], faultsEnv({ corruptFileChunkOnce: 5 })),
    ]).then(async ([, bobDaemon]) => {
      await world.befriend(alice, 'alice', bob, 'bob');
      const source = join(scratch, 'transient.bin');
      const hash = await randomFile(source, 3 * MiB + 12_345); // ≤ 16 MiB: downloads by itself
      const { attachment } = await sendFile(world, bob, 'alice', source);
      const end = await waitAttachment(
        world,
        alice,
        'bob',
        attachment.id,
        (a) => a.state === 'done' || a.state === 'failed',
        30_000,
      );
      expect(end.error).toBeNull();
      expect(end.state).toBe('done');
      expect(bobDaemon.log()).toContain('fault: corrupted served file chunk #5');
      const saved = join(scratch, 'transient.saved');
      await world.rpc(alice, 'attachments.save', { contact: 'bob', id: attachment.id, path: saved });
      expect(await sha256File(saved)).toBe(hash);
    });
  }, 60_000);
});
