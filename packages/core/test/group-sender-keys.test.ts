/**
 * A sender key belongs to one member (docs/GROUPS.md "Sender keys and
 * rotation", crypto SPEC.md §12): the security review's attack, in which bob
 * redistributes carol's sender key as his own so that carol's posts in a
 * large (gossipsub) group show as "bob: …". Refused at the distribution (its
 * proof of possession names carol; a key already registered to carol), and
 * harmless even if such a registration exists: a post verifies only in the
 * context of the member whose key signed it.
 */
import {
  createSenderKey,
  DecryptError,
  decodeSenderKeyDistribution,
  type SenderKeyState,
  senderKeyDistribution,
  senderKeyEncrypt,
  systemRandom,
} from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../src/base/bytes.ts';
import { senderKeyContext } from '../src/groups/codec.ts';
import { receiveGroupFrame } from '../src/groups/inbox.ts';
import { loadReceivers, saveReceivers } from '../src/groups/store.ts';
import { ingestTopicMessage, keyOwners } from '../src/groups/topic.ts';
import type { Effects } from '../src/messaging/incoming.ts';
import { encodeAppMessage } from '../src/wire/app-message.ts';
import { deliver, GROUP_ID, holds, know, type Member, members, state, viewOf } from './group-fixture.ts';

let alice: Member; // the admin, and the member whose view we check
let bob: Member; // the attacker (listed before carol: tried first for a shared key id)
let carol: Member;
let carolKey: SenderKeyState;

const distribution = (key: SenderKeyState, owner: Member): Uint8Array =>
  senderKeyDistribution(key, senderKeyContext(GROUP_ID, owner.peerId), nodePrimitives);

const post = (key: SenderKeyState, owner: Member, text: string): Uint8Array =>
  senderKeyEncrypt(
    key,
    encodeAppMessage({
      id: toHex(systemRandom(16)),
      seq: 1,
      sentAt: Date.now(),
      body: { kind: 'text', text },
    }),
    senderKeyContext(GROUP_ID, owner.peerId),
    nodePrimitives,
  ).message;

const keysOf = (m: Member, of: Member) =>
  alice.store.transaction((tx) => loadReceivers(m.ctx, tx, GROUP_ID, of.peerId));

/** Who alice shows as the author of each message in the group. */
const authors = (): string[] =>
  alice.store.transaction((tx) => tx.listMessages(GROUP_ID, { limit: 100 })).map((m) => m.sender);

/** alice takes a post from the topic, as groups/topics.ts does. */
function fromTopic(message: Uint8Array): ReturnType<typeof ingestTopicMessage> {
  const effects: Effects = { messages: [], downloads: [] };
  return alice.store.transaction((tx) => {
    const g = viewOf(alice);
    if (!g) throw new Error('no group');
    return ingestTopicMessage(alice.ctx, tx, g, message, keyOwners(alice.ctx, tx, g), effects);
  });
}

const forgedProblems = (effects: ReturnType<typeof deliver>): string[] =>
  (effects?.problems ?? []).filter((p) => p.code === 'group-forged').map((p) => p.message);

beforeEach(async () => {
  [alice, bob, carol] = await members('alice', 'bob', 'carol');
  for (const m of [bob, carol]) know(alice, m);
  const large = state(
    1,
    [
      [alice, 'admin'],
      [bob, 'member'],
      [carol, 'member'],
    ],
    { secret: systemRandom(32) },
  );
  holds(alice, large, alice);
  carolKey = createSenderKey(systemRandom, nodePrimitives);
});

