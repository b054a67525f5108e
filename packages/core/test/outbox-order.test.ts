/**
 * The outbox sends one peer's frames in outbox order, also across failed sends, retries and
 * reconnections: a newer frame never reaches the peer before an older one that is still unACKed
 * (the receiver would otherwise have to keep skipped ratchet keys for the gap, bounded by MAX_SKIP).
 *
 * The pump runs alone over the memory transport and store, on fake timers: the injected clock
 * (`ctx.now`) and the retry timers move together, and the peer's "ACK" is what the inbox does —
 * take the entry out of the store, then `settled()`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RETRY_MAX_DELAY_MS } from '../src/base/retry.ts';
import type { Ctx } from '../src/context/context.ts';
import { OUTBOX_SEND_BATCH, OutboxPump } from '../src/messaging/outbox.ts';
import type { Store } from '../src/ports/store.ts';
import type { Transport } from '../src/ports/transport.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { frameDigest } from '../src/wire/frame.ts';

const ALICE = 'alice-peer';
const BOB = 'bob-peer';

/** A deterministic byte source (xorshift32), so every run draws the same jitters. */
function seededRandom(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}

interface Rig {
  readonly network: MemoryNetwork;
  readonly store: Store;
  readonly alice: Transport;
  readonly pump: OutboxPump;
  /** Frame numbers (1 = the oldest queued) in the order they reached Bob's transport. */
  readonly arrivals: number[];
  /** Frame numbers in the order Alice's pump handed them to `transport.send` (failed or not). */
  readonly attempts: number[];
  /** Queue `count` more frames for Bob and kick the pump, as `compose` + `kick` do. */
  queue(count: number): void;
  /** Whether Bob ACKs what he receives. */
  acking: boolean;
}

const rigs: Rig[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(1_700_000_000_000);
});

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    r.pump.stop();
    await r.alice.stop();
  }
  vi.useRealTimers();
});

function rig(seed: number): Rig {
  const network = createMemoryNetwork();
  const store = createMemoryStore();
  const inner = network.createTransport(ALICE);
  const numberOf = new Map<string, number>();
  const attempts: number[] = [];
  const alice: Transport = {
    ...inner,
    send: (peer, frame, options) => {
      attempts.push(numberOf.get(frameDigest(frame)) ?? 0);
      return inner.send(peer, frame, options);
    },
  };
  store.transaction((tx) =>
    tx.putContact({
      id: 'bob',
      peerId: BOB,
      name: 'bob',
      identityKey: new Uint8Array(32),
      card: new Uint8Array(1),
      addresses: [],
      verified: false,
      state: 'active',
      pendingIdentityKey: null,
      createdAt: 0,
      updatedAt: 0,
    }),
  );
  const ctx = {
    store,
    transport: alice,
    now: () => Date.now(),
    random: seededRandom(seed),
    events: { emit: () => undefined },
    // (the pump asks whose device a PeerId is: devices/targets.ts ownerOf)
    account: { info: { peerId: ALICE } },
  } as unknown as Ctx;
  const pump = new OutboxPump(ctx, {
    introduced: () => undefined,
    changed: () => undefined,
    sizeMayHaveChanged: () => undefined,
  });
  inner.onPeer((e) => {
    if (e.type === 'connected') pump.kick(e.peer, true); // as the messenger does
  });
  const bob = network.createTransport(BOB);
  bob.setAdmission(() => true);
  const arrivals: number[] = [];
  let queued = 0;
  const r: Rig = {
    network,
    store,
    alice,
    pump,
    arrivals,
    attempts,
    acking: true,
    queue(count) {
      const now = Date.now();
      store.transaction((tx) => {
        for (let i = 0; i < count; i++) {
          const frame = new TextEncoder().encode(`frame ${++queued}`);
          numberOf.set(frameDigest(frame), queued);
          tx.enqueueOutbox({
            peerId: BOB,
            kind: 'msg',
            frame,
            digest: frameDigest(frame),
            message: null,
            createdAt: now,
            attempts: 0,
            nextAttemptAt: 0,
            lastError: null,
          });
        }
      });
      pump.kick(BOB);
    },
  };
  bob.onFrame(({ data }) => {
    const digest = frameDigest(data);
    arrivals.push(numberOf.get(digest) ?? 0);
    if (!r.acking) return;
    const taken = store.transaction((tx) => {
      const seq = pump.locate(BOB, digest);
      return seq === undefined ? tx.takeOutboxByDigest(BOB, digest) : tx.takeOutbox(seq, BOB, digest);
    });
    if (taken) pump.settled([taken.seq], []);
  });
  rigs.push(r);
  pump.start();
  return r;
}

/** Each arrival that came while older frames had not arrived yet: "n before (how many) older". */
function overtakings(arrivals: readonly number[]): string[] {
  const seen = new Set<number>();
  const out: string[] = [];
  for (const n of arrivals) {
    let missing = 0;
    for (let m = 1; m < n; m++) if (!seen.has(m)) missing++;
    if (missing > 0) out.push(`${n} before ${missing} older`);
    seen.add(n);
  }
  return out;
}

