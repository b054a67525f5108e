/**
 * An account's mailboxes (issue 17): pairing with mailboxes, telling contacts about them,
 * depositing for contacts who are away, and draining our own.
 *
 * - Pairing: `add(link)` asks the mailbox for a queue and its deposit token, keeps it (sealed,
 *   account/mailboxes.ts) and sends every contact our new card, which names our mailboxes
 *   (wire/card-extension.ts). A contact away now gets it with the rest of its outbox.
 * - Depositing (the outbox pump's `unreachable` hook): the contact's outbox frames, already
 *   end-to-end encrypted, go into envelopes that hide us from the mailbox (envelope.ts) and are
 *   deposited in outbox order at the first of its mailboxes that takes them. They STAY in the
 *   outbox until the contact ACKs them (D1); `depositedAt` keeps them from being deposited twice,
 *   and the message shows `stored`.
 * - Draining: on start, when a mailbox connects and every DRAIN_INTERVAL_MS, each of our
 *   mailboxes is asked for what it holds, oldest first; each envelope's frames go through the
 *   normal inbox (D2–D5: exactly once, in order, ACK after commit) and only once they are
 *   committed is the envelope deleted at the mailbox. A crash in between fetches it again, and
 *   the inbox recognises every frame as seen (D3).
 */
import { decodeContactCard } from '@parley/crypto';
import {
  decodeIdentityPublic,
  loadOwnMailboxes,
  type OwnMailbox,
  saveOwnMailboxes,
} from '../account/index.ts';
import { CoreError } from '../base/index.ts';
import { ownCard } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import { compose, type Effects } from '../messaging/index.ts';
import type { AccountTx, ContactRecord, MailStore, MessageKey, OutboxRecord } from '../ports/index.ts';
import { decodeCardExtension, MAILBOXES_PER_ACCOUNT_MAX, type MailboxAddress } from '../wire/index.ts';
import {
  decodeChunkRecord,
  decodeDeleteAnswer,
  decodeDepositAnswer,
  decodeFetchAnswer,
  decodeMailboxLink,
  decodePairAnswer,
  decodeUnpairAnswer,
  encodeChunkRecord,
  encodeMailRequest,
  isMailRequest,
  MAIL_DELETE_MAX,
  MAIL_ENVELOPE_MAX_BYTES,
  MailboxError,
  type MailRequest,
} from './codec.ts';
import {
  ENVELOPE_MAX_FRAMES,
  ENVELOPE_OVERHEAD_BYTES,
  ENVELOPE_PAD_BYTES,
  envelopeFrameBytes,
  openEnvelope,
  sealEnvelope,
} from './envelope.ts';
import { acceptOffer, encodeMailboxControl, loadHosted, loadOffers, saveHosted } from './offers.ts';
import { createMailboxServer, type MailboxServer } from './server.ts';

/** ACKs for a peer that is away are gathered this long, then deposited in one envelope. */
export const ACK_DEPOSIT_DELAY_MS = 500;
/** At most this many ACK frames (64 digests each) wait per peer; more are dropped (the peer resends, D5). */
export const ACK_DEPOSIT_MAX_FRAMES = 256;
/** How often our mailboxes are asked for mail while we run. */
export const DRAIN_INTERVAL_MS = 60_000;
/** A deposit no mailbox took is tried again after this, doubling up to DEPOSIT_RETRY_MAX_MS. */
export const DEPOSIT_RETRY_MIN_MS = 2_000;
export const DEPOSIT_RETRY_MAX_MS = 60_000;

/** What the API shows of one of our mailboxes. */
export interface MailboxView {
  /** The mailbox's PeerId. */
  readonly id: string;
  readonly kind: OwnMailbox['kind'];
  /** For a friend's mailbox: the contact's name. */
  readonly contact: string | null;
  readonly addresses: readonly string[];
  readonly addedAt: number;
  readonly quota: OwnMailbox['quota'];
  /** Whether it is connected now. */
  readonly online: boolean;
  /** When we last drained it, and how that went. */
  readonly lastDrainAt: number | null;
  readonly lastError: string | null;
}

