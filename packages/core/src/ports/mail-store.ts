/**
 * The MailStore: where a mailbox keeps the sealed mail it holds for the accounts paired with it
 * (docs/PROTOCOL.md "Mailboxes"). A mailbox node (`parley mailbox run`) and a daemon holding mail
 * for friends both keep one; `@parley/store` implements it on SQLite, `@parley/core/testing` in
 * memory. Every method is synchronous and atomic on its own.
 *
 * What it holds is opaque: envelopes sealed to their recipient, and for each, only the queue it
 * waits in, when it came and a keyed hash of the peer that deposited it (for quotas).
 */

/** One account's queue at this mailbox. */
export interface MailQueue {
  /** Random 16 bytes, hex. */
  readonly id: string;
  /** The PeerId that may fetch and delete (the paired account). */
  readonly owner: string;
  /** SHA-256 of the deposit token, hex: what depositors show. */
  readonly tokenHash: string;
  /** `paired`: through the mailbox's link; `offered`: a friend's daemon offered to hold mail. */
  readonly kind: 'paired' | 'offered';
  readonly createdAt: number;
}

/** One deposited envelope. */
export interface MailItem {
  /** Assigned by the store, increasing across the whole store: the order of deposit. */
  readonly id: number;
  readonly queue: string;
  /** Keyed hash of the depositing PeerId (hex), never the PeerId itself. */
  readonly depositor: string;
  readonly receivedAt: number;
  readonly envelope: Uint8Array;
}

export interface MailUsage {
  readonly items: number;
  readonly bytes: number;
}

export interface MailStore {
  getMeta(key: string): Uint8Array | undefined;
  setMeta(key: string, value: Uint8Array): void;

  putQueue(queue: MailQueue): void;
  getQueue(id: string): MailQueue | undefined;
  getQueueByOwner(owner: string): MailQueue | undefined;
  getQueueByToken(tokenHash: string): MailQueue | undefined;
  listQueues(): MailQueue[];
  /** Removes the queue and every item in it. */
  deleteQueue(id: string): void;

  /** What the queue holds; with `depositor`, only what that depositor put there. */
  usage(queue: string, depositor?: string): MailUsage;
  /** Appends an item; returns its id. */
  addItem(item: Omit<MailItem, 'id'>): number;
  /** Items of `queue` with id > `after`, oldest first, at most `limit` of them. */
  listItems(queue: string, after: number, limit: number): MailItem[];
  /** Deletes these items of `queue` (ids of other queues are ignored); returns how many went. */
  deleteItems(queue: string, ids: readonly number[]): number;
  /** Deletes every item received before `before`; returns how many went. */
  expire(before: number): number;
  /** Everything held: for status lines. */
  totals(): MailUsage & { readonly queues: number };
  close(): void;
}
