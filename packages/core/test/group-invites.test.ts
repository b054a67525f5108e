/**
 * Group invitations are requests (docs/GROUPS.md "Invitations"); members we do not know are
 * admitted on /parley/msg only, a bounded number per change, and dialled only at the addresses
 * their introducer could reach anyway ("Members who are not contacts", contacts/address-scope.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ownCard } from '../src/contacts/contacts.ts';
import type { Ctx } from '../src/context/context.ts';
import { encodeGroupControl } from '../src/groups/codec.ts';
import { GROUP_INTRODUCE_MAX, GROUP_INVITES_PER_INVITER_MAX } from '../src/groups/invites.ts';
import { loadGroup } from '../src/groups/store.ts';
import { compose } from '../src/messaging/outbound.ts';
import type { AdmissionHook, Transport } from '../src/ports/transport.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import type { GroupView } from '../src/views/groups.ts';
import { befriend, eventually, makePeer, type Peer, stopPeers, suite1Card } from './harness.ts';

interface WatchedPeer extends Peer {
  /** The addresses each connect() to a peer was given, in order. */
  readonly dialled: Map<string, string[][]>;
  /** The admission hook the messenger installed. */
  admission(): AdmissionHook;
}

let network: MemoryNetwork;
let peers: Peer[] = [];

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

const at = (ip: string, name: string): string => `/ip4/${ip}/tcp/4001/p2p/12D3KooW${name}`;

/** A peer whose card carries `addresses` (read each time), whose dials and admission hook we can see. */
async function watched(name: string, addresses?: string[]): Promise<WatchedPeer> {
  const dialled = new Map<string, string[][]>();
  let hook: AdmissionHook = () => false;
  const peer = await makePeer(network, name, {
    transport: (inner): Transport => ({
      ...inner,
      ...(addresses ? { addresses: () => addresses } : {}),
      setAdmission: (h) => {
        hook = h;
        inner.setAdmission(h);
      },
      connect: (p, options) => {
        dialled.set(p, [...(dialled.get(p) ?? []), [...(options?.addresses ?? [])]]);
        return inner.connect(p, options);
      },
    }),
  });
  peers.push(peer);
  return { ...peer, dialled, admission: () => hook };
}

const invitation = (p: Peer, group: string): GroupView | undefined =>
  p.messenger.groups().find((g) => g.name === group && g.status === 'invited');

async function invited(p: Peer, group: string): Promise<GroupView> {
  await eventually(() => invitation(p, group) !== undefined, 10_000, `${p.name} to be invited to "${group}"`);
  return invitation(p, group) as GroupView;
}

/** Every listed peer holds every member's key of `group` at `epoch`. */
async function ready(group: string, epoch: number, ...ps: Peer[]): Promise<void> {
  await eventually(
    () =>
      ps.every((p) => {
        const g = p.messenger.groups().find((x) => x.name === group && x.status === 'active');
        return g?.epoch === epoch && g.members.every((m) => m.keyReceived && m.keySent);
      }),
    20_000,
    `everyone to hold the keys of "${group}" at epoch ${epoch}`,
  );
}

const texts = (p: Peer, group: string): string[] => p.messenger.messages(group).map((m) => m.text);

/** alice knows bob and carol; bob and carol do not know each other. */
async function trio(addresses: { alice?: string[]; carol?: string[] } = {}) {
  network = createMemoryNetwork();
  const alice = await watched('alice', addresses.alice);
  const bob = await watched('bob');
  const carol = await watched('carol', addresses.carol);
  await befriend(alice, bob);
  await befriend(alice, carol);
  return { alice, bob, carol };
}