/** A contact's offer to hold our mail on their daemon, not accepted yet. */
export interface MailboxOfferView {
  readonly contact: string;
  readonly receivedAt: number;
}

export interface MailboxesDeps {
  /** Flush a peer's outbox now (after queuing our new card). */
  kick(peerId: string): void;
  /** Hand frames from `from` to the inbox; resolves true once all of them are committed (or seen). */
  deliver(from: string, frames: readonly Uint8Array[]): Promise<boolean>;
  /** These of our messages changed status (now `stored`). */
  changed(keys: readonly MessageKey[]): void;
  /** Where mail we hold for friends is kept (opened on first use). */
  mailStore?: () => MailStore;
  /** The sealed chunks of small attachments among these messages to `peerId` (by message id). */
  inlineFiles?(peerId: string, keys: readonly MessageKey[]): Promise<ReadonlyMap<string, InlineFile>>;
  /** A sealed attachment chunk that came inline from `peerId` through a mailbox. */
  inlineChunk?(peerId: string, fileId: string, index: number, chunk: Uint8Array): void;
}

/** What travels inline with an attachment's manifest (attachments/inline.ts). */
export interface InlineFile {
  readonly fileId: string;
  readonly chunks: readonly Uint8Array[];
}

export interface Mailboxes {
  start(): void;
  stop(): void;
  add(link: string): Promise<MailboxView>;
  remove(id: string): Promise<void>;
  list(): MailboxView[];
  /** Ask every mailbox of ours for mail now; resolves when each was tried. */
  drain(): Promise<{ readonly envelopes: number; readonly frames: number }>;
  /** The outbox pump could not reach `peerId`: deposit what waits for it. */
  unreachable(peerId: string): void;
  /** An ACK for `peerId` could not be sent: leave it at its mailboxes (best effort, batched). */
  undelivered(peerId: string, frame: Uint8Array): void;
  /** Deposits for `peerId` in progress (tests, benchmarks). */
  idle(): Promise<void>;
  /** Answers a mailbox request made to us (we hold mail for friends); undefined if not one. */
  answer(peer: string, request: Uint8Array): Uint8Array | undefined;
  /** Whether we hold mail for anyone (then strangers may deposit: query admission). */
  hosting(): boolean;
  /** Offer to hold a contact's mail on this daemon (they accept it like a paired mailbox). */
  offer(contact: ContactRecord): void;
  /** Stop holding mail for a contact: what we hold for them is deleted, and they are told. */
  revoke(contact: ContactRecord): boolean;
  /** Accept a contact's offer to hold our mail. */
  accept(contact: ContactRecord): MailboxView;
  /** Offers from contacts we have not answered. */
  offers(): MailboxOfferView[];
  /** Contacts (names) we hold mail for. */
  hostedFor(): string[];
  /** After an incoming `mailbox` message committed (offers.ts): tell contacts our new card. */
  applied(effects: Effects): void;
}

const mailboxCards = new Map<string, { readonly card: Uint8Array; readonly list: MailboxAddress[] }>();

/** The mailboxes a contact's card names (decoded once per card). */
export function contactMailboxes(ctx: Ctx, contact: ContactRecord): MailboxAddress[] {
  const cached = mailboxCards.get(contact.id);
  if (
    cached &&
    cached.card.length === contact.card.length &&
    cached.card.every((b, i) => b === contact.card[i])
  )
    return cached.list;
  let list: MailboxAddress[] = [];
  try {
    list = [...decodeCardExtension(decodeContactCard(contact.card, ctx.primitives).extension).mailboxes];
  } catch {
    list = []; // a card we stored was verified; one that does not parse names no mailbox
  }
  mailboxCards.set(contact.id, { card: contact.card.slice(), list });
  return list;
}

/** An outbox entry and what travels with it (the inline chunks of a small attachment). */
interface Item {
  readonly entry: OutboxRecord;
  readonly records: readonly Uint8Array[];
}

