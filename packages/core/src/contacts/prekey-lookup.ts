/** The responder's prekeys, read from the store inside a transaction. */
import type { PrekeyLookup, Primitives } from '@parley/crypto';
import { loadPrekey } from './account.ts';
import type { StoreTx } from './store.ts';
import type { Vault } from './vault.ts';

export function prekeyLookup(tx: StoreTx, vault: Vault, primitives: Primitives): PrekeyLookup {
  return {
    signedPrekey: (id) => loadPrekey(tx, vault, 'signed', id, primitives),
    oneTimePrekey: (id) => loadPrekey(tx, vault, 'one-time', id, primitives),
  };
}