describe('group invitations', () => {
  it('a state that adds us is a request: nobody is introduced, admitted or dialled, nothing is shown until the user accepts', async () => {
    const { alice, bob, carol } = await trio();
    const events: Array<{ change: string; group: GroupView }> = [];
    bob.messenger.events.on('group', (e) => events.push(e));
    alice.messenger.createGroup('hike', ['bob', 'carol']);
    const pending = await invited(bob, 'hike');
    expect(pending).toMatchObject({ status: 'invited', invitedBy: 'alice', admin: false, epoch: 1 });
    expect(pending.members).toHaveLength(3);
    expect(events.map((e) => [e.change, e.group.name, e.group.invitedBy])).toEqual([
      ['invited', 'hike', 'alice'],
    ]);
    alice.messenger.sendText('hike', 'before bob joined');
    await new Promise((r) => setTimeout(r, 200));
    // Nothing happened on bob's side but the stored request.
    expect(bob.store.transaction((tx) => tx.getContactByPeerId(carol.peerId))).toBeUndefined();
    expect(bob.admission()(carol.peerId, 'msg')).toBe(false);
    expect(bob.dialled.has(carol.peerId)).toBe(false);
    expect(bob.messenger.contacts().map((c) => c.name)).toEqual(['alice']);
    expect(texts(bob, 'hike')).toEqual([]);
    expect(() => bob.messenger.sendText('hike', 'hello?')).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );

    const joined = bob.messenger.acceptGroup('hike');
    expect(joined.status).toBe('active');
    // alice's sender key came while bob was only invited: it was kept, and is his now.
    expect(joined.members.find((m) => m.name === 'alice')?.keyReceived).toBe(true);
    expect(events.at(-1)?.change).toBe('added');
    expect(bob.messenger.contacts().find((c) => c.peerId === carol.peerId)?.state).toBe('introduced');
    // A member we know only through the group is no chat of ours until they write to us.
    expect(bob.messenger.conversations().map((c) => c.contact.name)).toEqual(['alice']);
    carol.messenger.acceptGroup((await invited(carol, 'hike')).id);
    await ready('hike', 1, alice, bob, carol);
    bob.messenger.sendText('hike', 'hi all');
    await eventually(() => texts(carol, 'hike').includes('hi all'));
    expect(texts(bob, 'hike')).toEqual(['hi all']); // what was sent before he joined is not shown
  });

  it('declining tells the inviter, who removes us; nobody else is contacted and the request is gone', async () => {
    const { alice, bob, carol } = await trio();
    alice.messenger.createGroup('hike', ['bob', 'carol']);
    await invited(carol, 'hike');
    carol.messenger.acceptGroup('hike');
    await invited(bob, 'hike');
    const declined = bob.messenger.declineGroup('hike');
    expect(declined.status).toBe('left');
    expect(bob.messenger.groups()).toEqual([]);
    await eventually(
      () =>
        alice.messenger
          .group('hike')
          .members.map((m) => m.name)
          .join() === 'alice,carol',
      10_000,
      'alice to remove bob',
    );
    await ready('hike', 2, alice, carol);
    expect(bob.messenger.groups()).toEqual([]); // the state without him is no new invitation
    expect(bob.store.transaction((tx) => tx.getContactByPeerId(carol.peerId))).toBeUndefined();
    expect(bob.dialled.has(carol.peerId)).toBe(false);
    expect(() => bob.messenger.acceptGroup('hike')).toThrow(
      expect.objectContaining({ code: 'unknown-contact' }),
    );
  });

  it('keeps a bounded number of pending invitations; a newer one replaces, a withdrawn one goes', async () => {
    const { alice, bob } = await trio();
    const gone: string[] = [];
    bob.messenger.events.on('group', (e) => {
      if (e.change === 'removed') gone.push(e.group.name);
    });
    const count = GROUP_INVITES_PER_INVITER_MAX + 2;
    for (let i = 0; i < count; i++) {
      alice.messenger.createGroup(`g${i}`, ['bob']);
      await invited(bob, `g${i}`);
      await new Promise((r) => setTimeout(r, 2)); // distinct arrival times
    }
    const pending = (): string[] =>
      bob.messenger
        .groups()
        .filter((g) => g.status === 'invited')
        .map((g) => g.name)
        .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    const names = Array.from({ length: count }, (_, i) => `g${i}`);
    expect(pending()).toEqual(names.slice(2)); // the oldest two were dropped
    expect(gone).toEqual(['g0', 'g1']);
    // A newer state of a pending invitation replaces it.
    alice.messenger.renameGroup(`g${count - 1}`, 'renamed');
    await eventually(() => invitation(bob, 'renamed')?.epoch === 2);
    expect(pending()).toHaveLength(GROUP_INVITES_PER_INVITER_MAX);
    // A state that no longer names us withdraws it.
    alice.messenger.removeFromGroup(`g${count - 2}`, 'bob');
    await eventually(() => gone.includes(`g${count - 2}`));
    expect(invitation(bob, `g${count - 2}`)).toBeUndefined();
    // Accepting checks again: an invitation from someone no longer a contact is refused.
    bob.messenger.removeContact('alice');
    expect(() => bob.messenger.acceptGroup('renamed')).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );
  });
});

