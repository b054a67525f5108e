/**
 * Message info (issue 20): for our own message, one message's details (`message()`, the API's
 * messages.get) tell when each recipient got it and read it — the contact in a 1:1 conversation,
 * every member in a group — while pages of messages carry the states only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { befriend, eventually, groupReady, join, makePeer, type Peer, stopPeers } from './harness.ts';

let network: MemoryNetwork;
let peers: Peer[] = [];

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

describe('message info', () => {
  it('keeps when the contact got our message and when they read it', async () => {
    network = createMemoryNetwork();
    peers = [await makePeer(network, 'alice'), await makePeer(network, 'bob')];
    const [alice, bob] = peers as [Peer, Peer];
    await befriend(alice, bob);
    const sentAt = Date.now();
    const m = alice.messenger.sendText('bob', 'when did you see this?');
    const info = () => alice.messenger.message('bob', { sender: 'self', id: m.id });
    await eventually(() => info().status === 'delivered');
    const [delivered] = info().receipts ?? [];
    expect(delivered).toMatchObject({ member: 'bob', status: 'delivered' });
    expect(delivered?.deliveredAt).toBeGreaterThanOrEqual(sentAt);
    expect(delivered?.readAt).toBeUndefined();

    bob.messenger.markRead('alice');
    await eventually(() => info().status === 'read');
    const [read] = info().receipts ?? [];
    expect(read).toMatchObject({ member: 'bob', status: 'read', deliveredAt: delivered?.deliveredAt });
    expect(read?.readAt).toBeGreaterThanOrEqual(delivered?.deliveredAt as number);
    // A page of messages has the state, not the times.
    expect(alice.messenger.messages('bob').find((x) => x.id === m.id)?.receipts).toBeUndefined();
  });

  it("keeps every member's times in a group", async () => {
    network = createMemoryNetwork();
    peers = await Promise.all(['alice', 'bob', 'carol'].map((n) => makePeer(network, n)));
    const [alice, bob, carol] = peers as [Peer, Peer, Peer];
    await befriend(alice, bob);
    await befriend(alice, carol);
    alice.messenger.createGroup('crew', ['bob', 'carol']);
    await join(bob, 'crew');
    await join(carol, 'crew');
    await groupReady('crew', 1, alice, bob, carol);

    const m = alice.messenger.sendText('crew', 'who read this, and when?');
    const info = () => alice.messenger.message('crew', { sender: 'self', id: m.id });
    await eventually(() => info().receipts?.every((r) => r.status === 'delivered') === true);
    bob.messenger.markRead('crew');
    await eventually(() => info().receipts?.some((r) => r.status === 'read') === true);
    const receipts = new Map(info().receipts?.map((r) => [r.member, r]));
    const b = receipts.get('bob');
    const c = receipts.get('carol');
    expect(b?.status).toBe('read');
    expect(b?.readAt).toBeGreaterThanOrEqual(b?.deliveredAt as number);
    expect(c?.status).toBe('delivered');
    expect(c?.deliveredAt).toEqual(expect.any(Number));
    expect(c?.readAt).toBeUndefined();
    const listed = alice.messenger.messages('crew').find((x) => x.id === m.id);
    expect(listed?.receipts?.map((r) => Object.keys(r).sort())).toEqual([
      ['member', 'status'],
      ['member', 'status'],
    ]);
  });
});
