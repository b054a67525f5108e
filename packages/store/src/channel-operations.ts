import type { ChannelPostRecord, ChannelRecord, ChannelsTx, MessageQuery } from '@parley/core';
import { checkLimit, pageBySortKey } from './paging.ts';
import { blob, num, type Row, text } from './rows.ts';
import type { Statements } from './statements.ts';

const toChannel = (r: Row): ChannelRecord => ({
  id: text(r.id),
  data: blob(r.data),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

const toPost = (r: Row): ChannelPostRecord => ({
  channelId: text(r.channel_id),
  publisher: text(r.publisher),
  seq: num(r.seq),
  sortKey: num(r.sort_key),
  receivedAt: num(r.received_at),
  post: blob(r.post),
});

/** All of ChannelsTx but indexPost (search-operations.ts). */
export function channelOperations(s: Statements): Omit<ChannelsTx, 'indexPost'> {
  return {
    putChannel: (c) =>
      void s.run(
        'INSERT OR REPLACE INTO channels (id, data, created_at, updated_at) VALUES (?, ?, ?, ?)',
        ...[c.id, c.data, c.createdAt, c.updatedAt],
      ),
    getChannel: (id) => {
      const r = s.get('SELECT * FROM channels WHERE id = ?', id);
      return r === undefined ? undefined : toChannel(r);
    },
    listChannels: () => s.all('SELECT * FROM channels ORDER BY created_at, id').map(toChannel),
    deleteChannel: (id) => {
      s.run('DELETE FROM channels WHERE id = ?', id);
      s.run('DELETE FROM channel_posts WHERE channel_id = ?', id);
      s.run('DELETE FROM drafts WHERE conversation_id = ?', id);
    },
    putPost: (p) =>
      s.run(
        `INSERT INTO channel_posts (channel_id, publisher, seq, sort_key, received_at, post) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel_id, publisher, seq) DO NOTHING`,
        ...[p.channelId, p.publisher, p.seq, p.sortKey, p.receivedAt, p.post],
      ) === 1
        ? 'inserted'
        : 'duplicate',
    getPost: (id, publisher, seq) => {
      const r = s.get(
        'SELECT * FROM channel_posts WHERE channel_id = ? AND publisher = ? AND seq = ?',
        ...[id, publisher, seq],
      );
      return r === undefined ? undefined : toPost(r);
    },
    listPosts: (id, query = {}) => listPosts(s, id, query),
    listPostsAfter: (id, publisher, afterSeq, limit) =>
      s
        .all(
          'SELECT * FROM channel_posts WHERE channel_id = ? AND publisher = ? AND seq > ? ORDER BY seq LIMIT ?',
          ...[id, publisher, afterSeq, checkLimit(limit)],
        )
        .map(toPost),
    maxPostSeq: (id, publisher) =>
      num(
        s.get(
          'SELECT coalesce(max(seq), 0) AS n FROM channel_posts WHERE channel_id = ? AND publisher = ?',
          ...[id, publisher],
        )?.n,
      ),
    countPosts: (id) => num(s.get('SELECT count(*) AS n FROM channel_posts WHERE channel_id = ?', id)?.n),
  };
}

function listPosts(s: Statements, id: string, query: MessageQuery): ChannelPostRecord[] {
  const table = { table: 'channel_posts', scope: 'channel_id', tieBreak: ['publisher', 'seq'] } as const;
  return pageBySortKey(s, table, id, query).map(toPost);
}
