/**
 * Sender keys of large groups announced once on the epoch's topic (docs/GROUPS.md
 * "Sender keys and rotation", PROTOCOL.md "Group topics"): the wire formats and
 * their hostile decodes, no pairwise `sender-key` control after a change, catch-up
 * of missed announcements (query kind 0x05), and every forged announcement refused.
 */
import { createSenderKey, senderKeyDistribution, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ctx } from '../src/context/context.ts';
import { GROUP_MAX_MEMBERS, senderKeyContext } from '../src/groups/codec.ts';
import {
  type AnnounceScope,
  decodeGroupKeysAnswer,
  decodeGroupKeysRequest,
  encodeGroupKeysAnswer,
  encodeGroupKeysRequest,
  GROUP_KEY_ANNOUNCE_MAX_BYTES,
  openAnnouncement,
  QUERY_KIND_GROUP_KEYS,
  sealAnnouncement,
  verifyAnnouncement,
} from '../src/groups/key-announce.ts';
import { answerGroupKeys, ingestAnnouncement, missingKeys } from '../src/groups/key-receive.ts';
import { syncGroup } from '../src/groups/send.ts';
import { loadGroup, loadOwnKey, loadReceivers } from '../src/groups/store.ts';
import type { Messenger } from '../src/messenger/messenger.ts';
import type { NewOutboxRecord, Store, StoreTx } from '../src/ports/store.ts';
import type { PubsubMessage, Transport } from '../src/ports/transport.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { GROUP_ID, holds, type Member, members, state } from './group-fixture.ts';
import { befriend, eventually, groupReady, groupTexts, makePeer as harnessPeer, join } from './harness.ts';

const p = nodePrimitives;
const secret = new Uint8Array(32).fill(7);
const scope: AnnounceScope = { id: GROUP_ID, epoch: 3, secret };

