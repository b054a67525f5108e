/**
 * /parley/query/1.0.0 and gossipsub pubsub between real nodes on loopback,
 * plus hostile requesters and servers (a plain libp2p node writing crafted
 * bytes): each case resets the offender before the handler sees anything
 * malformed, nothing is thrown uncaught, and a well-behaved peer is still
 * answered.
 */
import { multiaddr } from '@multiformats/multiaddr';
import { QUERY_MAX_BYTES } from '@parley/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type ParleyTransport, QUERY_PROTOCOL } from '../src/index.ts';
import { Cleanup, closed, eventually, rawPeer, sleep, startTransport } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A server echoing the request reversed, counting calls; refuses a request starting with 0. */
async function server(limits = {}) {
  const victim = await startTransport(cleanup, {}, { limits });
  victim.setAdmission(() => false);
  const state = { calls: 0 };
  victim.setQueryHandler(
    async (_peer, request) => {
      state.calls++;
      return request[0] === 0 ? undefined : request.slice().reverse();
    },
    () => true,
  );
  return { victim, state, target: multiaddr(victim.addresses()[0] as string) };
}

const stillAnswers = async (victim: ParleyTransport) => {
  const friend = await startTransport(cleanup);
  expect([
    ...(await friend.query(victim.peerId, Uint8Array.of(1, 2), { addresses: victim.addresses() })),
  ]).toEqual([2, 1]);
};