/** Envelope batches: outbox order, each within the envelope's frame and byte bounds. */
function batches(items: readonly Item[]): Item[][] {
  const room = MAIL_ENVELOPE_MAX_BYTES - ENVELOPE_OVERHEAD_BYTES - ENVELOPE_PAD_BYTES;
  const out: Item[][] = [];
  let current: Item[] = [];
  let bytes = 0;
  let frames = 0;
  for (const item of items) {
    const size = item.records.reduce((n, r) => n + envelopeFrameBytes(r), 0);
    if (current.length > 0 && (bytes + size > room || frames + item.records.length > ENVELOPE_MAX_FRAMES)) {
      out.push(current);
      current = [];
      bytes = 0;
      frames = 0;
    }
    current.push(item);
    bytes += size;
    frames += item.records.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The records of an entry: its frame, then the inline chunks of its attachment, if any. */
async function itemsOf(
  entries: readonly OutboxRecord[],
  inline: MailboxesDeps['inlineFiles'],
  peerId: string,
): Promise<Item[]> {
  const keys = entries.flatMap((e) => (e.message ? [e.message] : []));
  const files = inline && keys.length > 0 ? await inline(peerId, keys) : new Map<string, InlineFile>();
  return entries.map((entry) => {
    const file = entry.message ? files.get(entry.message.id) : undefined;
    const chunks = file?.chunks.map((c, i) => encodeChunkRecord(file.fileId, i, c)) ?? [];
    return { entry, records: [entry.frame, ...chunks] };
  });
}

export function createMailboxes(ctx: Ctx, deps: MailboxesDeps): Mailboxes {
  const { store, transport, account, primitives: p } = ctx;
  const drains = new Map<string, { at: number; error: string | null }>();
  const depositing = new Map<string, Promise<void>>();
  const again = new Set<string>();
  /** Per peer whose deposit failed: how many times in a row, and the timer of the next try. */
  const retries = new Map<string, { failures: number; timer: ReturnType<typeof setTimeout> }>();
  let draining: Promise<{ envelopes: number; frames: number }> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let unsubscribe: (() => void) | undefined;
  let server: MailboxServer | undefined;
  let stopped = true;

  const own = (): OwnMailbox[] => store.transaction((tx) => loadOwnMailboxes(tx, account.vault));
  const ask = async (box: MailboxAddress, req: MailRequest): Promise<Uint8Array> =>
    transport.query(box.peerId, encodeMailRequest(req), { addresses: box.addresses });

  const viewOf = (m: OwnMailbox, contacts: ReadonlyMap<string, string>): MailboxView => ({
    id: m.peerId,
    kind: m.kind,
    contact: m.kind === 'friend' ? (contacts.get(m.peerId) ?? null) : null,
    addresses: m.addresses,
    addedAt: m.addedAt,
    quota: m.quota,
    online: transport.isConnected(m.peerId),
    lastDrainAt: drains.get(m.peerId)?.at ?? null,
    lastError: drains.get(m.peerId)?.error ?? null,
  });
  const list = (): MailboxView[] => {
    const { boxes, contacts } = store.transaction((tx) => ({
      boxes: loadOwnMailboxes(tx, account.vault),
      contacts: new Map(tx.listContacts().map((c) => [c.peerId, c.name])),
    }));
    return boxes.map((m) => viewOf(m, contacts));
  };

  /** Our card changed (its mailboxes): every contact gets it, now or with the rest of its outbox. */
  const announce = (save: (boxes: OwnMailbox[]) => OwnMailbox[], first?: (tx: AccountTx) => void): void => {
    const peers = store.transaction((tx) => {
      first?.(tx);
      saveOwnMailboxes(tx, account.vault, save(loadOwnMailboxes(tx, account.vault)));
      const { card } = ownCard(ctx, tx, {});
      const active = tx.listContacts().filter((c) => c.state === 'active');
      for (const c of active) compose(ctx, tx, c, { kind: 'profile', name: account.info.name, card });
      return active.map((c) => c.peerId);
    });
    for (const peer of peers) deps.kick(peer);
  };

  const add = async (text: string): Promise<MailboxView> => {
    const link = decodeMailboxLink(text);
    if (link.peerId === account.info.peerId)
      throw new CoreError(
        'bad-input',
        'that is this daemon’s own mailbox link; pair with a mailbox on another machine',
      );
    const before = own();
    if (!before.some((m) => m.peerId === link.peerId) && before.length >= MAILBOXES_PER_ACCOUNT_MAX)
      throw new CoreError(
        'not-allowed',
        `an account uses at most ${MAILBOXES_PER_ACCOUNT_MAX} mailboxes; remove one first (parley mailbox remove ID)`,
      );
    let answer: ReturnType<typeof decodePairAnswer>;
    try {
      answer = decodePairAnswer(
        await ask({ ...link, token: new Uint8Array(0) }, { kind: 'pair', secret: link.secret }),
      );
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
    announce((boxes) => [...boxes.filter((m) => m.peerId !== box.peerId), box]);
    void drainOne(box);
    return viewOf(box, new Map());
  };

  const remove = async (id: string): Promise<void> => {
    const box = findOwn(own(), id);
    announce((boxes) => boxes.filter((m) => m.peerId !== box.peerId));
    drains.delete(box.peerId);
    // Best effort: the mailbox deletes our queue (mail still in it is lost to us anyway now).
    await ask(box, { kind: 'unpair' })
      .then(decodeUnpairAnswer)
      .catch(() => undefined);
  };

  // ---- depositing ------------------------------------------------------------------

  /** Deposits what waits for `peerId`; false when a batch found no mailbox that took it. */
  const depositFor = async (peerId: string): Promise<boolean> => {
    const { contact, entries } = store.transaction((tx) => ({
      contact: tx.getContactByPeerId(peerId),
      entries: tx.listOutbox(peerId).filter((e) => e.kind === 'msg' && e.depositedAt === null),
    }));
    if (contact?.state !== 'active' || entries.length === 0) return true;
    const boxes = contactMailboxes(ctx, contact);
    if (boxes.length === 0) return true;
    const recipientKey = decodeIdentityPublic(contact.identityKey).agreementKey;
    for (const items of batches(await itemsOf(entries, deps.inlineFiles, peerId))) {
      if (stopped || transport.isConnected(peerId)) return true; // they are back: the pump sends directly
      const batch = items.map((i) => i.entry);
      const envelope = sealEnvelope(p, ctx.random, {
        senderPeerId: account.info.peerId,
        senderSecret: account.identity.agreementSecret,
        recipientKey,
        frames: items.flatMap((i) => i.records),
      });
      const taken = await depositAnywhere(boxes, envelope);
      if (taken !== true) {
        ctx.events.emit('problem', {
          code: 'mailbox',
          contact: contact.name,
          message: `could not leave messages at ${contact.name}'s mailboxes (${taken}); they stay queued`,
        });
        return false;
      }
      const keys = store.transaction((tx) => {
        tx.markOutboxDeposited(
          batch.map((e) => e.seq),
          ctx.now(),
        );
        return batch.flatMap((e) =>
          e.message &&
          e.message.conversationId === contact.id &&
          tx.updateMessageIf(e.message, ['queued', 'sent'], { status: 'stored' })
            ? [e.message]
            : [],
        );
      });
      if (keys.length > 0) deps.changed(keys);
    }
    return true;
  };

  /** true once a mailbox took the envelope, else why none did. */
  const depositAnywhere = async (
    boxes: readonly MailboxAddress[],
    envelope: Uint8Array,
  ): Promise<true | string> => {
    let why = 'no mailbox answered';
    for (const box of boxes) {
      try {
        decodeDepositAnswer(await ask(box, { kind: 'deposit', token: box.token, envelope }));
        return true;
      } catch (error) {
        why = error instanceof MailboxError ? error.message : 'unreachable';
      }
    }
    return why;
  };

  const unreachable = (peerId: string): void => {
    if (stopped) return;
    if (depositing.has(peerId)) {
      again.add(peerId);
      return;
    }
    const run = depositFor(peerId)
      .catch((error: unknown) => {
        ctx.events.emit('problem', { code: 'mailbox', message: `depositing failed: ${String(error)}` });
        return false;
      })
      .then((done) => retryLater(peerId, done))
      .finally(() => {
        depositing.delete(peerId);
        if (again.delete(peerId)) unreachable(peerId);
      });
    depositing.set(peerId, run);
  };

  /** ACK frames waiting to be deposited, per peer. */
  const acks = new Map<string, Uint8Array[]>();
  const depositAcks = async (peerId: string): Promise<void> => {
    const frames = acks.get(peerId) ?? [];
    acks.delete(peerId);
    const contact = store.transaction((tx) => tx.getContactByPeerId(peerId));
    if (stopped || !contact || contact.state !== 'active' || frames.length === 0) return;
    const boxes = contactMailboxes(ctx, contact);
    if (boxes.length === 0) return;
    const envelope = sealEnvelope(p, ctx.random, {
      senderPeerId: account.info.peerId,
      senderSecret: account.identity.agreementSecret,
      recipientKey: decodeIdentityPublic(contact.identityKey).agreementKey,
      frames,
    });
    await depositAnywhere(boxes, envelope); // best effort: without it, the peer resends and we ACK again
  };
  const undelivered = (peerId: string, frame: Uint8Array): void => {
    if (stopped) return;
    const pending = acks.get(peerId);
    if (pending) {
      if (pending.length < ACK_DEPOSIT_MAX_FRAMES) pending.push(frame);
      return;
    }
    acks.set(peerId, [frame]);
    setTimeout(() => void depositAcks(peerId).catch(() => undefined), ACK_DEPOSIT_DELAY_MS);
  };

  /** A failed deposit is tried again on its own (the pump's backoff may be a minute away). */
  const retryLater = (peerId: string, done: boolean): void => {
    const previous = retries.get(peerId);
    if (previous) clearTimeout(previous.timer);
    retries.delete(peerId);
    if (done || stopped) return;
    const failures = (previous?.failures ?? 0) + 1;
    const delay = Math.min(DEPOSIT_RETRY_MIN_MS * 2 ** (failures - 1), DEPOSIT_RETRY_MAX_MS);
    const timer = setTimeout(() => unreachable(peerId), delay);
    retries.set(peerId, { failures, timer });
  };

  // ---- draining ------------------------------------------------------------------

  const senderKey = (peerId: string): Uint8Array | undefined => {
    const c = store.transaction((tx) => tx.getContactByPeerId(peerId));
    // Any contact, also one whose introduction is still pending (its `welcome` may come this way)
    // and a group member we know through its admin: the inbox decides what it accepts from whom.
    return c ? decodeIdentityPublic(c.identityKey).agreementKey : undefined;
  };

  const drainOne = async (box: OwnMailbox): Promise<{ envelopes: number; frames: number }> => {
    let after = 0;
    let envelopes = 0;
    let frames = 0;
    try {
      for (;;) {
        const page = decodeFetchAnswer(await ask(box, { kind: 'fetch', after }));
        const done: number[] = [];
        for (const item of page.items) {
          after = item.id;
          let opened: ReturnType<typeof openEnvelope>;
          try {
            opened = openEnvelope(p, account.identity.agreementSecret, item.envelope, senderKey);
          } catch {
            done.push(item.id); // not for us, forged, damaged, or from a stranger: nothing to keep
            continue;
          }
          // Inline chunks first: the downloads their manifests start find them at hand.
          const frameList: Uint8Array[] = [];
          for (const f of opened.frames) {
            const chunk = decodeChunkRecord(f);
            if (chunk) deps.inlineChunk?.(opened.senderPeerId, chunk.fileId, chunk.index, chunk.chunk);
            else frameList.push(f);
          }
          if (!(await deps.deliver(opened.senderPeerId, frameList))) break; // not stored: keep it there
          done.push(item.id);
          envelopes++;
          frames += frameList.length;
        }
        for (let i = 0; i < done.length; i += MAIL_DELETE_MAX)
          decodeDeleteAnswer(await ask(box, { kind: 'delete', ids: done.slice(i, i + MAIL_DELETE_MAX) }));
        if (!page.more || done.length < page.items.length || stopped) break;
      }
      drains.set(box.peerId, { at: ctx.now(), error: null });
    } catch (error) {
      drains.set(box.peerId, {
        at: ctx.now(),
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return { envelopes, frames };
  };

  const drain = (): Promise<{ envelopes: number; frames: number }> => {
    draining ??= (async () => {
      let envelopes = 0;
      let frames = 0;
      for (const box of own()) {
        const got = await drainOne(box);
        envelopes += got.envelopes;
        frames += got.frames;
      }
      return { envelopes, frames };
    })().finally(() => {
      draining = undefined;
    });
    return draining;
  };

  // ---- holding mail for friends ------------------------------------------------------

  const contactNames = (): Map<string, string> =>
    store.transaction((tx) => new Map(tx.listContacts().map((c) => [c.peerId, c.name])));

  const hostServer = (): MailboxServer | undefined => {
    if (server || !deps.mailStore) return server;
    server = createMailboxServer({
      store: deps.mailStore(),
      primitives: p,
      random: ctx.random,
      now: ctx.now,
      pairing: false,
    });
    return server;
  };
  let hostingCache: boolean | undefined;

  return {
    start() {
      stopped = false;
      unsubscribe ??= transport.onPeer((e) => {
        if (e.type === 'connected' && own().some((m) => m.peerId === e.peer)) void drain();
      });
      timer ??= setInterval(() => void drain(), DRAIN_INTERVAL_MS);
      void drain();
    },
    stop() {
      stopped = true;
      unsubscribe?.();
      unsubscribe = undefined;
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const r of retries.values()) clearTimeout(r.timer);
      retries.clear();
    },
    add,
    remove,
    list,
    drain,
    unreachable,
    undelivered,
    async idle() {
      while (depositing.size > 0) await Promise.all(depositing.values());
    },
    answer(peer, request) {
      if (!isMailRequest(request)) return undefined;
      return hostServer()?.answer(peer, request);
    },
    hosting() {
      hostingCache ??= store.transaction((tx) => loadHosted(ctx, tx)).length > 0;
      return hostingCache;
    },
    offer(contact) {
      const s = hostServer();
      if (!s)
        throw new CoreError('not-allowed', 'this daemon cannot hold mail for others (it has no mail store)');
      if (contact.state !== 'active')
        throw new CoreError('not-allowed', `${contact.name} is not a contact yet`);
      const { token } = s.offer(contact.peerId);
      const payload = encodeMailboxControl({ op: 'offer', token, addresses: transport.addresses() });
      store.transaction((tx) => {
        saveHosted(ctx, tx, [...loadHosted(ctx, tx), contact.peerId]);
        compose(ctx, tx, contact, { kind: 'mailbox', payload });
      });
      hostingCache = true;
      deps.kick(contact.peerId);
    },
    revoke(contact) {
      const hosted = store.transaction((tx) => loadHosted(ctx, tx));
      if (!hosted.includes(contact.peerId)) return false;
      hostServer()?.revoke(contact.peerId);
      store.transaction((tx) => {
        saveHosted(
          ctx,
          tx,
          hosted.filter((p) => p !== contact.peerId),
        );
        compose(ctx, tx, contact, { kind: 'mailbox', payload: encodeMailboxControl({ op: 'withdrawn' }) });
      });
      hostingCache = undefined;
      deps.kick(contact.peerId);
      return true;
    },
    accept(contact) {
      announce(
        (boxes) => boxes,
        (tx) => acceptOffer(ctx, tx, contact),
      );
      const box = own().find((m) => m.peerId === contact.peerId) as OwnMailbox;
      void drainOne(box);
      return viewOf(box, contactNames());
    },
    offers() {
      const names = contactNames();
      return store
        .transaction((tx) => loadOffers(ctx, tx))
        .map((o) => ({ contact: names.get(o.peerId) ?? o.peerId, receivedAt: o.receivedAt }));
    },
    hostedFor() {
      const names = contactNames();
      return store.transaction((tx) => loadHosted(ctx, tx)).map((p) => names.get(p) ?? p);
    },
    applied(effects) {
      if (effects.mailbox?.announce) announce((boxes) => boxes);
    },
  };
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
