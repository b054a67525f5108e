/**
 * The messenger's search (docs/DESIGN.md §5.6) on the memory network: 1:1, group and channel
 * messages, file names and captions, edits, deletes for everyone, expiry, the conversation filter,
 * paging, bad input, and the backfill of messages stored before the index existed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SearchHit } from '../src/messenger/search.ts';
import { SEARCH_BACKFILL_META } from '../src/messenger/search-backfill.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import { sealBody } from '../src/views/messages.ts';
import { befriend, eventually, join, makePeer, type Peer, type PeerOptions, stopPeers } from './harness.ts';

let network: MemoryNetwork;
let peers: Peer[] = [];
afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

async function setup(names: string[], options: PeerOptions = {}): Promise<Peer[]> {
  network = createMemoryNetwork();
  peers = [];
  for (const n of names) peers.push(await makePeer(network, n, options));
  return peers;
}

const texts = (p: Peer, query: string, conversation?: string): string[] =>
  p.messenger
    .search({ query, ...(conversation === undefined ? {} : { conversation }) })
    .hits.map((h) => h.message.text);
/** The highlighted parts of a hit's snippet. */
const marked = (h: SearchHit): string[] => h.highlights.map(([a, b]) => h.snippet.slice(a, b));

describe('search', () => {
  it('finds 1:1 messages on both sides, accent- and case-insensitively, as messages.list shows them', async () => {
    const [alice, bob] = (await setup(['alice', 'bob'])) as [Peer, Peer];
    await befriend(alice, bob);
    alice.messenger.sendText('bob', 'Le Résumé est prêt');
    alice.messenger.sendText('bob', 'nothing to see');
    await eventually(() => bob.messenger.messages('alice').length === 2);
    const { hits, next } = bob.messenger.search({ query: 'RESUME' });
    expect(next).toBeNull();
    expect(hits).toHaveLength(1);
    const [hit] = hits as [SearchHit];
    expect(hit).toMatchObject({ kind: 'direct', conversation: 'alice', snippet: 'Le Résumé est prêt' });
    expect(marked(hit)).toEqual(['Résumé']);
    const listed = bob.messenger.messages('alice').find((m) => m.id === hit.message.id);
    expect(hit.message).toEqual(listed);
    expect(hit.conversationId).toBe(listed?.conversationId);
    expect(texts(alice, 'prê')).toEqual(['Le Résumé est prêt']); // our own, prefix
    expect(texts(alice, 'resume nothing')).toEqual([]); // every term must match
  });

  it('finds group messages and channel posts (CJK, emoji) and filters by conversation', async () => {
    const [alice, bob, carol] = (await setup(['alice', 'bob', 'carol'])) as [Peer, Peer, Peer];
    await befriend(alice, bob);
    await befriend(alice, carol);
    alice.messenger.createGroup('climbing', ['bob', 'carol']);
    await join(bob, 'climbing');
    await join(carol, 'climbing');
    await eventually(
      () => bob.messenger.group('climbing').members.every((m) => m.keyReceived && m.keySent),
      20_000,
    );
    await eventually(
      () => alice.messenger.group('climbing').members.every((m) => m.keyReceived && m.keySent),
      20_000,
    );
    alice.messenger.sendText('climbing', 'belay practice 🧗 tomorrow');
    alice.messenger.sendText('bob', 'belay gloves for you');
    alice.messenger.createChannel('news');
    bob.messenger.followChannel(alice.messenger.channelInvite('news').link);
    await eventually(() => bob.messenger.channels().some((c) => c.name === 'news'));
    alice.messenger.post('news', '季度报告：你好世界 🎉 belay');
    await eventually(() => bob.messenger.search({ query: 'belay' }).hits.length === 3, 20_000, 'three hits');
    const hits = bob.messenger.search({ query: 'belay' }).hits;
    // (All three in about the same millisecond: their order is their arrival's, so compare as a set.)
    expect(hits.map((h) => `${h.kind} ${h.conversation}`).sort()).toEqual([
      'channel news',
      'direct alice',
      'group climbing',
    ]);
    const group = hits.find((h) => h.kind === 'group') as SearchHit;
    expect(group.message).toEqual(bob.messenger.messages('climbing').find((m) => m.id === group.message.id));
    const post = hits.find((h) => h.kind === 'channel') as SearchHit;
    expect(post.message).toEqual(bob.messenger.posts('news').find((m) => m.id === post.message.id));
    expect(texts(bob, '好世')).toEqual(['季度报告：你好世界 🎉 belay']);
    expect(texts(bob, '世好')).toEqual([]);
    expect(marked(bob.messenger.search({ query: '好世' }).hits[0] as SearchHit)).toEqual(['好世']);
    expect(texts(bob, '🧗')).toEqual(['belay practice 🧗 tomorrow']);
    expect(texts(bob, 'belay', 'climbing')).toEqual(['belay practice 🧗 tomorrow']);
    expect(texts(bob, 'belay', 'alice')).toEqual(['belay gloves for you']);
    expect(texts(bob, 'belay', 'news')).toEqual(['季度报告：你好世界 🎉 belay']);
    const groupId = bob.messenger.group('climbing').id;
    expect(texts(bob, 'belay', groupId)).toEqual(['belay practice 🧗 tomorrow']); // by id too
    expect(texts(alice, 'belay', 'climbing')).toEqual(['belay practice 🧗 tomorrow']);
    expect(() => bob.messenger.search({ query: 'belay', conversation: 'nobody' })).toThrow(
      expect.objectContaining({ code: 'unknown-contact' }),
    );
  });

  it('finds a file by its name and its caption', async () => {
    const [alice, bob] = (await setup(['alice', 'bob'])) as [Peer, Peer];
    await befriend(alice, bob);
    const bytes = new Uint8Array(1000).fill(7);
    const file = {
      name: 'Holiday-Map.pdf',
      mime: 'application/pdf',
      size: bytes.length,
      read: async (o: number, n: number) => bytes.slice(o, o + n),
    };
    await alice.messenger.sendFile('bob', file, { caption: 'the itinerary' });
    await eventually(() => bob.messenger.messages('alice').length === 1);
    for (const p of [alice, bob]) {
      const [byName] = p.messenger.search({ query: 'holiday map' }).hits as [SearchHit];
      expect(byName.message.attachment?.name).toBe('Holiday-Map.pdf');
      expect(byName.snippet).toBe('the itinerary Holiday-Map.pdf');
      expect(marked(byName)).toEqual(['Holiday', 'Map']);
      expect(texts(p, 'itin')).toEqual(['the itinerary']);
    }
  });

  it('an edit replaces the words; a delete for everyone and an expired message leave the index', async () => {
    let now = Date.now();
    const [alice, bob] = (await setup(['alice', 'bob'], { now: () => now })) as [Peer, Peer];
    await befriend(alice, bob);
    const m = alice.messenger.sendText('bob', 'meet at the lighthouse');
    const gone = alice.messenger.sendText('bob', 'secret rendezvous');
    await eventually(() => bob.messenger.messages('alice').length === 2);
    alice.messenger.edit('bob', m.id, 'meet at the harbour');
    await eventually(() => bob.messenger.messages('alice').some((x) => x.text === 'meet at the harbour'));
    for (const p of [alice, bob]) {
      expect(texts(p, 'lighthouse')).toEqual([]);
      expect(texts(p, 'harbour')).toEqual(['meet at the harbour']);
      expect(p.messenger.search({ query: 'harbour' }).hits[0]?.message.edited).toBe(true);
    }
    alice.messenger.deleteForEveryone('bob', gone.id);
    await eventually(() => bob.messenger.messages('alice').some((x) => x.deleted));
    for (const p of [alice, bob]) expect(texts(p, 'rendezvous')).toEqual([]);

    alice.messenger.setDisappearing('bob', 60_000);
    await eventually(() => bob.messenger.conversations()[0]?.disappearingMs === 60_000);
    alice.messenger.sendText('bob', 'ephemeral words');
    await eventually(() => texts(bob, 'ephemeral').length === 1);
    now += 61_000;
    for (const p of [alice, bob]) {
      await p.messenger.stop();
      await p.messenger.start(); // start() sweeps expired messages
      expect(texts(p, 'ephemeral')).toEqual([]);
    }
  });

  it('pages newest first with next, and refuses bad queries, limits and cursors', async () => {
    const [alice, bob] = (await setup(['alice', 'bob'])) as [Peer, Peer];
    await befriend(alice, bob);
    alice.messenger.sendTexts('bob', ['note 1', 'note 2', 'note 3', 'note 4', 'note 5']);
    const first = alice.messenger.search({ query: 'note', limit: 2 });
    expect(first.hits.map((h) => h.message.text)).toEqual(['note 5', 'note 4']);
    const second = alice.messenger.search({ query: 'note', limit: 2, before: first.next as string });
    expect(second.hits.map((h) => h.message.text)).toEqual(['note 3', 'note 2']);
    const third = alice.messenger.search({ query: 'note', limit: 2, before: second.next as string });
    expect(third.hits.map((h) => h.message.text)).toEqual(['note 1']);
    expect(third.next).toBeNull();
    const bad = (params: Parameters<typeof alice.messenger.search>[0]) => () =>
      alice.messenger.search(params);
    for (const params of [
      { query: '   ' },
      { query: 'x'.repeat(257) },
      { query: '"*:-()' }, // nothing searchable
      { query: 'note', limit: 0 },
      { query: 'note', limit: 101 },
      { query: 'note', before: 'not a cursor' },
    ])
      expect(bad(params)).toThrow(expect.objectContaining({ code: 'bad-input' }));
    expect(() => alice.messenger.search({ query: '' })).toThrow(/1 to 256 characters/);
  });

  it('indexes messages stored before search existed, in the background, resumably', async () => {
    const [alice, bob] = (await setup(['alice', 'bob'])) as [Peer, Peer];
    await befriend(alice, bob);
    const contact = alice.messenger.contacts()[0]?.id as string;
    // 1200 messages as a schema-8 database holds them: stored, never indexed.
    alice.store.transaction((tx) => {
      for (let n = 1; n <= 1200; n++) {
        const key = { conversationId: contact, sender: 'self', id: n.toString(16).padStart(32, '0') };
        tx.insertMessage({
          ...key,
          ...{ senderSeq: n, kind: 'text', sentAt: n, receivedAt: 1_000_000 + n, sortKey: n, status: 'sent' },
          ...{ error: null, expiresAt: null, editedAt: null, deletedAt: null },
          body: sealBody(alice.ctx.account.vault, key, { text: n === 7 ? 'ancient wisdom' : `old ${n}` }),
        });
      }
      tx.deleteMeta(SEARCH_BACKFILL_META);
    });
    expect(texts(alice, 'ancient')).toEqual([]);
    await alice.messenger.stop();
    const progress: Array<{ indexed: number; done: boolean }> = [];
    alice.messenger.events.on('searchIndex', (e) => {
      progress.push(e);
      if (progress.length === 1) void alice.messenger.stop(); // stops after one batch…
    });
    await alice.messenger.start();
    await eventually(() => progress.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(progress).toEqual([{ indexed: 500, done: false }]);
    expect(texts(alice, 'old').length).toBeGreaterThan(0);
    expect(texts(alice, 'ancient')).toEqual([]); // the oldest are not indexed yet
    await alice.messenger.start(); // …and resumes from its cursor
    await eventually(() => progress.at(-1)?.done === true, 10_000, 'the backfill to finish');
    expect(progress.slice(1).map((p) => p.indexed)).toEqual([500, 700]);
    expect(texts(alice, 'ancient')).toEqual(['ancient wisdom']);
    expect(alice.messenger.search({ query: 'old', limit: 3 }).hits.map((h) => h.message.text)).toEqual([
      'old 1200',
      'old 1199',
      'old 1198',
    ]);
    // Done is done: a later start does not run it again.
    await alice.messenger.stop();
    const runs = progress.length;
    await alice.messenger.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(progress).toHaveLength(runs);
  });
});
