/** The messenger's mailbox methods (see mailbox/mailboxes.ts for what they do). */
import { findContact } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import type { Mailboxes, MailboxOfferView, MailboxView } from '../mailbox/index.ts';

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
  /** Offer to hold a contact's mail on this daemon while they are away. */
  offerMailbox(contact: string): { readonly contact: string };
  /** Stop holding a contact's mail (what is held is deleted; they are told). */
  revokeMailbox(contact: string): { readonly contact: string; readonly revoked: boolean };
  /** Accept a contact's offer to hold our mail (each of our devices pairs with it). */
  acceptMailbox(contact: string): Promise<MailboxView>;
  /** Offers from contacts not answered yet, and the contacts we hold mail for. */
  mailboxOffers(): { readonly offers: readonly MailboxOfferView[]; readonly hosting: readonly string[] };
}

export function mailboxMethods(ctx: Ctx, m: Mailboxes): MailboxMethods {
  const contact = (name: string) => ctx.store.transaction((tx) => findContact(tx, name));
  return {
    offerMailbox(name) {
      const c = contact(name);
      m.offer(c);
      return { contact: c.name };
    },
    revokeMailbox(name) {
      const c = contact(name);
      return { contact: c.name, revoked: m.revoke(c) };
    },
    acceptMailbox: async (name) => m.accept(contact(name)),
    mailboxOffers: () => ({ offers: m.offers(), hosting: m.hostedFor() }),
    addMailbox: (link) => m.add(link),
    removeMailbox: (id) => m.remove(id),
    listMailboxes: () => m.list(),
    drainMailboxes: () => m.drain(),
    mailboxesIdle: () => m.idle(),
  };
}
