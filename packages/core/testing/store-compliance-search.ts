/**
 * Store compliance: the full-text index (ports/store.ts SearchTx). Documents come newest first by
 * their `at`, whatever order they were indexed in; a scope keeps one conversation or channel;
 * `before` pages; removing a message or post in any way removes its document.
 */
import { describe, expect, it } from 'vitest';
import type { MessageKey, SearchDocRef, StoreTx } from '../src/ports/store.ts';
import { indexText, parseQuery } from '../src/search/index.ts';
import { bytes, type Ctx, inFresh, mid, sampleMessage } from './store-compliance-fixtures.ts';

const key = (conversationId: string, n: number): MessageKey => ({
  conversationId,
  sender: 'peer-a',
  id: mid(n),
});

/** Stores message `n` of `conversationId` with `text` indexed at time `at`. */
function put(tx: StoreTx, conversationId: string, n: number, text: string, at = 1_000 + n): MessageKey {
  const k = key(conversationId, n);
  tx.insertMessage(sampleMessage({ ...k, senderSeq: n, sortKey: n, receivedAt: at }));
  tx.indexMessage(k, indexText(text), at);
  return k;
}

const find = (tx: StoreTx, query: string, more: { scope?: string; before?: number; limit?: number } = {}) =>
  tx.findMessages({ match: parseQuery(query), limit: more.limit ?? 50, ...more });
const ids = (refs: SearchDocRef[]): string[] =>
  refs.map((r) =>
    r.kind === 'message'
      ? `${r.key.conversationId}/${Number.parseInt(r.key.id, 16)}`
      : `${r.channelId}/${r.publisher}/${r.seq}`,
  );

export function searchTests(ctx: Ctx): void {
  describe('search', () => {
    it('finds by word prefix, accent- and case-insensitively, CJK phrases and emoji; newest first', () => {
      inFresh(ctx)((tx) => {
        put(tx, 'c1', 1, 'Un Résumé important', 5_000);
        put(tx, 'c1', 2, 'rien à voir', 4_000);
        put(tx, 'c2', 3, '你好世界 🎉', 3_000);
        put(tx, 'c2', 4, 'résumés again', 6_000); // indexed last but not newest: order is by `at`
        expect(ids(find(tx, 'RESU'))).toEqual(['c2/4', 'c1/1']);
        expect(ids(find(tx, 'resume imp'))).toEqual(['c1/1']);
        expect(ids(find(tx, '好世'))).toEqual(['c2/3']);
        expect(ids(find(tx, '世好'))).toEqual([]);
        expect(ids(find(tx, '🎉'))).toEqual(['c2/3']);
        expect(ids(find(tx, 'voir "OR" *'))).toEqual([]); // "or" is a plain word here, not syntax
        expect(ids(find(tx, 'NEAR(voir)'))).toEqual([]);
        expect(ids(find(tx, 'voir: -rien'))).toEqual(['c1/2']);
        expect(find(tx, 'x', { limit: 0 })).toEqual([]);
        expect(tx.findMessages({ match: { terms: [] }, limit: 10 })).toEqual([]);
      });
    });

    it('filters by scope (the conversation id, not a word of the text) and pages with before', () => {
      inFresh(ctx)((tx) => {
        for (let n = 1; n <= 5; n++) put(tx, n % 2 === 0 ? 'even' : 'odd', n, `note ${n}`);
        put(tx, 'other', 9, 'odd even');
        expect(ids(find(tx, 'note', { scope: 'odd' }))).toEqual(['odd/5', 'odd/3', 'odd/1']);
        expect(ids(find(tx, 'odd'))).toEqual(['other/9']);
        const first = find(tx, 'note', { limit: 2 });
        expect(ids(first)).toEqual(['odd/5', 'even/4']);
        const next = find(tx, 'note', { limit: 2, before: first[1]?.doc as number });
        expect(ids(next)).toEqual(['odd/3', 'even/2']);
        expect(ids(find(tx, 'note', { scope: 'even', before: next[1]?.doc as number }))).toEqual([]);
      });
    });

    it('re-indexing replaces the tokens and keeps the place; a missing or deleted message is not indexed', () => {
      inFresh(ctx)((tx) => {
        const a = put(tx, 'c', 1, 'first words', 2_000);
        put(tx, 'c', 2, 'newer words', 3_000);
        tx.indexMessage(a, indexText('edited text'), 9_999);
        expect(ids(find(tx, 'first'))).toEqual([]);
        expect(ids(find(tx, 'edited'))).toEqual(['c/1']);
        expect(ids(find(tx, 'words'))).toEqual(['c/2']);
        tx.indexMessage(key('c', 7), indexText('ghost'), 1);
        expect(find(tx, 'ghost')).toEqual([]);
        tx.insertMessage(sampleMessage({ ...key('c', 8), senderSeq: 8, deletedAt: 5 }));
        tx.indexMessage(key('c', 8), indexText('ghost'), 1);
        expect(find(tx, 'ghost')).toEqual([]);
      });
    });

    it('deleteMessage, deleteConversation and deleting for everyone take messages out of the index', () => {
      inFresh(ctx)((tx) => {
        const a = put(tx, 'c1', 1, 'canary one');
        const b = put(tx, 'c1', 2, 'canary two');
        put(tx, 'c2', 3, 'canary three');
        const d = put(tx, 'c3', 4, 'canary four');
        put(tx, 'c3', 5, 'canary five');
        tx.deleteMessage(a);
        expect(ids(find(tx, 'canary'))).toEqual(['c3/5', 'c3/4', 'c2/3', 'c1/2']);
        tx.updateMessage(b, { body: new Uint8Array(0), deletedAt: 7 });
        tx.updateMessageIf(d, ['received'], { body: new Uint8Array(0), deletedAt: 7 });
        expect(ids(find(tx, 'canary'))).toEqual(['c3/5', 'c2/3']);
        tx.updateMessage(key('c3', 5), { status: 'read' }); // other patches leave it indexed
        tx.deleteConversation('c2');
        expect(ids(find(tx, 'canary'))).toEqual(['c3/5']);
      });
    });

    it('indexes channel posts; deleteChannel takes them out; a rolled-back index changes nothing', () => {
      const store = ctx.open();
      store.transaction((tx) => {
        for (const [channelId, seq] of [
          ['ch1', 1],
          ['ch1', 2],
          ['ch2', 1],
        ] as const) {
          tx.putPost({ channelId, publisher: 'pp', seq, sortKey: seq, receivedAt: seq, post: bytes(seq) });
          tx.indexPost(channelId, 'pp', seq, indexText(`post ${channelId} número ${seq}`), 100 + seq);
        }
        tx.indexPost('ch9', 'pp', 1, indexText('ghost'), 1); // no such post
        put(tx, 'c', 1, 'numero uno', 50);
        // ch1/1 and ch2/1 share their `at`: the one indexed later counts as the newer.
        expect(ids(find(tx, 'numero'))).toEqual(['ch1/pp/2', 'ch2/pp/1', 'ch1/pp/1', 'c/1']);
        expect(ids(find(tx, 'numero', { scope: 'ch2' }))).toEqual(['ch2/pp/1']);
        expect(find(tx, 'ghost')).toEqual([]);
        tx.deleteChannel('ch1');
        expect(ids(find(tx, 'numero'))).toEqual(['ch2/pp/1', 'c/1']);
      });
      expect(() =>
        store.transaction((tx) => {
          put(tx, 'c', 2, 'rolled back');
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(store.transaction((tx) => find(tx, 'rolled'))).toEqual([]);
    });
  });
}