describe('key announcement formats', () => {
  const distribution = senderKeyDistribution(
    createSenderKey(systemRandom, p),
    senderKeyContext(GROUP_ID, 'peer-a'),
    p,
  );
  const signer = systemRandom(32);

  it('seals, opens and verifies; another epoch, group, secret or signer does not', () => {
    const sealed = sealAnnouncement(p, systemRandom, scope, 'peer-a', distribution, signer);
    expect(sealed[0]).toBe(0x02);
    expect(sealed.length).toBeLessThanOrEqual(GROUP_KEY_ANNOUNCE_MAX_BYTES);
    const a = openAnnouncement(p, scope, sealed);
    expect(a?.owner).toBe('peer-a');
    expect(a?.distribution).toEqual(distribution);
    expect(verifyAnnouncement(p, scope, a as never, p.ed25519PublicKey(signer))).toBe(true);
    expect(verifyAnnouncement(p, scope, a as never, p.ed25519PublicKey(systemRandom(32)))).toBe(false);
    expect(openAnnouncement(p, { ...scope, epoch: 4 }, sealed)).toBeUndefined();
    expect(openAnnouncement(p, { ...scope, id: 'cd'.repeat(16) }, sealed)).toBeUndefined();
    expect(openAnnouncement(p, { ...scope, secret: new Uint8Array(32).fill(8) }, sealed)).toBeUndefined();
    expect(openAnnouncement(p, { id: GROUP_ID, epoch: 3 }, sealed)).toBeUndefined(); // no secret: pairwise
    for (let i = 0; i < sealed.length; i += 17) {
      const flipped = sealed.slice();
      flipped[i] = (flipped[i] as number) ^ 1;
      expect(openAnnouncement(p, scope, flipped)).toBeUndefined();
    }
    for (const bad of [new Uint8Array(0), sealed.subarray(0, 40), Uint8Array.of(1, ...sealed.subarray(1))])
      expect(openAnnouncement(p, scope, bad)).toBeUndefined();
    // signed over the epoch: the same plaintext under the same key is no proof for epoch 4
    const a4 = openAnnouncement(p, scope, sealed);
    expect(verifyAnnouncement(p, { ...scope, epoch: 4 }, a4 as never, p.ed25519PublicKey(signer))).toBe(
      false,
    );
  });

  it('a linked device’s announcement (0x03) names its device, is signed by it, and binds both names', () => {
    const sealed = sealAnnouncement(p, systemRandom, scope, 'peer-a', distribution, signer, 'peer-a-laptop');
    expect(sealed[0]).toBe(0x03);
    expect(sealed.length).toBeLessThanOrEqual(GROUP_KEY_ANNOUNCE_MAX_BYTES);
    const a = openAnnouncement(p, scope, sealed);
    if (!a) throw new Error('the announcement did not open');
    expect([a.owner, a.device]).toEqual(['peer-a', 'peer-a-laptop']);
    expect(a.distribution).toEqual(distribution);
    expect(verifyAnnouncement(p, scope, a, p.ed25519PublicKey(signer))).toBe(true);
    // the signature covers the device: the same bytes are no proof for another device, nor as 0x02
    expect(verifyAnnouncement(p, scope, { ...a, device: 'peer-a-phone' }, p.ed25519PublicKey(signer))).toBe(
      false,
    );
    const { device: _device, ...asFirst } = a;
    expect(verifyAnnouncement(p, scope, asFirst, p.ed25519PublicKey(signer))).toBe(false);
    // the version byte is bound too (associated data): 0x03 relabelled 0x02 does not open
    expect(openAnnouncement(p, scope, Uint8Array.of(0x02, ...sealed.subarray(1)))).toBeUndefined();
    // a "device" that is the owner itself is refused (the first device announces as 0x02)
    const self = sealAnnouncement(p, systemRandom, scope, 'peer-a', distribution, signer, 'peer-a');
    expect(openAnnouncement(p, scope, self)).toBeUndefined();
    for (let i = 0; i < sealed.length; i += 13) {
      const flipped = sealed.slice();
      flipped[i] = (flipped[i] as number) ^ 1;
      expect(openAnnouncement(p, scope, flipped)).toBeUndefined();
    }
  });

  it('round-trips key catch-up requests and refuses malformed ones', () => {
    const req = { groupId: GROUP_ID, epoch: 0xffff_fffe, members: [0, 7, 999] };
    const bytes = encodeGroupKeysRequest(req);
    expect([bytes[0], bytes[1]]).toEqual([0x01, QUERY_KIND_GROUP_KEYS]);
    expect(bytes.length).toBe(24 + 6);
    expect(decodeGroupKeysRequest(bytes)).toEqual(req);
    const full = encodeGroupKeysRequest({
      ...req,
      members: Array.from({ length: GROUP_MAX_MEMBERS }, (_, i) => i),
    });
    expect(decodeGroupKeysRequest(full)?.members).toHaveLength(GROUP_MAX_MEMBERS);
    expect(() => encodeGroupKeysRequest({ ...req, members: [] })).toThrow(RangeError);
    expect(() => encodeGroupKeysRequest({ ...req, members: Array(GROUP_MAX_MEMBERS + 1).fill(0) })).toThrow(
      RangeError,
    );
    const withCount = (n: number): Uint8Array => {
      const out = bytes.slice();
      new DataView(out.buffer).setUint16(22, n);
      return out;
    };
    const tooMany = new Uint8Array(24 + 2 * (GROUP_MAX_MEMBERS + 1));
    tooMany.set(bytes.subarray(0, 22));
    new DataView(tooMany.buffer).setUint16(22, GROUP_MAX_MEMBERS + 1);
    for (const bad of [
      bytes.subarray(0, bytes.length - 1), // truncated
      Uint8Array.of(...bytes, 0), // trailing
      bytes.subarray(0, 23), // no count
      withCount(0),
      withCount(4), // says 4, holds 3
      tooMany,
      Uint8Array.of(0x01, 0x02, ...bytes.subarray(2)), // a message catch-up (kind 0x02)
      Uint8Array.of(0x02, ...bytes.subarray(1)), // another version
    ])
      expect(decodeGroupKeysRequest(bad)).toBeNull();
  });

  it('round-trips answers and throws a bad-message on hostile ones, checking every length', () => {
    const list = [Uint8Array.of(1, 2, 3), new Uint8Array(GROUP_KEY_ANNOUNCE_MAX_BYTES).fill(4)];
    const answer = encodeGroupKeysAnswer(list);
    expect(decodeGroupKeysAnswer(answer)).toEqual(list);
    expect(decodeGroupKeysAnswer(encodeGroupKeysAnswer([]))).toEqual([]);
    expect(() => encodeGroupKeysAnswer([new Uint8Array(0)])).toThrow(RangeError);
    expect(() => encodeGroupKeysAnswer(Array(GROUP_MAX_MEMBERS + 1).fill(Uint8Array.of(1)))).toThrow(
      RangeError,
    );
    const tooMany = Uint8Array.of(1, 5, (GROUP_MAX_MEMBERS + 1) >> 8, (GROUP_MAX_MEMBERS + 1) & 0xff);
    const tooLong = Uint8Array.of(1, 5, 0, 1, 0xff, 0xff, ...new Uint8Array(10));
    for (const bad of [
      answer.subarray(0, answer.length - 1), // truncated announcement
      answer.subarray(0, 5), // truncated length
      Uint8Array.of(...answer, 0), // trailing
      Uint8Array.of(1, 5, 0, 1, 0, 0), // an empty announcement
      tooMany,
      tooLong,
      Uint8Array.of(1, 2, 0, 0), // a message catch-up answer
      Uint8Array.of(1, 5, 0),
    ])
      expect(() => decodeGroupKeysAnswer(bad)).toThrow(expect.objectContaining({ code: 'bad-message' }));
  });
});

