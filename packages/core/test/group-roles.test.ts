/**
 * Admins make admins (issue 20: "admins can promote admins"): a promoted member's changes are
 * accepted by every member, a demoted one's refused by their own client; a group never loses its
 * last admin, and a role a member already has is a clear error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryNetwork } from '../src/testing/memory-transport.ts';
import { befriend, eventually, join, makePeer, type Peer, stopPeers } from './harness.ts';

let peers: Peer[] = [];
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

const roleOf = (p: Peer, group: string, peerId: string): string | undefined =>
  p.messenger
    .groups()
    .find((g) => g.name === group)
    ?.members.find((m) => m.peerId === peerId)?.role;
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('group roles', () => {
  it('an admin promotes a member, who can then change the group; demoted, they cannot', async () => {
    const network = createMemoryNetwork();
    const [alice, bob, carol] = [
      await makePeer(network, 'alice'),
      await makePeer(network, 'bob'),
      await makePeer(network, 'carol'),
    ];
    peers.push(alice, bob, carol);
    await befriend(alice, bob);
    await befriend(alice, carol);
    alice.messenger.createGroup('crew', ['bob', 'carol']);
    await join(bob, 'crew');
    await join(carol, 'crew');
    await eventually(() => roleOf(carol, 'crew', bob.peerId) === 'member', 10_000, 'Carol to hold the group');
    expect(codeOf(() => bob.messenger.renameGroup('crew', 'bob’s crew'))).toBe('not-allowed');

    alice.messenger.setGroupRole('crew', 'bob', 'admin');
    for (const p of [bob, carol])
      await eventually(
        () => roleOf(p, 'crew', bob.peerId) === 'admin',
        10_000,
        `${p.name} to see Bob promoted`,
      );
    bob.messenger.renameGroup('crew', 'the crew');
    for (const p of [alice, carol])
      await eventually(
        () => p.messenger.groups().some((g) => g.name === 'the crew'),
        10_000,
        `${p.name} to accept Bob’s rename`,
      );

    expect(codeOf(() => alice.messenger.setGroupRole('the crew', 'bob', 'admin'))).toBe('bad-input');
    bob.messenger.setGroupRole('the crew', 'bob', 'member'); // steps down himself
    await eventually(() => roleOf(alice, 'the crew', bob.peerId) === 'member', 10_000, 'Alice to see it');
    expect(codeOf(() => bob.messenger.renameGroup('the crew', 'mine now'))).toBe('not-allowed');
    // The last admin cannot step down: the group would have none.
    expect(codeOf(() => alice.messenger.setGroupRole('the crew', 'alice', 'member'))).toBe('not-allowed');
    expect(roleOf(alice, 'the crew', alice.peerId)).toBe('admin');
  });
});
