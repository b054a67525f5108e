/**
 * Membership changes as deltas and whole states by reference (docs/GROUPS.md "Deltas", "Whole
 * states by reference"; PROTOCOL.md "Group control", "Group state fetch"), played without a network
 * so that members can misbehave: a delta that does not give its digest, one from a member who is no
 * admin, one that follows another state than ours; requests for the whole state, answered once; a
 * state fetched for a ref whose bytes are not the ones the ref names.
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Ctx } from '../src/context/context.ts';
import {
  decodeGroupControl,
  encodeGroupControl,
  GroupNotReadyError,
  type GroupState,
  type GroupStateRef,
  withoutSecret,
} from '../src/groups/codec.ts';
import { deltaResult, makeDelta } from '../src/groups/delta.ts';
import {
  answerStateFetch,
  decodeStateFetchAnswer,
  decodeStateFetchRequest,
  encodeStateFetchAnswer,
  encodeStateFetchRequest,
  fetchedState,
  GROUP_STATE_CHUNK_BYTES,
  GROUP_STATE_FETCH_MAX_BYTES,
  startStateFetcher,
  statePayload,
  wholeStatePayload,
} from '../src/groups/state-fetch.ts';
import { stateDigest } from '../src/groups/state-parts.ts';
import type { Transport } from '../src/ports/transport.ts';
import { deliver, GROUP_ID, holds, know, type Member, members, state, viewOf } from './group-fixture.ts';

const sha = nodePrimitives.sha256;
/** Members enough to make a state too large for one payload (their cards are never checked here). */
const filler = Array.from({ length: 150 }, (_, i) => ({
  peerId: `12D3KooWfiller${i}`,
  name: `filler ${i}`,
  role: 'member' as const,
  card: new Uint8Array(300).fill(i),
}));
let alice: Member; // admin
let bob: Member;
let carol: Member;
let dave: Member; // not a member
let s1: GroupState;

beforeEach(async () => {
  [alice, bob, carol, dave] = await members('alice', 'bob', 'carol', 'dave');
  for (const [a, b] of [
    [alice, bob],
    [alice, carol],
    [bob, carol],
    [alice, dave],
    [bob, dave],
  ] as const) {
    know(a, b);
    know(b, a);
  }
  s1 = state(
    1,
    [
      [alice, 'admin'],
      [bob, 'member'],
      [carol, 'member'],
    ],
    { secret: systemRandom(32) },
  );
  for (const m of [alice, bob, carol]) holds(m, s1, alice);
});

const next = (s: GroupState, change: Partial<GroupState>): GroupState => ({
  ...s,
  epoch: s.epoch + 1,
  secret: systemRandom(32),
  ...change,
});

