/**
 * /parley/file/1.0.0 between real nodes on loopback: a 64 MiB transfer with
 * bounded read-ahead, resume, refusals, and hostile requesters/servers
 * (a plain libp2p node writing crafted bytes).
 */
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { multiaddr } from '@multiformats/multiaddr';
import { FILE_FRAME_MAX_BYTES, type FileServer, type Transport } from '@parley/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFileRequest } from '../src/file.ts';
import {
  encodeFrames,
  FILE_PROTOCOL,
  FILE_READ_HIGH_WATER_BYTES,
  FILE_REQUEST_MAX_BYTES,
  type ParleyTransport,
  WRITE_BATCH_MAX_BYTES,
  YAMUX_MAX_STREAM_WINDOW_BYTES,
} from '../src/index.ts';
import { Cleanup, closed, eventually, rawPeer, sleep, startTransport } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A full GC, so that retained memory (not garbage awaiting collection) can be measured. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Bytes held in ArrayBuffers (chunk buffers, stream buffers) after a full GC (buffers are freed concurrently). */
const retainedBuffers = async (): Promise<number> => {
  gc();
  await sleep(20);
  gc();
  return process.memoryUsage().arrayBuffers;
};

const FILE_ID = 'ab'.repeat(16);
const CHUNK = 65_552;

async function pair(limits = {}) {
  const a = await startTransport(cleanup, {}, { limits });
  const b = await startTransport(cleanup, {}, { limits });
  a.setAdmission((p) => p === b.peerId);
  b.setAdmission((p) => p === a.peerId);
  await a.connect(b.peerId, { addresses: b.addresses() });
  return [a, b] as const;
}

/** Chunk i: deterministic bytes, its index in the first 4 bytes. */
function makeChunk(i: number, size = CHUNK): Uint8Array {
  const chunk = new Uint8Array(size);
  for (let at = 4; at < size; at += 997) chunk[at] = (i * 31 + at) & 0xff;
  new DataView(chunk.buffer).setUint32(0, i);
  return chunk;
}

const indexOf = (chunk: Uint8Array): number => new DataView(chunk.buffer, chunk.byteOffset).getUint32(0);

/** A file server over `count` generated chunks that records how far it was pulled and whether it was closed. */
function instrumentedServer(count: number) {
  const state = { calls: 0, pulled: 0, finished: false, closedEarly: false };
  const server: FileServer = (_peer, request) => {
    state.calls++;
    if (request.fileId !== FILE_ID) return undefined;
    return (async function* () {
      let completed = false;
      try {
        for (let i = request.fromChunk; i < count; i++) {
          state.pulled++;
          yield makeChunk(i);
        }
        completed = true;
      } finally {
        state.finished = true;
        state.closedEarly = !completed;
      }
    })();
  };
  return { server, state };
}

async function collect(t: Transport, peer: string, fromChunk = 0, signal?: AbortSignal) {
  const out: Uint8Array[] = [];
  for await (const c of t.fetchFile(peer, { fileId: FILE_ID, fromChunk }, signal ? { signal } : {}))
    out.push(c);
  return out;
}

