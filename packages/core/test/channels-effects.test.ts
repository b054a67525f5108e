/**
 * Channel controls that arrive through a pairwise session are acted on after the receiving
 * transaction commits (messaging's ChannelEffects): applying one only records the channel in the
 * effects, and the messenger hands those to Channels.applied once the inbox committed.
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives as p } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import { Emitter } from '../src/base/index.ts';
import type { Channels } from '../src/channels/channels.ts';
import { encodeControl } from '../src/channels/codec.ts';
import { applyChannelControl, createChannels } from '../src/channels/index.ts';
import { getChannelState } from '../src/channels/store.ts';
import type { Ctx, MessengerEvents } from '../src/context/index.ts';
import type { Effects } from '../src/messaging/index.ts';
import type { ContactRecord, Store } from '../src/ports/store.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createMemoryNetwork } from '../src/testing/memory-transport.ts';
import type { ChannelEvent } from '../src/views/channels.ts';
import { createTestAccount, testPeerId } from '../testing/accounts.ts';
import { befriend, eventually, makePeer, type Peer } from './harness.ts';

let peers: Peer[] = [];
let stops: Array<() => void> = [];
afterEach(async () => {
  for (const peer of peers) await peer.messenger.stop();
  for (const stop of stops) stop();
  peers = [];
  stops = [];
});

const follower = { id: 'contact-1', peerId: testPeerId('follower') } as ContactRecord;
const follow = (channel: string): Uint8Array => encodeControl({ t: 'follow', channel });
const noEffects = (): Effects => ({ messages: [], downloads: [] });

/** A running Channels on its own context (no messenger), to call `applied` by hand. */
async function channelsAlone(name: string): Promise<{ readonly ctx: Ctx; readonly channels: Channels }> {
  const store = createMemoryStore();
  const ctx: Ctx = {
    store,
    transport: createMemoryNetwork().createTransport(testPeerId(name)),
    account: await createTestAccount(store, name, p),
    primitives: p,
    random: systemRandom,
    now: Date.now,
    events: new Emitter<MessengerEvents>(),
    limits: {
      attachmentMaxBytes: 0,
      autoDownloadMaxBytes: 0,
      groupTopicMinMembers: 32,
      groupChangeBatchMs: 50,
    },
    settings: { readReceipts: true },
  };
  const channels = createChannels(ctx, { kick: () => undefined });
  channels.start();
  stops.push(() => channels.stop());
  return { ctx, channels };
}

/** A memory store that knows whether a transaction is open right now. */
function watchedStore(): { readonly store: Store; readonly open: () => boolean } {
  const inner = createMemoryStore();
  let depth = 0;
  const store: Store = {
    transaction(fn, ...rest) {
      depth++;
      try {
        return inner.transaction(fn, ...rest);
      } finally {
        depth--;
      }
    },
    close: () => inner.close(),
  };
  return { store, open: () => depth > 0 };
}

describe('channel controls take effect after commit', () => {
  it('applying a control only records the channel in the effects; Channels.applied tells', async () => {
    const { ctx, channels } = await channelsAlone('owner');
    const { id } = channels.createChannel('club', { private: true });
    const told: ChannelEvent[] = [];
    ctx.events.on('channel', (e) => told.push(e));
    const apply = (): Effects =>
      ctx.store.transaction((tx) => applyChannelControl(ctx, tx, follower, follow(id), noEffects()));
    const requests = () => ctx.store.transaction((tx) => getChannelState(ctx, tx, id)?.requests);

    // rolled back: nothing stored, nothing told (not even once the microtasks ran)
    expect(() =>
      ctx.store.transaction(() => {
        apply();
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    await new Promise((r) => setTimeout(r, 20));
    expect(told).toEqual([]);
    expect(requests()).toEqual([]);

    // committed: stored, and waiting in the effects until the messenger hands them over
    const effects = apply();
    expect([...(effects.channel?.changed ?? [])]).toEqual([id]);
    expect(requests()).toEqual([follower.id]);
    await new Promise((r) => setTimeout(r, 20));
    expect(told).toEqual([]);
    channels.applied(effects);
    expect(told.map((e) => [e.channel.id, e.change])).toEqual([[id, 'changed']]);
    // effects without a channel part, or while stopped: nothing
    channels.applied(noEffects());
    channels.stop();
    channels.applied(effects);
    expect(told).toHaveLength(1);
  });

  it('a follower the owner adds hears of the channel once the inbox committed, then syncs it', async () => {
    const network = createMemoryNetwork();
    const watched = watchedStore();
    const owner = await makePeer(network, 'owner');
    const carol = await makePeer(network, 'carol', { store: watched.store });
    peers.push(owner, carol);
    await befriend(owner, carol);
    const told: Array<{ readonly change: string; readonly name: string; readonly inTransaction: boolean }> =
      [];
    carol.messenger.events.on('channel', (e) =>
      told.push({ change: e.change, name: e.channel.name, inTransaction: watched.open() }),
    );
    owner.messenger.createChannel('club', { private: true });
    owner.messenger.post('club', 'hello');
    owner.messenger.approveFollower('club', 'carol'); // the keys control: carol follows without asking
    await eventually(() => told.length > 0, 5_000, 'carol is told of the channel');
    expect(told[0]).toEqual({ change: 'added', name: 'club', inTransaction: false });
    // told by Channels.applied, which also made it live and synced it
    await eventually(
      () => carol.messenger.posts('club').map((m) => m.text)[0] === 'hello',
      5_000,
      'carol synced the post',
    );
    expect(carol.messenger.channel('club').status).toBe('approved');
  });
});
