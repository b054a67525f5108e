import type {
  ContactRecord,
  ConversationRecord,
  InviteRecord,
  MessageKey,
  MessageRecord,
  NewOutboxRecord,
  ParkedRecord,
  PrekeyRecord,
  ReactionRecord,
  Store,
  StoreTx,
} from '../src/ports/store.ts';

export interface Ctx {
  readonly open: () => Store;
  readonly reopen: () => Store;
  readonly canReopen: boolean;
}

/** Runs `fn` in a transaction of a fresh store: most tests need nothing more. */
export const inFresh =
  (ctx: Ctx) =>
  <T>(fn: (tx: StoreTx) => T): T =>
    ctx.open().transaction(fn);

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

export const sampleContact = (over: Partial<ContactRecord> = {}): ContactRecord => ({
  id: 'c1',
  peerId: 'peer-alice',
  name: 'Alice',
  identityKey: bytes(1, 2, 3),
  card: bytes(4, 5),
  addresses: ['/ip4/127.0.0.1/tcp/4001'],
  verified: false,
  state: 'active',
  pendingIdentityKey: null,
  createdAt: 1000,
  updatedAt: 1000,
  ...over,
});

export const sampleMessage = (over: Partial<MessageRecord> = {}): MessageRecord => ({
  conversationId: 'conv',
  sender: 'peer-alice',
  id: '0'.repeat(32),
  senderSeq: 1,
  kind: 'text',
  body: bytes(9, 9, 9),
  sentAt: 500,
  receivedAt: 600,
  sortKey: 1,
  status: 'received',
  error: null,
  expiresAt: null,
  editedAt: null,
  deletedAt: null,
  ...over,
});

export const sampleOutbox = (over: Partial<NewOutboxRecord> = {}): NewOutboxRecord => ({
  peerId: 'peer-alice',
  kind: 'msg',
  frame: bytes(7, 7),
  digest: 'd1',
  message: null,
  createdAt: 1,
  attempts: 0,
  nextAttemptAt: 0,
  lastError: null,
  ...over,
});

export const prekey = (id: number, kind: PrekeyRecord['kind'] = 'one-time'): PrekeyRecord => ({
  kind,
  id,
  secret: bytes(id, 1),
  createdAt: 100 + id,
});
export const invite = (tokenHash: string, over: Partial<InviteRecord> = {}): InviteRecord => ({
  tokenHash,
  createdAt: 1,
  expiresAt: null,
  reusable: false,
  uses: 0,
  oneTimePrekeyId: null,
  ...over,
});
export const conversation = (id: string, over: Partial<ConversationRecord> = {}): ConversationRecord => ({
  id,
  kind: 'direct',
  disappearingMs: null,
  readUpTo: 0,
  markedUnread: false,
  createdAt: 1,
  ...over,
});
export const reaction = (over: Partial<ReactionRecord> = {}): ReactionRecord => ({
  conversationId: 'conv',
  targetSender: 'peer-alice',
  targetId: '0'.repeat(32),
  reactor: 'self',
  emoji: '👍',
  at: 1,
  ...over,
});
export const parked = (digest: string, over: Partial<ParkedRecord> = {}): ParkedRecord => ({
  peerId: 'peer-alice',
  digest,
  frame: bytes(3),
  error: 'cannot decrypt',
  failures: 3,
  parkedAt: 10,
  ...over,
});
/** A message id: 32 lowercase hex chars. */
export const mid = (n: number): string => n.toString(16).padStart(32, '0');
export const keyOf = (m: MessageKey): MessageKey => ({
  conversationId: m.conversationId,
  sender: m.sender,
  id: m.id,
});

export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

export function writeEverything(tx: StoreTx): void {
  tx.setMeta('identity', bytes(1, 2));
  tx.putContact(sampleContact({ pendingIdentityKey: bytes(5) }));
  tx.putSession('c1', bytes(6));
  tx.putPrekey(prekey(1));
  tx.putInvite(invite('aa'));
  tx.putConversation(conversation('conv', { markedUnread: true }));
  tx.putDraft({ conversationId: 'conv', body: bytes(7, 8), updatedAt: 3 });
  tx.insertMessage(sampleMessage());
  tx.putReaction(reaction());
  tx.enqueueOutbox(sampleOutbox());
  tx.markReceived('peer-alice', 'd1', 1);
  tx.recordFailure('peer-alice', 'd9', 1);
  tx.park(parked('d2'));
}

export function readEverything(tx: StoreTx): unknown {
  return {
    meta: tx.getMeta('identity') ?? null,
    contacts: tx.listContacts(),
    session: tx.getSession('c1') ?? null,
    prekeys: tx.listPrekeys('one-time').map((p) => tx.getPrekey('one-time', p.id)),
    invites: tx.listInvites(),
    conversations: tx.listConversations(),
    drafts: tx.listDrafts(),
    messages: tx.listMessages('conv'),
    reactions: tx.listReactions('conv', 'peer-alice', '0'.repeat(32)),
    outbox: tx.listOutbox(),
    received: tx.hasReceived('peer-alice', 'd1'),
    parked: tx.listParked(),
  };
}