describe('members who are not contacts', () => {
  it('are admitted on /parley/msg and /parley/file only (files: their groups’ alone, group-files.test.ts)', async () => {
    const { alice, bob, carol } = await trio();
    alice.messenger.createGroup('hike', ['bob', 'carol']);
    bob.messenger.acceptGroup((await invited(bob, 'hike')).id);
    const hook = bob.admission();
    expect(hook(carol.peerId, 'msg')).toBe(true);
    expect(hook(carol.peerId, 'file')).toBe(true);
    expect(hook(carol.peerId)).toBe(false);
    expect(hook(alice.peerId, 'file')).toBe(true);
    expect(() => bob.messenger.createGroup('other', [bob.messenger.contact(carol.name).name])).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );
  });

  it('are dialled only at public addresses when their introducer is reachable only publicly: never LAN, loopback or DNS', async () => {
    const carolCard = [at('203.0.113.7', 'carol'), at('192.168.1.20', 'carol'), at('127.0.0.1', 'carol')];
    carolCard.push('/dns4/printer.lan/tcp/4001/p2p/12D3KooWcarol');
    const { alice, bob, carol } = await trio({ alice: [at('198.51.100.1', 'alice')], carol: carolCard });
    alice.messenger.createGroup('hike', ['bob', 'carol']);
    bob.messenger.acceptGroup((await invited(bob, 'hike')).id);
    await eventually(() => bob.dialled.has(carol.peerId));
    for (const addresses of bob.dialled.get(carol.peerId) ?? []) expect(addresses).toEqual([carolCard[0]]);
    const carolOnBob = () => bob.store.transaction((tx) => tx.getContactByPeerId(carol.peerId));
    expect(carolOnBob()?.addresses).toEqual([carolCard[0]]);

    // carol's own later card (a profile update) keeps to the same networks; a welcome does not make
    // her one of bob's contacts (only bob's own pending introduction is confirmed that way).
    carol.messenger.acceptGroup((await invited(carol, 'hike')).id);
    await ready('hike', 1, alice, bob, carol); // bob and carol have a session
    carolCard.splice(0, carolCard.length, at('203.0.113.8', 'carol'), at('192.168.1.21', 'carol'));
    const ctx = { ...carol.ctx, transport: carol.transport } as Ctx;
    const frames = carol.store.transaction((tx) => {
      const bobOnCarol = tx.getContactByPeerId(bob.peerId) as NonNullable<
        ReturnType<typeof tx.getContactByPeerId>
      >;
      const card = ownCard(ctx, tx, {}).card;
      return [
        compose(ctx, tx, bobOnCarol, { kind: 'profile', name: 'carol', card }).frame,
        compose(ctx, tx, bobOnCarol, { kind: 'welcome', name: 'carol' }).frame,
      ];
    });
    for (const f of frames) await carol.transport.send(bob.peerId, f);
    await eventually(() => carolOnBob()?.addresses[0] === carolCard[0], 10_000, 'the profile update');
    expect(carolOnBob()?.addresses).toEqual([carolCard[0]]);
    await new Promise((r) => setTimeout(r, 100));
    expect(carolOnBob()?.state).toBe('introduced');
  });

  it('are dialled at LAN or loopback addresses only in the networks their introducer is reachable in', async () => {
    const carolCard = [at('203.0.113.7', 'carol'), at('192.168.1.20', 'carol'), at('10.9.0.20', 'carol')];
    carolCard.push(at('127.0.0.1', 'carol'));
    const aliceCard = [at('192.168.7.1', 'alice'), at('127.0.0.1', 'alice')];
    const { alice, bob, carol } = await trio({ alice: aliceCard, carol: carolCard });
    alice.messenger.createGroup('hike', ['bob', 'carol']);
    bob.messenger.acceptGroup((await invited(bob, 'hike')).id);
    await eventually(() => bob.dialled.has(carol.peerId));
    const vouched = [carolCard[0], carolCard[1], carolCard[3]]; // not 10.9/16: alice is not there
    for (const addresses of bob.dialled.get(carol.peerId) ?? []) expect(addresses).toEqual(vouched);
  });

  it(`are introduced at most ${GROUP_INTRODUCE_MAX} per change: an admin adds at most that many at a time, and a state adding more is refused`, async () => {
    network = createMemoryNetwork();
    const alice = await watched('alice');
    const bob = await watched('bob');
    await befriend(alice, bob);
    const others: Peer[] = [];
    for (let i = 0; i <= GROUP_INTRODUCE_MAX; i++) {
      const p = await makePeer(network, `m${String(i).padStart(2, '0')}`);
      peers.push(p);
      others.push(p);
      await befriend(alice, p);
    }
    alice.messenger.createGroup('crowd', ['bob']);
    bob.messenger.acceptGroup((await invited(bob, 'crowd')).id);
    await ready('crowd', 1, alice, bob);
    const names = others.map((p) => p.name);
    expect(() => alice.messenger.addToGroup('crowd', names)).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );

    // alice's client refuses, but a forged state from her (an admin) is refused by bob all the same.
    const g = alice.store.transaction((tx) => loadGroup(alice.ctx, tx, alice.messenger.group('crowd').id));
    // Their suite-1 cards: 21 suite-2 cards (~1.7 KB each) would not fit one state payload (40 KiB),
    // and a state fetched by reference meets the same check when applied (groups/invites.ts).
    const cards = others.map((p) => suite1Card(p));
    const state = g?.state as NonNullable<typeof g>['state'];
    const next = {
      ...state,
      epoch: 2,
      members: [
        ...state.members,
        ...others.map((p, i) => ({
          peerId: p.peerId,
          name: p.name,
          role: 'member' as const,
          card: cards[i] as Uint8Array,
        })),
      ],
    };
    const frame = alice.store.transaction((tx) => {
      const contact = tx.getContactByPeerId(bob.peerId);
      const payload = encodeGroupControl({ type: 'state', group: next });
      return compose(alice.ctx, tx, contact as NonNullable<typeof contact>, { kind: 'group', payload }).frame;
    });
    await alice.transport.send(bob.peerId, frame);
    await eventually(() =>
      bob.events.some((e) => e.type === 'problem' && (e.event as { code: string }).code === 'group-refused'),
    );
    expect(bob.messenger.group('crowd').epoch).toBe(1);
    expect(bob.store.transaction((tx) => tx.listContacts()).map((c) => c.name)).toEqual(['alice']);
    expect([...bob.dialled.keys()]).not.toContain(others[0]?.peerId);

    // As many as the bound: applied.
    alice.messenger.addToGroup('crowd', names.slice(0, GROUP_INTRODUCE_MAX));
    await eventually(() => bob.messenger.group('crowd').epoch === 2, 10_000, 'bob to apply the change');
    expect(bob.messenger.contacts().filter((c) => c.state === 'introduced')).toHaveLength(
      GROUP_INTRODUCE_MAX,
    );
  });
});
