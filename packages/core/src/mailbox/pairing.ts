/**
 * Our own mailboxes: pairing with one (`add(link)` asks it for a queue and its deposit token and
 * keeps it, sealed, in account/mailboxes.ts), listing and removing them, and telling every
 * contact our new card, which names them (wire/card-extension.ts).
 */
import { accountIdOf, loadOwnMailboxes, type OwnMailbox, saveOwnMailboxes } from '../account/index.ts';
import { CoreError } from '../base/index.ts';
import { sendProfile } from '../messaging/index.ts';
import type { AccountTx } from '../ports/index.ts';
import { MAILBOXES_PER_ACCOUNT_MAX } from '../wire/index.ts';
import { decodeMailboxLink, decodePairAnswer, decodeUnpairAnswer, MailboxError } from './codec.ts';
import { drainOne } from './drain.ts';
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
  const { store, account } = rt.ctx;
  const { boxes, contacts } = store.transaction((tx) => ({
    boxes: loadOwnMailboxes(tx, account.vault),
    contacts: new Map(tx.listContacts().map((c) => [c.peerId, c.name])),
  }));
  return boxes.map((m) => viewOf(rt, m, contacts));
}

/**
 * Our card changed (its mailboxes): every contact gets it, now or with the rest of its outbox. The
 * contacts hold our founding device's card as the account's (a `profile` update); every device's
 * own card, which names the queues it pairs with, travels with our device list (deps.cardChanged).
 */
export function announce(
  rt: MailboxRuntime,
  save: (boxes: OwnMailbox[]) => OwnMailbox[],
  first?: (tx: AccountTx) => void,
): void {
  const { ctx } = rt;
  const { account } = ctx;
  const founding = accountIdOf(account.info) === account.info.peerId;
  const peers = ctx.store.transaction((tx) => {
    first?.(tx);
    saveOwnMailboxes(tx, account.vault, save(loadOwnMailboxes(tx, account.vault)));
    return founding ? sendProfile(ctx, tx) : [];
  });
  for (const peer of peers) rt.deps.kick(peer);
  rt.deps.cardChanged?.();
}

/** Pairs with the mailbox of a `parley://mailbox/…` link and tells our contacts. */
export async function addMailbox(rt: MailboxRuntime, text: string): Promise<MailboxView> {
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
    kind: 'node',
    addedAt: ctx.now(),
    quota: { maxBytes: answer.maxBytes, maxItems: answer.maxItems, expiryMs: answer.expiryMs },
  };
  announce(rt, (boxes) => [...boxes.filter((m) => m.peerId !== box.peerId), box]);
  void drainOne(rt, box);
  return viewOf(rt, box, new Map());
}

/** Stops using a mailbox (by its PeerId or a unique prefix) and tells our contacts. */
export async function removeMailbox(rt: MailboxRuntime, id: string): Promise<void> {
  const box = findOwn(ownMailboxes(rt.ctx), id);
  announce(rt, (boxes) => boxes.filter((m) => m.peerId !== box.peerId));
  rt.drains.delete(box.peerId);
  // Best effort: the mailbox deletes our queue (mail still in it is lost to us anyway now).
  await ask(rt.ctx, box, { kind: 'unpair' })
    .then(decodeUnpairAnswer)
    .catch(() => undefined);
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
