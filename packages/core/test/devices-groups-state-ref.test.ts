/**
 * A group whose state is too large for one control (~24 post-quantum members and more) reaching a
 * device linked after it formed (docs/MULTI-DEVICE.md "Groups"): Alice's desktop tells her laptop
 * the state by reference (`own-state-ref`), and the laptop fetches it from the desktop
 * (groups/state-fetch.ts). Forty members: Bob, Alice and 38 of Bob's contacts who went offline
 * once befriended (their copies wait in Bob's outbox), as in groups-large.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InboundError } from '../src/base/errors.ts';
import type { Limits } from '../src/context/context.ts';
import {
  decodeGroupControl,
  encodeGroupControl,
  GROUP_STATE_PAYLOAD_MAX_BYTES,
} from '../src/groups/codec.ts';
import { loadGroup } from '../src/groups/store.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { befriend, eventually, join, makePeer, type Peer, stopPeers } from './harness.ts';

const MEMBERS = 40;
let peers: Peer[] = [];
let network: MemoryNetwork;

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

const texts = (p: Peer, group: string): string[] => {
  try {
    return p.messenger.messages(group, { limit: 1000 }).map((m) => m.text);
  } catch {
    return []; // (not here yet)
  }
};
const groupOf = (p: Peer, name: string) => p.messenger.groups().find((g) => g.name === name);

/** Bob's group of MEMBERS with Alice in it, then Alice's laptop linked. */
async function largeGroupThenLaptop(
  limits: Partial<Limits>,
): Promise<{ alice: Peer; laptop: Peer; bob: Peer }> {
  network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice', { limits });
  const bob = await makePeer(network, 'bob', { limits });
  peers.push(alice, bob);
  await befriend(alice, bob);
  const dormant: Peer[] = [];
  for (let i = 0; i < MEMBERS - 2; i++) {
    const m = await makePeer(network, `m${String(i).padStart(2, '0')}`, { limits });
    peers.push(m);
    await befriend(bob, m);
    dormant.push(m);
  }
  for (const m of dormant) network.setOnline(m.peerId, false);

  const view = bob.messenger.createGroup('club', ['alice', ...dormant.map((m) => m.name)]);
  await join(alice, 'club');
  await eventually(() => groupOf(alice, 'club')?.status === 'active', 20_000, 'Alice to be in the club');
  bob.messenger.sendText('club', 'before the laptop');
  await eventually(() => texts(alice, 'club').includes('before the laptop'), 20_000, 'Alice to get it');
  // The state Alice holds is too large for one `own-state` control.
  const state = alice.store.transaction((tx) => loadGroup(alice.ctx, tx, view.id))?.state;
  expect(state?.members).toHaveLength(MEMBERS);
  const whole = encodeGroupControl({ type: 'own-state', group: state as never, author: bob.peerId });
  expect(whole.length).toBeGreaterThan(GROUP_STATE_PAYLOAD_MAX_BYTES);

  const laptop = await makePeer(network, 'laptop', { linkTo: alice, limits });
  peers.push(laptop);
  return { alice, laptop, bob };
}

async function laptopGetsTheGroupAndTheNextMessage(laptop: Peer, bob: Peer): Promise<void> {
  await eventually(
    () => groupOf(laptop, 'club')?.status === 'active',
    20_000,
    'the laptop to get the group from Alice’s desktop',
  );
  expect(groupOf(laptop, 'club')?.members).toHaveLength(MEMBERS);
  bob.messenger.sendText('club', 'after the laptop');
  await eventually(
    () => texts(laptop, 'club').includes('after the laptop'),
    30_000,
    'the laptop to get Bob’s next message',
  );
  expect(texts(laptop, 'club').filter((t) => t === 'after the laptop')).toHaveLength(1);
}

describe('the own-state-ref control', () => {
  it('round-trips with and without the secret, and refuses a bad author or an unknown field', () => {
    const ref = {
      type: 'own-state-ref' as const,
      id: 'ab'.repeat(16),
      epoch: 3,
      digest: new Uint8Array(32).fill(7),
      author: '12D3KooWbob',
    };
    for (const c of [ref, { ...ref, secret: new Uint8Array(32).fill(9) }])
      expect(decodeGroupControl(encodeGroupControl(c))).toEqual(c);
    const json = JSON.parse(new TextDecoder().decode(encodeGroupControl(ref)));
    for (const bad of [
      { ...json, author: '' },
      { ...json, author: 'x'.repeat(129) },
      { ...json, digest: 'AAAA' },
      { ...json, group: {} },
    ])
      expect(() => decodeGroupControl(new TextEncoder().encode(JSON.stringify(bad)))).toThrow(InboundError);
  });
});

describe('a large group reaches a device linked after it formed', () => {
  it(`a ${MEMBERS}-member (topic) group reaches Alice’s laptop linked after it formed; the laptop gets the next message`, async () => {
    const { laptop, bob } = await largeGroupThenLaptop({});
    await laptopGetsTheGroupAndTheNextMessage(laptop, bob);
  }, 120_000);

  it(`a ${MEMBERS}-member pairwise group does too`, async () => {
    const { laptop, bob } = await largeGroupThenLaptop({ groupTopicMinMembers: 50 });
    await laptopGetsTheGroupAndTheNextMessage(laptop, bob);
  }, 120_000);
});
