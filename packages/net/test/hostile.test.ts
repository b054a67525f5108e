/**
 * Hostile input on /parley/msg and /parley/intro, sent by a plain libp2p node
 * with crafted bytes. Each case: the offending stream is reset (or the
 * connection closed), buffers stay bounded, no uncaught exception (vitest
 * fails the run on one), and a well-behaved peer is still served.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Stream } from '@libp2p/interface';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { FRAME_MAX_BYTES } from '@parley/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  INTRO_PROTOCOL,
  INTRO_REFUSED_COST,
  MSG_MAX_INBOUND_STREAMS,
  MSG_PROTOCOL,
  type ParleyTransport,
} from '../src/index.ts';
import { Cleanup, closed, eventually, rawPeer, sleep, startTransport } from './helpers.ts';

// Memory checks measure what is RETAINED: collect garbage first, or a busy machine's
// uncollected garbage from thousands of refused streams looks like a leak.
setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;
const retainedHeap = (): number => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** An unsigned varint of any size up to 2^64 (BigInt), as a hostile peer would write it. */
function bigUvarint(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** A victim node, a well-behaved friend, and a raw attacker the victim admits (unless `admitAttacker` is false). */
async function setup(admitAttacker = true, limits = {}) {
  const victim = await startTransport(cleanup, {}, { limits });
  const friend = await startTransport(cleanup);
  const attacker = await rawPeer(cleanup);
  const admitted = new Set([friend.peerId, ...(admitAttacker ? [attacker.peerId.toString()] : [])]);
  victim.setAdmission((p) => admitted.has(p));
  const got: Array<{ from: string; length: number }> = [];
  victim.onFrame((f) => {
    got.push({ from: f.from, length: f.data.length });
  });
  await friend.connect(victim.peerId, { addresses: victim.addresses() });
  const target = multiaddr(victim.addresses()[0] as string);
  return { victim, friend, attacker, target, got };
}

async function stillServes(victim: ParleyTransport, friend: ParleyTransport, got: Array<{ from: string }>) {
  const before = got.filter((f) => f.from === friend.peerId).length;
  await friend.send(victim.peerId, Uint8Array.of(42));
  await eventually(
    () => got.filter((f) => f.from === friend.peerId).length === before + 1,
    10_000,
    'friend frame',
  );
}

describe('hostile /parley/msg input', () => {
  for (const [name, length] of [
    ['64 KiB + 1', BigInt(FRAME_MAX_BYTES + 1)],
    ['4 MiB', 4n * 1024n * 1024n],
    ['2^53', 2n ** 53n],
    ['2^64 - 1', 2n ** 64n - 1n],
  ] as const) {
    it(`resets a stream announcing a ${name} frame before allocating it`, async () => {
      const { victim, friend, attacker, target, got } = await setup();
      const stream = await attacker.dialProtocol(target, MSG_PROTOCOL);
      stream.send(bigUvarint(length));
      stream.send(new Uint8Array(1024));
      expect(await closed(stream)).not.toBe('open');
      expect(got.filter((f) => f.from === attacker.peerId.toString())).toEqual([]);
      expect(victim.stats().inboundBufferedBytes).toBeLessThan(64 * 1024);
      await stillServes(victim, friend, got);
    });
  }

  it('survives random bytes: frames that parse are delivered, the rest reset, nothing thrown', async () => {
    const { victim, friend, attacker, target, got } = await setup();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4096 }), async (bytes) => {
        const stream = await attacker.dialProtocol(target, MSG_PROTOCOL);
        stream.send(bytes);
        await stream.close().catch(() => undefined);
      }),
      { numRuns: 60 },
    );
    // A frame that parsed may still be on its way to the handler when its stream closes: wait for the
    // queue to drain too, then require that nothing stays buffered.
    await eventually(
      () => victim.stats().inboundStreams === 0 && victim.stats().inboundBufferedBytes === 0,
      10_000,
      'streams and buffers released',
    );
    expect(victim.stats().inboundBufferedBytes).toBe(0);
    await stillServes(victim, friend, got);
  });

  it('resets a peer dribbling one byte at a time (slow-frame timeout)', async () => {
    const { victim, friend, attacker, target, got } = await setup(true, { frameIdleTimeoutMs: 600 });
    const stream = await attacker.dialProtocol(target, MSG_PROTOCOL);
    const start = Date.now();
    stream.send(bigUvarint(1000n));
    const dribble = setInterval(() => {
      if (stream.status === 'open') stream.send(Uint8Array.of(7));
    }, 100);
    try {
      expect(await closed(stream, 5_000)).not.toBe('open');
    } finally {
      clearInterval(dribble);
    }
    expect(Date.now() - start).toBeLessThan(3_000);
    await stillServes(victim, friend, got);
  });

  it('caps concurrent streams from one peer; thousands of stream opens do not pile up', async () => {
    // The held streams each wait on a partial frame: keep the slow-frame timeout out of the way, or a
    // loaded machine (the burst below can take >10 s) would reset them and the test would measure that.
    const { victim, friend, attacker, target, got } = await setup(true, { frameIdleTimeoutMs: 120_000 });
    await attacker.dial(target);
    const heapBefore = retainedHeap();
    // up to the per-connection limit, streams open normally (each holding a partial frame)...
    const held: Stream[] = [];
    for (let i = 0; i < MSG_MAX_INBOUND_STREAMS; i++) {
      const s = await attacker.dialProtocol(target, MSG_PROTOCOL);
      s.send(Uint8Array.of(200)); // first byte of a 2-byte prefix
      held.push(s);
    }
    await eventually(() => victim.stats().inboundStreams === MSG_MAX_INBOUND_STREAMS, 5_000, 'held streams');
    // ...beyond it, thousands of attempts are reset and nothing accumulates
    const burst = await Promise.allSettled(
      Array.from({ length: 2000 }, async () => {
        const s = await attacker.dialProtocol(target, MSG_PROTOCOL, { signal: AbortSignal.timeout(10_000) });
        s.send(Uint8Array.of(200));
        return closed(s);
      }),
    );
    expect(burst.filter((r) => r.status === 'fulfilled' && r.value === 'open')).toEqual([]);
    expect(victim.stats().inboundStreams).toBeLessThanOrEqual(MSG_MAX_INBOUND_STREAMS);
    expect(held.every((s) => s.status === 'open')).toBe(true);
    expect(retainedHeap() - heapBefore).toBeLessThan(32 * 1024 * 1024);
    await stillServes(victim, friend, got);
  });

  it('resets a stranger before reading and closes its connection; thousands of attempts stay harmless', async () => {
    const { victim, friend, attacker, target, got } = await setup(false);
    // the victim resets during or right after protocol negotiation: either outcome is fine
    const first = await attacker.dialProtocol(target, MSG_PROTOCOL).then(
      async (stream) => {
        try {
          stream.send(Uint8Array.of(3, 1, 2, 3));
        } catch {
          return 'reset'; // the victim was quicker than our first write
        }
        return closed(stream);
      },
      () => 'refused',
    );
    expect(first).not.toBe('open');
    await eventually(
      () => attacker.getConnections(victim.node.peerId).length === 0,
      5_000,
      'connection closed',
    );
    for (let round = 0; round < 20; round++) {
      await Promise.allSettled(
        Array.from({ length: 50 }, async () => {
          const s = await attacker.dialProtocol(target, MSG_PROTOCOL, { signal: AbortSignal.timeout(5_000) });
          s.send(Uint8Array.of(1, 9));
        }),
      );
    }
    expect(got.filter((f) => f.from === attacker.peerId.toString())).toEqual([]);
    expect(victim.stats().inboundStreams).toBe(0);
    await stillServes(victim, friend, got);
  });
});