describe('key announcements received (inside a transaction)', () => {
  /** An announcement by `owner` of `key` (default: a fresh key of theirs), signed with `signedBy`'s identity. */
  const announcement = (
    owner: Member,
    s: AnnounceScope,
    options: { signedBy?: Member; distribution?: Uint8Array } = {},
  ): Uint8Array =>
    sealAnnouncement(
      p,
      systemRandom,
      s,
      owner.peerId,
      options.distribution ??
        senderKeyDistribution(createSenderKey(systemRandom, p), senderKeyContext(GROUP_ID, owner.peerId), p),
      (options.signedBy ?? owner).ctx.account.identity.signingSecret,
    );
  const ingest = (to: Member, bytes: Uint8Array) =>
    to.store.transaction((tx) => {
      const g = loadGroup(to.ctx, tx, GROUP_ID);
      if (!g) throw new Error('no group');
      return ingestAnnouncement(to.ctx, tx, g, bytes);
    });

  it('accepts a member’s own announcement once; refuses the wrong signer, epoch, non-members, a removed member and a forwarded key', async () => {
    const [alice, bob, carol, dave, eve] = await members('alice', 'bob', 'carol', 'dave', 'eve');
    const oldSecret = systemRandom(32);
    const newSecret = systemRandom(32);
    // epoch 2 removed dave; bob holds it
    const s2 = state(
      2,
      [
        [alice, 'admin'],
        [bob, 'member'],
        [carol, 'member'],
      ],
      { secret: newSecret },
    );
    holds(bob, s2, alice);
    const now = { id: GROUP_ID, epoch: 2, secret: newSecret };

    const genuine = announcement(carol, now);
    expect(ingest(bob, genuine)).toEqual({ result: 'fresh', owner: carol.peerId });
    expect(ingest(bob, genuine)).toEqual({ result: 'duplicate' });
    const keys = bob.store.transaction((tx) => loadReceivers(bob.ctx, tx, GROUP_ID, carol.peerId));
    expect(keys.map((k) => [k.epoch, k.announce])).toEqual([[2, genuine]]); // kept, to serve others

    const refusal = (bytes: Uint8Array) => ingest(bob, bytes);
    // alice's key, signed by carol's identity (carol cannot announce for alice)
    expect(refusal(announcement(alice, now, { signedBy: carol }))).toEqual({
      result: 'rejected',
      why: 'bad-signature',
    });
    // carol's announcement of the epoch before, and one for the next epoch
    expect(refusal(announcement(carol, { ...now, epoch: 1 }))).toMatchObject({ why: 'unreadable' });
    expect(refusal(announcement(carol, { ...now, epoch: 3 }))).toMatchObject({ why: 'unreadable' });
    // eve is no member, though she learnt the secret; an announcement naming bob himself
    expect(refusal(announcement(eve, now))).toMatchObject({ why: 'not-a-member' });
    expect(refusal(announcement(bob, now))).toMatchObject({ why: 'not-a-member' });
    // dave, removed at epoch 2, has only the old secret: nothing he seals opens
    expect(refusal(announcement(dave, { ...now, secret: oldSecret }))).toMatchObject({ why: 'unreadable' });
    expect(refusal(announcement(dave, { ...now, epoch: 1, secret: oldSecret }))).toMatchObject({
      why: 'unreadable',
    });
    // ... nor re-encrypting carol's genuine one under it
    const carolPlain = openAnnouncement(p, now, genuine);
    expect(carolPlain).toBeDefined();
    // alice signs an announcement of carol's distribution as hers: its proof of possession names carol
    const carolDistribution = carolPlain?.distribution as Uint8Array;
    expect(refusal(announcement(alice, now, { distribution: carolDistribution }))).toMatchObject({
      why: 'forged',
    });
    // alice's own genuine one is then still accepted
    expect(ingest(bob, announcement(alice, now))).toMatchObject({ result: 'fresh', owner: alice.peerId });
    // nothing of the refused ones was stored
    const stored = bob.store.transaction((tx) =>
      [alice, carol, dave, eve].map((m) => loadReceivers(bob.ctx, tx, GROUP_ID, m.peerId).length),
    );
    expect(stored).toEqual([1, 1, 0, 0]);
  });

  it('answers catch-up only to current members, only for the current epoch, from what it holds', async () => {
    const [alice, bob, carol, eve] = await members('alice', 'bob', 'carol', 'eve');
    const s = state(
      1,
      [
        [alice, 'admin'],
        [bob, 'member'],
        [carol, 'member'],
      ],
      { secret },
    );
    for (const m of [alice, bob]) holds(m, s, alice);
    // alice makes her key (and its announcement) as syncGroup does after every change
    alice.store.transaction((tx) => syncGroup(alice.ctx, tx, loadGroup(alice.ctx, tx, GROUP_ID) as never));
    const own = alice.store.transaction((tx) => loadOwnKey(alice.ctx, tx, GROUP_ID));
    expect(own?.announce?.[0]).toBe(0x02);
    expect(own?.sentTo).toEqual([bob.peerId, carol.peerId]); // keySent: every member can fetch it
    expect(alice.store.transaction((tx) => tx.listOutbox(bob.peerId))).toEqual([]); // no pairwise control
    // bob gets it, then answers carol's request with it (index 0 = alice)
    expect(ingest(bob, own?.announce as Uint8Array)).toMatchObject({ result: 'fresh' });
    const answer = (asker: Member, members: number[], epoch = 1) =>
      bob.store.transaction((tx) =>
        answerGroupKeys(bob.ctx, tx, loadGroup(bob.ctx, tx, GROUP_ID), asker.peerId, {
          groupId: GROUP_ID,
          epoch,
          members,
        }),
      );
    expect(decodeGroupKeysAnswer(answer(carol, [0, 2, 0, 2]) as Uint8Array)).toEqual([own?.announce]);
    expect(decodeGroupKeysAnswer(answer(carol, [1]) as Uint8Array)).toEqual([]); // bob made none yet
    expect(answer(eve, [0])).toBeUndefined(); // a stranger learns nothing
    expect(decodeGroupKeysAnswer(answer(carol, [0], 2) as Uint8Array)).toEqual([]); // not our epoch
    expect(decodeGroupKeysAnswer(answer(carol, [60_000]) as Uint8Array)).toEqual([]); // out of range
    expect(
      bob.store.transaction((tx) => missingKeys(bob.ctx, tx, loadGroup(bob.ctx, tx, GROUP_ID) as never)),
    ).toEqual([2]);
  });
});

