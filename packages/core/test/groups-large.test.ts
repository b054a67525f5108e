/**
 * Large groups end to end (docs/GROUPS.md "Large states"): an admin with a
 * group of GROUP_SIZE members on the memory network, whose state no longer
 * fits one control payload and travels in parts through the pairwise
 * sessions. A few members run (LIVE); the others were befriended and then
 * went offline (their copies wait in the admin's outbox), which keeps the
 * test fast while the state, the outbox and every live member deal with the
 * full size.
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../src/account/account.ts';
import type { Ctx, MessengerEvents } from '../src/context/context.ts';
import {
  decodeGroupControl,
  encodeGroupControl,
  GROUP_STATE_PAYLOAD_MAX_BYTES,
  type GroupState,
  type GroupStatePart,
} from '../src/groups/codec.ts';
import { assemblyStats, encodeStatePayloads } from '../src/groups/state-parts.ts';
import { loadGroup } from '../src/groups/store.ts';
import { compose } from '../src/messaging/outbound.ts';
import { createMessenger, type Messenger } from '../src/messenger/messenger.ts';
import { createMemoryBlobStore } from '../src/ports/blob-store.ts';
import type { Store } from '../src/ports/store.ts';
import type { FrameHandler, InboundFrame, Transport } from '../src/ports/transport.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { encodeFrame } from '../src/wire/frame.ts';
import { createTestAccount, testPeerId } from '../testing/accounts.ts';
import { befriend, eventually } from './harness.ts';

const GROUP_SIZE = Number(process.env.PARLEY_LARGE_GROUP_SIZE ?? 200);

interface LPeer {
  readonly name: string;
  readonly peerId: string;
  readonly store: Store;
  readonly transport: Transport;
  messenger: Messenger;
  ctx: Ctx;
  readonly events: Array<{ type: keyof MessengerEvents; event: unknown }>;
  /** While set, frames from this peer are held here instead of reaching the inbox. */
  hold: { from: string; frames: InboundFrame[] } | undefined;
  deliver(frame: InboundFrame): Promise<void>;
}

let network: MemoryNetwork;
const all: LPeer[] = [];

async function makePeer(name: string): Promise<LPeer> {
  const peerId = testPeerId(name);
  const store = createMemoryStore();
  const inner = network.createTransport(peerId);
  const handlers = new Set<FrameHandler>();
  const peer = { hold: undefined, events: [] as LPeer['events'] } as unknown as LPeer;
  const transport: Transport = {
    ...inner,
    onFrame: (h) => {
      handlers.add(h);
      const off = inner.onFrame(async (f) => {
        if (peer.hold && f.from === peer.hold.from) peer.hold.frames.push(f);
        else await h(f);
      });
      return () => {
        handlers.delete(h);
        off();
      };
    },
  };
  const account: Account = await createTestAccount(store, name, nodePrimitives);
  const deliver = async (f: InboundFrame): Promise<void> => {
    for (const h of handlers) await h(f);
  };
  all.push(peer);
  Object.assign(peer, { name, peerId, store, transport, deliver });
  await startMessenger(peer, account);
  return peer;
}

/** A messenger for `peer` on its store; a new account object is a new process (memory is gone). */
async function startMessenger(peer: LPeer, account: Account): Promise<void> {
  const { store, transport } = peer;
  const messenger = createMessenger({
    store,
    transport,
    account,
    blobs: createMemoryBlobStore(),
    primitives: nodePrimitives,
    random: systemRandom,
  });
  for (const type of ['message', 'group', 'problem'] as const)
    messenger.events.on(type, (event) => peer.events.push({ type, event }));
  await messenger.start();
  peer.messenger = messenger;
  peer.ctx = {
    store,
    account,
    primitives: nodePrimitives,
    random: systemRandom,
    now: Date.now,
  } as unknown as Ctx;
}

let admin: LPeer;
let bob: LPeer;
let carol: LPeer;
let dave: LPeer;
let groupId: string;
const timings: Record<string, number> = {};

