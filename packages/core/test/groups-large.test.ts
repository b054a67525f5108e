/**
 * Large groups end to end (docs/GROUPS.md "Deltas", "Whole states by reference", "Large states"):
 * an admin with a group of GROUP_SIZE members on the memory network, whose state no longer fits
 * one control payload: members fetch it by reference, changes travel as deltas (and parts from
 * peers of earlier versions are still assembled). A few members run (LIVE); the others were befriended and then
 * went offline (their copies wait in the admin's outbox), which keeps the
 * test fast while the state, the outbox and every live member deal with the
 * full size.
 */
import { MLKEM768_CIPHERTEXT_BYTES, MLKEM768_ENCAPSULATION_KEY_BYTES, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../src/account/account.ts';
import type { Ctx, Limits, MessengerEvents } from '../src/context/context.ts';
import {
  decodeGroupControl,
  encodeGroupControl,
  GROUP_STATE_PAYLOAD_MAX_BYTES,
  type GroupDelta,
  type GroupState,
  type GroupStatePart,
} from '../src/groups/codec.ts';
import { makeDelta } from '../src/groups/delta.ts';
import { memberSession } from '../src/groups/sessions.ts';
import { statePayload } from '../src/groups/state-fetch.ts';
import { assemblyStats, encodeStatePayloads } from '../src/groups/state-parts.ts';
import { changeOwed, loadGroup, type StoredGroup } from '../src/groups/store.ts';
import { compose } from '../src/messaging/outbound.ts';
import { createMessenger, type Messenger } from '../src/messenger/messenger.ts';
import { createMemoryBlobStore } from '../src/ports/blob-store.ts';
import type { Store } from '../src/ports/store.ts';
import type { FrameHandler, InboundFrame, Transport } from '../src/ports/transport.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { encodeFrame } from '../src/wire/frame.ts';
import { createTestAccount, testPeerId } from '../testing/accounts.ts';
import { befriend, eventually, suite1Card } from './harness.ts';

/** Members once erin has joined (the largest group there is); created with one fewer. */
const GROUP_SIZE = Number(process.env.PARLEY_LARGE_GROUP_SIZE ?? 1000);
const CREATED = GROUP_SIZE - 1;

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
async function startMessenger(peer: LPeer, account: Account, limits: Partial<Limits> = {}): Promise<void> {
  const { store, transport } = peer;
  const messenger = createMessenger({
    store,
    transport,
    account,
    limits,
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
/** A contact of the admin who joins later: the whole state goes to new members. */
let erin: LPeer;
let dormant: LPeer[] = [];
let groupId: string;
const timings: Record<string, number> = {};

const problems = (p: LPeer, code: string): number =>
  p.events.filter((e) => e.type === 'problem' && (e.event as { code: string }).code === code).length;

const stored = (p: LPeer): GroupState | undefined =>
  p.store.transaction((tx) => loadGroup(p.ctx, tx, groupId))?.state;

/**
 * `s` as a peer of an earlier version (before suite 2) would send it in parts: every member's card
 * suite 1. Its members' suite-2 cards (~1.7 KB each) make a 1,000-member state too big for
 * GROUP_STATE_PARTS_MAX parts, and such a peer never holds them: its codec refuses cards over 1 KiB.
 */
function asEarlierVersion(s: GroupState): GroupState {
  const byPeer = new Map(all.map((p) => [p.peerId, p]));
  const card = (peerId: string, current: Uint8Array): Uint8Array => {
    const p = byPeer.get(peerId);
    return p ? suite1Card(p) : current;
  };
  return { ...s, members: s.members.map((m) => ({ ...m, card: card(m.peerId, m.card) })) };
}

/** What a message on a post-quantum ratchet chain carries on top (flags, encapsulation key, ciphertext). */
const PQ_CHAIN_HEADER_BYTES = 1 + MLKEM768_ENCAPSULATION_KEY_BYTES + MLKEM768_CIPHERTEXT_BYTES;

/** Sends `payload` as a group control from `from` to `to` through their pairwise session. */
async function sendControlFrame(from: LPeer, to: LPeer, payload: Uint8Array): Promise<void> {
  const frame = from.store.transaction((tx) => {
    const contact = tx.getContactByPeerId(to.peerId);
    if (!contact) throw new Error(`${from.name} does not know ${to.name}`);
    // Members who are not contacts have no session until they need one (keys go over the topic).
    const g = loadGroup(from.ctx, tx, groupId);
    if (g) memberSession(from.ctx, tx, g, contact);
    return compose(from.ctx, tx, contact, { kind: 'group', payload }).frame;
  });
  await from.transport.send(to.peerId, frame);
}

beforeAll(async () => {
  network = createMemoryNetwork();
  admin = await makePeer('admin');
  // Live members sort after the admin and before the dormant ones (the lower PeerId starts sessions).
  [bob, carol, dave, erin] = [
    await makePeer('bob'),
    await makePeer('carol'),
    await makePeer('dave'),
    await makePeer('erin'),
  ];
  dormant = [];
  for (let i = 0; i < CREATED - 4; i++) dormant.push(await makePeer(`m${String(i).padStart(4, '0')}`));
  let t = performance.now();
  for (const p of [bob, carol, dave, erin, ...dormant]) await befriend(admin, p);
  timings.befriendMs = performance.now() - t;
  for (const p of dormant) {
    await p.messenger.stop();
    await p.transport.stop();
  }
  // What befriending left queued to a member who stopped before ACKing it is not the group's.
  const recipients = [bob, carol, dave, ...dormant];
  const before = admin.store.transaction((tx) =>
    Math.max(0, ...recipients.flatMap((p) => tx.listOutbox(p.peerId).map((e) => e.seq))),
  );
  t = performance.now();
  const view = admin.messenger.createGroup(
    'big',
    [bob, carol, dave, ...dormant].map((p) => p.name),
  );
  timings.createGroupMs = performance.now() - t; // the first batch; the rest follow (pending)
  groupId = view.id;
  await eventually(() => admin.messenger.group('big').pending === 0, 120_000, 'every copy to be queued');
  timings.createQueuedMs = performance.now() - t;
  const queued = admin.store.transaction((tx) =>
    recipients.flatMap((p) => tx.listOutbox(p.peerId)).filter((e) => e.seq > before),
  );
  timings.adminFramesQueued = queued.length;
  const asleep = new Set(dormant.map((p) => p.peerId));
  timings.dormantFramesQueued = queued.filter((e) => asleep.has(e.peerId)).length;
  timings.adminBytesQueued = queued.reduce((n, e) => n + e.frame.length, 0);
  t = performance.now();
  await eventually(
    () => [bob, carol, dave].every((p) => stored(p)?.epoch === 1),
    60_000,
    'bob, carol and dave to be invited',
  );
  for (const p of [bob, carol, dave]) p.messenger.acceptGroup(groupId); // an invitation is a request
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
  it('sends its state by reference: one small frame per member, the bytes fetched from the admin', () => {
    const t = performance.now();
    const s = stored(admin) as GroupState; // every incoming group message loads it (cached: group-store)
    timings.loadGroupMs = performance.now() - t;
    expect(s.members).toHaveLength(CREATED);
    expect(s.secret).toBeDefined(); // > GROUP_PAIRWISE_MAX_MEMBERS: always a gossipsub group
    expect(statePayload(s).length).toBeGreaterThan(GROUP_STATE_PAYLOAD_MAX_BYTES);
    // Every member got its ref queued: one frame each, under a kilobyte plus, on a post-quantum
    // ratchet chain (suite 2), its header: up to 2,273 bytes (the encapsulation key and a ciphertext).
    expect(admin.store.transaction((tx) => loadGroup(admin.ctx, tx, groupId))?.owed).toEqual([]);
    // Exactly one to each member who is away; the live ones (bob, carol, dave) may have ACKed theirs
    // already, or answered, so that the admin owes them one more control by now.
    expect(timings.dormantFramesQueued).toBe(dormant.length);
    expect(timings.adminFramesQueued).toBeLessThanOrEqual(dormant.length + 2 * 3);
    expect((timings.adminBytesQueued ?? 0) / dormant.length).toBeLessThan(1024 + PQ_CHAIN_HEADER_BYTES);
    timings.stateBytes = encodeGroupControl({ type: 'state', group: s }).length;
    expect(stored(bob)).toEqual(s);
    expect(stored(carol)).toEqual(s);
  });

  it('still assembles a state sent in parts (by a peer of an earlier version), in any order', async () => {
    // An admin of an earlier version invites fred: its state comes in parts, with suite-1 cards.
    const fred = await makePeer('fred');
    await befriend(admin, fred);
    const s = stored(admin) as GroupState;
    const joined = { peerId: fred.peerId, name: fred.name, role: 'member' as const, card: suite1Card(fred) };
    const earlier = asEarlierVersion({ ...s, members: [...s.members, joined] });
    const parts = encodeStatePayloads(nodePrimitives.sha256, earlier);
    expect(parts.length).toBeGreaterThan(1);
    const frames = admin.store.transaction((tx) => {
      const contact = tx.getContactByPeerId(fred.peerId);
      if (!contact) throw new Error('the admin does not know fred');
      return parts.map((payload) => compose(admin.ctx, tx, contact, { kind: 'group', payload }).frame);
    });
    const inbound = (data: Uint8Array): InboundFrame => ({ from: admin.peerId, data });
    const reversed = frames.reverse();
    const [missing] = reversed.splice(1, 1) as [Uint8Array];
    for (const f of reversed) await fred.deliver(inbound(f));
    await new Promise((r) => setTimeout(r, 100));
    expect(stored(fred)).toBeUndefined(); // not applied: a part is missing
    expect(assemblyStats(fred.ctx).count).toBe(1);
    await fred.deliver(inbound(missing));
    await eventually(() => stored(fred)?.epoch === 1, 10_000, 'fred to apply the state');
    expect(stored(fred)).toEqual(earlier);
    expect(assemblyStats(fred.ctx).count).toBe(0);
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
    // What the UI asks for, at this size: the group view, and a page of our own messages (each says
    // how many members read it, counted from their read marks: no per-member list).
    admin.messenger.sendTexts(
      'big',
      Array.from({ length: 49 }, (_, i) => `page ${i}`),
    );
    let t = performance.now();
    expect(admin.messenger.group('big').members).toHaveLength(CREATED);
    timings.groupViewMs = performance.now() - t;
    t = performance.now();
    const page = admin.messenger.messages('big', { limit: 50 });
    timings.ownPageMs = performance.now() - t;
    expect(page.every((m) => m.receipts === undefined && m.readBy?.of === CREATED - 1)).toBe(true);
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
    const payloads = encodeStatePayloads(nodePrimitives.sha256, asEarlierVersion(forged));
    for (const p of payloads.slice(0, -1)) await sendControlFrame(bob, carol, p);
    await eventually(() => problems(carol, 'group-forged') > before, 10_000, 'carol to refuse');
    expect(stored(carol)?.epoch).toBe(s.epoch);
    expect(assemblyStats(carol.ctx).count).toBe(0);
  });

  it('refuses an inconsistent part from the admin: the state stays as it was', async () => {
    const s = stored(admin) as GroupState;
    const next: GroupState = { ...s, epoch: s.epoch + 1, name: 'renamed' };
    const parts = encodeStatePayloads(nodePrimitives.sha256, asEarlierVersion(next)).map(
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

  it('tells the members a change as a delta: one small frame each, the whole state only to the new member', async () => {
    const before = stored(admin) as GroupState;
    const frames = (p: LPeer) => admin.store.transaction((tx) => tx.listOutbox(p.peerId));
    const had = new Map(dormant.map((p) => [p.peerId, frames(p).length]));
    // erin's frames from the admin are held: she fetches the state after a restart (next test).
    erin.hold = { from: admin.peerId, frames: [] };
    const t = performance.now();
    admin.messenger.addToGroup('big', ['erin']);
    await eventually(() => admin.messenger.group('big').pending === 0, 60_000, 'the change to be queued');
    timings.addQueuedMs = performance.now() - t;
    const after = stored(admin) as GroupState;
    expect(after.epoch).toBe(before.epoch + 1);
    let bytes = 0;
    for (const p of dormant) {
      const added = frames(p).slice(had.get(p.peerId));
      // The delta (a whole state would be ~100 KB at this size).
      expect(added.length).toBeGreaterThanOrEqual(1);
      bytes += added.reduce((n, e) => n + e.frame.length, 0);
    }
    timings.addBytesPerMember = Math.round(bytes / dormant.length);
    expect(timings.addBytesPerMember).toBeLessThan(10 * 1024);
    await eventually(
      () => [bob, dave].every((p) => stored(p)?.epoch === after.epoch),
      30_000,
      'the live members to apply the delta',
    );
    expect(stored(bob)).toEqual(after);
    expect(stored(dave)).toEqual(after);
  });

  it('a new member fetches the state its ref names, again after a restart lost what it had fetched', async () => {
    const held = erin.hold as NonNullable<LPeer['hold']>;
    await eventually(() => held.frames.length >= 1, 10_000, 'the ref to reach erin');
    erin.hold = { from: admin.peerId, frames: [] }; // what the admin resends waits, for now
    for (const f of held.frames) await erin.deliver(f); // the ref: not ACKed, the fetch starts
    await new Promise((r) => setTimeout(r, 300));
    expect(stored(erin)).toBeUndefined();
    // erin restarts: whatever she fetched is gone (memory only), and the ref was never ACKed.
    await erin.messenger.stop();
    await startMessenger(erin, { ...erin.ctx.account });
    erin.hold = undefined;
    // The admin still has the ref queued and sends it again — at once here, on HELLO, as it would on
    // reconnecting or after its ACK timeout; erin fetches again and applies it.
    await erin.transport.send(admin.peerId, encodeFrame({ type: 'hello' }));
    await eventually(() => stored(erin)?.epoch === stored(admin)?.epoch, 20_000, 'erin to be invited');
    expect(stored(erin)).toEqual(stored(admin));
    erin.messenger.acceptGroup(groupId);
    await eventually(
      () => admin.store.transaction((tx) => tx.listOutbox(erin.peerId).length === 0),
      10_000,
      "the admin's outbox to erin to drain",
    );
  });

  it('refuses a delta that does not give its digest, or one from a member who is not an admin', async () => {
    const s = stored(admin) as GroupState;
    const renamed: GroupState = { ...s, epoch: s.epoch + 1, name: 'renamed' };
    const delta = makeDelta(nodePrimitives.sha256, s, renamed, true) as GroupDelta;
    const forged = problems(dave, 'group-forged');
    // The admin's delta, but another name than the digest it carries.
    await sendControlFrame(admin, dave, encodeGroupControl({ ...delta, name: 'tampered' }));
    await eventually(
      () => problems(dave, 'group-forged') > forged,
      10_000,
      'dave to refuse the tampered delta',
    );
    // A consistent delta, from bob, who is no admin.
    await sendControlFrame(bob, dave, encodeGroupControl(delta));
    await eventually(() => problems(dave, 'group-forged') > forged + 1, 10_000, 'dave to refuse bob’s delta');
    expect(stored(dave)?.epoch).toBe(s.epoch);
    expect(stored(dave)?.name).toBe(s.name);
    admin.store.transaction((tx) => {
      for (const e of tx.listOutbox(dave.peerId)) tx.deleteOutbox(e.seq); // the tampered one (D7)
    });
  });

  it('a member who missed a change asks for the whole state and catches up', async () => {
    const before = stored(admin) as GroupState;
    const held: NonNullable<LPeer['hold']> = { from: admin.peerId, frames: [] };
    dave.hold = held;
    admin.messenger.renameGroup(groupId, 'bigger');
    await eventually(() => held.frames.length >= 1, 10_000, 'the first change to reach dave');
    // That change is lost for good: gone from the admin's outbox too (as after restoring a backup).
    admin.store.transaction((tx) => {
      for (const e of tx.listOutbox(dave.peerId)) tx.deleteOutbox(e.seq);
    });
    dave.hold = undefined;
    admin.messenger.renameGroup(groupId, 'biggest');
    await eventually(() => stored(dave)?.name === 'biggest', 20_000, 'dave to catch up by the whole state');
    expect(stored(dave)?.epoch).toBe(before.epoch + 2);
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
    expect(after.members).toHaveLength(before.members.length - 1);
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
  it('an admin stopped between the batches of a change finishes it after a restart, each copy queued once', async () => {
    const frames = (p: LPeer) => admin.store.transaction((tx) => tx.listOutbox(p.peerId).length);
    const had = new Map(dormant.map((p) => [p.peerId, frames(p)]));
    // Batches of 1 ms: a few peers each, so the change is sure to be cut short.
    await admin.messenger.stop();
    await startMessenger(admin, { ...admin.ctx.account }, { groupChangeBatchMs: 1 });
    const view = admin.messenger.createGroup(
      'second',
      [bob, dave, ...dormant].map((p) => p.name),
    );
    // Stopped at once, as a kill would: the first batch is committed, the rest is not sent.
    await admin.messenger.stop();
    const left = admin.store.transaction((tx) => loadGroup(admin.ctx, tx, view.id));
    expect(left && changeOwed(left)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(
      admin.store.transaction((tx) => changeOwed(loadGroup(admin.ctx, tx, view.id) as StoredGroup)),
    ).toBe(left && changeOwed(left));
    await startMessenger(admin, { ...admin.ctx.account }); // a new process: it carries on
    await eventually(() => admin.messenger.group(view.id).pending === 0, 120_000, 'the rest to be queued');
    const state = admin.store.transaction((tx) => loadGroup(admin.ctx, tx, view.id))?.state as GroupState;
    for (const p of dormant) expect(frames(p) - (had.get(p.peerId) ?? 0)).toBe(1); // its ref, once
    await eventually(
      () =>
        [bob, dave].every(
          (p) => p.store.transaction((tx) => loadGroup(p.ctx, tx, view.id))?.state.epoch === state.epoch,
        ),
      30_000,
      'bob and dave to be invited',
    );
    expect(bob.store.transaction((tx) => loadGroup(bob.ctx, tx, view.id))?.state).toEqual(state);
  });
});
