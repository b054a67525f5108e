/**
 * States too large for one control payload (docs/GROUPS.md "Large states"):
 * the splitter, the `state-part` codec and the assembly with its bounds, on
 * 500-member states (the largest group), without messengers. The end-to-end
 * behaviour (real sessions, outbox, inbox) is in groups-large.test.ts.
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { describe, expect, it } from 'vitest';
import { InboundError } from '../src/base/errors.ts';
import type { Ctx } from '../src/context/context.ts';
import {
  decodeGroupControl,
  encodeGroupControl,
  GROUP_MAX_MEMBERS,
  GROUP_PAIRWISE_MAX_MEMBERS,
  GROUP_STATE_PARTS_MAX,
  GROUP_STATE_PAYLOAD_MAX_BYTES,
  type GroupMember,
  type GroupState,
  type GroupStatePart,
  withoutSecret,
} from '../src/groups/codec.ts';
import { withSecret } from '../src/groups/send.ts';
import { GROUP_STATE_FETCH_MAX_BYTES, statePayload } from '../src/groups/state-fetch.ts';
import {
  addStatePart,
  assemblyStats,
  dropAssemblies,
  encodeStatePayloads,
  finishAssembly,
  GROUP_ASSEMBLIES_MAX,
  GROUP_ASSEMBLIES_PER_SENDER,
  GROUP_ASSEMBLY_BUFFER_MAX_BYTES,
  GROUP_ASSEMBLY_MAX_AGE_MS,
  isSettled,
  stateDigest,
} from '../src/groups/state-parts.ts';
import { FRAME_MAX_BYTES } from '../src/ports/transport.ts';
import { encodeAppMessage } from '../src/wire/app-message.ts';

const sha256 = nodePrimitives.sha256;
/** A card as large as a real one (~400 bytes) or as the codec allows (1 KiB). */
const member = (i: number, opts: { card?: number; long?: boolean } = {}): GroupMember => ({
  peerId: opts.long
    ? `12D3KooW${String(i).padStart(120, 'x')}`
    : `12D3KooWmember${String(i).padStart(4, '0')}`,
  name: opts.long ? `名前${'ü'.repeat(61)}${i % 10}` : `Member ${i}`,
  role: i === 0 ? 'admin' : 'member',
  card: systemRandom(opts.card ?? 400),
});

function bigState(n: number, opts: { card?: number; long?: boolean; epoch?: number } = {}): GroupState {
  return {
    id: 'ab'.repeat(16),
    name: 'Climbing club',
    epoch: opts.epoch ?? 7,
    members: Array.from({ length: n }, (_, i) => member(i, opts)),
    secret: systemRandom(32),
  };
}

/** A messenger-less context: the assembly only needs an account (its key), sha256 and a clock. */
function fakeCtx(now = { t: 1_000_000 }): Ctx & { clock: { t: number } } {
  return {
    account: {},
    primitives: nodePrimitives,
    now: () => now.t,
    clock: now,
  } as unknown as Ctx & { clock: { t: number } };
}

/** Inside the app message (base64url) and the ratchet (header, tag), a part must fit one frame. */
const fitsFrame = (payload: Uint8Array): boolean =>
  encodeAppMessage({ id: 'ab'.repeat(16), seq: 0, sentAt: Date.now(), body: { kind: 'group', payload } })
    .length +
    256 <=
  FRAME_MAX_BYTES;

const parts = (payloads: readonly Uint8Array[]): GroupStatePart[] =>
  payloads.map((p) => decodeGroupControl(p) as GroupStatePart);