describe('deltas', () => {
  it('a member applies a delta to the state it holds and gets exactly the admin’s state', () => {
    const s2 = next(s1, { members: s1.members.filter((m) => m.peerId !== carol.peerId) });
    const delta = makeDelta(sha, s1, s2, true);
    expect(delta?.remove).toEqual([carol.peerId]);
    expect(encodeGroupControl(delta as never).length).toBeLessThan(400);
    deliver(bob, alice, delta as never);
    expect(viewOf(bob)?.state).toEqual(s2);
    // The removed member's copy has no secret, and its own digest.
    const removed = makeDelta(sha, s1, s2, false);
    expect(removed?.secret).toBeUndefined();
    deliver(carol, alice, removed as never);
    expect(viewOf(carol)?.status).toBe('removed');
    expect(viewOf(carol)?.state).toEqual(withoutSecret(s2));
  });

  it('adds, updates in place and renames, keeping the members’ order', () => {
    const s2 = next(s1, {
      name: 'renamed',
      members: [
        ...s1.members.map((m) => (m.peerId === bob.peerId ? { ...m, role: 'admin' as const } : m)),
        { peerId: dave.peerId, name: dave.name, role: 'member' as const, card: dave.card },
      ],
    });
    const delta = makeDelta(sha, s1, s2, true);
    expect(delta?.add.map((m) => m.peerId)).toEqual([dave.peerId]);
    expect(delta?.update.map((m) => m.peerId)).toEqual([bob.peerId]);
    expect(delta?.name).toBe('renamed');
    deliver(carol, alice, delta as never);
    expect(viewOf(carol)?.state).toEqual(s2);
    // A change that reorders the members it keeps cannot be a delta: it goes whole.
    expect(makeDelta(sha, s1, next(s1, { members: [...s1.members].reverse() }), true)).toBeUndefined();
  });

  it('refuses a delta that does not give the digest it names, and one from a member who is no admin', () => {
    const s2 = next(s1, { name: 'renamed' });
    const delta = makeDelta(sha, s1, s2, true);
    if (!delta) throw new Error('no delta');
    const tampered = deliver(bob, alice, { ...delta, name: 'tampered' });
    expect(tampered?.problems.map((p) => p.code)).toEqual(['group-forged']);
    expect(viewOf(bob)?.state).toEqual(s1);
    const fromCarol = deliver(bob, carol, delta);
    expect(fromCarol?.problems.map((p) => p.code)).toEqual(['group-forged']);
    expect(viewOf(bob)?.state).toEqual(s1);
    // Naming members the state does not have (or adding one it has) is not a state at all.
    expect(deltaResult(s1, { ...delta, remove: [dave.peerId] })).toBeUndefined();
    expect(
      deltaResult(s1, { ...delta, add: [s1.members[1] as GroupState['members'][number]] }),
    ).toBeUndefined();
    const bogus = deliver(bob, alice, { ...delta, remove: [dave.peerId] });
    expect(bogus?.problems.map((p) => p.code)).toEqual(['group-forged']);
  });

  it('a member whose state a delta does not follow asks the admin, who answers once with the whole state', () => {
    const other = next(s1, { name: 'elsewhere', epoch: 1, secret: systemRandom(32) });
    holds(bob, other, alice); // bob holds another epoch-1 state than the one the delta follows
    const s2 = next(s1, { name: 'renamed' });
    const effects = deliver(bob, alice, makeDelta(sha, s1, s2, true) as never);
    expect(effects?.problems).toEqual([]);
    expect(viewOf(bob)?.state).toEqual(other);
    expect(viewOf(bob)?.wants).toEqual({ from: alice.peerId, epoch: 2 });
    // The admin: bob is owed the whole state, once per epoch however often he asks; dave is nobody.
    holds(
      alice,
      s2,
      alice,
      s1.members.map((m) => ({ peerId: m.peerId, role: m.role })),
    );
    for (let i = 0; i < 3; i++) deliver(alice, bob, { type: 'state-request', id: GROUP_ID, epoch: 2 });
    deliver(alice, dave, { type: 'state-request', id: GROUP_ID, epoch: 2 });
    expect(viewOf(alice)?.owed).toEqual([bob.peerId]);
    // The whole state that answers bob's own request may skip epochs; from anyone else it waits.
    const s4 = next(next(s2, {}), {});
    holds(bob, other, alice);
    deliver(bob, alice, makeDelta(sha, next(s2, {}), s4, true) as never); // epoch 4 while bob is at 1
    expect(viewOf(bob)?.wants).toEqual({ from: alice.peerId, epoch: 4 });
    deliver(bob, alice, { type: 'state', group: s4 });
    expect(viewOf(bob)?.state).toEqual(s4);
    expect(viewOf(bob)?.wants).toBeUndefined();
    holds(carol, s1, alice);
    expect(() => deliver(carol, alice, { type: 'state', group: s4 })).toThrow(GroupNotReadyError);
  });
});

