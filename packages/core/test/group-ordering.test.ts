/**
 * Which group change wins (docs/GROUPS.md "Concurrent changes", "Picture"):
 * two admins' states of one epoch are decided by the two states alone, the
 * same way on every member, and an admin removed at an epoch cannot take it
 * back with a "competing" state of its own; a picture dated in the future is
 * refused instead of winning over every later change.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { GROUP_CLOCK_AHEAD_MAX_MS, type GroupState, nextChangeTime } from '../src/groups/codec.ts';
import { saveGroup } from '../src/groups/store.ts';
import { deliver, GROUP_ID, holds, type Member, members, state, viewOf } from './group-fixture.ts';

let alice: Member; // an admin with the lowest PeerId
let bob: Member; // an admin
let carol: Member; // members whose views are checked
let dave: Member;
let erin: Member;

const codes = (effects: ReturnType<typeof deliver>): string[] => (effects?.problems ?? []).map((p) => p.code);
const membersOf = (m: Member): string[] => viewOf(m)?.state.members.map((x) => `${x.name}:${x.role}`) ?? [];

let e1: GroupState;

beforeEach(async () => {
  [alice, bob, carol, dave, erin] = await members('alice', 'bob', 'carol', 'dave', 'erin');
  e1 = state(1, [
    [alice, 'admin'],
    [bob, 'admin'],
    [carol, 'member'],
    [dave, 'member'],
    [erin, 'member'],
  ]);
  for (const m of [carol, dave, erin]) holds(m, e1, alice);
});

describe('competing states of one epoch', () => {
  it('refuses the states a removed admin with a lower PeerId keeps sending for the epoch that removed it', () => {
    const removed = state(2, [
      [bob, 'admin'],
      [carol, 'member'],
      [dave, 'member'],
      [erin, 'member'],
    ]);
    expect(codes(deliver(carol, bob, { type: 'state', group: removed }))).toEqual([]);
    expect(viewOf(carol)?.author).toBe(bob.peerId);
    const attempts: GroupState[] = [
      state(2, [
        [alice, 'admin'],
        [bob, 'admin'],
        [carol, 'member'],
        [dave, 'member'],
        [erin, 'member'],
      ]), // back in, as an admin
      state(2, [
        [alice, 'member'],
        [bob, 'admin'],
        [carol, 'member'],
      ]), // back in as a member, with others dropped
      state(
        2,
        [
          [bob, 'admin'],
          [carol, 'member'],
          [dave, 'member'],
          [erin, 'member'],
        ],
        { name: 'renamed by alice' },
      ),
    ];
    for (const attempt of attempts) {
      expect(codes(deliver(carol, alice, { type: 'state', group: attempt }))).toEqual(['group-stale']);
      expect(viewOf(carol)?.state).toEqual(removed);
      expect(viewOf(carol)?.author).toBe(bob.peerId);
    }
    // Once a later epoch is accepted, nothing of the former admin's applies any more.
    const later = state(
      3,
      removed.members.map(
        (m) => [[bob, carol, dave, erin].find((x) => x.peerId === m.peerId)!, m.role] as const,
      ),
      { name: 'crew 3' },
    );
    deliver(carol, bob, { type: 'state', group: later });
    expect(codes(deliver(carol, alice, { type: 'state', group: attempts[0]! }))).toEqual(['group-stale']);
    const claim3 = { ...attempts[0]!, epoch: 3 };
    expect(codes(deliver(carol, alice, { type: 'state', group: claim3 }))).toEqual(['group-forged']);
    expect(viewOf(carol)?.state).toEqual(later);
  });

  it('picks the same winner on every member, whichever arrived first', () => {
    const byBob = state(2, [
      [bob, 'admin'],
      [carol, 'member'],
      [dave, 'member'],
      [erin, 'member'],
    ]); // removes alice
    const byAlice = state(2, [
      [alice, 'admin'],
      [bob, 'admin'],
      [carol, 'member'],
      [dave, 'member'],
    ]); // removes erin, at the same time
    deliver(carol, bob, { type: 'state', group: byBob });
    deliver(carol, alice, { type: 'state', group: byAlice });
    deliver(dave, alice, { type: 'state', group: byAlice });
    deliver(dave, bob, { type: 'state', group: byBob });
    // The removal of alice wins over alice's concurrent change, on both, in either order.
    for (const m of [carol, dave]) expect(viewOf(m)?.state).toEqual(byBob);

    // Neither removes nor demotes the other's author: the lower PeerId wins, as before.
    const renamedByAlice = { ...e1, epoch: 2, name: 'by alice' };
    const renamedByBob = { ...e1, epoch: 2, name: 'by bob' };
    const [x, y] = [carol, dave];
    for (const m of [x, y]) holds(m, e1, alice);
    deliver(x, bob, { type: 'state', group: renamedByBob });
    deliver(x, alice, { type: 'state', group: renamedByAlice });
    deliver(y, alice, { type: 'state', group: renamedByAlice });
    deliver(y, bob, { type: 'state', group: renamedByBob });
    for (const m of [x, y]) expect(viewOf(m)?.state.name).toBe('by alice');
    expect(membersOf(x)).toEqual(membersOf(y));
  });
});

describe('picture times', () => {
  const png = (n: number) => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, n]);
  const picture = (at: number, n: number) =>
    ({ type: 'picture', id: GROUP_ID, epoch: 1, at, picture: { type: 'image/png', data: png(n) } }) as const;
  const shown = (m: Member): number | undefined => viewOf(m)?.picture?.data.at(-1);

  it('refuses a picture dated far ahead; a later legitimate change still applies', () => {
    const now = Date.now();
    expect(codes(deliver(carol, alice, picture(Number.MAX_SAFE_INTEGER, 1)))).toEqual(['group-clock']);
    expect(shown(carol)).toBeUndefined();
    expect(codes(deliver(carol, alice, picture(now, 2)))).toEqual([]);
    expect(shown(carol)).toBe(2);
    expect(codes(deliver(carol, bob, picture(now + 1000, 3)))).toEqual([]);
    expect(shown(carol)).toBe(3);
    // A clock a little ahead (within GROUP_CLOCK_AHEAD_MAX_MS) is fine; one further ahead is not.
    expect(codes(deliver(carol, alice, picture(Date.now() + GROUP_CLOCK_AHEAD_MAX_MS - 60_000, 4)))).toEqual(
      [],
    );
    expect(shown(carol)).toBe(4);
    expect(codes(deliver(carol, bob, picture(Date.now() + GROUP_CLOCK_AHEAD_MAX_MS + 60_000, 5)))).toEqual([
      'group-clock',
    ]);
    expect(shown(carol)).toBe(4);
  });

  it('lets a later change replace a far-future picture stored before such times were refused', () => {
    const g = viewOf(carol)!;
    const frozen = {
      type: 'image/png' as const,
      data: png(1),
      at: Number.MAX_SAFE_INTEGER,
      by: alice.peerId,
    };
    carol.store.transaction((tx) => saveGroup(carol.ctx, tx, { ...g, picture: frozen }));
    const at = nextChangeTime(Date.now(), frozen.at); // what an admin holding it now sends
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(codes(deliver(carol, bob, picture(at, 2)))).toEqual([]);
    expect(shown(carol)).toBe(2);
    expect(nextChangeTime(1000, 5000)).toBe(5001); // an ordinary previous time is still followed
  });
});
