/** What the messenger shows of groups: plain JSON-able views (docs/API.md "Groups"). */
import type { Ctx } from '../context/index.ts';
import type { ContactRecord, ContactsTx, GroupsTx, MessageRecord, MessagesTx } from '../ports/index.ts';
import {
  type GroupView,
  type MessageView,
  messageView,
  type ReceiptView,
  receiptTimes,
} from '../views/index.ts';
import { pictureId } from './picture.ts';
import { countsReadMarks, type GroupReads, groupReads, readByView } from './read-marks.ts';
import { changeOwed, loadOwnKey, loadReceivers, type StoredGroup, selfId } from './store.ts';
import type { GroupViewTx } from './tx.ts';

/** How we call a member: our contact name for them, else the name the group carries. */
export function memberName(tx: ContactsTx, g: StoredGroup, peerId: string): string {
  return (
    tx.getContactByPeerId(peerId)?.name ??
    g.state.members.find((m) => m.peerId === peerId)?.name ??
    peerId.slice(0, 12)
  );
}

export function groupView(
  ctx: Ctx,
  tx: ContactsTx & GroupsTx & Pick<MessagesTx, 'getConversation'>,
  g: StoredGroup,
): GroupView {
  const me = selfId(ctx);
  const own = loadOwnKey(ctx, tx, g.state.id);
  const current = own?.epoch === g.state.epoch ? own : undefined;
  return {
    id: g.state.id,
    name: g.state.name,
    epoch: g.state.epoch,
    status: g.status,
    invitedBy: g.status === 'invited' ? memberName(tx, g, g.author) : null,
    admin: g.status === 'active' && g.state.members.some((m) => m.peerId === me && m.role === 'admin'),
    members: g.state.members.map((m) => ({
      name: m.peerId === me ? ctx.account.info.name : memberName(tx, g, m.peerId),
      peerId: m.peerId,
      role: m.role,
      me: m.peerId === me,
      online: m.peerId === me || ctx.transport.isConnected(m.peerId),
      keyReceived:
        m.peerId === me ||
        loadReceivers(ctx, tx, g.state.id, m.peerId).some((k) => k.epoch === g.state.epoch),
      keySent: m.peerId === me || (current?.sentTo.includes(m.peerId) ?? false),
    })),
    picture: g.picture
      ? { type: g.picture.type, bytes: g.picture.data.length, id: pictureId(g.picture.data) }
      : null,
    pending: changeOwed(g),
    markedUnread: tx.getConversation(g.state.id)?.markedUnread ?? false,
  };
}

/** A group conversation as the contact-shaped record messageView expects (name = the group's). */
function asContact(g: StoredGroup): ContactRecord {
  return {
    id: g.state.id,
    peerId: g.state.id, // (our files in the group are named by it: groups/files.ts)
    name: g.state.name,
    identityKey: new Uint8Array(0),
    card: new Uint8Array(0),
    addresses: [],
    verified: false,
    state: 'active',
    pendingIdentityKey: null,
    createdAt: g.createdAt,
    updatedAt: g.createdAt,
  };
}

/** Every member's name as memberName gives it, looked up once (a page of views at 500 members). */
export function memberNames(tx: ContactsTx, g: StoredGroup): Map<string, string> {
  return new Map(g.state.members.map((m) => [m.peerId, memberName(tx, g, m.peerId)]));
}

/**
 * What many views of one group share, looked up once: every member's name and, in a large group,
 * the sorted read marks (a page of 50 own messages at 1,000 members reads each once, not 50 times).
 */
export interface GroupPage {
  readonly names: ReadonlyMap<string, string>;
  readonly reads: GroupReads | undefined;
}

export function groupPage(ctx: Ctx, tx: ContactsTx & GroupsTx, g: StoredGroup): GroupPage {
  const reads = countsReadMarks(g) ? groupReads(tx, g, selfId(ctx)) : undefined;
  return { names: memberNames(tx, g), reads };
}

/**
 * `page` (groupPage): pass it when making many views of one group. Our own message shows each
 * member's receipt in a pairwise group; in a large group its `readBy` count, and with `readers`
 * (one message's details, bounded by the member count) also who has read it.
 */
export function groupMessageView(
  ctx: Ctx,
  tx: GroupViewTx,
  g: StoredGroup,
  m: MessageRecord,
  page?: GroupPage,
  readers = false,
): MessageView {
  const nameOf = (peerId: string): string => page?.names.get(peerId) ?? memberName(tx, g, peerId);
  const base = messageView(tx, ctx.account.vault, asContact(g), m);
  const reactions = tx.listReactions(m.conversationId, m.sender, m.id).map((r) => ({
    emoji: r.emoji,
    from: r.reactor === 'self' ? 'me' : nameOf(r.reactor),
  }));
  const view = { ...base, from: m.sender === 'self' ? 'me' : nameOf(m.sender), reactions };
  if (m.sender !== 'self') return view;
  const others = (): StoredGroup['state']['members'] =>
    g.state.members.filter((x) => x.peerId !== selfId(ctx));
  if (countsReadMarks(g)) {
    const reads = page?.reads ?? groupReads(tx, g, selfId(ctx));
    const { readBy, read } = readByView(ctx, reads, m);
    const shown = { ...view, status: read ? 'read' : view.status, readBy } as const;
    if (!readers) return shown;
    const who = new Set(reads.readers(m.senderSeq));
    const receipts: ReceiptView[] = others().map((x) => ({
      member: nameOf(x.peerId),
      status: who.has(x.peerId) ? 'read' : 'pending',
    }));
    return { ...shown, receipts };
  }
  const got = new Map(tx.listReceipts(m).map((r) => [r.peerId, r]));
  const receipts: ReceiptView[] = others().map((x) => {
    const r = got.get(x.peerId);
    // the times only in one message's details: a page of views needs none
    return {
      member: nameOf(x.peerId),
      status: r?.status ?? 'pending',
      ...(readers && r ? receiptTimes(r) : {}),
    };
  });
  return { ...view, receipts };
}