describe('a sender key is bound to its owner', () => {
  it("refuses bob's copy of carol's distribution, before or after hers; carol's posts stay carol's", () => {
    // bob got carol's distribution over his session with her and sends it on as his own, first.
    const stolen = distribution(carolKey, carol);
    const refused = deliver(alice, bob, { type: 'sender-key', id: GROUP_ID, epoch: 1, key: stolen });
    expect(forgedProblems(refused)).toEqual([
      expect.stringMatching(/^bob sent a sender key for group "crew" that is not theirs/),
    ]);
    expect(keysOf(alice, bob)).toEqual([]);
    // carol's own distribution is not blocked by bob's attempt.
    const accepted = deliver(alice, carol, { type: 'sender-key', id: GROUP_ID, epoch: 1, key: stolen });
    expect(forgedProblems(accepted)).toEqual([]);
    expect(keysOf(alice, carol).map((k) => k.receiver.keyId)).toEqual([carolKey.keyId]);
    // and after hers, bob's copy is refused again
    expect(
      forgedProblems(deliver(alice, bob, { type: 'sender-key', id: GROUP_ID, epoch: 1, key: stolen })),
    ).toHaveLength(1);

    const outcome = fromTopic(post(carolKey, carol, 'carol speaking'));
    expect(outcome).toMatchObject({ result: 'fresh', sender: carol.peerId });
    expect(authors()).toEqual([carol.peerId]);
  });

  it("refuses a signing key already registered to another member, even with a valid proof (bob holds carol's secret)", () => {
    deliver(alice, carol, { type: 'sender-key', id: GROUP_ID, epoch: 1, key: distribution(carolKey, carol) });
    // The proof of possession cannot stop two members who share a secret key; the owner registry does.
    const shared = distribution(carolKey, bob);
    expect(() =>
      decodeSenderKeyDistribution(shared, senderKeyContext(GROUP_ID, bob.peerId), nodePrimitives),
    ).not.toThrow();
    const effects = deliver(alice, bob, { type: 'sender-key', id: GROUP_ID, epoch: 1, key: shared });
    expect(forgedProblems(effects)).toEqual([
      expect.stringMatching(/that is already registered to another member; it was ignored$/),
    ]);
    expect(keysOf(alice, bob)).toEqual([]);
    // A key id that happens to equal carol's, with bob's own signing key, is accepted: ids are only
    // routing hints (two honest members' random ids may collide), and it misattributes nothing.
    const bobKey = { ...createSenderKey(systemRandom, nodePrimitives), keyId: carolKey.keyId };
    const own = deliver(alice, bob, {
      type: 'sender-key',
      id: GROUP_ID,
      epoch: 1,
      key: distribution(bobKey as SenderKeyState, bob),
    });
    expect(forgedProblems(own)).toEqual([]);
    expect(fromTopic(post(carolKey, carol, 'still carol'))).toMatchObject({
      result: 'fresh',
      sender: carol.peerId,
    });
    expect(fromTopic(post(bobKey as SenderKeyState, bob, 'bob'))).toMatchObject({
      result: 'fresh',
      sender: bob.peerId,
    });
    expect(authors().sort()).toEqual([bob.peerId, carol.peerId]);
  });

  it("attributes a post only to the member whose key signed it for them, even if bob holds carol's key as his", () => {
    // A registration made before keys were bound to their owner (or by any other path): bob's row
    // holds carol's key, listed before carol's, with the same key id.
    alice.store.transaction((tx) => {
      const context = senderKeyContext(GROUP_ID, carol.peerId);
      const receiver = () =>
        decodeSenderKeyDistribution(distribution(carolKey, carol), context, nodePrimitives);
      saveReceivers(alice.ctx, tx, GROUP_ID, bob.peerId, [{ epoch: 1, receiver: receiver() }]);
      saveReceivers(alice.ctx, tx, GROUP_ID, carol.peerId, [{ epoch: 1, receiver: receiver() }]);
    });
    const message = post(carolKey, carol, 'carol, relayed by bob');
    // On the topic (bob relays it, or anyone does): tried as bob's first, verified only as carol's.
    expect(fromTopic(message)).toMatchObject({ result: 'fresh', sender: carol.peerId });
    // As a GROUP frame on bob's own pairwise link: it does not open as bob's.
    const bobContact = alice.store.transaction((tx) => tx.getContactByPeerId(bob.peerId));
    const again = post(carolKey, carol, 'once more');
    expect(() =>
      alice.store.transaction((tx) => receiveGroupFrame(alice.ctx, tx, bobContact!, GROUP_ID, again)),
    ).toThrow(DecryptError);
    expect(authors()).toEqual([carol.peerId]);
  });
});
