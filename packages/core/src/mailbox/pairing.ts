/**
 * Our own mailboxes: pairing with one (`add(link)` asks it for a queue and its deposit token and
 * keeps it, sealed, in account/mailboxes.ts), listing and removing them, and telling every
 * contact our new card, which names them (wire/card-extension.ts).
 */
import {
  accountIdOf,
  loadMailboxLinks,
  loadOwnMailboxes,
  type OwnMailbox,
  saveOwnMailboxes,
} from '../account/index.ts';
import { CoreError, InboundError } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { ownerOf } from '../devices/index.ts';
import { sendProfile, syncToOwnDevices } from '../messaging/index.ts';
import type { StoreTx } from '../ports/index.ts';
import { SessionBatch } from '../sessions/index.ts';
import { MAILBOXES_PER_ACCOUNT_MAX } from '../wire/index.ts';
import { decodeMailboxLink, decodePairAnswer, decodeUnpairAnswer, MailboxError } from './codec.ts';
import { drainOne } from './drain.ts';
import { dropOffer, keepLink, mailboxLinkPeer as linkPeer } from './offers.ts';
import { ask, type MailboxRuntime, type MailboxView, ownMailboxes } from './runtime.ts';

/** What the API shows of `m`; `contacts` names friends' mailboxes (PeerId → contact name). */
export function viewOf(
  rt: MailboxRuntime,
  m: OwnMailbox,
  contacts: ReadonlyMap<string, string>,
): MailboxView {
  return {
    id: m.peerId,
    kind: m.kind,
    contact: m.kind === 'friend' ? (contacts.get(m.peerId) ?? null) : null,
    addresses: m.addresses,
    addedAt: m.addedAt,
    quota: m.quota,
    online: rt.ctx.transport.isConnected(m.peerId),
    lastDrainAt: rt.drains.get(m.peerId)?.at ?? null,
    lastError: rt.drains.get(m.peerId)?.error ?? null,
  };
}

export function listMailboxes(rt: MailboxRuntime): MailboxView[] {
  const boxes = ownMailboxes(rt.ctx);
  const contacts = contactNames(rt.ctx);
  return boxes.map((m) => viewOf(rt, m, contacts));
}

/** Contacts' names by the PeerId of each of their devices (a friend's mailbox is one of them). */
export function contactNames(ctx: Ctx): Map<string, string> {
  return ctx.store.transaction(
    (tx) =>
      new Map(
        tx
          .listContacts()
          .flatMap((c) => [c.peerId, ...tx.listDevices(c.id).map((d) => d.peerId)].map((p) => [p, c.name])),
      ),
  );
}

/**
 * Our card changed (its mailboxes): every contact gets it, now or with the rest of its outbox. The
 * contacts hold our founding device's card as the account's (a `profile` update); every device's
 * own card, which names the queues it pairs with, travels with our device list (deps.cardChanged).
 */
export function announce(
  rt: MailboxRuntime,
  save: (boxes: OwnMailbox[]) => OwnMailbox[],
  first?: (tx: StoreTx) => string[] | undefined,
): void {
  const { ctx } = rt;
  const { account } = ctx;
  const founding = accountIdOf(account.info) === account.info.peerId;
  const peers = ctx.store.transaction((tx) => {
    const told = first?.(tx) ?? [];
    saveOwnMailboxes(tx, account.vault, save(loadOwnMailboxes(tx, account.vault)));
    return [...told, ...(founding ? sendProfile(ctx, tx) : [])];
  });
  for (const peer of peers) rt.deps.kick(peer);
  rt.deps.cardChanged?.();
}

/**
 * Whether `peerId` is a contact's device: then the mailbox is a friend's daemon that offered to
 * hold our mail (offers.ts), paired with the secret of its offer like a node's link.
 */
const isContactDevice = (ctx: Ctx, peerId: string): boolean =>
  ctx.store.transaction((tx) => ownerOf(ctx, tx, peerId)?.kind === 'contact');

/**
 * Pairs with the mailbox of a `parley://mailbox/…` link and tells our contacts; our other devices
 * pair with it too (a `mailbox` sync op with the link), unless it is they who told us
 * (`fromOwnDevice`).
 */
export async function addMailbox(
  rt: MailboxRuntime,
  text: string,
  fromOwnDevice = false,
): Promise<MailboxView> {
  const { ctx } = rt;
  const link = decodeMailboxLink(text);
  if (link.peerId === ctx.account.info.peerId)
    throw new CoreError(
      'bad-input',
      'that is this daemon’s own mailbox link; pair with a mailbox on another machine',
    );
  const before = ownMailboxes(ctx);
  if (!before.some((m) => m.peerId === link.peerId) && before.length >= MAILBOXES_PER_ACCOUNT_MAX)
    throw new CoreError(
      'not-allowed',
      `an account uses at most ${MAILBOXES_PER_ACCOUNT_MAX} mailboxes; remove one first (parley mailbox remove ID)`,
    );
  let answer: ReturnType<typeof decodePairAnswer>;
  try {
    answer = decodePairAnswer(await ask(ctx, link, { kind: 'pair', secret: link.secret }));
  } catch (error) {
    throw pairingError(error);
  }
  const box: OwnMailbox = {
    peerId: link.peerId,
    token: answer.token,
    addresses: link.addresses,
    kind: isContactDevice(ctx, link.peerId) ? 'friend' : 'node',
    addedAt: ctx.now(),
    quota: { maxBytes: answer.maxBytes, maxItems: answer.maxItems, expiryMs: answer.expiryMs },
  };
  announce(
    rt,
    (boxes) => [...boxes.filter((m) => m.peerId !== box.peerId), box],
    (tx) => {
      keepLink(ctx, tx, link.peerId, text.trim());
      dropOffer(ctx, tx, link.peerId);
      return fromOwnDevice ? [] : tellOwnDevices(ctx, tx, link.peerId, text.trim());
    },
  );
  void drainOne(rt, box);
  return viewOf(rt, box, contactNames(ctx));
}