interface TPeer {
  readonly name: string;
  readonly peerId: string;
  readonly store: Store;
  readonly transport: Transport;
  readonly messenger: Messenger;
  readonly ctx: Ctx;
  /** Outbox entries queued since the counter was last reset. */
  queued: NewOutboxRecord[];
  /** Kinds (second byte) of the /parley/query requests this peer made. */
  readonly queries: number[];
  deaf: boolean;
}

let network: MemoryNetwork;
let peers: TPeer[] = [];

/** A store that records every outbox entry queued (to show no pairwise key control is). */
function watchedStore(self: () => TPeer | undefined): Store {
  const inner = createMemoryStore();
  const watch = (tx: StoreTx): StoreTx =>
    new Proxy(tx, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (key === 'enqueueOutbox')
          return (record: NewOutboxRecord) => {
            self()?.queued.push(record);
            return target.enqueueOutbox(record);
          };
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return {
    transaction: (fn, options) => inner.transaction((tx) => fn(watch(tx)), options),
    close: () => inner.close(),
  };
}

async function makePeer(name: string): Promise<TPeer> {
  let self: TPeer | undefined;
  const queries: number[] = [];
  const peer = await harnessPeer(network, name, {
    limits: { groupTopicMinMembers: 3 },
    store: watchedStore(() => self),
    transport: (inner) => ({
      ...inner,
      subscribe: (topic, handler, options) =>
        inner.subscribe(
          topic,
          (m: PubsubMessage) => {
            if (!self?.deaf) handler(m);
          },
          options,
        ),
      query: (to, request, options) => {
        queries.push(request[1] as number);
        return inner.query(to, request, options);
      },
    }),
  });
  self = { ...peer, queued: [], queries, deaf: false };
  return self;
}

afterEach(async () => {
  for (const x of peers) {
    await x.messenger.stop();
    await x.transport.stop();
  }
  peers = [];
});

/** alice, bob, carol, dave, erin in a topic group "crowd" (threshold 3), everyone holding every key. */
async function crowd(): Promise<TPeer[]> {
  network = createMemoryNetwork();
  peers = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin'].map(makePeer));
  const [alice, ...rest] = peers as [TPeer, ...TPeer[]];
  for (const x of rest) await befriend(alice as never, x as never);
  alice.messenger.createGroup(
    'crowd',
    rest.map((x) => x.name),
  );
  for (const x of rest) await join(x as never, 'crowd');
  await groupReady('crowd', 1, ...peers);
  return peers;
}

/** How many members' keys for `epoch` `x` holds that came in an announcement. */
function announcedKeys(x: TPeer, epoch: number): number {
  return x.store.transaction((tx) => {
    const id = tx.listGroups()[0]?.id as string;
    const g = loadGroup(x.ctx, tx, id) as NonNullable<ReturnType<typeof loadGroup>>;
    return g.state.members.filter((m) =>
      loadReceivers(x.ctx, tx, g.state.id, m.peerId).some(
        (k) => k.epoch === epoch && k.announce?.[0] === 0x02,
      ),
    ).length;
  });
}

describe('large groups: keys announced on the topic', () => {
  it('after a change no member queues a pairwise key, and everyone reads everyone', async () => {
    const all = await crowd();
    const [alice] = all as [TPeer];
    for (const x of all) x.queued = [];
    alice.messenger.renameGroup('crowd', 'crowd 2');
    await groupReady('crowd 2', 2, ...all);
    // alice queued the change for the 4 others (a state or a delta each); nobody queued a key
    expect(alice.queued.length).toBeGreaterThan(0); // the watch works
    expect(alice.queued.length).toBeLessThanOrEqual(4);
    for (const x of all.slice(1)) expect(x.queued).toEqual([]);
    for (const x of all) expect(announcedKeys(x, 2)).toBe(4);
    for (const x of all) x.messenger.sendText('crowd 2', `from ${x.name}`);
    for (const x of all)
      await eventually(() => groupTexts(x, 'crowd 2').length === 5, 10_000, `${x.name} to read all 5`);
    // the receiver states advanced by those messages still carry the announcements (to serve others)
    for (const x of all) expect(announcedKeys(x, 2)).toBe(4);
  });

  it('a member who missed the publishes fetches the keys with query kind 0x05', async () => {
    const all = await crowd();
    const [alice, bob, ...others] = all as [TPeer, TPeer, ...TPeer[]];
    bob.deaf = true; // bob loses everything published on the topic
    alice.messenger.renameGroup('crowd', 'crowd 2');
    await groupReady('crowd 2', 2, alice, ...others);
    await eventually(() => bob.messenger.group('crowd 2').epoch === 2);
    // bob was away a moment: a member connecting starts a catch-up round (as does subscribing,
    // and every minute); deaf to the topic, every key he holds came through query kind 0x05
    network.setOnline(bob.peerId, false);
    network.setOnline(bob.peerId, true);
    await bob.transport.connect(alice.peerId);
    await eventually(() => announcedKeys(bob, 2) === 4, 20_000, 'bob to fetch every key by catch-up');
    expect(bob.queries).toContain(QUERY_KIND_GROUP_KEYS);
    bob.deaf = false;
    for (const x of [alice, ...others]) x.messenger.sendText('crowd 2', `from ${x.name}`);
    await eventually(() => groupTexts(bob, 'crowd 2').length === 4, 10_000, 'bob to read the four');
    bob.messenger.sendText('crowd 2', 'from bob');
    for (const x of others) await eventually(() => groupTexts(x, 'crowd 2').includes('from bob'));
  });

  it('a member who was offline during the change gets every key once back, and reads and is read', async () => {
    const all = await crowd();
    const [alice, bob, carol, dave, erin] = all as [TPeer, TPeer, TPeer, TPeer, TPeer];
    network.setOnline(dave.peerId, false);
    alice.messenger.renameGroup('crowd', 'crowd 2');
    // the others announce to each other meanwhile (dave's key is still to come)
    for (const x of [alice, bob, carol, erin])
      await eventually(() => announcedKeys(x, 2) === 3, 20_000, `${x.name} to hold the 3 keys`);
    network.setOnline(dave.peerId, true);
    await dave.transport.connect(alice.peerId);
    await groupReady('crowd 2', 2, ...all);
    expect(announcedKeys(dave, 2)).toBe(4);
    expect(dave.queries).toContain(QUERY_KIND_GROUP_KEYS);
    carol.messenger.sendText('crowd 2', 'welcome back');
    dave.messenger.sendText('crowd 2', 'thanks');
    await eventually(() => groupTexts(dave, 'crowd 2').includes('welcome back'));
    for (const x of [alice, bob, carol, erin])
      await eventually(() => groupTexts(x, 'crowd 2').includes('thanks'));
  });

  it('a removed member cannot read a canary sent after the change, nor fetch the new keys', async () => {
    const all = await crowd();
    const [alice, bob, carol, dave, erin] = all as [TPeer, TPeer, TPeer, TPeer, TPeer];
    alice.messenger.removeFromGroup('crowd', 'erin');
    await groupReady('crowd', 2, alice, bob, carol, dave);
    await eventually(() => erin.messenger.group('crowd').status === 'removed');
    const id = alice.messenger.group('crowd').id;
    carol.messenger.sendText('crowd', 'canary');
    await eventually(() => groupTexts(bob, 'crowd').includes('canary'));
    await new Promise((r) => setTimeout(r, 100));
    expect(groupTexts(erin, 'crowd')).not.toContain('canary');
    // erin asks alice for the epoch's keys as if she were still in: refused, she learns nothing
    const request = encodeGroupKeysRequest({ groupId: id, epoch: 2, members: [0, 1, 2, 3] });
    await expect(erin.transport.query(alice.peerId, request)).rejects.toMatchObject({ code: 'refused' });
    // and the keys she held of epoch 1 are gone; she has no epoch-2 key of anyone
    const held = erin.store.transaction((tx) =>
      [alice, bob, carol, dave].flatMap((m) => loadReceivers(erin.ctx, tx, id, m.peerId)),
    );
    expect(held.filter((k) => k.epoch >= 2)).toEqual([]);
  });
});
