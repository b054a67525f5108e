/**
 * The responder's side of a handshake (packages/crypto SPEC.md §6.1, §6.1.1): our prekeys, read
 * from the store inside a transaction, the downgrade rule, and what a new session consumes.
 */
import {
  type AcceptedSession,
  type AcceptOptions,
  CARD_SUITE_X25519_MLKEM768,
  type MessageInfo,
  type PrekeyLookup,
  type Primitives,
} from '@parley/crypto';
import {
  deleteOneTimeKemPrekey,
  loadKemPrekey,
  loadPrekey,
  postQuantumSince,
  type Vault,
} from '../account/index.ts';
import type { AccountTx } from '../ports/index.ts';

export function prekeyLookup(tx: AccountTx, vault: Vault, primitives: Primitives): PrekeyLookup {
  return {
    signedPrekey: (id) => loadPrekey(tx, vault, 'signed', id, primitives),
    oneTimePrekey: (id) => loadPrekey(tx, vault, 'one-time', id, primitives),
    kemPrekey: (id) => loadKemPrekey(tx, vault, 'signed', id, primitives),
    oneTimeKemPrekey: (id) => loadKemPrekey(tx, vault, 'one-time', id, primitives),
  };
}

/** Byte 1 of an encoded card is its key suite (SPEC.md §4); the stored card was verified when stored. */
const isSuite2Card = (card: Uint8Array | null | undefined): boolean =>
  card?.[1] === CARD_SUITE_X25519_MLKEM768;

/**
 * No downgrade: a first message must be suite 2 when both
 * - the sender's card we hold is suite 2 (they run suite-2 code; `theirCard` is undefined for an
 *   introduction, whose card is inside the message), or there is no card of theirs yet, and
 * - the signed prekey it names was only ever published in suite-2 cards of ours, so whichever card of
 *   ours it was built from offered a KEM prekey, and `initiateSession` cannot choose suite 1 then.
 * A suite-1 first message from a contact added before suite 2 (their card is suite 1), or built from
 * a card of ours made before it (an older signed prekey, kept 30 days after its successor), opens.
 */
export function acceptOptions(
  tx: AccountTx,
  theirCard: Uint8Array | null | undefined,
  info: MessageInfo,
): AcceptOptions {
  if (info.kind !== 'prekey') return {};
  const since = postQuantumSince(tx);
  const ourCardWasSuite2 = since !== undefined && info.signedPrekeyId >= since;
  const theyRunSuite2 = theirCard === undefined || isSuite2Card(theirCard);
  return { requirePostQuantum: ourCardWasSuite2 && theyRunSuite2 };
}

/** Deletes the one-time prekeys a new session used, in the transaction that stores the session. */
export function deleteUsedPrekeys(tx: AccountTx, accepted: AcceptedSession): void {
  if (accepted.usedOneTimePrekeyId !== undefined) tx.deletePrekey('one-time', accepted.usedOneTimePrekeyId);
  if (accepted.usedOneTimeKemPrekeyId !== undefined)
    deleteOneTimeKemPrekey(tx, accepted.usedOneTimeKemPrekeyId);
}