const problems = (p: LPeer, code: string): number =>
  p.events.filter((e) => e.type === 'problem' && (e.event as { code: string }).code === code).length;

const stored = (p: LPeer): GroupState | undefined =>
  p.store.transaction((tx) => loadGroup(p.ctx, tx, groupId))?.state;

/** Sends `payload` as a group control from `from` to `to` through their pairwise session. */
async function sendControlFrame(from: LPeer, to: LPeer, payload: Uint8Array): Promise<void> {
  const frame = from.store.transaction((tx) => {
    const contact = tx.getContactByPeerId(to.peerId);
    if (!contact) throw new Error(`${from.name} does not know ${to.name}`);
    return compose(from.ctx, tx, contact, { kind: 'group', payload }).frame;
  });
  await from.transport.send(to.peerId, frame);
}

beforeAll(async () => {
  network = createMemoryNetwork();
  admin = await makePeer('admin');
  // Live members sort after the admin and before the dormant ones (the lower PeerId starts sessions).
  [bob, carol, dave] = [await makePeer('bob'), await makePeer('carol'), await makePeer('dave')];
  const dormant: LPeer[] = [];
  for (let i = 0; i < GROUP_SIZE - 4; i++) dormant.push(await makePeer(`m${String(i).padStart(4, '0')}`));
  let t = performance.now();
  for (const p of [bob, carol, dave, ...dormant]) await befriend(admin, p);
  timings.befriendMs = performance.now() - t;
  for (const p of dormant) {
    await p.messenger.stop();
    await p.transport.stop();
  }
  // dave's first frames from the admin are held, to deliver the parts in another order.
  dave.hold = { from: admin.peerId, frames: [] };
  t = performance.now();
  const view = admin.messenger.createGroup(
    'big',
    [bob, carol, dave, ...dormant].map((p) => p.name),
  );
  timings.createGroupMs = performance.now() - t;
  groupId = view.id;
  const queued = admin.store.transaction((tx) =>
    [bob, carol, dave, ...dormant].flatMap((p) => tx.listOutbox(p.peerId)),
  );
  timings.adminFramesQueued = queued.length;
  timings.adminBytesQueued = queued.reduce((n, e) => n + e.frame.length, 0);
  t = performance.now();
  await eventually(
    () => stored(bob)?.epoch === 1 && stored(carol)?.epoch === 1,
    60_000,
    'bob and carol to be invited',
  );
  for (const p of [bob, carol]) p.messenger.acceptGroup(groupId); // an invitation is a request
  timings.joinMs = performance.now() - t;
}, 180_000);

afterAll(async () => {
  console.log(JSON.stringify({ groupSize: GROUP_SIZE, ...timings }));
  for (const p of all) {
    await p.messenger.stop();
    await p.transport.stop();
  }
});

