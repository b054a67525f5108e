/** The messenger's mailbox methods (see mailbox/mailboxes.ts for what they do). */
import type { Mailboxes, MailboxView } from '../mailbox/index.ts';

/** What the Messenger offers for mailboxes: pairing, listing, removing, draining now. */
export interface MailboxMethods {
  /** Pair with the mailbox of a `parley://mailbox/…` link; contacts learn it from our new card. */
  addMailbox(link: string): Promise<MailboxView>;
  /** Stop using a mailbox (by its PeerId or a unique prefix); contacts learn it from our new card. */
  removeMailbox(id: string): Promise<void>;
  listMailboxes(): MailboxView[];
  /** Fetch what our mailboxes hold now (it is also done on start, on connect and every minute). */
  drainMailboxes(): Promise<{ readonly envelopes: number; readonly frames: number }>;
  /** Resolves once no deposit at a contact's mailbox is in progress (tests and benchmarks). */
  mailboxesIdle(): Promise<void>;
}

export function mailboxMethods(m: Mailboxes): MailboxMethods {
  return {
    addMailbox: (link) => m.add(link),
    removeMailbox: (id) => m.remove(id),
    listMailboxes: () => m.list(),
    drainMailboxes: () => m.drain(),
    mailboxesIdle: () => m.idle(),
  };
}
