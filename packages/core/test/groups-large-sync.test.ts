/**
 * Catch-up in a large group (docs/GROUPS.md "Large groups over gossipsub"): a
 * member holding more member keys than one request carries (128 ranges) asks
 * in several requests, and every key is asked for. A stored 150-member group
 * with a sender key from every member, a fake transport recording queries.
 */
import {
  createSenderKey,
  decodeSenderKeyDistribution,
  senderKeyDistribution,
  systemRandom,
} from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { expect, it } from 'vitest';
import type { Ctx } from '../src/context/context.ts';
import { type GroupState, senderKeyContext } from '../src/groups/codec.ts';
import { activeGroup, saveGroup, saveReceivers } from '../src/groups/store.ts';
import {
  decodeGroupSyncRequest,
  encodeGroupSyncAnswer,
  GROUP_SYNC_RANGES_MAX,
  type SyncRange,
} from '../src/groups/topic.ts';
import { createGroupTopics } from '../src/groups/topics.ts';
import type { Transport } from '../src/ports/transport.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createTestAccount, testPeerId } from '../testing/accounts.ts';

const MEMBERS = 150;

it('asks for every member key, in requests of at most GROUP_SYNC_RANGES_MAX ranges', async () => {
  const store = createMemoryStore();
  const me = testPeerId('me');
  const account = await createTestAccount(store, 'me', nodePrimitives);
  const asked: Array<{ peer: string; ranges: readonly SyncRange[] }> = [];
  const transport = {
    subscribe: () => () => undefined,
    publish: async () => undefined,
    onPeer: () => () => undefined,
    isConnected: () => true,
    query: async (peer: string, request: Uint8Array) => {
      const req = decodeGroupSyncRequest(request);
      if (!req) throw new Error('not a group catch-up request');
      asked.push({ peer, ranges: req.ranges });
      return encodeGroupSyncAnswer([]);
    },
  } as unknown as Transport;
  const ctx = {
    store,
    transport,
    account,
    primitives: nodePrimitives,
    random: systemRandom,
    now: Date.now,
  } as unknown as Ctx;
  const members = Array.from({ length: MEMBERS }, (_, i) => ({
    peerId: i === 0 ? me : `12D3KooWmember${i}`,
    name: `m${i}`,
    role: i === 0 ? ('admin' as const) : ('member' as const),
    card: systemRandom(300),
  }));
  const state: GroupState = { id: 'ef'.repeat(16), name: 'big', epoch: 3, members, secret: systemRandom(32) };
  const keyIds = new Set<number>();
  store.transaction((tx) => {
    saveGroup(ctx, tx, activeGroup(state, me, 1));
    for (const m of members.slice(1)) {
      const context = senderKeyContext(state.id, m.peerId);
      const receiver = decodeSenderKeyDistribution(
        senderKeyDistribution(createSenderKey(systemRandom, nodePrimitives), context, nodePrimitives),
        context,
        nodePrimitives,
      );
      keyIds.add(receiver.keyId);
      saveReceivers(ctx, tx, state.id, m.peerId, [{ epoch: state.epoch, receiver }]);
    }
  });
  const topics = createGroupTopics(ctx, { changed: () => undefined, published: () => undefined });
  topics.start(); // subscribes and starts a round: wait for it, then ask once more, of one member
  await topics.sync(state.id);
  asked.length = 0;
  await topics.sync(state.id, ['12D3KooWmember7']);
  topics.stop();
  const toFirst = asked.filter((a) => a.peer === '12D3KooWmember7');
  expect(toFirst.length).toBe(Math.ceil((MEMBERS - 1) / GROUP_SYNC_RANGES_MAX));
  for (const a of toFirst) expect(a.ranges.length).toBeLessThanOrEqual(GROUP_SYNC_RANGES_MAX);
  expect(new Set(toFirst.flatMap((a) => a.ranges.map((r) => r.keyId)))).toEqual(keyIds);
});
