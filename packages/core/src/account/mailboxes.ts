/**
 * The mailboxes this account uses (issue 17): at most MAILBOXES_PER_ACCOUNT_MAX, kept sealed in
 * the account's meta. Each holds our mail while we are away; contacts learn them from our card.
 */
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../base/index.ts';
import type { AccountTx } from '../ports/index.ts';
import type { MailboxAddress } from '../wire/index.ts';
import type { Vault } from './vault.ts';

const META_KEY = 'mailboxes';
const LABEL = 'meta:mailboxes';

/** A mailbox we use: where it is, our deposit token there (for our contacts), and what it allows. */
export interface OwnMailbox extends MailboxAddress {
  /** `node`: a mailbox node we paired with by link; `friend`: a contact's daemon that offered. */
  readonly kind: 'node' | 'friend';
  readonly addedAt: number;
  /** What the mailbox said it allows (pairing answer); null for a friend's offer. */
  readonly quota: { readonly maxBytes: number; readonly maxItems: number; readonly expiryMs: number } | null;
}

interface Stored {
  readonly peerId: string;
  readonly token: string;
  readonly addresses: readonly string[];
  readonly kind: OwnMailbox['kind'];
  readonly addedAt: number;
  readonly quota: OwnMailbox['quota'];
}

export function loadOwnMailboxes(tx: AccountTx, vault: Vault): OwnMailbox[] {
  const sealed = tx.getMeta(META_KEY);
  if (!sealed) return [];
  const list = JSON.parse(fromUtf8(vault.open(LABEL, sealed))) as Stored[];
  return list.map((m) => ({ ...m, token: fromBase64Url(m.token) }));
}

export function saveOwnMailboxes(tx: AccountTx, vault: Vault, list: readonly OwnMailbox[]): void {
  const stored: Stored[] = list.map((m) => ({
    peerId: m.peerId,
    token: toBase64Url(m.token),
    addresses: m.addresses,
    kind: m.kind,
    addedAt: m.addedAt,
    quota: m.quota,
  }));
  tx.setMeta(META_KEY, vault.seal(LABEL, utf8(JSON.stringify(stored))));
}

const LINKS_KEY = 'mailbox-links';
const LINKS_LABEL = 'meta:mailbox-links';

/**
 * The pairing links of the mailbox nodes the account uses, kept on every device of it: each
 * device pairs with them under its own PeerId (a queue is drained by its owner alone). Links are
 * secrets (whoever holds one can pair), so they stay sealed and travel only between our devices.
 */
export function loadMailboxLinks(tx: AccountTx, vault: Vault): string[] {
  const sealed = tx.getMeta(LINKS_KEY);
  return sealed ? (JSON.parse(fromUtf8(vault.open(LINKS_LABEL, sealed))) as string[]) : [];
}

export function saveMailboxLinks(tx: AccountTx, vault: Vault, links: readonly string[]): void {
  tx.setMeta(LINKS_KEY, vault.seal(LINKS_LABEL, utf8(JSON.stringify(links))));
}