/** One raw introduction; resolves the verdict byte, or 'reset'. */
async function rawIntroduce(
  attacker: Awaited<ReturnType<typeof rawPeer>>,
  target: Multiaddr,
): Promise<number | string> {
  let s: Stream;
  try {
    s = await attacker.dialProtocol(target, INTRO_PROTOCOL);
  } catch {
    return 'reset';
  }
  const reply = new Promise<number | string>((resolve) => {
    s.addEventListener('message', (e) =>
      resolve(e.data instanceof Uint8Array ? (e.data[0] as number) : e.data.get(0)),
    );
    s.addEventListener('close', () => resolve('reset'));
  });
  try {
    s.send(Uint8Array.of(1, 5));
    await s.close();
  } catch {
    return 'reset';
  }
  if (s.status !== 'open') return 'reset';
  return reply;
}

describe('hostile /parley/intro input', () => {
  it('resets oversized, double and silent introductions without calling the handler', async () => {
    const { victim, friend, attacker, target, got } = await setup(false, { introTimeoutMs: 500 });
    let calls = 0;
    victim.setIntroductionHandler(async () => {
      calls++;
      return true;
    });
    const oversized = await attacker.dialProtocol(target, INTRO_PROTOCOL);
    oversized.send(bigUvarint(16n * 1024n + 1n));
    expect(await closed(oversized)).not.toBe('open');
    const double = await attacker.dialProtocol(target, INTRO_PROTOCOL);
    double.send(Uint8Array.of(1, 1, 1, 1));
    expect(await closed(double)).not.toBe('open');
    const silent = await attacker.dialProtocol(target, INTRO_PROTOCOL);
    expect(await closed(silent, 3_000)).not.toBe('open');
    expect(calls).toBe(0);
    await stillServes(victim, friend, got);
  });

  it('answers refused introductions from one source until INTRO_REFUSED_COST × n reaches its budget', async () => {
    const { victim, attacker, target } = await setup(false, { introMaxPerSource: 2 * INTRO_REFUSED_COST });
    victim.setIntroductionHandler(async () => false);
    const verdicts: Array<number | string> = [];
    for (let i = 0; i < 5; i++) {
      verdicts.push(await rawIntroduce(attacker, target));
    }
    expect(verdicts).toEqual([0, 0, 'reset', 'reset', 'reset']);
    await sleep(10);
  });
});
