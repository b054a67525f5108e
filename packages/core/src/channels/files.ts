/**
 * Files in channels (docs/PROTOCOL.md §5 "Posts with a file"): who may fetch the files we posted,
 * and a channel's file by id. The transfer itself is the conversations' (attachments/, over
 * `/parley/file`); the messenger hands this module's answers to its file server.
 *
 * The posting device serves its file to the peers the channel admits for queries (query.ts): a
 * public channel's to anyone asking (its followers are strangers to us), a private one's to its
 * approved followers and publishers (at the owner) or to the owner and the peers that proved they
 * hold the content key (at a publisher), and to our own devices. A peer the channel does not admit
 * is refused exactly as for a file that does not exist.
 */
import type { AttachmentRecord, AttachmentsTx } from '../ports/index.ts';
import { type ChannelRuntime, mayShare } from './live.ts';

type Parts = Pick<ChannelRuntime, 'self' | 'live'>;

/** The file `fileId` we posted in a channel that `peer` may share, if there is one. */
export function channelFileFor(
  rt: Parts,
  tx: Pick<AttachmentsTx, 'getAttachment'>,
  peer: string,
  fileId: string,
): AttachmentRecord | undefined {
  for (const l of rt.live.values()) {
    if (!mayShare(rt.self, l, peer)) continue;
    const record = tx.getAttachment('out', l.state.id, fileId);
    if (record) return record;
  }
  return undefined;
}

/**
 * Whether `peer` may open `/parley/file` for a channel's sake (before a byte is read): some
 * channel we have admits it. Which file it may then fetch is channelFileFor's answer.
 */
export function admitsFileRequests(rt: Parts, peer: string): boolean {
  for (const l of rt.live.values()) if (mayShare(rt.self, l, peer)) return true;
  return false;
}

/** Channel `channelId`'s file with this id: ours, or one received in it (any id: only here). */
export function findChannelFile(
  tx: Pick<AttachmentsTx, 'getAttachment'>,
  channelId: string,
  id: string,
  direction?: 'in',
): AttachmentRecord | undefined {
  const ours = direction === undefined ? tx.getAttachment('out', channelId, id) : undefined;
  return ours ?? tx.getAttachment('in', channelId, id);
}