describe('/parley/query between two nodes', () => {
  it('carries a request and an answer of QUERY_MAX_BYTES each', async () => {
    const { victim } = await server();
    const a = await startTransport(cleanup);
    const big = new Uint8Array(QUERY_MAX_BYTES).map((_, i) => (i + 1) & 0xff);
    const answer = await a.query(victim.peerId, big, { addresses: victim.addresses() });
    expect(answer.length).toBe(QUERY_MAX_BYTES);
    expect(answer[0]).toBe(QUERY_MAX_BYTES & 0xff);
    expect(answer[QUERY_MAX_BYTES - 1]).toBe(1);
    expect(victim.stats().queryServing).toBe(0);
  });

  it('a handler answering too much or too late is a refusal; a throwing one too', async () => {
    const victim = await startTransport(cleanup, {}, { limits: { queryTimeoutMs: 300 } });
    victim.setQueryHandler(
      async (_peer, request) => {
        if (request[0] === 1) return new Uint8Array(QUERY_MAX_BYTES + 1);
        if (request[0] === 2)
          return new Promise<Uint8Array>((r) => setTimeout(() => r(Uint8Array.of(1)), 2_000));
        throw new Error('boom');
      },
      () => true,
    );
    const a = await startTransport(cleanup);
    const ask = (b: number) => a.query(victim.peerId, Uint8Array.of(b), { addresses: victim.addresses() });
    await expect(ask(1)).rejects.toMatchObject({ code: 'refused' });
    const start = Date.now();
    await expect(ask(2)).rejects.toMatchObject({ code: 'refused' });
    expect(Date.now() - start).toBeLessThan(1_500);
    await expect(ask(3)).rejects.toMatchObject({ code: 'refused' });
  });

  it('rate-limits per remote peer: beyond the limit queries are refused before reading, others still served', async () => {
    const { victim, state } = await server({ queryMaxPerPeer: 3 });
    const a = await startTransport(cleanup);
    const results: string[] = [];
    for (let i = 0; i < 5; i++) {
      results.push(
        await a.query(victim.peerId, Uint8Array.of(9), { addresses: victim.addresses() }).then(
          () => 'ok',
          (e: { code: string }) => e.code,
        ),
      );
    }
    expect(results).toEqual(['ok', 'ok', 'ok', 'refused', 'refused']);
    expect(state.calls).toBe(3);
    await stillAnswers(victim);
  });

  it('unknown peers are unreachable, queries after stop are closed, aborts are aborted', async () => {
    const { victim } = await server();
    const a = await startTransport(cleanup);
    const gone = await startTransport(cleanup);
    const addresses = gone.addresses();
    await gone.stop();
    await expect(a.query(gone.peerId, Uint8Array.of(1), { addresses })).rejects.toMatchObject({
      code: 'unreachable',
    });
    await expect(
      a.query(victim.peerId, Uint8Array.of(1), {
        addresses: victim.addresses(),
        signal: AbortSignal.abort(),
      }),
    ).rejects.toMatchObject({ code: 'aborted' });
    await a.stop();
    await expect(a.query(victim.peerId, Uint8Array.of(1))).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('hostile /parley/query', () => {
  it('resets an oversized or garbage request before the handler runs; the node keeps answering', async () => {
    const { victim, state, target } = await server();
    const attacker = await rawPeer(cleanup);
    const huge = await attacker.dialProtocol(target, QUERY_PROTOCOL);
    huge.send(Uint8Array.of(0x81, 0x80, 0x40)); // 1 MiB + 1
    huge.send(new Uint8Array(1024));
    expect(await closed(huge)).toBe('reset');
    const enormous = await attacker.dialProtocol(target, QUERY_PROTOCOL);
    enormous.send(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f));
    expect(await closed(enormous)).toBe('reset');
    const empty = await attacker.dialProtocol(target, QUERY_PROTOCOL);
    empty.send(Uint8Array.of(0));
    expect(await closed(empty)).toBe('reset');
    // a frame cut short by close-write
    const short = await attacker.dialProtocol(target, QUERY_PROTOCOL);
    short.send(Uint8Array.of(10, 1, 2, 3));
    await short.close().catch(() => undefined);
    expect(await closed(short)).toBe('reset');
    // two frames, or data after the request
    const chatty = await attacker.dialProtocol(target, QUERY_PROTOCOL);
    chatty.send(Uint8Array.of(1, 5, 1, 6));
    expect(await closed(chatty)).toBe('reset');
    expect(state.calls).toBe(0);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
        const s = await attacker.dialProtocol(target, QUERY_PROTOCOL);
        s.send(bytes);
        await s.close().catch(() => undefined);
        await closed(s);
      }),
      { numRuns: 25 },
    );
    await eventually(() => victim.stats().queryServing === 0, 5_000, 'streams released');
    await sleep(50);
    await stillAnswers(victim);
  });

  it('a silent requester is reset after the request timeout', async () => {
    const { target } = await server({ queryRequestTimeoutMs: 300 });
    const attacker = await rawPeer(cleanup);
    const silent = await attacker.dialProtocol(target, QUERY_PROTOCOL);
    const start = Date.now();
    expect(await closed(silent, 3_000)).toBe('reset');
    expect(Date.now() - start).toBeLessThan(2_000);
  });

  it('the requester rejects a malformed status, an oversized answer, trailing data and silence', async () => {
    const hostile = await rawPeer(cleanup, ['/ip4/127.0.0.1/tcp/0']);
    let reply: Uint8Array = Uint8Array.of(7);
    await hostile.handle(QUERY_PROTOCOL, (stream) => {
      stream.send(reply);
      if (reply.length > 0) void stream.close().catch(() => undefined);
    });
    const a = await startTransport(
      cleanup,
      {},
      { limits: { queryTimeoutMs: 300, queryRequestTimeoutMs: 200 } },
    );
    const peer = hostile.peerId.toString();
    const addresses = hostile.getMultiaddrs().map(String);
    const ask = () => a.query(peer, Uint8Array.of(1), { addresses });
    await expect(ask()).rejects.toMatchObject({ code: 'unreachable' });
    reply = Uint8Array.of(1, 0x81, 0x80, 0x40); // answered, then a 1 MiB + 1 prefix
    await expect(ask()).rejects.toMatchObject({ code: 'unreachable' });
    reply = Uint8Array.of(1, 1, 9, 1, 9); // two frames
    await expect(ask()).rejects.toMatchObject({ code: 'unreachable' });
    reply = Uint8Array.of(1, 3, 1); // cut short, then end
    await expect(ask()).rejects.toMatchObject({ code: 'unreachable' });
    reply = Uint8Array.of(0);
    await expect(ask()).rejects.toMatchObject({ code: 'refused' });
    reply = Uint8Array.of(1, 2, 4, 5);
    expect([...(await ask())]).toEqual([4, 5]);
  });
});

describe('pubsub between strangers', () => {
  it('delivers to subscribers that are not contacts; a publisher never hears itself', async () => {
    const [a, b] = [await startTransport(cleanup), await startTransport(cleanup)];
    a.setAdmission(() => false);
    b.setAdmission(() => false);
    await a.connect(b.peerId, { addresses: b.addresses() });
    const atA: number[] = [];
    const atB: number[] = [];
    a.subscribe('t', (m) => atA.push(m.data[0] as number));
    b.subscribe('t', (m) => atB.push(m.data[0] as number));
    let n = 0;
    await eventually(
      () => {
        void a.publish('t', Uint8Array.of(n++ & 0xff)).catch(() => undefined);
        return atB.length > 0;
      },
      15_000,
      'delivery',
    );
    await sleep(300);
    expect(atA).toEqual([]);
  });
});