describe(`a group of ${GROUP_SIZE} members`, () => {
  it('sends its state in parts, each within one control payload', () => {
    const t = performance.now();
    const s = stored(admin) as GroupState; // every incoming group message loads it (cached: group-store)
    timings.loadGroupMs = performance.now() - t;
    expect(s.members).toHaveLength(GROUP_SIZE);
    expect(s.secret).toBeDefined(); // > GROUP_PAIRWISE_MAX_MEMBERS: always a gossipsub group
    const payloads = encodeStatePayloads(nodePrimitives.sha256, s);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(p.length).toBeLessThanOrEqual(GROUP_STATE_PAYLOAD_MAX_BYTES);
    // Every member got it queued (a part too large for a frame would have left them owed).
    expect(admin.store.transaction((tx) => loadGroup(admin.ctx, tx, groupId))?.owed).toEqual([]);
    timings.stateBytes = encodeGroupControl({ type: 'state', group: s }).length;
    timings.parts = payloads.length;
    expect(stored(bob)).toEqual(s);
    expect(stored(carol)).toEqual(s);
  });

  it('applies the state only once every part arrived, in any order', async () => {
    const held = dave.hold as NonNullable<LPeer['hold']>;
    const count = encodeStatePayloads(nodePrimitives.sha256, stored(admin) as GroupState).length;
    await eventually(() => held.frames.length >= count, 10_000, 'the parts to reach dave');
    dave.hold = undefined;
    // The first `count` frames are the parts (the sender key follows them): reversed, one withheld.
    const parts = held.frames.slice(0, count).reverse();
    const [missing] = parts.splice(1, 1) as [InboundFrame];
    for (const f of [...parts, ...held.frames.slice(count)]) await dave.deliver(f);
    await new Promise((r) => setTimeout(r, 100));
    expect(stored(dave)).toBeUndefined(); // not applied: a part is missing
    expect(assemblyStats(dave.ctx).count).toBe(1);
    await dave.deliver(missing);
    await eventually(() => stored(dave)?.epoch === 1, 10_000, 'dave to apply the state');
    expect(stored(dave)).toEqual(stored(admin));
    dave.messenger.acceptGroup(groupId);
    expect(assemblyStats(dave.ctx).count).toBe(0);
    // The parts that waited un-ACKed come again (HELLO) as repeats and are ACKed: nothing stays queued.
    await eventually(
      () => admin.store.transaction((tx) => tx.listOutbox(dave.peerId).length === 0),
      10_000,
      "the admin's outbox to dave to drain",
    );
  });

  it('delivers messages over the topic between the live members', async () => {
    const live = [admin, bob, carol, dave];
    await eventually(
      () =>
        live.every((p) =>
          p.messenger
            .group('big')
            .members.filter((m) => live.some((l) => l.peerId === m.peerId))
            .every((m) => m.keyReceived),
        ),
      30_000,
      'the live members to hold each other’s keys',
    );
    admin.messenger.sendText('big', 'welcome, all');
    // What the UI asks for, at this size: the group view, and a page of our own messages (each lists
    // every member's receipt).
    admin.messenger.sendTexts(
      'big',
      Array.from({ length: 49 }, (_, i) => `page ${i}`),
    );
    let t = performance.now();
    expect(admin.messenger.group('big').members).toHaveLength(GROUP_SIZE);
    timings.groupViewMs = performance.now() - t;
    t = performance.now();
    const page = admin.messenger.messages('big', { limit: 50 });
    timings.ownPageMs = performance.now() - t;
    expect(page.every((m) => m.receipts?.length === GROUP_SIZE - 1)).toBe(true);
    await eventually(
      () =>
        [bob, carol, dave].every((p) => p.messenger.messages('big').some((m) => m.text === 'welcome, all')),
      10_000,
      'the message to reach the live members',
    );
  });

  it('refuses parts from a member who is not an admin, without buffering them', async () => {
    const s = stored(bob) as GroupState;
    const forged: GroupState = {
      ...s,
      epoch: s.epoch + 1,
      members: s.members.map((m) => ({ ...m, role: m.peerId === bob.peerId ? 'admin' : m.role })),
    };
    const before = problems(carol, 'group-forged');
    // All parts but the last: had they been buffered, an assembly would be waiting now.
    const payloads = encodeStatePayloads(nodePrimitives.sha256, forged);
    for (const p of payloads.slice(0, -1)) await sendControlFrame(bob, carol, p);
    await eventually(() => problems(carol, 'group-forged') > before, 10_000, 'carol to refuse');
    expect(stored(carol)?.epoch).toBe(s.epoch);
    expect(assemblyStats(carol.ctx).count).toBe(0);
  });

  it('refuses an inconsistent part from the admin: the state stays as it was', async () => {
    const s = stored(admin) as GroupState;
    const next: GroupState = { ...s, epoch: s.epoch + 1, name: 'renamed' };
    const parts = encodeStatePayloads(nodePrimitives.sha256, next).map(
      (p) => decodeGroupControl(p) as GroupStatePart,
    );
    // Part 1 with one member's role changed, under the digest of the genuine state.
    const tampered: GroupStatePart = {
      ...(parts[1] as GroupStatePart),
      members: (parts[1] as GroupStatePart).members.map((m, i) => (i === 0 ? { ...m, role: 'admin' } : m)),
    };
    for (const p of [parts[0], tampered, ...parts.slice(2)])
      await sendControlFrame(admin, carol, encodeGroupControl(p as GroupStatePart));
    await new Promise((r) => setTimeout(r, 300));
    expect(stored(carol)?.epoch).toBe(s.epoch);
    expect(stored(carol)?.name).toBe('big');
    expect(assemblyStats(carol.ctx).count).toBe(0);
    // Those frames are the admin's fault (D7): drop them from its outbox so the next change is clean.
    admin.store.transaction((tx) => {
      for (const e of tx.listOutbox(carol.peerId)) tx.deleteOutbox(e.seq);
    });
  });

  it('assembles a state again after a restart lost the parts that had arrived (none was ACKed)', async () => {
    const before = stored(admin) as GroupState;
    const held: NonNullable<LPeer['hold']> = { from: admin.peerId, frames: [] };
    dave.hold = held;
    admin.messenger.renameGroup('big', 'bigger');
    const count = encodeStatePayloads(nodePrimitives.sha256, stored(admin) as GroupState).length;
    await eventually(() => held.frames.length >= count, 10_000, 'the parts to reach dave');
    dave.hold = undefined;
    for (const f of held.frames.slice(0, count - 1)) await dave.deliver(f);
    await new Promise((r) => setTimeout(r, 100));
    expect(stored(dave)?.epoch).toBe(before.epoch);
    expect(assemblyStats(dave.ctx).count).toBe(1);
    // dave restarts: the parts it held in memory are gone.
    await dave.messenger.stop();
    await startMessenger(dave, { ...dave.ctx.account });
    expect(assemblyStats(dave.ctx).count).toBe(0);
    await dave.deliver(held.frames[count - 1] as InboundFrame); // the last part alone completes nothing
    await new Promise((r) => setTimeout(r, 100));
    expect(stored(dave)?.name).toBe('big');
    // The admin still has every part queued (none was ACKed) and sends them again — at once here,
    // on HELLO, as it would on reconnecting or after its ACK timeout.
    await dave.transport.send(admin.peerId, encodeFrame({ type: 'hello' }));
    await eventually(() => stored(dave)?.name === 'bigger', 10_000, 'dave to apply the rename');
    expect(stored(dave)).toEqual(stored(admin));
  });

  it('removes a member at this size: the removed member gets the state without the new secret', async () => {
    const before = stored(admin) as GroupState;
    const t = performance.now();
    admin.messenger.removeFromGroup(groupId, 'carol');
    timings.removeMs = performance.now() - t;
    await eventually(
      () => stored(bob)?.epoch === before.epoch + 1 && stored(dave)?.epoch === before.epoch + 1,
      30_000,
      'bob and dave to apply the removal',
    );
    await eventually(
      () => carol.messenger.group(groupId).status === 'removed',
      30_000,
      'carol to be removed',
    );
    const after = stored(admin) as GroupState;
    expect(after.members).toHaveLength(GROUP_SIZE - 1);
    expect(after.secret).toBeDefined();
    expect(after.secret).not.toEqual(before.secret);
    expect(stored(bob)?.secret).toEqual(after.secret);
    const carols = stored(carol) as GroupState;
    expect(carols.epoch).toBe(after.epoch);
    expect(carols.secret).toBeUndefined();
    expect(carols.members.some((m) => m.peerId === carol.peerId)).toBe(false);
    admin.messenger.sendText(groupId, 'after carol');
    await eventually(
      () => [bob, dave].every((p) => p.messenger.messages(groupId).some((m) => m.text === 'after carol')),
      20_000,
      'the members to get the message sent after the removal',
    );
    expect(carol.messenger.messages(groupId).some((m) => m.text === 'after carol')).toBe(false);
  });
});
