/** Ratchet sessions at rest: serialized by @parley/crypto, sealed by the vault. */
import { deserializeSession, type Session, serializeSession } from '@parley/crypto';
import type { StoreTx } from './store.ts';
import type { Vault } from './vault.ts';

const label = (contactId: string): string => `session:${contactId}`;

export function loadSession(tx: StoreTx, vault: Vault, contactId: string): Session | undefined {
  const sealed = tx.getSession(contactId);
  return sealed ? deserializeSession(vault.open(label(contactId), sealed)) : undefined;
}

export function saveSession(tx: StoreTx, vault: Vault, contactId: string, session: Session): void {
  tx.putSession(contactId, vault.seal(label(contactId), serializeSession(session)));
}
