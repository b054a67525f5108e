/**
 * Store compliance: what D4 (display order follows each sender's sequence) asks of a store. The
 * neighbour lookups by sequence number, and core's placement (messaging/incoming.ts sortKeyFor) run on
 * this store, its per-transaction cache included, for arrival orders a network produces: a run of
 * resends overtaken by its successors (the kill -9 failure of a fresh-clone CI run), reversed,
 * shuffled.
 */
import { expect, it } from 'vitest';
import { sortKeyFor } from '../src/messaging/incoming.ts';
import type { Store, StoreTx } from '../src/ports/store.ts';
import { seeded } from './seeded.ts';
import { type Ctx, inFresh, mid, sampleMessage } from './store-compliance-fixtures.ts';

/** An arrival: a message of `sender` ('self': one of ours, placed last as messaging/outbound.ts does). */
interface Arrival {
  readonly sender: string;
  readonly seq: number;
}

const PEERS = ['peer-alice', 'peer-bob'] as const;
/** Arrivals committed per transaction: a group commit of a few frames, as the inbox does. */
const BATCH = 7;

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

function shuffled(seqs: readonly number[], seed: number): number[] {
  const random = seeded(seed);
  const out = [...seqs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

/** Sequence numbers of one sender in arrival order, for a conversation of `n` messages. */
const ORDERS: ReadonlyArray<readonly [string, (n: number) => number[]]> = [
  ['in order', (n) => range(1, n)],
  // The CI failure's shape: 41…110 were in backoff while 111…130 went out; then they came.
  [
    'a run of 70 overtaken by its successors',
    (n) => [...range(1, 40), ...range(111, 130), ...range(41, 110), ...range(131, n)],
  ],
  // 60 late ones between two neighbours: halving their gap ran out of precision after ~45.
  [
    '60 late ones after a long history',
    (n) => [...range(1, 100), ...range(161, 170), ...range(101, 160), ...range(171, n)],
  ],
  ['reversed', (n) => range(1, n).reverse()],
  ['shuffled (seed 1)', (n) => shuffled(range(1, n), 1)],
  ['shuffled (seed 2)', (n) => shuffled(range(1, n), 2)],
];

/** Stores one arrival where core would put it. */
function place(tx: StoreTx, a: Arrival, n: number): void {
  const sortKey = a.sender === 'self' ? tx.maxSortKey('conv') + 1 : sortKeyFor(tx, 'conv', a.sender, a.seq);
  const id = mid(n);
  tx.insertMessage(sampleMessage({ id, sender: a.sender, senderSeq: a.seq, sortKey }));
}

/** Every message of 'conv', paged back from the newest through `before` (as a client does). */
function paged(store: Store, pageSize: number): Array<{ sender: string; seq: number; sortKey: number }> {
  const all: Array<{ sender: string; seq: number; sortKey: number }> = [];
  for (let before: number | undefined; ; ) {
    const page = store.transaction((tx) =>
      tx.listMessages('conv', { limit: pageSize, ...(before === undefined ? {} : { before }) }),
    );
    all.unshift(...page.map((m) => ({ sender: m.sender, seq: m.senderSeq, sortKey: m.sortKey })));
    if (page.length < pageSize) return all;
    before = page[0]?.sortKey;
  }
}

export function orderTests(ctx: Ctx): void {
  const run = inFresh(ctx);

  it('finds a sender’s nearest stored neighbours by sequence number, however far, right after inserts', () => {
    run((tx) => {
      const put = (n: number, sender: string, senderSeq: number, sortKey: number): void =>
        void tx.insertMessage(sampleMessage({ id: mid(n), sender, senderSeq, sortKey }));
      put(1, 'peer-alice', 2, 10);
      put(2, 'self', 5, 20);
      put(3, 'peer-alice', 900, 30);
      const next = (sender: string, seq: number) => tx.getNextMessageBySeq('conv', sender, seq)?.id;
      const prev = (sender: string, seq: number) => tx.getPreviousMessageBySeq('conv', sender, seq)?.id;
      expect([next('peer-alice', 0), next('peer-alice', 2), next('peer-alice', 900)]).toEqual([
        mid(1),
        mid(3),
        undefined,
      ]);
      expect([prev('peer-alice', 900), prev('peer-alice', 5000), prev('peer-alice', 2)]).toEqual([
        mid(1),
        mid(3),
        undefined,
      ]);
      expect([next('self', 1), prev('self', 1), next('peer-bob', 0)]).toEqual([mid(2), undefined, undefined]);
      expect(tx.getNextMessageBySeq('other', 'peer-alice', 0)).toBeUndefined();
      // Inserted within this transaction: seen at once.
      put(4, 'peer-alice', 450, 25);
      expect([next('peer-alice', 2), prev('peer-alice', 900)]).toEqual([mid(4), mid(4)]);
      // A sequence number stored twice: the first by sort key going up, the last going down.
      put(5, 'peer-alice', 450, 27);
      put(6, 'peer-alice', 450, 26);
      expect([next('peer-alice', 449), prev('peer-alice', 451)]).toEqual([mid(4), mid(5)]);
    });
  });

  for (const [name, order] of ORDERS) {
    it(`D4: shows each sender's messages in sequence order, pages included, when they arrive ${name}`, () => {
      const n = 200;
      const arrivals: Arrival[] = [];
      // Two senders (a group), interleaved; one of ours every fifth arrival.
      const perPeer = PEERS.map((sender) => order(n).map((seq): Arrival => ({ sender, seq })));
      for (let k = 0; k < n; k++) {
        for (const list of perPeer) arrivals.push(list[k] as Arrival);
        if (k % 5 === 4) arrivals.push({ sender: 'self', seq: (k + 1) / 5 });
      }
      const store = ctx.open();
      for (let i = 0; i < arrivals.length; i += BATCH)
        store.transaction((tx) => {
          for (const [j, a] of arrivals.slice(i, i + BATCH).entries()) place(tx, a, i + j);
        });

      const shown = paged(store, 50);
      expect(shown).toHaveLength(arrivals.length);
      for (const sender of [...PEERS, 'self'])
        expect(shown.filter((m) => m.sender === sender).map((m) => m.seq)).toEqual(
          range(1, sender === 'self' ? n / 5 : n),
        );
      // Unique positions: a page boundary never splits messages that share one.
      expect(new Set(shown.map((m) => m.sortKey)).size).toBe(shown.length);
    });
  }
}