function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('splitting a large state', () => {
  it('keeps a state that fits one payload as the single `state` message (unchanged wire format)', () => {
    const s = bigState(20);
    const payloads = encodeStatePayloads(sha256, s);
    expect(payloads).toHaveLength(1);
    expect(payloads[0]).toEqual(encodeGroupControl({ type: 'state', group: s }));
  });

  it('splits a 500-member state into parts under the control payload limit, in member order', () => {
    const s = bigState(GROUP_MAX_MEMBERS);
    const whole = encodeGroupControl({ type: 'state', group: s });
    expect(whole.length).toBeGreaterThan(GROUP_STATE_PAYLOAD_MAX_BYTES);
    const payloads = encodeStatePayloads(sha256, s);
    expect(payloads.length).toBeGreaterThan(1);
    expect(payloads.length).toBeLessThanOrEqual(GROUP_STATE_PARTS_MAX);
    for (const p of payloads) expect(p.length).toBeLessThanOrEqual(GROUP_STATE_PAYLOAD_MAX_BYTES);
    expect(payloads.every(fitsFrame)).toBe(true);
    const ps = parts(payloads);
    expect(ps.map((p) => p.index)).toEqual(ps.map((_, i) => i));
    expect(ps.every((p) => p.count === ps.length && p.epoch === s.epoch)).toBe(true);
    expect(ps.flatMap((p) => p.members.map((m) => m.peerId))).toEqual(s.members.map((m) => m.peerId));
    // Only part 0 carries the name and the secret; every part binds the same digest of the whole.
    expect(ps[0]?.name).toBe(s.name);
    expect(ps[0]?.secret).toEqual(s.secret);
    expect(ps.slice(1).every((p) => p.name === undefined && p.secret === undefined)).toBe(true);
    expect(ps.every((p) => Buffer.from(p.digest).equals(Buffer.from(sha256(whole))))).toBe(true);
  });

  it('fits the worst case of earlier versions (500 members, longest ids and names, 1 KiB cards) in GROUP_STATE_PARTS_MAX', () => {
    const s = bigState(500, { card: 1024, long: true });
    const payloads = encodeStatePayloads(sha256, s);
    expect(payloads.length).toBeLessThanOrEqual(GROUP_STATE_PARTS_MAX);
    for (const p of payloads) expect(p.length).toBeLessThanOrEqual(GROUP_STATE_PAYLOAD_MAX_BYTES);
    expect(payloads.every(fitsFrame)).toBe(true);
  });

  it('fetches the worst case of today (1,000 members) whole: it fits GROUP_STATE_FETCH_MAX_BYTES', () => {
    const s = bigState(GROUP_MAX_MEMBERS, { card: 1024, long: true });
    const bytes = statePayload(s).length;
    expect(bytes).toBeGreaterThan(GROUP_STATE_PAYLOAD_MAX_BYTES); // sent by reference
    expect(bytes).toBeLessThanOrEqual(GROUP_STATE_FETCH_MAX_BYTES);
  });

  it("a removed member's copy has no secret in any part", () => {
    const bare = parts(encodeStatePayloads(sha256, withoutSecret(bigState(300))));
    expect(bare.length).toBeGreaterThan(1);
    expect(bare.every((p) => p.secret === undefined)).toBe(true);
  });
});

describe('the delivery mode of a large group', () => {
  it('always gives a state of more than 50 members a secret (gossipsub), whatever the threshold', () => {
    const ctx = { random: systemRandom, limits: { groupTopicMinMembers: 1000 } } as unknown as Ctx;
    expect(withSecret(ctx, bigState(GROUP_PAIRWISE_MAX_MEMBERS)).secret).toBeUndefined();
    expect(withSecret(ctx, bigState(GROUP_PAIRWISE_MAX_MEMBERS + 1)).secret).toHaveLength(32);
    const low = { random: systemRandom, limits: { groupTopicMinMembers: 3 } } as unknown as Ctx;
    expect(withSecret(low, bigState(3)).secret).toHaveLength(32);
  });
});

describe('the state-part codec', () => {
  const valid = (): Record<string, unknown> => {
    const [head] = encodeStatePayloads(sha256, bigState(200));
    return JSON.parse(new TextDecoder().decode(head)) as Record<string, unknown>;
  };
  const enc = (o: Record<string, unknown>): Uint8Array => new TextEncoder().encode(JSON.stringify(o));
  const refused = (o: Record<string, unknown>): void => {
    expect(() => decodeGroupControl(enc(o))).toThrow(InboundError);
  };

  it('refuses counts and indexes out of bounds, and the name or secret outside part 0', () => {
    expect(decodeGroupControl(enc(valid())).type).toBe('state-part');
    refused({ ...valid(), count: GROUP_STATE_PARTS_MAX + 1 });
    refused({ ...valid(), count: 1 }); // a state that fits one payload is sent whole
    refused({ ...valid(), index: 5, count: 5 });
    refused({ ...valid(), index: -1 });
    refused({ ...valid(), index: 1 }); // part 1 with a name
    const { name: _n, ...unnamed } = valid();
    refused(unnamed); // part 0 without one
    const { name: _m, ...second }: Record<string, unknown> = { ...valid(), index: 1 };
    expect(decodeGroupControl(enc({ ...second, secret: undefined })).type).toBe('state-part');
    refused(second); // part 1 with the secret
    refused({ ...valid(), digest: 'AAAA' });
    refused({ ...valid(), members: [] });
    refused({ ...valid(), extra: 1 });
  });
});

