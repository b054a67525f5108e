/**
 * Suite 2 in core (packages/crypto SPEC.md §3.1, §4, §6.1.1; docs/PROTOCOL.md §3): new contacts get a
 * hybrid X25519 + ML-KEM-768 session, contacts from before suite 2 keep working and move to it with
 * a new session, a one-time KEM prekey opens one session only, and a classical first message from
 * a contact whose card is suite 2 is refused.
 */
import {
  acceptSession,
  type ContactCard,
  decodeContactCard,
  encrypt,
  HandshakeError,
  initiateSession,
  type MessageInfo,
  peekMessage,
  type Session,
} from '@parley/crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { rotateSignedPrekeys } from '../src/account/account.ts';
import { postQuantumSince } from '../src/account/kem-prekeys.ts';
import { acceptOptions, deleteUsedPrekeys, prekeyLookup } from '../src/contacts/prekey-lookup.ts';
import type { ContactRecord } from '../src/ports/store.ts';
import { loadSession, previousKey, saveSession } from '../src/sessions/session-store.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { encodeAppMessage } from '../src/wire/app-message.ts';
import { encodeFrame } from '../src/wire/frame.ts';
import { decodeInviteLink, encodeInviteLink } from '../src/wire/invite.ts';
import { befriend, eventually, makePeer, type Peer, stopPeers, suite1Card } from './harness.ts';

let peers: Peer[] = [];
let network: MemoryNetwork;

async function setup(...names: string[]): Promise<Peer[]> {
  network = createMemoryNetwork();
  peers = [];
  for (const n of names) peers.push(await makePeer(network, n));
  return peers;
}

afterEach(async () => {
  await stopPeers(peers);
});

const contactOf = (p: Peer, other: Peer): ContactRecord => {
  const c = p.store.transaction((tx) => tx.getContactByPeerId(other.peerId));
  if (!c) throw new Error(`${p.name} does not know ${other.name}`);
  return c;
};
const sessionOf = (p: Peer, other: Peer): Session | undefined =>
  p.store.transaction((tx) => loadSession(tx, p.ctx.account.vault, contactOf(p, other).id));
const prekeyIds = (p: Peer, kind: 'one-time' | 'kem-one-time' | 'kem-signed'): number[] =>
  p.store.transaction((tx) => tx.listPrekeys(kind).map((k) => k.id));
const texts = (p: Peer, contact: string): string[] => p.messenger.messages(contact).map((m) => m.text);

/**
 * Turns a and b into contacts from before suite 2: no KEM prekeys, suite-1 cards of each other, no
 * session; then "upgrades" them as a start does (rotateSignedPrekeys makes the KEM prekey).
 */
function makeLegacy(a: Peer, b: Peer): void {
  for (const [me, other] of [
    [a, b],
    [b, a],
  ] as const) {
    me.store.transaction((tx) => {
      for (const { id } of tx.listPrekeys('kem-signed')) tx.deletePrekey('kem-signed', id);
      tx.deleteMeta('prekey-pq-from');
      const contact = contactOf(me, other);
      tx.putContact({ ...contact, card: suite1Card(other) });
      tx.deleteSession(contact.id);
      rotateSignedPrekeys(tx, me.ctx.account, Date.now(), me.ctx.random, me.ctx.primitives);
    });
  }
}

