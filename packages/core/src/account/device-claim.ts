/**
 * A linked device's claim to speak for its account (docs/PROTOCOL.md §7 "Invites on any device"):
 * the cards a device linked to an account made elsewhere hands out (its invites and the card its
 * introductions carry) name the account — its id and identity keys — with the account identity's
 * signature over this device's identity keys and PeerId:
 *
 *   claim = SIGN(IKs, "Parley_AccountDevice_v1" ‖ u8 n ‖ account id ‖ DKs_pub ‖ DKd_pub ‖ u8 n ‖ PeerId)
 *
 * The card itself is signed by the device key, over the claim too, so the two keys vouch for each
 * other: the device's prekeys are the device's, and the account stands behind the device. A
 * founding device needs none (its card's keys are the account's, its PeerId the account id).
 */
import type { Identity, IdentityPublic, Primitives } from '@parley/crypto';
import { concat, utf8 } from '../base/index.ts';
import type { AccountRecord } from '../wire/index.ts';
import { type AccountInfo, accountIdOf } from './account.ts';

const DOMAIN = utf8('Parley_AccountDevice_v1');

/** The claimed account of a card whose claim verified. */
export interface ClaimedAccount {
  readonly accountId: string;
  readonly identity: IdentityPublic;
}

function signedBytes(accountId: string, device: IdentityPublic, peerId: string): Uint8Array {
  const id = utf8(accountId);
  const peer = utf8(peerId);
  return concat(
    DOMAIN,
    Uint8Array.of(id.length),
    id,
    device.signingKey,
    device.agreementKey,
    Uint8Array.of(peer.length),
    peer,
  );
}

/** This device's claim, or undefined on the founding device (whose keys are the account's). */
export function claimForDevice(
  account: { readonly info: AccountInfo; readonly identity: Identity; readonly accountIdentity: Identity },
  p: Primitives,
): AccountRecord | undefined {
  const accountId = accountIdOf(account.info);
  if (accountId === account.info.peerId) return undefined;
  const signature = p.ed25519Sign(
    account.accountIdentity.signingSecret,
    signedBytes(accountId, account.identity.publicIdentity, account.info.peerId),
  );
  const { signingKey, agreementKey } = account.accountIdentity.publicIdentity;
  return { accountId, signingKey, agreementKey, signature };
}

/**
 * The account a card's claim names, if the account identity signed it for this card's device
 * (identity and PeerId); undefined for a card without a claim or one naming its own PeerId (a
 * founding device). A claim that does not verify is `false`: the card must be refused.
 */
export function claimedAccount(
  record: AccountRecord | undefined,
  card: { readonly identity: IdentityPublic; readonly peerId: string },
  p: Primitives,
): ClaimedAccount | undefined | false {
  if (!record || record.accountId === card.peerId) return undefined;
  const identity = { signingKey: record.signingKey, agreementKey: record.agreementKey };
  const ok = p.ed25519Verify(
    record.signature,
    signedBytes(record.accountId, card.identity, card.peerId),
    identity.signingKey,
  );
  return ok ? { accountId: record.accountId, identity } : false;
}
