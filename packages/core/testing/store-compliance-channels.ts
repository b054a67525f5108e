/** Store compliance: channels and their signed posts (unique per publisher seq). */
import { describe, expect, it } from 'vitest';
import type { ChannelPostRecord } from '../src/ports/store.ts';
import { bytes, type Ctx, inFresh } from './store-compliance-fixtures.ts';

const cid = (n: number): string => n.toString(16).padStart(32, '0');
const post = (channel: number, publisher: string, seq: number, sortKey: number): ChannelPostRecord => ({
  channelId: cid(channel),
  publisher,
  seq,
  sortKey,
  receivedAt: sortKey + 1,
  post: bytes(seq, sortKey & 0xff),
});

export function channelTests(ctx: Ctx): void {
  describe('channels', () => {
    it('stores, replaces, lists and deletes channels, and a channel deletion takes its posts', () => {
      inFresh(ctx)((tx) => {
        tx.putChannel({ id: cid(2), data: bytes(2), createdAt: 20, updatedAt: 20 });
        tx.putChannel({ id: cid(1), data: bytes(1), createdAt: 10, updatedAt: 10 });
        tx.putChannel({ id: cid(1), data: bytes(9), createdAt: 10, updatedAt: 11 });
        expect(tx.listChannels().map((c) => [c.id, [...c.data], c.updatedAt])).toEqual([
          [cid(1), [9], 11],
          [cid(2), [2], 20],
        ]);
        expect(tx.putPost(post(1, 'aa', 1, 100))).toBe('inserted');
        expect(tx.putPost(post(2, 'aa', 1, 100))).toBe('inserted');
        tx.deleteChannel(cid(1));
        expect(tx.getChannel(cid(1))).toBeUndefined();
        expect(tx.countPosts(cid(1))).toBe(0);
        expect(tx.countPosts(cid(2))).toBe(1);
        expect(tx.getChannel(cid(2))?.createdAt).toBe(20);
      });
    });

    it('keeps one post per (channel, publisher, seq): a duplicate changes nothing', () => {
      inFresh(ctx)((tx) => {
        expect(tx.putPost(post(1, 'aa', 1, 100))).toBe('inserted');
        expect(tx.putPost({ ...post(1, 'aa', 1, 999), post: bytes(7) })).toBe('duplicate');
        expect(tx.putPost(post(1, 'bb', 1, 100))).toBe('inserted');
        const got = tx.getPost(cid(1), 'aa', 1);
        expect(got?.sortKey).toBe(100);
        expect([...(got?.post ?? [])]).toEqual([1, 100]);
        expect(tx.getPost(cid(1), 'aa', 2)).toBeUndefined();
        expect(tx.countPosts(cid(1))).toBe(2);
      });
    });

    it('lists posts by sortKey (then publisher, seq) with before/after/limit like messages', () => {
      inFresh(ctx)((tx) => {
        tx.putPost(post(1, 'bb', 1, 30));
        tx.putPost(post(1, 'aa', 2, 20));
        tx.putPost(post(1, 'aa', 1, 10));
        tx.putPost(post(1, 'aa', 3, 30));
        tx.putPost(post(2, 'aa', 9, 15));
        const ids = (ps: ChannelPostRecord[]) => ps.map((p) => `${p.publisher}${p.seq}`);
        expect(ids(tx.listPosts(cid(1)))).toEqual(['aa1', 'aa2', 'aa3', 'bb1']);
        expect(ids(tx.listPosts(cid(1), { limit: 2 }))).toEqual(['aa3', 'bb1']);
        expect(ids(tx.listPosts(cid(1), { before: 30, limit: 1 }))).toEqual(['aa2']);
        expect(ids(tx.listPosts(cid(1), { after: 10, limit: 2 }))).toEqual(['aa2', 'aa3']);
      });
    });

    it("pages one publisher's posts after a seq and knows the highest seq", () => {
      inFresh(ctx)((tx) => {
        for (const seq of [5, 1, 3, 2]) tx.putPost(post(1, 'aa', seq, 100 - seq));
        tx.putPost(post(1, 'bb', 7, 1));
        expect(tx.listPostsAfter(cid(1), 'aa', 1, 2).map((p) => p.seq)).toEqual([2, 3]);
        expect(tx.listPostsAfter(cid(1), 'aa', 3, 10).map((p) => p.seq)).toEqual([5]);
        expect(tx.listPostsAfter(cid(1), 'cc', 0, 10)).toEqual([]);
        expect(tx.maxPostSeq(cid(1), 'aa')).toBe(5);
        expect(tx.maxPostSeq(cid(1), 'bb')).toBe(7);
        expect(tx.maxPostSeq(cid(1), 'cc')).toBe(0);
      });
    });
  });
}
