import type { Ctx } from '../context/index.ts';
import { ownerOf } from '../devices/index.ts';
import { shownAttachment, storeOwnFile } from '../messaging/index.ts';
import type { AttachmentRecord, AttachmentsTx, ContactsTx, DevicesTx, GroupsTx } from '../ports/index.ts';
import type { MessageView } from '../views/index.ts';
import type { FileManifest } from '../wire/index.ts';
import { sendToGroup } from './conversation.ts';
import type { GroupLocal } from './local.ts';
import { listGroups, memberOf, type StoredGroup } from './store.ts';

/** Sends an encrypted file's manifest to the group and offers the file to its members. */
export function sendGroupFile(local: GroupLocal, g: StoredGroup, manifest: FileManifest): MessageView {
  const { ctx } = local;
  const stored = { text: manifest.caption ?? '', attachment: shownAttachment(manifest) };
  return sendToGroup(local, g, { kind: 'attachment', ...manifest }, stored, (tx, m) => {
    const message = { conversationId: m.conversationId, sender: 'self', id: m.id };
    storeOwnFile(ctx, tx, { peerId: g.state.id, message, manifest });
  }) as MessageView;
}

/**
 * The file `fileId` we sent to a group that `peer` (any device of a member's account) is a current
 * member of, if there is one: what `/parley/file` may serve them besides 1:1 files.
 */
export function groupFileFor(
  ctx: Ctx,
  tx: GroupsTx & AttachmentsTx & ContactsTx & DevicesTx,
  peer: string,
  fileId: string,
): AttachmentRecord | undefined {
  const owner = ownerOf(ctx, tx, peer);
  if (owner?.kind !== 'contact') return undefined; // (our own devices are served every file we hold)
  const account = owner.contact.peerId;
  for (const g of listGroups(ctx, tx)) {
    if (g.status !== 'active' || !memberOf(g, account)) continue;
    const record = tx.getAttachment('out', g.state.id, fileId);
    if (record) return record;
  }
  return undefined;
}

/**
 * The group's file with this id: ours (named by the group), or one a member (or former member)
 * sent in this group. Only among the group's files: a member can put any id in a manifest.
 */
export function findGroupFile(
  tx: AttachmentsTx,
  g: StoredGroup,
  id: string,
  direction?: 'in',
): AttachmentRecord | undefined {
  const ours = direction === undefined ? tx.getAttachment('out', g.state.id, id) : undefined;
  if (ours) return ours;
  const senders = new Set([...g.state.members.map((m) => m.peerId), ...g.prev.map((p) => p.peerId)]);
  for (const p of senders) {
    const r = tx.getAttachment('in', p, id);
    if (r && r.message.conversationId === g.state.id) return r;
  }
  return undefined;
}