describe('suite 2 in core', () => {
  it('gives a new contact pair a suite-2 session and suite-2 cards', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    const { link } = alice.messenger.createInvite();
    const card = decodeContactCard(decodeInviteLink(link), alice.ctx.primitives);
    expect(card.kemPrekey).toBeDefined();
    expect(card.oneTimePrekey).toBeDefined();
    expect(card.oneTimeKemPrekey).toBeUndefined(); // by default: it would not fit a QR code
    bob.messenger.acceptInvite(link);
    await eventually(() => bob.messenger.contacts().some((c) => c.state === 'active'), 5_000, 'welcome');
    alice.messenger.sendText('bob', 'post-quantum hello');
    await eventually(() => texts(bob, 'alice').includes('post-quantum hello'), 5_000, 'message');
    expect(sessionOf(alice, bob)?.pq).toBeDefined();
    expect(sessionOf(bob, alice)?.pq).toBeDefined();
    expect(contactOf(alice, bob).card[1]).toBe(2);
    expect(contactOf(bob, alice).card[1]).toBe(2);
    expect(prekeyIds(alice, 'one-time')).toEqual([]); // used by Bob's introduction, and deleted
    expect(alice.store.transaction((tx) => postQuantumSince(tx))).toBe(1);
  });

  it('refuses an invite link whose suite or KEM prekey was changed on the way: no suite-1 contact', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    const { link } = alice.messenger.createInvite();
    const card = decodeInviteLink(link);
    const ek = decodeContactCard(card, alice.ctx.primitives).kemPrekey?.encapsulationKey as Uint8Array;
    const at = Buffer.from(card).indexOf(Buffer.from(ek.subarray(0, 32)));
    expect(at).toBeGreaterThan(0);
    /** The link with byte `index` of its card set to `value(old)`. */
    const tamper = (index: number, value: (old: number) => number): string => {
      const bytes = card.slice();
      bytes[index] = value(bytes[index] ?? 0);
      return encodeInviteLink(bytes);
    };
    for (const bad of [
      tamper(1, () => 1), // suite 2 -> suite 1, KEM prekey left in place
      tamper(at, (b) => b ^ 1), // another KEM key, same suite
    ]) {
      expect(() => bob.messenger.acceptInvite(bad)).toThrow(
        expect.objectContaining({ code: 'bad-invite' }) as unknown as Error,
      );
    }
    expect(bob.messenger.contacts()).toEqual([]);
  });

  it('rotates the signed KEM prekey on the signed prekey plan, and publishes the newest', async () => {
    const [alice] = (await setup('alice')) as [Peer];
    const day = 24 * 3600 * 1000;
    const t0 = Date.now();
    const rotate = (at: number) =>
      alice.store.transaction((tx) =>
        rotateSignedPrekeys(tx, alice.ctx.account, at, alice.ctx.random, alice.ctx.primitives),
      );
    const [first] = prekeyIds(alice, 'kem-signed');
    rotate(t0 + 8 * day);
    const [, second] = prekeyIds(alice, 'kem-signed');
    expect(second).toBeGreaterThan(first ?? 0);
    const card = decodeContactCard(currentCard(alice), alice.ctx.primitives);
    expect(card.kemPrekey?.id).toBe(second);
    rotate(t0 + 39 * day); // the second is 31 days old: a third, and the first goes (30 days after its successor)
    expect(prekeyIds(alice, 'kem-signed')).toEqual([second, expect.any(Number)]);
  });

  it('consumes the one-time KEM prekey of an invite with the introduction that used it', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    const { link } = alice.messenger.createInvite({ oneTimeKemPrekey: true });
    const card = decodeContactCard(decodeInviteLink(link), alice.ctx.primitives);
    expect(card.oneTimeKemPrekey?.id).toBe(card.oneTimePrekey?.id);
    expect(prekeyIds(alice, 'kem-one-time')).toEqual([card.oneTimeKemPrekey?.id]);
    bob.messenger.acceptInvite(link);
    await eventually(() => bob.messenger.contacts().some((c) => c.state === 'active'), 5_000, 'welcome');
    expect(prekeyIds(alice, 'kem-one-time')).toEqual([]);
    expect(prekeyIds(alice, 'one-time')).toEqual([]);
    expect(sessionOf(alice, bob)?.pq).toBeDefined();
  });

  it('uses a one-time KEM prekey for one session only, and not for one that fails', async () => {
    const [alice, bob, carol] = (await setup('alice', 'bob', 'carol')) as [Peer, Peer, Peer];
    const { link } = alice.messenger.createInvite({ oneTimeKemPrekey: true });
    const full = decodeContactCard(decodeInviteLink(link), alice.ctx.primitives);
    expect(prekeyIds(alice, 'kem-one-time')).toEqual([full.oneTimeKemPrekey?.id]);
    // Without the one-time X25519 prekey, so that only the KEM one is at stake.
    const { oneTimePrekey: _, ...card } = full;
    const first = (from: Peer): Uint8Array => {
      const s = initiateSession(
        from.ctx.account.identity,
        card as ContactCard,
        from.ctx.random,
        from.ctx.primitives,
      );
      return encrypt(s, new Uint8Array([1]), from.ctx.primitives).message;
    };
    const { account, primitives: p, random } = alice.ctx;
    const accept = (message: Uint8Array) =>
      alice.store.transaction((tx) => {
        const options = acceptOptions(tx, undefined, peekMessage(message));
        const accepted = acceptSession(
          account.identity,
          prekeyLookup(tx, account.vault, p),
          message,
          random,
          p,
          options,
        );
        deleteUsedPrekeys(tx, accepted);
        return accepted;
      });
    const fromBob = first(bob);
    const tampered = fromBob.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => accept(tampered)).toThrow();
    expect(prekeyIds(alice, 'kem-one-time')).toEqual([full.oneTimeKemPrekey?.id]); // nothing consumed
    const accepted = accept(fromBob);
    expect(accepted.suite).toBe(2);
    expect(accepted.usedOneTimeKemPrekeyId).toBe(full.oneTimeKemPrekey?.id);
    expect(prekeyIds(alice, 'kem-one-time')).toEqual([]);
    expect(() => accept(first(carol))).toThrow(
      expect.objectContaining({ code: 'unknown-one-time-kem-prekey' }) as unknown as Error,
    );
  });

  it('refuses and parks a suite-1 first message from a contact whose card is suite 2', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    const before = sessionOf(alice, bob);
    expect(before?.pq).toBeDefined();
    // Bob's side, downgraded: Alice's card without its KEM prekey (what an attacker would want).
    const {
      kemPrekey: _k,
      oneTimeKemPrekey: _o,
      ...stripped
    } = decodeContactCard(contactOf(bob, alice).card, bob.ctx.primitives);
    const s = initiateSession(
      bob.ctx.account.identity,
      stripped as ContactCard,
      bob.ctx.random,
      bob.ctx.primitives,
    );
    const body = { kind: 'text', text: 'classical' } as const;
    const plaintext = encodeAppMessage({ id: 'd0'.repeat(16), seq: 1, sentAt: Date.now(), body });
    const { message } = encrypt(s, plaintext, bob.ctx.primitives);
    expect(peekMessage(message)).toMatchObject({ kind: 'prekey', suite: 1 });
    alice.store.transaction((tx) =>
      expect(acceptOptions(tx, contactOf(alice, bob).card, peekMessage(message))).toEqual({
        requirePostQuantum: true,
      }),
    );
    const frame = encodeFrame({ type: 'msg', message });
    for (let i = 0; i < 3; i++) await bob.transport.send(alice.peerId, frame);
    await eventually(
      () => alice.events.some((e) => e.type === 'problem' && (e.event as { code: string }).code === 'parked'),
      5_000,
      'the downgraded message to be parked',
    );
    expect(texts(alice, 'bob')).not.toContain('classical');
    const after = sessionOf(alice, bob);
    expect(after?.pq).toBeDefined();
    expect(after?.baseKey).toEqual(before?.baseKey); // the suite-2 session was kept
    // and the crypto refuses it with the stable code
    alice.store.transaction((tx) => {
      const { account, primitives: p, random } = alice.ctx;
      const lookup = prekeyLookup(tx, account.vault, p);
      expect(() =>
        acceptSession(account.identity, lookup, message, random, p, { requirePostQuantum: true }),
      ).toThrow(HandshakeError);
    });
  });

  it('keeps a contact from before suite 2 working on suite 1, and moves it to suite 2 with a new session', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    makeLegacy(alice, bob);
    const newestSigned = Math.max(
      ...alice.store.transaction((tx) => tx.listPrekeys('signed').map((s) => s.id)),
    );
    expect(alice.store.transaction((tx) => postQuantumSince(tx))).toBe(newestSigned + 1);
    expect(prekeyIds(alice, 'kem-signed')).toHaveLength(1); // made "on start"
    // No false refusal: a suite-1 first message naming a prekey of hers from before suite 2 opens even
    // from someone whose card is suite 2 (they may still hold her old card); a newer prekey does not.
    const first = (signedPrekeyId: number) => ({ kind: 'prekey', signedPrekeyId }) as MessageInfo;
    const suite2 = currentCard(bob);
    alice.store.transaction((tx) => {
      expect(acceptOptions(tx, suite2, first(newestSigned)).requirePostQuantum).toBe(false);
      expect(acceptOptions(tx, suite2, first(newestSigned + 1)).requirePostQuantum).toBe(true);
      expect(acceptOptions(tx, suite1Card(bob), first(newestSigned + 1)).requirePostQuantum).toBe(false);
    });
    // A new session from Bob's suite-1 card of Alice (as groups/sessions.ts starts one): suite 1, and
    // accepted, since Bob's card at Alice is suite 1 and her signed prekey was on suite-1 cards.
    startSession(bob, alice);
    expect(sessionOf(bob, alice)?.pq).toBeUndefined();
    bob.messenger.sendText('alice', 'from an old contact');
    await eventually(() => texts(alice, 'bob').includes('from an old contact'), 5_000, 'suite-1 message');
    alice.messenger.sendText('bob', 'and back');
    await eventually(() => texts(bob, 'alice').includes('and back'), 5_000, 'suite-1 reply');
    expect(sessionOf(alice, bob)?.pq).toBeUndefined();
    bob.messenger.sendText('alice', 'still suite 1');
    await eventually(() => texts(alice, 'bob').includes('still suite 1'), 5_000, 'suite-1 session');
    // Alice's suite-2 card reaches Bob (a profile update stores it); the next session Bob starts is suite 2.
    bob.store.transaction((tx) => tx.putContact({ ...contactOf(bob, alice), card: currentCard(alice) }));
    startSession(bob, alice);
    expect(sessionOf(bob, alice)?.pq).toBeDefined();
    bob.messenger.sendText('alice', 'now hybrid');
    await eventually(() => texts(alice, 'bob').includes('now hybrid'), 5_000, 'suite-2 message');
    expect(sessionOf(alice, bob)?.pq).toBeDefined();
    alice.messenger.sendText('bob', 'hybrid back');
    await eventually(() => texts(bob, 'alice').includes('hybrid back'), 5_000, 'suite-2 reply');
  });
});

