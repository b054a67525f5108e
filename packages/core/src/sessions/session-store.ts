/** Ratchet sessions at rest: serialized by @parley/crypto, sealed by the vault. */
import { deserializeSession, type Session, serializeSession } from '@parley/crypto';
import type { Vault } from '../account/index.ts';
import type { SessionsTx } from '../ports/index.ts';

const label = (contactId: string): string => `session:${contactId}`;

/**
 * Where the session a newer one replaced is kept (one per peer): frames already sealed with it
 * (queued, in flight, waiting in a mailbox) still open after the switch (docs/PROTOCOL.md §3
 * "Migration"). Kept until the next switch replaces it, deleted with the contact or device.
 */
export const previousKey = (sessionKey: string): string => `${sessionKey}#previous`;

/** Deletes a peer's session and the one it replaced. */
export function deleteSessions(tx: SessionsTx, sessionKey: string): void {
  tx.deleteSession(sessionKey);
  tx.deleteSession(previousKey(sessionKey));
}

export function loadSession(tx: SessionsTx, vault: Vault, contactId: string): Session | undefined {
  const sealed = tx.getSession(contactId);
  return sealed ? deserializeSession(vault.open(label(contactId), sealed)) : undefined;
}

export function saveSession(tx: SessionsTx, vault: Vault, contactId: string, session: Session): void {
  tx.putSession(contactId, vault.seal(label(contactId), serializeSession(session)));
}

/**
 * Sessions of one group-commit batch: loaded once, advanced in memory by each
 * message of the batch, written once at the end of the same transaction.
 * (Sessions are immutable values, so a failed message simply leaves the
 * cached one as it was.)
 */
export class SessionBatch {
  readonly #tx: SessionsTx;
  readonly #vault: Vault;
  readonly #sessions = new Map<string, Session | undefined>();
  readonly #dirty = new Set<string>();

  constructor(tx: SessionsTx, vault: Vault) {
    this.#tx = tx;
    this.#vault = vault;
  }

  get(contactId: string): Session | undefined {
    if (!this.#sessions.has(contactId))
      this.#sessions.set(contactId, loadSession(this.#tx, this.#vault, contactId));
    return this.#sessions.get(contactId);
  }

  set(contactId: string, session: Session): void {
    this.#sessions.set(contactId, session);
    this.#dirty.add(contactId);
  }

  /** The session `replace` set aside for this peer, if any. */
  previous(contactId: string): Session | undefined {
    return this.get(previousKey(contactId));
  }

  /** Advances the set-aside session (a frame sealed with it opened). */
  setPrevious(contactId: string, session: Session): void {
    this.set(previousKey(contactId), session);
  }

  /** A new session for this peer: the current one is set aside, its frames in flight still open. */
  replace(contactId: string, session: Session): void {
    const current = this.get(contactId);
    if (current && current !== session) this.set(previousKey(contactId), current);
    this.set(contactId, session);
  }

  /** Writes every changed session; call before the batch's transaction commits. */
  save(): void {
    for (const id of this.#dirty) {
      const s = this.#sessions.get(id);
      if (s) saveSession(this.#tx, this.#vault, id, s);
    }
    this.#dirty.clear();
  }
}