/**
 * Stops using a mailbox (by its PeerId or a unique prefix) and tells our contacts; our other
 * devices stop using it too.
 */
export async function removeMailbox(rt: MailboxRuntime, id: string): Promise<void> {
  const { ctx } = rt;
  const box = findOwn(ownMailboxes(ctx), id);
  announce(
    rt,
    (boxes) => boxes.filter((m) => m.peerId !== box.peerId),
    (tx) => {
      keepLink(ctx, tx, box.peerId, null);
      return tellOwnDevices(ctx, tx, box.peerId, null);
    },
  );
  await unpair(rt, box);
}

/** Best effort: the mailbox deletes our queue (mail still in it is lost to us anyway now). */
async function unpair(rt: MailboxRuntime, box: Pick<OwnMailbox, 'peerId' | 'addresses'>): Promise<void> {
  rt.drains.delete(box.peerId);
  await ask(rt.ctx, box, { kind: 'unpair' })
    .then(decodeUnpairAnswer)
    .catch(() => undefined);
}

/** Our other devices follow: a `mailbox` sync op (in `tx`); the peers to kick. */
function tellOwnDevices(ctx: Ctx, tx: StoreTx, peer: string, link: string | null): string[] {
  const sessions = new SessionBatch(tx, ctx.account.vault);
  const peers = syncToOwnDevices(ctx, tx, sessions, { op: 'mailbox', peer, link });
  sessions.save();
  return peers;
}

/**
 * A `mailbox` sync op from our own device, inside the inbox's transaction: the link is kept (so a
 * crash before we pair is made good at the next start), or the mailbox is dropped here too.
 * A link that does not decode, or names another mailbox, is refused.
 */
export function applyMailboxSync(ctx: Ctx, tx: StoreTx, peer: string, link: string | null): void {
  if (link !== null && linkPeer(link) !== peer)
    throw new InboundError('bad-message', 'a mailbox sync op with a damaged link');
  keepLink(ctx, tx, peer, link);
  if (link === null) {
    const { vault } = ctx.account;
    saveOwnMailboxes(
      tx,
      vault,
      loadOwnMailboxes(tx, vault).filter((m) => m.peerId !== peer),
    );
  }
}

/**
 * After a `mailbox` sync op committed: pair with every mailbox our devices use that this device
 * has no queue at yet, or, for one we stopped using, tell the new card and unpair.
 */
export async function followOwnDevice(rt: MailboxRuntime, peer: string, link: string | null): Promise<void> {
  if (link !== null) return pairWithLinks(rt);
  announce(rt, (boxes) => boxes);
  const links = loadLinksOf(rt.ctx);
  if (!links.some((l) => linkPeer(l) === peer)) await unpair(rt, { peerId: peer, addresses: [] });
}

const loadLinksOf = (ctx: Ctx): string[] =>
  ctx.store.transaction((tx) => loadMailboxLinks(tx, ctx.account.vault));

/**
 * Pairs with each mailbox node our devices use that this device has no queue at yet (on start,
 * after a link, and when another device of ours adds one); a failure is a `problem` event and is
 * tried again at the next start or drain round.
 */
export async function pairWithLinks(rt: MailboxRuntime): Promise<void> {
  const { ctx } = rt;
  const have = new Set(ownMailboxes(ctx).map((m) => m.peerId));
  for (const link of loadLinksOf(ctx)) {
    const peer = linkPeer(link);
    if (!peer || have.has(peer) || rt.stopped) continue;
    try {
      await addMailbox(rt, link, true);
    } catch (error) {
      ctx.events.emit('problem', {
        code: 'mailbox',
        message: `could not pair this device with your mailbox ${peer.slice(0, 16)}…: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
}

function findOwn(boxes: readonly OwnMailbox[], id: string): OwnMailbox {
  const wanted = id.trim();
  const matches =
    wanted.length === 0 ? [] : boxes.filter((m) => m.peerId === wanted || m.peerId.startsWith(wanted));
  if (matches.length === 1) return matches[0] as OwnMailbox;
  throw new CoreError(
    'bad-input',
    matches.length === 0
      ? `no mailbox "${wanted.slice(0, 60)}"; see parley mailbox list`
      : `"${wanted}" matches ${matches.length} mailboxes; give more of its id`,
  );
}

function pairingError(error: unknown): CoreError {
  if (error instanceof MailboxError)
    return new CoreError('not-allowed', `the mailbox refused: ${error.message}`);
  return new CoreError(
    'bad-input',
    'could not reach the mailbox in that link; check that it runs and that the link has its current addresses (parley mailbox link)',
    { cause: error },
  );
}