describe('contacts from before suite 2 move to it on their own', () => {
  /** Legacy contacts with a working suite-1 session both ways; [lower PeerId, higher]. */
  async function legacyPair(): Promise<[Peer, Peer]> {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    makeLegacy(alice, bob);
    startSession(bob, alice);
    bob.messenger.sendText('alice', 'classical hello');
    await eventually(() => texts(alice, 'bob').includes('classical hello'), 5_000, 'suite-1 message');
    alice.messenger.sendText('bob', 'classical reply');
    await eventually(() => texts(bob, 'alice').includes('classical reply'), 5_000, 'suite-1 reply');
    expect(sessionOf(alice, bob)?.pq).toBeUndefined();
    expect(sessionOf(bob, alice)?.pq).toBeUndefined();
    return alice.peerId < bob.peerId ? [alice, bob] : [bob, alice];
  }

  const hybrid = (a: Peer, b: Peer) => sessionOf(a, b)?.pq !== undefined && sessionOf(b, a)?.pq !== undefined;

  for (const first of ['lower', 'higher'] as const) {
    it(`moves to suite 2 when the ${first} PeerId tells its new card, and keeps talking`, async () => {
      const [lo, hi] = await legacyPair();
      const teller = first === 'lower' ? lo : hi;
      const before = network.framesSent();
      teller.messenger.renameSelf(`${teller.name} (new)`); // a profile update: our hybrid card
      await eventually(() => hybrid(lo, hi), 10_000, 'both sessions hybrid');
      // The upgrade is the lower PeerId's, and took a handful of frames, not a loop of answers.
      expect(sessionOf(lo, hi)?.role).toBe('initiator');
      await new Promise((r) => setTimeout(r, 300));
      expect(network.framesSent() - before).toBeLessThan(12);
      lo.messenger.sendText(hi.name, 'hybrid from the lower');
      hi.messenger.sendText(lo.name, 'hybrid from the higher');
      await eventually(() => texts(hi, lo.name).includes('hybrid from the lower'), 5_000, 'to the higher');
      await eventually(() => texts(lo, hi.name).includes('hybrid from the higher'), 5_000, 'to the lower');
      expect(hybrid(lo, hi)).toBe(true);
      for (const [p, other] of [
        [lo, hi],
        [hi, lo],
      ] as const)
        expect(p.messenger.messages(other.name).filter((m) => m.text?.startsWith('hybrid')).length).toBe(2);
    });
  }

  it('opens frames sealed with the classical session after the switch, at both ends', async () => {
    const [lo, hi] = await legacyPair();
    // Both away: the higher queues three on the classical session; the lower holds its hybrid card
    // (as a profile update would leave it) and sends one, which starts the hybrid session.
    network.setOnline(lo.peerId, false);
    network.setOnline(hi.peerId, false);
    for (const n of [1, 2, 3]) hi.messenger.sendText(lo.name, `in flight ${n}`);
    lo.store.transaction((tx) => tx.putContact({ ...contactOf(lo, hi), card: currentCard(hi) }));
    lo.messenger.sendText(hi.name, 'first hybrid');
    expect(sessionOf(lo, hi)?.pq).toBeDefined();
    const setAside = lo.store.transaction((tx) =>
      loadSession(tx, lo.ctx.account.vault, previousKey(contactOf(lo, hi).id)),
    );
    expect(setAside?.pq).toBeUndefined(); // the classical one, kept for frames in flight
    network.setOnline(lo.peerId, true);
    network.setOnline(hi.peerId, true);
    await eventually(() => texts(hi, lo.name).includes('first hybrid'), 10_000, 'the hybrid first message');
    await eventually(
      () => ['in flight 1', 'in flight 2', 'in flight 3'].every((t) => texts(lo, hi.name).includes(t)),
      10_000,
      'the classical frames in flight',
    );
    expect(texts(lo, hi.name).filter((t) => t.startsWith('in flight'))).toEqual([
      'in flight 1',
      'in flight 2',
      'in flight 3',
    ]);
    hi.messenger.sendText(lo.name, 'after the switch');
    await eventually(() => texts(lo, hi.name).includes('after the switch'), 5_000, 'hybrid reply');
    expect(hybrid(lo, hi)).toBe(true);
  });

  it('tells every contact its hybrid card once, on the first start with suite 2', async () => {
    const [lo, hi] = await legacyPair();
    const shown = texts(lo, hi.name);
    hi.store.transaction((tx) => tx.deleteMeta('suite-2-card-told')); // as an account made before
    const outbox = () => hi.store.transaction((tx) => tx.listOutbox(lo.peerId).length);
    const queued = outbox();
    await hi.messenger.stop(); // a restart with this code
    await hi.messenger.start();
    expect(outbox()).toBe(queued + 1);
    await hi.messenger.stop(); // and another: told once only
    await hi.messenger.start();
    await eventually(() => hybrid(lo, hi), 15_000, 'both sessions hybrid');
    expect(texts(lo, hi.name)).toEqual(shown); // controls only: nothing shows in the conversation
    const problems = [lo, hi].flatMap((p) => p.events.filter((e) => e.type === 'problem'));
    expect(problems).toEqual([]);
  });
});

/** A new session from the card `me` holds of `other`, its one-time prekeys left out (groups/sessions.ts). */
function startSession(me: Peer, other: Peer): void {
  const { account, primitives: p, random } = me.ctx;
  me.store.transaction((tx) => {
    const contact = contactOf(me, other);
    const { oneTimePrekey: _o, oneTimeKemPrekey: _k, ...card } = decodeContactCard(contact.card, p);
    saveSession(
      tx,
      account.vault,
      contact.id,
      initiateSession(account.identity, card as ContactCard, random, p),
    );
  });
}

/** `owner`'s current card as `ownCard` makes it (what a profile update carries). */
function currentCard(owner: Peer): Uint8Array {
  const { link } = owner.messenger.createInvite({ reusable: true });
  return decodeInviteLink(link);
}