describe('assembling a large state', () => {
  it('applies only once every part arrived, in any order', () => {
    const ctx = fakeCtx();
    const s = bigState(GROUP_MAX_MEMBERS);
    const ps = parts(encodeStatePayloads(sha256, s));
    const order = shuffled(ps);
    const last = order.pop() as GroupStatePart;
    for (const p of order) expect(addStatePart(ctx, 'admin', p, 1000)).toBeUndefined();
    expect(assemblyStats(ctx)).toEqual({ count: 1, bytes: 1000 * order.length });
    // A resend of a part already here (the same bytes) changes nothing.
    expect(addStatePart(ctx, 'admin', order[0] as GroupStatePart, 1000)).toBeUndefined();
    const whole = addStatePart(ctx, 'admin', last, 1000);
    expect(whole && encodeGroupControl({ type: 'state', group: whole })).toEqual(
      encodeGroupControl({ type: 'state', group: s }),
    );
    finishAssembly(ctx, 'admin', last);
    expect(assemblyStats(ctx).count).toBe(0);
    expect(isSettled(ctx, 'admin', last.digest)).toBe(true);
    expect(isSettled(ctx, 'someone else', last.digest)).toBe(false);
  });

  it('keeps parts of different senders and epochs apart', () => {
    const ctx = fakeCtx();
    const a = parts(encodeStatePayloads(sha256, bigState(200)));
    const b = parts(encodeStatePayloads(sha256, bigState(200, { epoch: 8 })));
    expect(addStatePart(ctx, 'admin', a[0] as GroupStatePart, 1)).toBeUndefined();
    expect(addStatePart(ctx, 'other', a[1] as GroupStatePart, 1)).toBeUndefined();
    expect(addStatePart(ctx, 'admin', b[1] as GroupStatePart, 1)).toBeUndefined();
    expect(assemblyStats(ctx).count).toBe(3);
  });

  it('refuses a forged part: a tampered member (same digest), another digest, another copy of a part', () => {
    const ctx = fakeCtx();
    const s = bigState(200);
    const ps = parts(encodeStatePayloads(sha256, s));
    const [p0, p1, ...rest] = ps as [GroupStatePart, GroupStatePart, ...GroupStatePart[]];
    // 1. A member changed (promoted to admin) in part 1, the digest left as it was.
    const promoted: GroupStatePart = {
      ...p1,
      members: p1.members.map((m, i) => (i === 0 ? { ...m, role: 'admin' as const } : m)),
    };
    for (const p of [p0, ...rest]) expect(addStatePart(ctx, 'admin', p, 1)).toBeUndefined();
    expect(() => addStatePart(ctx, 'admin', promoted, 1)).toThrow(InboundError);
    expect(assemblyStats(ctx).count).toBe(0); // nothing kept, nothing applied
    // 2. A part claiming another digest for the same change.
    addStatePart(ctx, 'admin', p0, 1);
    const other = { ...p1, digest: sha256(new Uint8Array([1])) };
    expect(() => addStatePart(ctx, 'admin', other, 1)).toThrow(InboundError);
    // 3. Two different copies of the same part.
    addStatePart(ctx, 'admin', p1, 1);
    expect(() => addStatePart(ctx, 'admin', promoted, 1)).toThrow(InboundError);
    // 4. A whole that repeats a member across parts is not a valid state.
    const repeated = parts(encodeStatePayloads(sha256, bigState(200)));
    const dup: GroupStatePart = {
      ...(repeated[1] as GroupStatePart),
      members: [(repeated[0] as GroupStatePart).members[0] as GroupMember],
    };
    for (const p of [repeated[0], dup, ...repeated.slice(2)]) {
      try {
        addStatePart(ctx, 'admin', p as GroupStatePart, 1);
      } catch (error) {
        expect(error).toBeInstanceOf(InboundError);
      }
    }
    expect(assemblyStats(ctx).count).toBe(0);
  });

  it('bounds incomplete assemblies: per sender, in all, by age, and on a newer epoch', () => {
    const ctx = fakeCtx();
    const head = (epoch: number, id = 'ab'.repeat(16)): GroupStatePart =>
      ({ ...parts(encodeStatePayloads(sha256, { ...bigState(150, { epoch }), id }))[0] }) as GroupStatePart;
    for (let e = 1; e <= GROUP_ASSEMBLIES_PER_SENDER + 2; e++) addStatePart(ctx, 'admin', head(e), 10);
    expect(assemblyStats(ctx).count).toBe(GROUP_ASSEMBLIES_PER_SENDER); // the oldest were dropped
    for (let i = 0; i < GROUP_ASSEMBLIES_MAX + 3; i++) addStatePart(ctx, `sender${i}`, head(1), 10);
    expect(assemblyStats(ctx).count).toBe(GROUP_ASSEMBLIES_MAX);
    ctx.clock.t += GROUP_ASSEMBLY_MAX_AGE_MS + 1;
    addStatePart(ctx, 'late', head(1, 'cd'.repeat(16)), 10);
    expect(assemblyStats(ctx).count).toBe(1); // every older one expired
    addStatePart(ctx, 'late', head(2, 'cd'.repeat(16)), 10);
    dropAssemblies(ctx, 'cd'.repeat(16), 2);
    expect(assemblyStats(ctx).count).toBe(1); // epoch 1 dropped, epoch 2 kept
  });

  it('bounds the bytes buffered in all', () => {
    const ctx = fakeCtx();
    const ps = Array.from({ length: 6 }, (_, e) =>
      parts(encodeStatePayloads(sha256, bigState(500, { epoch: e + 1 }))),
    );
    // Six senders with nearly complete states, each part counted as 512 KiB: the oldest go first.
    ps.forEach((list, i) => {
      for (const p of list.slice(1)) addStatePart(ctx, `s${i}`, p, 512 * 1024);
    });
    expect(assemblyStats(ctx).bytes).toBeLessThanOrEqual(GROUP_ASSEMBLY_BUFFER_MAX_BYTES);
    expect(assemblyStats(ctx).count).toBeLessThan(6);
    expect(assemblyStats(ctx).count).toBeGreaterThan(0);
  });

  it('the digest is the SHA-256 of the single-message encoding', () => {
    const s = bigState(3);
    expect(stateDigest(sha256, s)).toEqual(sha256(encodeGroupControl({ type: 'state', group: s })));
  });
});
