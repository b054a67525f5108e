/**
 * Sessions with group members start from our own contact record, never from
 * the admin's copy of a member's card (docs/GROUPS.md "Members who are not
 * contacts"): a card naming another identity key than the one we know is
 * refused and reported, and our record is left as it was.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeGroupControl } from '../src/groups/codec.ts';
import { sendControl } from '../src/groups/send.ts';
import { GROUP_ID, holds, know, type Member, member, members, state, viewOf } from './group-fixture.ts';

let alice: Member; // the admin, who vouches for the cards
let bob: Member; // us: the lower PeerId, so bob starts the session with carol
let carol: Member;
let impostor: Member; // another identity that claims carol's PeerId

const leave = encodeGroupControl({ type: 'leave', id: GROUP_ID, epoch: 1 });

/** bob's view of the group, in which alice vouches for `carolCard` as carol's. */
function vouched(carolCard: Uint8Array): void {
  holds(
    bob,
    state(1, [
      [alice, 'admin'],
      [bob, 'member'],
      [{ ...carol, card: carolCard }, 'member'],
    ]),
    alice,
  );
}

const send = (): boolean =>
  bob.store.transaction((tx) => {
    const g = viewOf(bob);
    if (!g) throw new Error('no group');
    return sendControl(bob.ctx, tx, g, carol.peerId, leave);
  });

const carolSeenByBob = () =>
  bob.store.transaction((tx) => {
    const contact = tx.getContactByPeerId(carol.peerId);
    return { contact, session: contact && tx.getSession(contact.id) };
  });

const settle = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(async () => {
  [alice, bob, carol] = await members('alice', 'bob', 'carol');
  impostor = await member('carol'); // same PeerId (testPeerId('carol')), its own identity key
  know(bob, alice);
  know(bob, carol); // bob's record: carol's real card, no session yet
});

describe('a session with a group member', () => {
  it("refuses the admin's card when it names another identity than our record, and says so once", async () => {
    const before = carolSeenByBob().contact;
    vouched(impostor.card);
    expect(send()).toBe(false);
    expect(send()).toBe(false); // every sync tries again: reported once
    await settle();
    const after = carolSeenByBob();
    expect(after.session).toBeUndefined(); // nothing was started with the impostor's keys
    expect(after.contact).toEqual(before); // and our record was not replaced
    expect(bob.problems).toEqual([
      expect.objectContaining({ code: 'group-identity-mismatch', contact: 'carol' }),
    ]);
    expect(bob.problems[0]?.message).toMatch(/another identity key than the one you know/);
    expect(bob.store.transaction((tx) => tx.listOutbox(carol.peerId))).toEqual([]);
  });

  it("starts it from our record when the admin's card names the same identity", async () => {
    vouched(carol.card);
    expect(send()).toBe(true);
    expect(carolSeenByBob().session).toBeDefined();
    expect(bob.store.transaction((tx) => tx.listOutbox(carol.peerId))).toHaveLength(1);
    await settle();
    expect(bob.problems).toEqual([]);
  });
});
