/**
 * Answering /parley/query for channels: a channel's descriptor and pages of its posts, to the
 * peers that channel admits; and who may open a query stream at all.
 */
import { fromBase64Url } from '../base/index.ts';
import {
  decodeDescriptorRequest,
  decodeSyncRequest,
  encodeSyncAnswer,
  publisherKeys,
  SYNC_PAGE_MAX_BYTES,
  SYNC_PAGE_MAX_POSTS,
  type SyncRequest,
} from './codec.ts';
import { type ChannelRuntime, type Live, mayShare } from './live.ts';
import { postLabel } from './store.ts';

type Parts = Pick<ChannelRuntime, 'ctx' | 'self' | 'live'>;

/** Other /parley/query kinds (large groups' catch-up): the transport has one handler. */
export type OtherQuery = (peer: string, request: Uint8Array) => Uint8Array | undefined;

/**
 * /parley/query for channels. A channel we do not have and one the peer may not see get the
 * same refusal (undefined), decided before the store is read: the asker learns nothing about
 * which channels we have. The asker is not remembered (see ingest.ts).
 */
export async function answerQuery(
  rt: Parts,
  otherQuery: OtherQuery | undefined,
  peer: string,
  request: Uint8Array,
): Promise<Uint8Array | undefined> {
  const wanted = decodeDescriptorRequest(request);
  if (wanted) {
    const l = rt.live.get(wanted);
    return l && mayShare(rt.self, l, peer) ? fromBase64Url(l.state.descriptor) : undefined;
  }
  const req = decodeSyncRequest(request);
  if (!req) return otherQuery?.(peer, request);
  const l = rt.live.get(req.channelId);
  if (!l || !mayShare(rt.self, l, peer)) return undefined;
  return syncAnswer(rt, l, req);
}

/** One page of the posts `req` asks for, within SYNC_PAGE_MAX_POSTS and SYNC_PAGE_MAX_BYTES. */
function syncAnswer(rt: Parts, l: Live, req: SyncRequest): Uint8Array {
  const { ctx } = rt;
  return ctx.store.transaction((tx) => {
    const out: Uint8Array[] = [];
    let bytes = 8;
    for (const pub of publisherKeys(ctx.primitives, l.descriptor).keys()) {
      const after = req.after.get(pub) ?? 0;
      for (const r of tx.listPostsAfter(req.channelId, pub, after, SYNC_PAGE_MAX_POSTS - out.length)) {
        const post = ctx.account.vault.open(postLabel(req.channelId), r.post);
        if (bytes + post.length + 4 > SYNC_PAGE_MAX_BYTES) return encodeSyncAnswer(out);
        out.push(post);
        bytes += post.length + 4;
      }
      if (out.length >= SYNC_PAGE_MAX_POSTS) break;
    }
    return encodeSyncAnswer(out);
  });
}

/**
 * Who may open a /parley/query stream at all (before a byte is read): contacts (large groups'
 * members are), anyone while we have a public channel (its followers are strangers to us), and
 * the peers a private channel admits. Everyone else is reset unread.
 */
export function admitsQueries(
  rt: Parts,
  isContact: ((peer: string) => boolean) | undefined,
  peer: string,
): boolean {
  if (isContact?.(peer)) return true;
  for (const l of rt.live.values()) if (mayShare(rt.self, l, peer)) return true;
  return false;
}