describe('/parley/file between two nodes', () => {
  it('moves 64 MiB in order and intact; a slow consumer bounds how far the server reads ahead', async () => {
    const [a, b] = await pair();
    const count = Math.ceil((64 * 1024 * 1024) / CHUNK);
    const sent = createHash('sha256');
    let pulled = 0;
    b.setFileServer((_peer, request) =>
      (async function* () {
        for (let i = request.fromChunk; i < count; i++) {
          const chunk = makeChunk(i);
          sent.update(chunk);
          pulled++;
          yield chunk;
        }
      })(),
    );
    const received = createHash('sha256');
    let taken = 0;
    let maxAhead = 0;
    let maxRetained = 0;
    const before = await retainedBuffers();
    for await (const chunk of a.fetchFile(b.peerId, { fileId: FILE_ID, fromChunk: 0 })) {
      expect(chunk.length).toBe(CHUNK);
      expect(indexOf(chunk)).toBe(taken);
      received.update(chunk);
      taken++;
      maxAhead = Math.max(maxAhead, pulled - taken);
      if (taken < 60) await sleep(15); // slow consumer at first: the server must stall, not buffer
      if (taken % 128 === 30) maxRetained = Math.max(maxRetained, (await retainedBuffers()) - before);
    }
    expect(taken).toBe(count);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
    // bound: what the requester may hold (two windows: one buffered while paused, one dispatched
    // on resume, plus its high-water mark) + what the server may hold (one write batch)
    const bound =
      Math.ceil(
        (2 * YAMUX_MAX_STREAM_WINDOW_BYTES + FILE_READ_HIGH_WATER_BYTES + WRITE_BATCH_MAX_BYTES) / CHUNK,
      ) + 4;
    expect(maxAhead).toBeLessThanOrEqual(bound);
    // sender and receiver live in this process: 64 MiB went through, a few MiB (buffered chunks,
    // yamux/Noise/socket buffers, GC lag) stayed at any time
    expect(maxRetained).toBeLessThan(24 * 1024 * 1024);
    console.log(
      `64 MiB transfer: server read ahead at most ${maxAhead} chunks (bound ${bound}), ` +
        `buffers retained at most ${(maxRetained / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(a.stats().fileFetching).toBe(0);
    await eventually(() => b.stats().fileServing === 0, 5_000, 'server stream released');
  }, 60_000);

  it('resumes: fromChunk = k yields exactly chunks k..', async () => {
    const [a, b] = await pair();
    const { server } = instrumentedServer(10);
    b.setFileServer(server);
    expect((await collect(a, b.peerId, 7)).map(indexOf)).toEqual([7, 8, 9]);
    expect((await collect(a, b.peerId, 0)).map(indexOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await collect(a, b.peerId, 10)).toEqual([]);
    expect(await collect(a, b.peerId, 0xffff_ffff)).toEqual([]);
  });

  it('carries chunks of 1 byte and of FILE_FRAME_MAX_BYTES; an empty or oversized chunk breaks the transfer', async () => {
    const [a, b] = await pair();
    let sizes: number[] = [];
    b.setFileServer(() =>
      (async function* () {
        for (const [i, size] of sizes.entries()) yield makeChunk(i, Math.max(size, 0)).subarray(0, size);
      })(),
    );
    sizes = [4, FILE_FRAME_MAX_BYTES, 5];
    expect((await collect(a, b.peerId)).map((c) => c.length)).toEqual(sizes);
    sizes = [4, FILE_FRAME_MAX_BYTES + 1];
    await expect(collect(a, b.peerId)).rejects.toMatchObject({ code: 'unreachable' });
    sizes = [4, 0];
    await expect(collect(a, b.peerId)).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('refuses without a server, for unknown files, and when the server throws', async () => {
    const [a, b] = await pair();
    await expect(collect(a, b.peerId)).rejects.toMatchObject({ code: 'refused' });
    b.setFileServer(() => {
      throw new Error('boom');
    });
    await expect(collect(a, b.peerId)).rejects.toMatchObject({ code: 'refused' });
    const { server } = instrumentedServer(3);
    b.setFileServer(server);
    await expect(
      (async () => {
        for await (const _ of a.fetchFile(b.peerId, { fileId: 'cd'.repeat(16), fromChunk: 0 })) {
          // none
        }
      })(),
    ).rejects.toMatchObject({ code: 'refused' });
    expect(await collect(a, b.peerId)).toHaveLength(3);
  });

  it('rejects invalid requests locally, unknown peers as unreachable, and after stop as closed', async () => {
    const [a, b] = await pair();
    const bad = async (fileId: string, fromChunk: number) => {
      for await (const _ of a.fetchFile(b.peerId, { fileId, fromChunk })) {
        // none
      }
    };
    await expect(bad('AB'.repeat(16), 0)).rejects.toMatchObject({ code: 'refused' });
    await expect(bad('ab', 0)).rejects.toMatchObject({ code: 'refused' });
    await expect(bad(FILE_ID, -1)).rejects.toMatchObject({ code: 'refused' });
    await expect(bad(FILE_ID, 2 ** 32)).rejects.toMatchObject({ code: 'refused' });
    await expect(collect(a, 'not-a-peer')).rejects.toMatchObject({ code: 'unreachable' });
    await a.stop();
    await expect(collect(a, b.peerId)).rejects.toMatchObject({ code: 'closed' });
  });

  it('aborts on the signal, and a consumer that stops early closes the server iterable', async () => {
    const [a, b] = await pair();
    const { server, state } = instrumentedServer(1000);
    b.setFileServer(server);
    const controller = new AbortController();
    let got = 0;
    await expect(
      (async () => {
        for await (const _ of a.fetchFile(b.peerId, { fileId: FILE_ID, fromChunk: 0 }, controller)) {
          if (++got === 3) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'aborted' });
    await eventually(() => state.finished, 5_000, 'server iterable closed after abort');
    expect(state.closedEarly).toBe(true);
    state.finished = false;
    for await (const _ of a.fetchFile(b.peerId, { fileId: FILE_ID, fromChunk: 0 })) break;
    await eventually(() => state.finished, 5_000, 'server iterable closed after break');
    expect(state.pulled).toBeLessThan(300);
  });

  it('a requester that disconnects mid-transfer: the server iterable is closed (its finally runs)', async () => {
    const [a, b] = await pair();
    const { server, state } = instrumentedServer(100_000);
    b.setFileServer(server);
    let got = 0;
    const fetching = (async () => {
      for await (const _ of a.fetchFile(b.peerId, { fileId: FILE_ID, fromChunk: 0 })) {
        if (++got === 5) await a.node.hangUp(b.node.peerId);
      }
    })();
    await expect(fetching).rejects.toMatchObject({ code: 'unreachable' });
    await eventually(() => state.finished, 5_000, 'server iterable closed');
    expect(state.closedEarly).toBe(true);
    expect(b.stats().fileServing).toBe(0);
  });

  it('a server that goes silent: the requester gives up after the idle timeout', async () => {
    const [a, b] = await pair({ fileIdleTimeoutMs: 400 });
    let finished = false;
    b.setFileServer(() =>
      (async function* () {
        try {
          yield makeChunk(0);
          await sleep(1_500);
          yield makeChunk(1);
        } finally {
          finished = true;
        }
      })(),
    );
    const start = Date.now();
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const c of a.fetchFile(b.peerId, { fileId: FILE_ID, fromChunk: 0 })) got.push(indexOf(c));
      })(),
    ).rejects.toMatchObject({ code: 'unreachable' });
    expect(got).toEqual([0]);
    expect(Date.now() - start).toBeLessThan(1_400);
    await eventually(() => finished, 5_000, 'server iterable closed');
  });
});

describe('hostile /parley/file', () => {
  async function victimWithAttacker(admitAttacker: boolean) {
    const victim = await startTransport(cleanup);
    const friend = await startTransport(cleanup);
    const attacker = await rawPeer(cleanup);
    const admitted = new Set([friend.peerId, ...(admitAttacker ? [attacker.peerId.toString()] : [])]);
    victim.setAdmission((p) => admitted.has(p));
    const { server, state } = instrumentedServer(3);
    victim.setFileServer(server);
    const target = multiaddr(victim.addresses()[0] as string);
    await friend.connect(victim.peerId, { addresses: victim.addresses() });
    return { victim, friend, attacker, target, state };
  }

  const stillServes = async (victim: ParleyTransport, friend: ParleyTransport) => {
    expect((await collect(friend, victim.peerId)).map(indexOf)).toEqual([0, 1, 2]);
  };

  const request = (fromChunk = 0) => encodeFrames([encodeFileRequest({ fileId: FILE_ID, fromChunk })]);

  it('resets a stranger before the file server is called', async () => {
    const { victim, friend, attacker, target, state } = await victimWithAttacker(false);
    const outcome = await attacker.dialProtocol(target, FILE_PROTOCOL).then(
      async (stream) => {
        try {
          stream.send(request());
        } catch {
          // reset already
        }
        return closed(stream);
      },
      () => 'refused',
    );
    expect(outcome).not.toBe('open');
    expect(state.calls).toBe(0);
    await stillServes(victim, friend);
    expect(state.calls).toBe(1);
  });

  it('resets an oversized request frame and garbage requests; the node keeps serving', async () => {
    const { victim, friend, attacker, target, state } = await victimWithAttacker(true);
    const oversized = await attacker.dialProtocol(target, FILE_PROTOCOL);
    oversized.send(Uint8Array.of(FILE_REQUEST_MAX_BYTES + 1));
    oversized.send(new Uint8Array(FILE_REQUEST_MAX_BYTES + 1));
    expect(await closed(oversized)).toBe('reset');
    const huge = await attacker.dialProtocol(target, FILE_PROTOCOL);
    huge.send(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f));
    expect(await closed(huge)).toBe('reset');
    // the right length but version 2, and a version-1 request one byte short
    const payload = encodeFileRequest({ fileId: FILE_ID, fromChunk: 0 });
    for (const bad of [Uint8Array.of(2, ...payload.subarray(1)), payload.subarray(0, 20)]) {
      const s = await attacker.dialProtocol(target, FILE_PROTOCOL);
      s.send(encodeFrames([bad]));
      await s.close().catch(() => undefined);
      expect(await closed(s)).toBe('reset');
    }
    // random bytes: never a call to the server, never an uncaught exception
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
        fc.pre(!(bytes[0] === 21 && bytes[1] === 1)); // a length-21 version-1 frame is a real request
        const s = await attacker.dialProtocol(target, FILE_PROTOCOL);
        s.send(bytes);
        await s.close().catch(() => undefined);
        await closed(s);
      }),
      { numRuns: 30 },
    );
    // data after a valid request is a violation too
    const chatty = await attacker.dialProtocol(target, FILE_PROTOCOL);
    chatty.send(request());
    chatty.send(Uint8Array.of(1, 2, 3));
    expect(await closed(chatty)).toBe('reset');
    expect(state.calls).toBeLessThanOrEqual(1);
    const callsBefore = state.calls;
    await stillServes(victim, friend);
    expect(state.calls).toBe(callsBefore + 1);
    await eventually(() => victim.stats().fileServing === 0, 5_000, 'streams released');
  });

  it('a silent requester is reset after the request timeout', async () => {
    const victim = await startTransport(cleanup, {}, { limits: { fileRequestTimeoutMs: 300 } });
    const attacker = await rawPeer(cleanup);
    victim.setAdmission((p) => p === attacker.peerId.toString());
    const silent = await attacker.dialProtocol(multiaddr(victim.addresses()[0] as string), FILE_PROTOCOL);
    const start = Date.now();
    expect(await closed(silent, 3_000)).toBe('reset');
    expect(Date.now() - start).toBeLessThan(2_000);
  });

  it('the requester resets a server sending a malformed status or an oversized frame', async () => {
    const server = await rawPeer(cleanup, ['/ip4/127.0.0.1/tcp/0']);
    let reply: Uint8Array = Uint8Array.of(7);
    await server.handle(FILE_PROTOCOL, (stream) => {
      stream.send(reply);
    });
    const a = await startTransport(cleanup);
    await a.connect(server.peerId.toString(), { addresses: server.getMultiaddrs().map(String) });
    await expect(collect(a, server.peerId.toString())).rejects.toMatchObject({ code: 'unreachable' });
    reply = Uint8Array.of(1, 0x81, 0x80, 0x08); // 0x01, then a 131 073-byte prefix
    await expect(collect(a, server.peerId.toString())).rejects.toMatchObject({ code: 'unreachable' });
    reply = Uint8Array.of(1, 3, 1, 2); // a frame cut short, then silence
    await expect(
      (async () => {
        for await (const _ of a.fetchFile(
          server.peerId.toString(),
          { fileId: FILE_ID, fromChunk: 0 },
          { signal: AbortSignal.timeout(500) },
        )) {
          // none
        }
      })(),
    ).rejects.toMatchObject({ code: 'aborted' });
    expect(a.stats().fileFetching).toBe(0);
  });
});