const outboxSize = (r: Rig): number => r.store.transaction((tx) => tx.countOutbox(BOB));

describe('outbox order per peer (D1, D6)', () => {
  // Several seeds: the jitter decides which retries come due first.
  it.each([1, 7, 42, 1234, 99_991])(
    'queued while the peer is down, retried with jitter, then reachable: frames arrive in outbox order (seed %i)',
    async (seed) => {
      const r = rig(seed);
      r.network.setOnline(BOB, false);
      r.queue(40); // fails at t=0
      await vi.advanceTimersByTimeAsync(300);
      r.queue(30); // while the first ones wait for their retry
      await vi.advanceTimersByTimeAsync(1_100); // some retries come due (and fail again)
      r.queue(OUTBOX_SEND_BATCH + 6); // more than one batch
      await vi.advanceTimersByTimeAsync(2_300);
      r.queue(20);
      await vi.advanceTimersByTimeAsync(400);
      expect(r.arrivals).toEqual([]);
      r.network.setOnline(BOB, true); // reachable: the next retry gets through, and connects
      await vi.advanceTimersByTimeAsync(2 * RETRY_MAX_DELAY_MS);
      const total = 40 + 30 + OUTBOX_SEND_BATCH + 6 + 20;
      expect(overtakings(r.arrivals)).toEqual([]);
      // D1: every frame arrived, byte for byte as queued (D6: a changed frame would count as 0).
      const distinct = [...new Set(r.arrivals)].sort((a, b) => a - b);
      expect(distinct).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(outboxSize(r)).toBe(0);
    },
  );

  it('sends nothing newer while the peer waits for its retry; the retry starts from the oldest', async () => {
    const r = rig(3);
    r.network.setOnline(BOB, false);
    r.queue(5);
    expect(r.attempts).toEqual([1, 2, 3, 4, 5]);
    await vi.advanceTimersByTimeAsync(10);
    r.queue(3); // the peer is backing off: these wait behind 1…5
    await vi.advanceTimersByTimeAsync(10);
    expect(r.attempts).toEqual([1, 2, 3, 4, 5]);
    await vi.advanceTimersByTimeAsync(1_500); // the peer's retry (≤ 1.25 s after the failure)
    expect(r.attempts.slice(5)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('connecting sends every unACKed frame at once, from the oldest, whatever the backoff', async () => {
    const r = rig(5);
    r.network.setOnline(BOB, false);
    r.queue(10);
    for (let i = 0; i < 6; i++) await vi.advanceTimersByTimeAsync(RETRY_MAX_DELAY_MS); // a long backoff
    r.acking = false;
    r.network.setOnline(BOB, true);
    await r.alice.connect(BOB); // Bob's restart: he connects, the pump is kicked with force
    await vi.advanceTimersByTimeAsync(0);
    expect(r.arrivals).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('an ACK from a peer it was backing off from sends what waits at once, oldest first', async () => {
    const r = rig(11);
    r.acking = false;
    await r.alice.connect(BOB);
    r.queue(4); // written, not ACKed
    await vi.advanceTimersByTimeAsync(0);
    expect(r.arrivals).toEqual([1, 2, 3, 4]);
    r.network.setOnline(BOB, false);
    r.queue(3); // fails: the peer backs off
    await vi.advanceTimersByTimeAsync(10);
    r.network.setOnline(BOB, true);
    r.queue(2); // waits for the retry
    await vi.advanceTimersByTimeAsync(10);
    expect(r.arrivals).toEqual([1, 2, 3, 4]);
    // Bob's ACK for frame 1 (the peer is reachable after all).
    const digest = r.store.transaction((tx) => tx.listOutbox(BOB)[0]?.digest) as string;
    const taken = r.store.transaction((tx) => tx.takeOutboxByDigest(BOB, digest));
    r.pump.settled([taken?.seq ?? -1], []);
    await vi.advanceTimersByTimeAsync(0);
    // From the oldest unACKed: 2…4 were written on the connection that closed, and may be lost.
    expect(r.arrivals.slice(4, 12)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(overtakings(r.arrivals)).toEqual([]);
  });

  it('a closed connection may have lost what was written: nothing newer goes before it is sent again', async () => {
    const r = rig(13);
    r.acking = false;
    await r.alice.connect(BOB);
    r.queue(5);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.arrivals).toEqual([1, 2, 3, 4, 5]); // written, not ACKed: Bob is killed before he stores them
    r.network.setOnline(BOB, false);
    r.network.setOnline(BOB, true); // back at once, at the same address, but he has not dialled Alice yet
    r.acking = true;
    r.queue(2);
    await vi.advanceTimersByTimeAsync(2 * RETRY_MAX_DELAY_MS);
    const afterRestart = r.arrivals.slice(5);
    expect(afterRestart[0]).toBe(1);
    expect(overtakings(afterRestart)).toEqual([]);
    expect(outboxSize(r)).toBe(0);
  });
});
