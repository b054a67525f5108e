/** The responder's prekeys, read from the store inside a transaction. */
import type { PrekeyLookup, Primitives } from '@parley/crypto';
import { loadPrekey, type Vault } from '../account/index.ts';
import type { AccountTx } from '../ports/index.ts';

export function prekeyLookup(tx: AccountTx, vault: Vault, primitives: Primitives): PrekeyLookup {
  return {
    signedPrekey: (id) => loadPrekey(tx, vault, 'signed', id, primitives),
    oneTimePrekey: (id) => loadPrekey(tx, vault, 'one-time', id, primitives),
  };
}
