import { peekMessage } from '@parley/crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../src/base/bytes.ts';
import { CoreError } from '../src/base/errors.ts';
import { ACK_TIMEOUT_MS } from '../src/base/retry.ts';
import { ACK_SEARCHES_PER_FRAME, receivedKey } from '../src/inbound/inbox.ts';
import { SENT_STATUS_FLUSH_MS } from '../src/messaging/outbox.ts';
import { OUTBOX_EVENT_MS } from '../src/messenger/messenger.ts';
import type { Store } from '../src/ports/store.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { ACK_MAX_DIGESTS, encodeFrame, frameDigest } from '../src/wire/frame.ts';
import { befriend, eventually, makePeer, type Peer, stopPeers } from './harness.ts';

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

const texts = (p: Peer, contact: string): string[] => p.messenger.messages(contact).map((m) => m.text);

describe('invites and contacts', () => {
  it('makes both sides contacts, under the names each chose', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    const { link } = alice.messenger.createInvite();
    expect(link).toMatch(/^parley:\/\/invite\//);
    const pending = bob.messenger.acceptInvite(link, 'Ally');
    expect(pending.state).toBe('pending');
    await eventually(
      () => alice.messenger.contacts().length === 1 && bob.messenger.contact('Ally').state === 'active',
    );
    expect(alice.messenger.contacts()[0]?.name).toBe('bob');
    expect(alice.messenger.contacts()[0]?.peerId).toBe(bob.peerId);
  });

  it('refuses a tampered, expired, own or reused invite with clear errors', async () => {
    const [alice, bob, carol] = (await setup('alice', 'bob', 'carol')) as [Peer, Peer, Peer];
    const { link } = alice.messenger.createInvite();
    const chars = [...link];
    const i = 40;
    chars[i] = chars[i] === 'A' ? 'B' : 'A';
    expect(() => bob.messenger.acceptInvite(chars.join(''))).toThrow(
      expect.objectContaining({ code: 'bad-invite' }),
    );
    expect(() => bob.messenger.acceptInvite('https://example.invalid/')).toThrow(
      expect.objectContaining({ code: 'bad-invite' }),
    );
    expect(() => alice.messenger.acceptInvite(link)).toThrow(expect.objectContaining({ code: 'own-invite' }));
    bob.messenger.acceptInvite(link);
    await eventually(() => alice.messenger.contacts().length === 1);
    // The single-use invite is spent: carol's introduction is refused and she is told.
    carol.messenger.acceptInvite(link);
    await eventually(() => carol.events.some((e) => e.type === 'problem'));
    expect(alice.messenger.contacts().map((c) => c.name)).toEqual(['bob']);
  });

  it('refuses an expired invite before contacting anyone', async () => {
    let now = Date.now();
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice', { now: () => now });
    const bob = await makePeer(network, 'bob', { now: () => now });
    peers = [alice, bob];
    const { link } = alice.messenger.createInvite({ ttlMs: 60_000 });
    now += 61_000;
    expect(() => bob.messenger.acceptInvite(link)).toThrow(
      expect.objectContaining({ code: 'invite-expired' }),
    );
    expect(bob.messenger.contacts()).toEqual([]);
  });

  it('lets a reusable invite be used by several people', async () => {
    const [alice, bob, carol] = (await setup('alice', 'bob', 'carol')) as [Peer, Peer, Peer];
    const { link, reusable } = alice.messenger.createInvite({ reusable: true });
    expect(reusable).toBe(true);
    bob.messenger.acceptInvite(link);
    carol.messenger.acceptInvite(link);
    await eventually(() => alice.messenger.contacts().length === 2);
    expect(
      alice.messenger
        .contacts()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['bob', 'carol']);
  });

  it('shows the same safety number on both sides and records verification', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    const a = alice.messenger.safetyNumber('bob');
    const b = bob.messenger.safetyNumber('alice');
    expect(a.digits).toMatch(/^\d{60}$/);
    expect(a.digits).toBe(b.digits);
    expect(alice.messenger.markVerified('bob').verified).toBe(true);
  });

  it('renames and removes contacts, refusing name clashes', async () => {
    const [alice, bob, carol] = (await setup('alice', 'bob', 'carol')) as [Peer, Peer, Peer];
    await befriend(alice, bob);
    await befriend(alice, carol);
    expect(() => alice.messenger.renameContact('bob', 'CAROL')).toThrow(
      expect.objectContaining({ code: 'name-taken' }),
    );
    alice.messenger.renameContact('bob', 'Robert');
    expect(alice.messenger.contact('Robert').peerId).toBe(bob.peerId);
    alice.messenger.removeContact('Robert');
    expect(() => alice.messenger.contact('Robert')).toThrow(CoreError);
  });
});

