import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { FRAME_MAX_BYTES, type InboundFrame } from '@parley/core';
import { createLibp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import { DHT_PROTOCOL, INTRO_PROTOCOL, MSG_PROTOCOL } from '../src/index.ts';
import { Cleanup, eventually, startTransport, withTimeout } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function pair() {
  const a = await startTransport(cleanup);
  const b = await startTransport(cleanup);
  a.setAdmission((p) => p === b.peerId);
  b.setAdmission((p) => p === a.peerId);
  await a.connect(b.peerId, { addresses: b.addresses() });
  return [a, b] as const;
}

describe('/parley/msg between two nodes', () => {
  it('carries 64 KiB frames both ways, byte for byte', async () => {
    const [a, b] = await pair();
    const atA: InboundFrame[] = [];
    const atB: InboundFrame[] = [];
    a.onFrame((f) => {
      atA.push(f);
    });
    b.onFrame((f) => {
      atB.push(f);
    });
    const big = (seed: number) =>
      Uint8Array.from({ length: FRAME_MAX_BYTES }, (_, i) => (i * 31 + seed) & 0xff);
    await Promise.all(
      [0, 1, 2, 3].flatMap((i) => [a.send(b.peerId, big(i)), b.send(a.peerId, big(100 + i))]),
    );
    await eventually(() => atA.length === 4 && atB.length === 4, 10_000, 'big frames');
    expect(atB.map((f) => f.data)).toEqual([0, 1, 2, 3].map(big));
    expect(atA.map((f) => f.data)).toEqual([100, 101, 102, 103].map(big));
    expect(atB.every((f) => f.from === a.peerId)).toBe(true);
  });

  it('delivers 10,000 small frames in order, coalesced into few writes', async () => {
    const [a, b] = await pair();
    const got: number[] = [];
    b.onFrame((f) => {
      got.push(new DataView(f.data.buffer, f.data.byteOffset).getUint32(0));
    });
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const frame = new Uint8Array(32);
      new DataView(frame.buffer).setUint32(0, i);
      sends.push(a.send(b.peerId, frame));
    }
    await withTimeout(Promise.all(sends), 20_000);
    await eventually(() => got.length === 10_000, 20_000, '10k frames');
    expect(got).toEqual([...Array(10_000).keys()]);
    expect(a.stats().outboundQueuedFrames).toBe(0);
  });

  it('applies backpressure: a slow handler stalls the sender instead of growing buffers', async () => {
    const [a, b] = await pair();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let delivered = 0;
    b.onFrame(async () => {
      await gate;
      delivered++;
    });
    let written = 0;
    const frame = new Uint8Array(16 * 1024);
    const sends = Array.from({ length: 2000 }, () => a.send(b.peerId, frame).then(() => written++));
    await new Promise((r) => setTimeout(r, 1000));
    // 2000 x 16 KiB = 32 MiB offered; bounded by queue + yamux window + read buffers
    expect(written).toBeLessThan(2000);
    expect(b.stats().inboundBufferedBytes).toBeLessThan(8 * 1024 * 1024);
    expect(a.stats().outboundQueuedFrames).toBeLessThanOrEqual(1024);
    release();
    await withTimeout(Promise.all(sends), 30_000);
    await eventually(() => delivered === 2000, 30_000, 'all frames after release');
  });

  it('a handler that stays slow across many yamux windows loses nothing (pause inside resume)', async () => {
    const [a, b] = await pair();
    const got: number[] = [];
    b.onFrame(async (f) => {
      got.push(f.data[0] as number);
      await new Promise((r) => setTimeout(r, 1));
    });
    const frames = 300; // 300 x 64 KiB = 19 MiB: many times the yamux window and the high-water mark
    await Promise.all(
      Array.from({ length: frames }, (_, i) =>
        a.send(b.peerId, new Uint8Array(FRAME_MAX_BYTES).fill(i & 0xff)),
      ),
    );
    await eventually(() => got.length === frames, 20_000, 'all frames');
    expect(got).toEqual(Array.from({ length: frames }, (_, i) => i & 0xff));
  });

  it('resets a stranger: its frames never reach handlers and its connection is closed', async () => {
    const [a, b] = await pair();
    const stranger = await startTransport(cleanup);
    stranger.setAdmission(() => true);
    const got: string[] = [];
    b.onFrame((f) => {
      got.push(f.from);
    });
    await stranger.connect(b.peerId, { addresses: b.addresses() });
    await stranger.send(b.peerId, Uint8Array.of(1)).catch(() => undefined);
    await eventually(() => !stranger.isConnected(b.peerId), 5_000, 'stranger disconnected');
    await a.send(b.peerId, Uint8Array.of(2));
    await eventually(() => got.length === 1);
    expect(got).toEqual([a.peerId]);
  });

  it('introductions: accepted, refused, and a handler that throws counts as refused', async () => {
    const [a, b] = await pair();
    const c = await startTransport(cleanup);
    b.setIntroductionHandler(async (f) => {
      if (f.data[0] === 2) throw new Error('boom');
      return f.data[0] === 1;
    });
    expect(await c.introduce(b.peerId, Uint8Array.of(1), { addresses: b.addresses() })).toBe(true);
    expect(await c.introduce(b.peerId, Uint8Array.of(0))).toBe(false);
    expect(await c.introduce(b.peerId, Uint8Array.of(2))).toBe(false);
    expect(a.isConnected(b.peerId)).toBe(true);
  });

  it('rate-limits introductions per source (accepted ones cost 1)', async () => {
    const b = await startTransport(cleanup, {}, { limits: { introMaxPerSource: 3 } });
    const c = await startTransport(cleanup);
    b.setIntroductionHandler(async () => true);
    await c.connect(b.peerId, { addresses: b.addresses() });
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await c.introduce(b.peerId, Uint8Array.of(1)).catch((e: { code: string }) => e.code));
    }
    expect(results).toEqual([true, true, true, 'refused', 'refused']);
  });
});

describe('standard libp2p interop', () => {
  it('a vanilla js-libp2p node identifies and pings a Parley node', async () => {
    const parley = await startTransport(cleanup);
    const vanilla = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping() },
    });
    cleanup.add(async () => {
      await vanilla.stop();
    });
    const target = multiaddr(parley.addresses()[0] as string);
    const rtt = await vanilla.services.ping.ping(target);
    expect(rtt).toBeGreaterThanOrEqual(0);
    await eventually(() => vanilla.getConnections(parley.node.peerId).length > 0);
    const result = await vanilla.services.identify.identify(vanilla.getConnections(parley.node.peerId)[0]!);
    expect(result.peerId.toString()).toBe(parley.peerId);
    expect(result.protocols).toEqual(
      expect.arrayContaining([MSG_PROTOCOL, INTRO_PROTOCOL, '/ipfs/ping/1.0.0']),
    );
    expect(result.agentVersion).toBeTruthy();
    // client-mode DHT: the node does not advertise the DHT protocol
    expect(result.protocols).not.toContain(DHT_PROTOCOL);
  });
});
