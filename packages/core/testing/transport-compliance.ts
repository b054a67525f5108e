/**
 * The Transport compliance suite: every implementation of core's Transport
 * (the in-memory fake and `@parley/net`) must pass it. In the spirit of
 * js-libp2p's interface compliance tests.
 *
 * Usage (inside a vitest file):
 *   transportCompliance('memory', () => memoryHarness());
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  FRAME_MAX_BYTES,
  INTRO_FRAME_MAX_BYTES,
  type InboundFrame,
  type PeerEvent,
  PUBSUB_ADMISSION_RECHECK_MS,
  PUBSUB_MESSAGE_MAX_BYTES,
  QUERY_MAX_BYTES,
  type Transport,
} from '../src/ports/transport.ts';

export interface TransportHarness {
  /** Create `count` started transports that can reach each other by their addresses. */
  create(count: number): Promise<Transport[]>;
  /** Stop everything this harness created (called after each test). */
  cleanup(): Promise<void>;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function linked(a: Transport, b: Transport): Promise<void> {
  await a.connect(b.peerId, { addresses: b.addresses() });
}

export function transportCompliance(name: string, makeHarness: () => TransportHarness): void {
  describe(`Transport compliance: ${name}`, () => {
    let harness: TransportHarness | undefined;
    const create = async (count: number): Promise<Transport[]> => {
      harness = makeHarness();
      return harness.create(count);
    };
    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });

    it('delivers frames from an admitted peer in order, tagged with the sender', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      const got: InboundFrame[] = [];
      b.setAdmission((peer) => peer === a.peerId);
      b.onFrame((f) => {
        got.push(f);
      });
      await linked(a, b);
      for (let i = 0; i < 200; i++) await a.send(b.peerId, bytes(i & 0xff, i >> 8));
      await eventually(() => got.length === 200, 10_000, '200 frames');
      expect(got.every((f) => f.from === a.peerId)).toBe(true);
      expect(got.map((f) => (f.data[0] as number) | ((f.data[1] as number) << 8))).toEqual([
        ...Array(200).keys(),
      ]);
    });

    it('carries frames in both directions on one pair', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      const atA: number[] = [];
      const atB: number[] = [];
      a.setAdmission((p) => p === b.peerId);
      b.setAdmission((p) => p === a.peerId);
      a.onFrame((f) => {
        atA.push(f.data[0] as number);
      });
      b.onFrame((f) => {
        atB.push(f.data[0] as number);
      });
      await linked(a, b);
      await Promise.all([a.send(b.peerId, bytes(1)), b.send(a.peerId, bytes(2))]);
      await eventually(() => atA.length === 1 && atB.length === 1, 10_000, 'one frame each way');
      expect(atA).toEqual([2]);
      expect(atB).toEqual([1]);
    });

    it('never delivers frames from a peer the admission hook refuses', async () => {
      const [a, b, c] = (await create(3)) as [Transport, Transport, Transport];
      const got: InboundFrame[] = [];
      b.setAdmission((peer) => peer === c.peerId);
      b.onFrame((f) => {
        got.push(f);
      });
      await linked(a, b).catch(() => undefined);
      await a.send(b.peerId, bytes(9)).catch(() => undefined);
      await linked(c, b);
      await c.send(b.peerId, bytes(7));
      await eventually(() => got.length >= 1, 10_000, 'the admitted frame');
      await new Promise((r) => setTimeout(r, 200));
      expect(got.map((f) => f.from)).toEqual([c.peerId]);
    });

    it('refuses everyone before an admission hook is set', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      const got: InboundFrame[] = [];
      b.onFrame((f) => {
        got.push(f);
      });
      await linked(a, b).catch(() => undefined);
      await a.send(b.peerId, bytes(1)).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toEqual([]);
    });

    it('awaits the frame handler before delivering the next frame of the same peer', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      let active = 0;
      let maxActive = 0;
      let done = 0;
      b.setAdmission(() => true);
      b.onFrame(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        done++;
      });
      await linked(a, b);
      for (let i = 0; i < 20; i++) await a.send(b.peerId, bytes(i));
      await eventually(() => done === 20, 10_000, '20 slow frames');
      expect(maxActive).toBe(1);
    });

    it('accepts a frame of exactly FRAME_MAX_BYTES and rejects empty or larger frames', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      const sizes: number[] = [];
      b.setAdmission(() => true);
      b.onFrame((f) => {
        sizes.push(f.data.length);
      });
      await linked(a, b);
      const big = new Uint8Array(FRAME_MAX_BYTES).fill(0xab);
      await a.send(b.peerId, big);
      await expect(a.send(b.peerId, new Uint8Array(FRAME_MAX_BYTES + 1))).rejects.toMatchObject({
        code: 'frame-too-large',
      });
      await expect(a.send(b.peerId, new Uint8Array(0))).rejects.toMatchObject({ code: 'frame-too-large' });
      await eventually(() => sizes.length === 1, 10_000, 'the max-size frame');
      expect(sizes).toEqual([FRAME_MAX_BYTES]);
    });

    it('does not let the sender mutate a frame after send()', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      const got: Uint8Array[] = [];
      b.setAdmission(() => true);
      b.onFrame((f) => {
        got.push(f.data);
      });
      await linked(a, b);
      const frame = bytes(1, 2, 3);
      await a.send(b.peerId, frame);
      frame.fill(0);
      await eventually(() => got.length === 1);
      expect([...(got[0] as Uint8Array)]).toEqual([1, 2, 3]);
    });

    it('reports connected, and disconnected when the other side stops', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      const events: PeerEvent[] = [];
      a.onPeer((e) => events.push(e));
      b.setAdmission(() => true);
      await linked(a, b);
      await eventually(() => a.isConnected(b.peerId), 10_000, 'connection');
      await eventually(() => events.some((e) => e.type === 'connected' && e.peer === b.peerId));
      expect(a.connectionKind(b.peerId)).toBe('direct'); // both suites connect without a relay
      await b.stop();
      await eventually(
        () => events.some((e) => e.type === 'disconnected' && e.peer === b.peerId),
        10_000,
        'disconnect',
      );
      expect(a.isConnected(b.peerId)).toBe(false);
      expect(a.connectionKind(b.peerId)).toBe(null);
    });

    it('rejects sends to a peer that is gone with "unreachable"', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      const addresses = b.addresses();
      const gone = b.peerId;
      await b.stop();
      await expect(a.connect(gone, { addresses })).rejects.toMatchObject({ code: 'unreachable' });
    });

    it('rejects sends after stop() with "closed"', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      b.setAdmission(() => true);
      await a.stop();
      await expect(a.send(b.peerId, bytes(1))).rejects.toMatchObject({ code: 'closed' });
    });

    it('passes an introduction to the handler and returns its verdict', async () => {
      const [a, b, c] = (await create(3)) as [Transport, Transport, Transport];
      const seen: InboundFrame[] = [];
      b.setAdmission(() => false);
      b.setIntroductionHandler(async (f) => {
        seen.push(f);
        return f.data[0] === 1;
      });
      expect(await a.introduce(b.peerId, bytes(1, 2, 3), { addresses: b.addresses() })).toBe(true);
      expect(await c.introduce(b.peerId, bytes(0), { addresses: b.addresses() })).toBe(false);
      expect(seen.map((f) => [f.from, [...f.data]])).toEqual([
        [a.peerId, [1, 2, 3]],
        [c.peerId, [0]],
      ]);
    });

    it('refuses introductions when no handler is set, and oversized ones locally', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      expect(await a.introduce(b.peerId, bytes(1), { addresses: b.addresses() })).toBe(false);
      await expect(
        a.introduce(b.peerId, new Uint8Array(INTRO_FRAME_MAX_BYTES + 1), { addresses: b.addresses() }),
      ).rejects.toMatchObject({ code: 'frame-too-large' });
    });

    it('serves file chunks to an admitted peer, in order, from the requested chunk', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      const requests: Array<{ peer: string; fileId: string; fromChunk: number }> = [];
      b.setAdmission((peer) => peer === a.peerId);
      b.setFileServer((peer, request) => {
        requests.push({ peer, ...request });
        if (request.fileId !== 'ab'.repeat(16)) return undefined;
        return (async function* () {
          for (let i = request.fromChunk; i < 5; i++) yield new Uint8Array(65_552).fill(i);
        })();
      });
      await linked(a, b);
      const got: number[] = [];
      for await (const chunk of a.fetchFile(b.peerId, { fileId: 'ab'.repeat(16), fromChunk: 2 })) {
        expect(chunk.length).toBe(65_552);
        got.push(chunk[0] as number);
      }
      expect(got).toEqual([2, 3, 4]);
      expect(requests).toEqual([{ peer: a.peerId, fileId: 'ab'.repeat(16), fromChunk: 2 }]);
    });

    it('refuses file requests for unknown files and from peers that are not admitted', async () => {
      const [a, b, c] = (await create(3)) as [Transport, Transport, Transport];
      b.setAdmission((peer) => peer === a.peerId);
      let served = 0;
      b.setFileServer(() => {
        served++;
        return undefined;
      });
      await linked(a, b);
      const drain = async (t: Transport) => {
        for await (const _ of t.fetchFile(b.peerId, { fileId: 'cd'.repeat(16), fromChunk: 0 })) {
          // nothing expected
        }
      };
      await expect(drain(a)).rejects.toMatchObject({ code: 'refused' });
      await linked(c, b).catch(() => undefined);
      await expect(drain(c)).rejects.toMatchObject({ code: expect.stringMatching(/refused|unreachable/) });
      expect(served).toBe(1);
    });

    it('delivers pubsub messages to subscribers of the topic, tagged with the publisher', async () => {
      const [a, b, c] = (await create(3)) as [Transport, Transport, Transport];
      await linked(a, b);
      await linked(a, c);
      await linked(b, c);
      const atB: string[] = [];
      const atC: string[] = [];
      a.subscribe('parley-compliance', () => undefined); // one publishes on a topic it subscribes to
      b.subscribe('parley-compliance', (m) => atB.push(`${m.from}:${m.data[0]}`));
      const offC = c.subscribe('parley-compliance', (m) => atC.push(`${m.from}:${m.data[0]}`));
      // Gossip meshes form over a few heartbeats: publish until both have seen one.
      await eventually(
        () => {
          void a.publish('parley-compliance', bytes(7)).catch(() => undefined);
          return atB.length > 0 && atC.length > 0;
        },
        15_000,
        'pubsub delivery',
      );
      expect(atB[0]).toBe(`${a.peerId}:7`);
      offC();
      const seenByC = atC.length;
      await a.publish('parley-compliance', bytes(8));
      await eventually(() => atB.includes(`${a.peerId}:8`), 10_000, 'the second message at b');
      await new Promise((r) => setTimeout(r, 200));
      expect(atC.length).toBe(seenByC);
      await expect(
        a.publish('parley-compliance', new Uint8Array(PUBSUB_MESSAGE_MAX_BYTES + 1)),
      ).rejects.toMatchObject({
        code: 'frame-too-large',
      });
    });

    it('shares a topic with an admission only with the peers it admits, in both directions', async () => {
      const [a, b, c] = (await create(3)) as [Transport, Transport, Transport];
      await linked(a, b);
      await linked(a, c);
      await linked(b, c);
      const topic = 'parley-compliance-admitted';
      const admittedAtA = new Set([b.peerId]);
      const at = { a: [] as string[], b: [] as string[], c: [] as string[] };
      a.subscribe(topic, (m) => at.a.push(`${m.from}:${m.data[0]}`), { admit: (p) => admittedAtA.has(p) });
      b.subscribe(topic, (m) => at.b.push(`${m.from}:${m.data[0]}`), { admit: (p) => p === a.peerId });
      c.subscribe(topic, (m) => at.c.push(`${m.from}:${m.data[0]}`)); // c knows the topic, open
      await eventually(
        () => {
          void a.publish(topic, bytes(1)).catch(() => undefined);
          void c.publish(topic, bytes(2)).catch(() => undefined);
          return at.b.includes(`${a.peerId}:1`);
        },
        15_000,
        'delivery to the admitted peer',
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(at.c).toEqual([]); // a refuses c: nothing of the topic reaches c from a
      expect(at.a.filter((x) => x.startsWith(c.peerId))).toEqual([]); // ...nor from c reaches a
      expect(at.b.filter((x) => x.startsWith(c.peerId))).toEqual([]); // b admits only a
      // admission changes: c is admitted from now on (told within PUBSUB_ADMISSION_RECHECK_MS)
      admittedAtA.add(c.peerId);
      await eventually(
        () => {
          void a.publish(topic, bytes(3)).catch(() => undefined);
          return at.c.includes(`${a.peerId}:3`);
        },
        15_000 + PUBSUB_ADMISSION_RECHECK_MS,
        'delivery once admitted',
      );
      // and revoked again: what a publishes after that no longer reaches c
      admittedAtA.delete(c.peerId);
      await new Promise((r) => setTimeout(r, 3 * PUBSUB_ADMISSION_RECHECK_MS));
      const before = at.c.length;
      for (let i = 0; i < 5; i++) await a.publish(topic, bytes(4));
      await eventually(() => at.b.includes(`${a.peerId}:4`), 10_000, 'b still gets them');
      await new Promise((r) => setTimeout(r, 300));
      expect(at.c.length).toBe(before);
    });

    it('refuses a query from a peer its admission refuses before the handler runs', async () => {
      const [a, b] = (await create(2)) as [Transport, Transport];
      let asked = 0;
      b.setQueryHandler(
        async () => {
          asked++;
          return bytes(1);
        },
        (peer) => peer !== a.peerId,
      );
      await expect(a.query(b.peerId, bytes(1), { addresses: b.addresses() })).rejects.toMatchObject({
        code: 'refused',
      });
      expect(asked).toBe(0);
    });

    it('answers queries from peers that are not contacts through the query handler, and refuses when it declines', async () => {
      const [a, b, c] = (await create(3)) as [Transport, Transport, Transport];
      b.setAdmission(() => false); // queries have their own admission: not only contacts
      await expect(a.query(b.peerId, bytes(1), { addresses: b.addresses() })).rejects.toMatchObject({
        code: 'refused',
      });
      b.setQueryHandler(
        async (peer, request) =>
          request[0] === 0 ? undefined : Uint8Array.of(request[0] as number, peer.length & 0xff),
        () => true,
      );
      expect([...(await a.query(b.peerId, bytes(5), { addresses: b.addresses() }))]).toEqual([
        5,
        a.peerId.length & 0xff,
      ]);
      expect([...(await c.query(b.peerId, bytes(6), { addresses: b.addresses() }))]).toEqual([
        6,
        c.peerId.length & 0xff,
      ]);
      await expect(a.query(b.peerId, bytes(0), { addresses: b.addresses() })).rejects.toMatchObject({
        code: 'refused',
      });
      await expect(a.query(b.peerId, new Uint8Array(QUERY_MAX_BYTES + 1))).rejects.toMatchObject({
        code: 'frame-too-large',
      });
    });
  });
}