describe('messages', () => {
  it('shows "sent" once a message was written but not ACKed for a while, and "delivered" when it is', async () => {
    network = createMemoryNetwork();
    const inner = createMemoryStore();
    let refusing = false; // bob's disk is "full": nothing is stored, so nothing is ACKed
    const store: Store = {
      transaction: (fn, options) => {
        if (refusing) throw new Error('disk full');
        return inner.transaction(fn, options);
      },
      close: () => inner.close(),
    };
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob', { store });
    peers = [alice, bob];
    await befriend(alice, bob);
    refusing = true;
    const sent = alice.messenger.sendText('bob', 'are you there?');
    const status = (): string => alice.messenger.message('bob', { sender: 'self', id: sent.id }).status;
    expect(status()).toBe('queued');
    await eventually(() => status() === 'sent', 2.5 * SENT_STATUS_FLUSH_MS + 1_000, '"sent"');
    refusing = false;
    network.setOnline(bob.peerId, false); // reconnecting makes alice resend at once (no ACK_TIMEOUT_MS wait)
    network.setOnline(bob.peerId, true);
    await bob.transport.connect(alice.peerId, { addresses: [] });
    await eventually(() => status() === 'delivered', ACK_TIMEOUT_MS - 5_000, '"delivered" after a resend');
    expect(texts(bob, 'alice')).toEqual(['are you there?']);
  });

  it('delivers text both ways with statuses queued → delivered → read', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    const sent = alice.messenger.sendText('bob', 'hello bob');
    expect(sent.status).toBe('queued');
    await eventually(() => texts(bob, 'alice').includes('hello bob'));
    await eventually(
      () => alice.messenger.message('bob', { sender: 'self', id: sent.id }).status === 'delivered',
    );
    expect(bob.messenger.conversations()[0]?.unread).toBe(1);
    expect(bob.messenger.markRead('alice')).toBe(1);
    await eventually(() => alice.messenger.message('bob', { sender: 'self', id: sent.id }).status === 'read');
    bob.messenger.sendText('alice', 'hi alice');
    await eventually(() => texts(alice, 'bob').includes('hi alice'));
    expect(texts(alice, 'bob')).toEqual(['hello bob', 'hi alice']);
  });

  it('queues while the contact is offline and delivers everything once, in order, when back', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    network.setOnline(bob.peerId, false);
    for (let i = 1; i <= 20; i++) alice.messenger.sendText('bob', `m${i}`);
    await new Promise((r) => setTimeout(r, 100));
    expect(texts(bob, 'alice').filter((t) => t.startsWith('m'))).toEqual([]);
    network.setOnline(bob.peerId, true);
    await alice.transport.connect(bob.peerId);
    await eventually(() => texts(bob, 'alice').length === 20, 10_000, '20 messages');
    expect(texts(bob, 'alice')).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 1}`));
    await eventually(() => alice.messenger.status().outbox === 0, 10_000, 'outbox to drain');
  });

  it('tells the outbox size as it changes: one event per burst, 0 once everything is ACKed', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    await eventually(() => alice.messenger.status().outbox === 0, 5_000, 'the welcome to drain');
    const sizes = (): number[] =>
      alice.events.filter((e) => e.type === 'outbox').map((e) => (e.event as { size: number }).size);
    await new Promise((r) => setTimeout(r, OUTBOX_EVENT_MS * 2)); // what befriending told
    const before = sizes().length;
    network.setOnline(bob.peerId, false);
    for (let i = 1; i <= 20; i++) alice.messenger.sendText('bob', `m${i}`);
    await eventually(() => sizes().length > before, 5_000, 'an outbox event');
    expect(sizes().slice(before)).toEqual([20]); // twenty sends in one burst: one event
    expect(alice.messenger.status().outbox).toBe(20);
    network.setOnline(bob.peerId, true);
    await alice.transport.connect(bob.peerId);
    await eventually(() => sizes().at(-1) === 0, 10_000, 'the outbox to drain');
    expect(alice.messenger.status().outbox).toBe(0);
    const told = sizes().slice(before);
    expect(told.length).toBeLessThan(20); // not one per ACK
    for (const [i, size] of told.entries()) if (i > 0) expect(size).not.toBe(told[i - 1]); // changes only
  });

  it('replies, reactions, edits and delete-for-everyone reach the other side', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    const m = alice.messenger.sendText('bob', 'original');
    await eventually(() => texts(bob, 'alice').includes('original'));
    bob.messenger.sendText('alice', 'a reply', { id: m.id, mine: false });
    bob.messenger.react('alice', { id: m.id, mine: false }, '👍');
    await eventually(
      () => alice.messenger.message('bob', { sender: 'self', id: m.id }).reactions.length === 1,
    );
    expect(texts(alice, 'bob')).toContain('a reply');
    const reply = alice.messenger.messages('bob').find((x) => x.text === 'a reply');
    expect(reply?.replyTo).toEqual({ id: m.id, mine: false });
    alice.messenger.edit('bob', m.id, 'edited');
    await eventually(() => bob.messenger.message('alice', { sender: 'peer', id: m.id }).text === 'edited');
    expect(bob.messenger.message('alice', { sender: 'peer', id: m.id }).edited).toBe(true);
    alice.messenger.deleteForEveryone('bob', m.id);
    await eventually(() => bob.messenger.message('alice', { sender: 'peer', id: m.id }).deleted);
    expect(bob.messenger.message('alice', { sender: 'peer', id: m.id }).text).toBe('');
  });

  it('relays typing indicators and disappearing-message timers', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    alice.messenger.setTyping('bob', true);
    await eventually(() => bob.events.some((e) => e.type === 'typing'));
    alice.messenger.setDisappearing('bob', 60_000);
    await eventually(() => bob.messenger.conversations()[0]?.disappearingMs === 60_000);
    const m = alice.messenger.sendText('bob', 'self-destructs');
    expect(m.expiresAt).not.toBeNull();
  });

  it('never shows a replayed frame twice, and ACKs it again', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    const frames: Uint8Array[] = [];
    const original = alice.transport.send.bind(alice.transport);
    alice.transport.send = async (peer, frame, opts) => {
      frames.push(frame.slice());
      return original(peer, frame, opts);
    };
    alice.messenger.sendText('bob', 'once');
    await eventually(() => texts(bob, 'alice').includes('once'));
    for (const f of frames) await original(bob.peerId, f);
    await new Promise((r) => setTimeout(r, 100));
    expect(texts(bob, 'alice').filter((t) => t === 'once')).toHaveLength(1);
  });

  it('ACKs replayed prekey and ratchet frames again, and neither shows, counts nor parks them', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    const frames: Uint8Array[] = [];
    const original = alice.transport.send.bind(alice.transport);
    alice.transport.send = async (peer, frame, opts) => {
      if (frame[1] === 1) frames.push(frame.slice()); // MSG frames
      return original(peer, frame, opts);
    };
    const acked: string[] = [];
    const bobSend = bob.transport.send.bind(bob.transport);
    bob.transport.send = async (peer, frame, opts) => {
      if (frame[1] === 2)
        for (let i = 3; i < frame.length; i += 16) acked.push(toHex(frame.subarray(i, i + 16)));
      return bobSend(peer, frame, opts);
    };
    const received = (): string[] =>
      bob.messenger
        .messages('alice')
        .filter((m) => m.direction === 'in')
        .map((m) => m.text);
    for (let i = 0; i < 3; i++) alice.messenger.sendText('bob', `a${i}`);
    await eventually(() => received().length === 3);
    bob.messenger.sendText('alice', 'turn'); // a DH ratchet step: alice's next frames use a new chain
    await eventually(() => texts(alice, 'bob').includes('turn'));
    for (let i = 3; i < 6; i++) alice.messenger.sendText('bob', `a${i}`);
    await eventually(() => received().length === 6);
    await eventually(() => alice.messenger.status().outbox === 0);
    expect(frames.length).toBeGreaterThanOrEqual(6);
    acked.length = 0;
    for (const f of frames) await original(bob.peerId, f);
    const digests = frames.map((f) => frameDigest(f));
    await eventually(() => digests.every((d) => acked.includes(d)), 5_000, 'every replay ACKed again');
    expect(received()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(bob.messenger.status().parked).toBe(0);
    // Counting one more failure for each gives 1: none had been counted.
    expect(bob.store.transaction((tx) => digests.map((d) => tx.recordFailure(alice.peerId, d, 0)))).toEqual(
      digests.map(() => 1),
    );
  });

  it('remembers ratchet messages by chain position (one chain sorts in order), and still knows frames remembered by digest alone', async () => {
    const key = (n: number): string =>
      receivedKey({ ratchetKey: Uint8Array.of(9, 8, 7, 6, 5), n }, 'ab'.repeat(16));
    expect(key(0)).toBe(`09080706${'0'.repeat(8)}${'ab'.repeat(16)}`);
    const keys = [0, 1, 2, 15, 16, 255, 256, 4096].map(key);
    expect([...keys].sort()).toEqual(keys);

    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    bob.messenger.sendText('alice', 'turn'); // alice's next message is a plain ratchet message
    await eventually(() => texts(alice, 'bob').includes('turn'));
    let frame: Uint8Array | undefined;
    const original = alice.transport.send.bind(alice.transport);
    alice.transport.send = async (peer, f, opts) => {
      if (f[1] === 1) frame ??= f.slice();
      return original(peer, f, opts);
    };
    alice.messenger.sendText('bob', 'legacy');
    await eventually(() => texts(bob, 'alice').includes('legacy'));
    await eventually(() => alice.messenger.status().outbox === 0);
    const digest = frameDigest(frame as Uint8Array);
    const info = peekMessage((frame as Uint8Array).subarray(2)); // after the frame's version and type
    expect(info.kind).toBe('ratchet');
    expect(bob.store.transaction((tx) => tx.hasReceived(alice.peerId, receivedKey(info, digest)))).toBe(true);
    expect(bob.store.transaction((tx) => tx.hasReceived(alice.peerId, digest))).toBe(false);
    // As a version before keys by position would have left it: remembered under the bare digest.
    bob.store.transaction((tx) => {
      tx.pruneReceived(Number.MAX_SAFE_INTEGER);
      tx.markReceived(alice.peerId, digest, Date.now());
    });
    const acked: string[] = [];
    const bobSend = bob.transport.send.bind(bob.transport);
    bob.transport.send = async (peer, f, opts) => {
      if (f[1] === 2) for (let i = 3; i < f.length; i += 16) acked.push(toHex(f.subarray(i, i + 16)));
      return bobSend(peer, f, opts);
    };
    await original(bob.peerId, frame as Uint8Array);
    await eventually(() => acked.includes(digest), 5_000, 'the replay ACKed again');
    expect(texts(bob, 'alice').filter((t) => t === 'legacy')).toHaveLength(1);
    expect(bob.messenger.status().parked).toBe(0);
  });

  it('refuses to send to a verified contact whose identity changed until the change is accepted', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    alice.messenger.markVerified('bob');
    // bob reinstalls: same PeerId, new identity, and accepts a fresh invite from alice.
    await bob.messenger.stop();
    await bob.transport.stop();
    const bob2 = await makePeer(network, 'bob');
    peers.push(bob2);
    bob2.messenger.acceptInvite(alice.messenger.createInvite().link);
    await eventually(() => alice.messenger.contact('bob').identityChanged, 5_000, 'the key change');
    expect(alice.messenger.contact('bob').sendingBlocked).toBe(true);
    expect(() => alice.messenger.sendText('bob', 'secret')).toThrow(
      expect.objectContaining({ code: 'identity-changed' }),
    );
    // The timeline says so once, as Parley's notice: not a message, not unread.
    const notices = () => alice.messenger.messages('bob').filter((m) => m.notice === 'safety-number');
    await eventually(() => notices().length === 1, 5_000, 'the notice');
    expect(notices()[0]).toMatchObject({ from: 'Parley', direction: 'in', status: 'read' });
    expect(notices()[0]?.text).toMatch(/bob’s safety number changed/);
    expect(alice.messenger.conversations().find((c) => c.contact.name === 'bob')?.unread).toBe(0);
    alice.messenger.acceptIdentityChange('bob');
    expect(notices().map((m) => m.text)).toEqual([
      expect.stringMatching(/bob’s safety number changed/),
      expect.stringMatching(/You accepted bob’s new safety number/),
    ]);
    expect(alice.messenger.contact('bob').verified).toBe(false);
    alice.messenger.sendText('bob', 'welcome back');
    await eventually(() => texts(bob2, 'alice').includes('welcome back'));
  });

  it('ignores frames from strangers', async () => {
    const [alice] = (await setup('alice')) as [Peer];
    const mallory = network.createTransport('12D3KooWmallory');
    await mallory.send(alice.peerId, Uint8Array.of(1, 1, 2, 3)).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(alice.messenger.conversations()).toEqual([]);
    await mallory.stop();
  });
});

describe('poison messages (D7)', () => {
  it('parks a message that fails three times, tells the sender, and delivers the rest', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    network.setOnline(bob.peerId, false);
    const bad = alice.messenger.sendText('bob', 'this one was sealed wrongly');
    // Damage the queued ciphertext at the source, as a buggy or hostile sender would.
    const poisoned = alice.store.transaction((tx) => {
      // (not simply the first entry: an earlier frame of the introduction may still wait for its ACK)
      const entry = tx.listOutbox(bob.peerId).find((e) => e.message?.id === bad.id);
      if (!entry) throw new Error('nothing queued');
      const frame = entry.frame.slice();
      frame[frame.length - 1] = (frame.at(-1) as number) ^ 1;
      tx.deleteOutbox(entry.seq);
      tx.enqueueOutbox({ ...entry, frame, digest: frameDigest(frame) });
      return frame;
    });
    network.setOnline(bob.peerId, true);
    await alice.transport.connect(bob.peerId);
    for (let i = 0; i < 2; i++) await alice.transport.send(bob.peerId, poisoned);
    await eventually(() => bob.messenger.status().parked === 1, 5_000, 'the poison message to be parked');
    await eventually(
      () => alice.messenger.message('bob', { sender: 'self', id: bad.id }).status === 'failed',
    );
    expect(alice.messenger.message('bob', { sender: 'self', id: bad.id }).error).toMatch(/could not decrypt/);
    expect(bob.events.some((e) => e.type === 'problem')).toBe(true);
    expect(alice.messenger.status().outbox).toBe(0);
    alice.messenger.sendText('bob', 'after the poison');
    await eventually(() => texts(bob, 'alice').includes('after the poison'));
    expect(texts(bob, 'alice')).not.toContain('this one was sealed wrongly');
  });
});

describe('group commit', () => {
  it('sends a batch in one transaction and receives it exactly once, in order', async () => {
    const [alice, bob] = (await setup('alice', 'bob')) as [Peer, Peer];
    await befriend(alice, bob);
    const batch = Array.from({ length: 300 }, (_, i) => `b${i}`);
    const views = alice.messenger.sendTexts('bob', batch);
    expect(views.map((v) => v.seq)).toEqual(batch.map((_, i) => i + 1));
    await eventually(() => bob.messenger.messages('alice', { limit: 1000 }).length === 300, 10_000);
    expect(bob.messenger.messages('alice', { limit: 1000 }).map((m) => m.text)).toEqual(batch);
    expect(() => alice.messenger.sendTexts('bob', [])).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
  });
});

describe('queued batches (the API path)', () => {
  it('commits requests of the same moment together, each all or nothing, and delivers them in order', async () => {
    const inner = createMemoryStore();
    let writes = 0; // outermost transactions that queued a frame (at any nesting level)
    let depth = 0;
    let queued = false;
    const store: Store = {
      transaction: (fn, options) => {
        if (depth++ === 0) queued = false;
        try {
          return inner.transaction(
            (tx) =>
              fn(
                new Proxy(tx, {
                  get: (target, key) => {
                    if (key === 'enqueueOutbox') queued = true;
                    return target[key as keyof typeof target];
                  },
                }),
              ),
            options,
          );
        } finally {
          depth--;
          if (depth === 0 && queued) writes++;
        }
      },
      close: () => inner.close(),
    };
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice', { store });
    const bob = await makePeer(network, 'bob');
    peers = [alice, bob];
    await befriend(alice, bob);
    const a = Array.from({ length: 120 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 80 }, (_, i) => `b${i}`);
    const before = writes;
    const results = await Promise.allSettled([
      alice.messenger.queueTexts('bob', a),
      alice.messenger.queueTexts('bob', ['fine', '']), // an empty text: this request fails, alone
      alice.messenger.queueTexts('bob', b),
      alice.messenger.queueTexts('nobody', ['x']),
      alice.messenger.queueTexts('bob', []),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    expect(writes - before).toBe(1); // one transaction (one fsync) for all of them
    const [first, , third] = results as unknown as Array<
      PromiseFulfilledResult<Array<{ seq: number; text: string }>>
    >;
    expect(first?.value.map((v) => v.text)).toEqual(a);
    expect(third?.value.map((v) => v.seq)).toEqual(b.map((_, i) => 121 + i)); // no seq taken by the failed one
    await eventually(() => bob.messenger.messages('alice', { limit: 1000 }).length === 200, 10_000);
    expect(bob.messenger.messages('alice', { limit: 1000 }).map((m) => m.text)).toEqual([...a, ...b]);
  });
});

describe('ACKs', () => {
  it('finds ACKed entries without searching, and searches at most a few unknown digests per ACK frame', async () => {
    const inner = createMemoryStore();
    let searches = 0;
    const store: Store = {
      transaction: (fn, options) =>
        inner.transaction(
          (tx) =>
            fn(
              new Proxy(tx, {
                get: (target, key) => {
                  if (key === 'takeOutboxByDigest') searches++;
                  return target[key as keyof typeof target];
                },
              }),
            ),
          options,
        ),
      close: () => inner.close(),
    };
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice', { store });
    const bob = await makePeer(network, 'bob');
    peers = [alice, bob];
    await befriend(alice, bob);
    searches = 0;
    const sent = alice.messenger.sendTexts('bob', ['one', 'two', 'three']);
    const status = (id: string): string => alice.messenger.message('bob', { sender: 'self', id }).status;
    await eventually(() => sent.every((m) => status(m.id) === 'delivered'), 5_000, 'all delivered');
    expect(searches).toBe(0); // the pump knew every digest it sent
    // bob (hostile) ACKs a frame full of digests alice never sent
    const bogus = Array.from({ length: ACK_MAX_DIGESTS }, (_, i) => i.toString(16).padStart(32, '0'));
    await bob.transport.send(alice.peerId, encodeFrame({ type: 'ack', digests: bogus }));
    await eventually(() => searches > 0, 5_000, 'the ACK frame to be processed');
    await new Promise((r) => setTimeout(r, 50));
    expect(searches).toBe(ACK_SEARCHES_PER_FRAME);
  });
});

describe('signed prekey rotation', () => {
  it('rotates after 7 days and still accepts invites made with the previous signed prekey', async () => {
    let now = Date.now();
    network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice', { now: () => now });
    const bob = await makePeer(network, 'bob', { now: () => now });
    peers = [alice, bob];
    const { link } = alice.messenger.createInvite({ ttlMs: 30 * 24 * 3600 * 1000 });
    const before = alice.store.transaction((tx) => tx.listPrekeys('signed').map((p) => p.id));
    now += 8 * 24 * 3600 * 1000;
    await alice.messenger.stop();
    await alice.messenger.start(); // start() sweeps, which rotates
    const after = alice.store.transaction((tx) => tx.listPrekeys('signed').map((p) => p.id));
    expect(after.length).toBe(before.length + 1);
    bob.messenger.acceptInvite(link);
    await eventually(() => alice.messenger.contacts().length === 1, 5_000, 'the old-prekey invite to work');
  });
});