describe('whole states by reference', () => {
  const request = (s: GroupState, offset = 0) =>
    decodeStateFetchRequest(encodeStateFetchRequest({ groupId: s.id, digest: sha(statePayload(s)), offset }));

  it('encodes requests and answers strictly', () => {
    const r = { groupId: GROUP_ID, digest: sha(new Uint8Array(1)), offset: 7 };
    expect(decodeStateFetchRequest(encodeStateFetchRequest(r))).toEqual(r);
    const bytes = encodeStateFetchRequest(r);
    expect(decodeStateFetchRequest(bytes.subarray(1))).toBeNull();
    expect(decodeStateFetchRequest(Uint8Array.of(1, 2, ...bytes.subarray(2)))).toBeNull(); // a catch-up
    expect(decodeStateFetchAnswer(encodeStateFetchAnswer(10, new Uint8Array(4)))).toEqual({
      total: 10,
      chunk: new Uint8Array(4),
    });
    for (const bad of [
      encodeStateFetchAnswer(0, new Uint8Array(4)),
      encodeStateFetchAnswer(GROUP_STATE_FETCH_MAX_BYTES + 1, new Uint8Array(4)),
      encodeStateFetchAnswer(10, new Uint8Array(0)),
      encodeStateFetchAnswer(10, new Uint8Array(GROUP_STATE_CHUNK_BYTES + 1)),
    ])
      expect(() => decodeStateFetchAnswer(bad)).toThrow(/group state answer/);
  });

  it('the admin answers members and the members it removed with the state without its secret, nobody else', () => {
    const ask = (peer: Member, s: GroupState) =>
      alice.store.transaction((tx) => answerStateFetch(alice.ctx, tx, peer.peerId, request(s) as never));
    const s2 = next(s1, { members: s1.members.filter((m) => m.peerId !== carol.peerId) });
    holds(
      alice,
      s2,
      alice,
      s1.members.map((m) => ({ peerId: m.peerId, role: m.role })),
    );
    const bare = statePayload(withoutSecret(s2));
    expect(decodeStateFetchAnswer(ask(bob, withoutSecret(s2)) as Uint8Array)).toEqual({
      total: bare.length,
      chunk: bare,
    });
    expect(ask(carol, withoutSecret(s2))).toBeDefined(); // removed by this state: it may see it
    expect(ask(bob, s2)).toBeUndefined(); // the bytes with the secret are never served
    expect(ask(dave, withoutSecret(s2))).toBeUndefined(); // never a member
    expect(ask(bob, withoutSecret(s1))).toBeUndefined(); // not the current state
    // What is queued for bob names those bytes and carries the secret; carol's carries none.
    const ref = (member: boolean) =>
      decodeGroupControl(
        wholeStatePayload(alice.ctx, { ...s2, members: [...s2.members, ...filler] }, member),
      );
    const forBob = ref(true) as GroupStateRef;
    expect(forBob.type).toBe('state-ref');
    expect(forBob.secret).toEqual(s2.secret);
    expect((ref(false) as GroupStateRef).secret).toBeUndefined();
  });

  it('keeps a fetched state only if its bytes hash to the digest the ref named', async () => {
    const s2 = withoutSecret(next(s1, { name: 'fetched' }));
    const genuine = statePayload(s2);
    const wrong = statePayload({ ...s2, name: 'forged' });
    let serve = wrong;
    const ctx = {
      ...bob.ctx,
      transport: {
        query: async (_peer: string, req: Uint8Array) => {
          const r = decodeStateFetchRequest(req);
          return encodeStateFetchAnswer(serve.length, serve.subarray(r?.offset ?? 0, (r?.offset ?? 0) + 100));
        },
      } as unknown as Transport,
    } as Ctx;
    const done: string[] = [];
    const stop = startStateFetcher(ctx, (peer) => done.push(peer));
    const { wantState } = await import('../src/groups/state-fetch.ts');
    const digest = sha(genuine);
    wantState(ctx, { peer: alice.peerId, id: GROUP_ID, digest });
    await new Promise((r) => setTimeout(r, 100));
    expect(fetchedState(ctx, digest)).toBeUndefined(); // the forged bytes were fetched, and dropped
    expect(done).toEqual([]);
    serve = genuine;
    wantState(ctx, { peer: alice.peerId, id: GROUP_ID, digest });
    await new Promise((r) => setTimeout(r, 100));
    expect(fetchedState(ctx, digest)).toEqual(s2); // in chunks of 100 bytes
    expect(done).toEqual([alice.peerId]);
    stop();
  });

  it('a ref from someone who is no admin is refused without fetching; a ref of the state we hold is a leftover', () => {
    const s2 = next(s1, { name: 'renamed' });
    const ref = {
      type: 'state-ref' as const,
      id: GROUP_ID,
      epoch: 2,
      digest: stateDigest(sha, withoutSecret(s2)),
    };
    expect(deliver(bob, carol, ref)?.problems.map((p) => p.code)).toEqual(['group-forged']);
    expect(() => deliver(bob, alice, ref)).toThrow(GroupNotReadyError); // fetching: the ref waits
    const held = {
      ...ref,
      epoch: 1,
      digest: stateDigest(sha, withoutSecret(s1)),
      secret: s1.secret as Uint8Array,
    };
    expect(deliver(bob, alice, held)?.problems).toEqual([]);
  });
  it('a delta that comes while its group’s whole state is being fetched waits for it; one for a group never seen is dropped', () => {
    const s2 = next(s1, { name: 'renamed' });
    const delta = makeDelta(sha, s1, s2, true);
    // dave has never seen the group: a delta for it names nothing he holds.
    expect(deliver(dave, alice, delta as never)?.problems ?? []).toEqual([]);
    expect(viewOf(dave)).toBeUndefined();
    // Once a ref of it came (and its state is being fetched), the delta that follows waits.
    const ref = {
      type: 'state-ref' as const,
      id: GROUP_ID,
      epoch: 1,
      digest: stateDigest(sha, withoutSecret(s1)),
    };
    expect(() => deliver(dave, alice, ref)).toThrow(GroupNotReadyError);
    expect(() => deliver(dave, alice, delta as never)).toThrow(GroupNotReadyError);
  });
});
