/**
 * StoreTx operations on accounts, contacts, key material, the outbox and the
 * inbox bookkeeping. Conversations and messages: message-operations.ts.
 * Orderings the contract leaves open match createMemoryStore() exactly.
 */
import { type DeviceRecord, StoreConflictError, type StoreTx } from '@parley/core';
import type { Row } from './driver.ts';
import { blob, num, text, toContact, toInvite, toOutbox, toParked, toPrekey, toTakenOutbox } from './rows.ts';
import { bool, type Statements } from './statements.ts';

/** Names are unique ignoring case; core's memory store folds names with the same function. */
const nameKey = (name: string): string => name.toLowerCase();

type AccountOps = 'getMeta' | 'setMeta' | 'deleteMeta' | 'putPrekey' | 'getPrekey' | 'deletePrekey';
export function accountOperations(s: Statements): Pick<StoreTx, AccountOps | 'listPrekeys'> {
  return {
    getMeta: (key) => {
      const row = s.get('SELECT value FROM meta WHERE key = ?', key);
      return row === undefined ? undefined : blob(row.value);
    },
    setMeta: (key, value) => {
      s.run(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        key,
        value,
      );
    },
    deleteMeta: (key) => void s.run('DELETE FROM meta WHERE key = ?', key),
    putPrekey: (p) => {
      s.run(
        `INSERT INTO prekeys (kind, id, secret, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at`,
        p.kind,
        p.id,
        p.secret,
        p.createdAt,
      );
    },
    getPrekey: (kind, id) => {
      const row = s.get('SELECT * FROM prekeys WHERE kind = ? AND id = ?', kind, id);
      return row === undefined ? undefined : toPrekey(row);
    },
    deletePrekey: (kind, id) => void s.run('DELETE FROM prekeys WHERE kind = ? AND id = ?', kind, id),
    listPrekeys: (kind) =>
      s
        .all('SELECT id, created_at FROM prekeys WHERE kind = ? ORDER BY id', kind)
        .map((r) => ({ id: num(r.id), createdAt: num(r.created_at) })),
  };
}

function forgetDevices(s: Statements, owner: string): void {
  s.run('DELETE FROM devices WHERE owner = ?', owner);
  s.run('DELETE FROM device_lists WHERE owner = ?', owner);
}

const toDevice = (row: Row): DeviceRecord => ({
  owner: text(row.owner),
  peerId: text(row.peer_id),
  identityKey: blob(row.identity_key),
  card: row.card === null ? null : blob(row.card),
});

type DeviceOps =
  | 'getDeviceList'
  | 'putDeviceList'
  | 'deleteDeviceList'
  | 'getDevice'
  | 'listDevices'
  | 'setDeviceCard';
export function deviceOperations(s: Statements): Pick<StoreTx, DeviceOps> {
  return {
    getDeviceList: (owner) => {
      const row = s.get('SELECT list FROM device_lists WHERE owner = ?', owner);
      return row === undefined ? undefined : blob(row.list);
    },
    putDeviceList: (owner, list, devices) => {
      for (const d of devices) {
        if (s.get('SELECT 1 FROM devices WHERE peer_id = ? AND owner <> ?', d.peerId, owner))
          throw new StoreConflictError('peerId', `the device ${d.peerId} belongs to another account`);
      }
      forgetDevices(s, owner);
      s.run('INSERT INTO device_lists (owner, list) VALUES (?, ?)', owner, list);
      for (const [position, d] of devices.entries())
        s.run(
          'INSERT INTO devices (peer_id, owner, position, identity_key, card) VALUES (?, ?, ?, ?, ?)',
          d.peerId,
          owner,
          position,
          d.identityKey,
          d.card,
        );
    },
    deleteDeviceList: (owner) => forgetDevices(s, owner),
    getDevice: (peerId) => {
      const row = s.get('SELECT * FROM devices WHERE peer_id = ?', peerId);
      return row === undefined ? undefined : toDevice(row);
    },
    listDevices: (owner) =>
      s.all('SELECT * FROM devices WHERE owner = ? ORDER BY position', owner).map(toDevice),
    setDeviceCard: (peerId, card) => s.run('UPDATE devices SET card = ? WHERE peer_id = ?', card, peerId) > 0,
  };
}

const UPSERT_CONTACT = `INSERT INTO contacts (id, peer_id, name, name_key, identity_key, card, addresses, verified,
  state, pending_identity_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET peer_id = excluded.peer_id, name = excluded.name, name_key = excluded.name_key,
  identity_key = excluded.identity_key, card = excluded.card, addresses = excluded.addresses,
  verified = excluded.verified, state = excluded.state, pending_identity_key = excluded.pending_identity_key,
  created_at = excluded.created_at, updated_at = excluded.updated_at`;

type ContactOps = 'putContact' | 'getContact' | 'getContactByPeerId' | 'getContactByName' | 'listContacts';
type SessionOps = 'deleteContact' | 'getSession' | 'putSession' | 'deleteSession';
export function contactOperations(s: Statements): Pick<StoreTx, ContactOps | SessionOps> {
  const one = (sql: string, value: string) => {
    const row = s.get(sql, value);
    return row === undefined ? undefined : toContact(row);
  };
  return {
    putContact: (c) => {
      // Checked first (rather than catching the UNIQUE violation) to name the field that conflicts.
      if (s.get('SELECT 1 FROM contacts WHERE peer_id = ? AND id <> ?', c.peerId, c.id)) {
        throw new StoreConflictError('peerId', `another contact already has the PeerId ${c.peerId}`);
      }
      if (s.get('SELECT 1 FROM contacts WHERE name_key = ? AND id <> ?', nameKey(c.name), c.id)) {
        throw new StoreConflictError(
          'name',
          `another contact is already named "${c.name}"; choose another name`,
        );
      }
      s.run(
        UPSERT_CONTACT,
        ...[c.id, c.peerId, c.name, nameKey(c.name), c.identityKey, c.card, JSON.stringify(c.addresses)],
        ...[bool(c.verified), c.state, c.pendingIdentityKey, c.createdAt, c.updatedAt],
      );
    },
    getContact: (id) => one('SELECT * FROM contacts WHERE id = ?', id),
    getContactByPeerId: (peerId) => one('SELECT * FROM contacts WHERE peer_id = ?', peerId),
    getContactByName: (name) => one('SELECT * FROM contacts WHERE name_key = ?', nameKey(name)),
    listContacts: () => s.all('SELECT * FROM contacts ORDER BY created_at, id').map(toContact),
    deleteContact: (id) => {
      s.run('DELETE FROM contacts WHERE id = ?', id);
      const keys = [
        id,
        ...s.all('SELECT peer_id FROM devices WHERE owner = ?', id).map((r) => `${id}@${String(r.peer_id)}`),
      ];
      // each peer's session and the one it replaced (core sessions/session-store.ts previousKey)
      for (const key of keys)
        s.run('DELETE FROM sessions WHERE contact_id IN (?, ?)', key, `${key}#previous`);
      forgetDevices(s, id);
    },
    getSession: (id) => {
      const row = s.get('SELECT state FROM sessions WHERE contact_id = ?', id);
      return row === undefined ? undefined : blob(row.state);
    },
    putSession: (id, state) => {
      s.run(
        'INSERT INTO sessions (contact_id, state) VALUES (?, ?) ON CONFLICT (contact_id) DO UPDATE SET state = excluded.state',
        id,
        state,
      );
    },
    deleteSession: (id) => void s.run('DELETE FROM sessions WHERE contact_id = ?', id),
  };
}

export function inviteOperations(
  s: Statements,
): Pick<StoreTx, 'putInvite' | 'getInvite' | 'deleteInvite' | 'listInvites'> {
  return {
    putInvite: (i) => {
      s.run(
        `INSERT INTO invites (token_hash, created_at, expires_at, reusable, uses, one_time_prekey_id)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (token_hash) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at,
           reusable = excluded.reusable, uses = excluded.uses, one_time_prekey_id = excluded.one_time_prekey_id`,
        ...[i.tokenHash, i.createdAt, i.expiresAt, bool(i.reusable), i.uses, i.oneTimePrekeyId],
      );
    },
    getInvite: (hash) => {
      const row = s.get('SELECT * FROM invites WHERE token_hash = ?', hash);
      return row === undefined ? undefined : toInvite(row);
    },
    deleteInvite: (hash) => void s.run('DELETE FROM invites WHERE token_hash = ?', hash),
    listInvites: () => s.all('SELECT * FROM invites ORDER BY created_at, token_hash').map(toInvite),
  };
}

/** The columns of a taken outbox entry: not the frame (~1 KiB, copied for nothing). */
const TAKEN = 'seq, peer_id, kind, digest, message_conversation_id, message_sender, message_id';

type OutboxOps =
  | 'enqueueOutbox'
  | 'listOutbox'
  | 'getOutboxByDigest'
  | 'takeOutboxByDigest'
  | 'takeOutbox'
  | 'updateOutbox'
  | 'deleteOutbox'
  | 'markOutboxDeposited';
export function outboxOperations(s: Statements): Pick<StoreTx, OutboxOps | 'countOutbox'> {
  return {
    enqueueOutbox: (o) =>
      s.insert(
        `INSERT INTO outbox (peer_id, kind, frame, digest, message_conversation_id, message_sender, message_id,
           created_at, attempts, next_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ...[o.peerId, o.kind, o.frame, o.digest],
        ...[o.message?.conversationId ?? null, o.message?.sender ?? null, o.message?.id ?? null],
        ...[o.createdAt, o.attempts, o.nextAttemptAt, o.lastError],
      ),
    listOutbox: (peerId, afterSeq = 0) =>
      (peerId === undefined
        ? s.all('SELECT * FROM outbox WHERE seq > ? ORDER BY seq', afterSeq)
        : s.all('SELECT * FROM outbox WHERE peer_id = ? AND seq > ? ORDER BY seq', peerId, afterSeq)
      ).map(toOutbox),
    getOutboxByDigest: (peerId, digest) => {
      const row = s.get(
        'SELECT * FROM outbox WHERE peer_id = ? AND digest = ? ORDER BY seq LIMIT 1',
        peerId,
        digest,
      );
      return row === undefined ? undefined : toOutbox(row);
    },
    takeOutbox: (seq, peerId, digest) => {
      const row = s.get(
        `DELETE FROM outbox WHERE seq = ? AND peer_id = ? AND digest = ? RETURNING ${TAKEN}`,
        seq,
        peerId,
        digest,
      );
      return row === undefined ? undefined : toTakenOutbox(row);
    },
    takeOutboxByDigest: (peerId, digest) => {
      const row = s.get(
        `DELETE FROM outbox WHERE seq = (SELECT seq FROM outbox WHERE peer_id = ? AND digest = ? ORDER BY seq LIMIT 1)
         RETURNING ${TAKEN}`,
        peerId,
        digest,
      );
      return row === undefined ? undefined : toTakenOutbox(row);
    },
    updateOutbox: (seq, p) => {
      s.run(
        'UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE seq = ?',
        ...[p.attempts, p.nextAttemptAt, p.lastError, seq],
      );
    },
    deleteOutbox: (seq) => void s.run('DELETE FROM outbox WHERE seq = ?', seq),
    markOutboxDeposited: (seqs, at) => {
      for (const seq of seqs) s.run('UPDATE outbox SET deposited_at = ? WHERE seq = ?', at, seq);
    },
    countOutbox: (peerId) =>
      num(
        peerId === undefined
          ? s.get('SELECT count(*) AS n FROM outbox')?.n
          : s.get('SELECT count(*) AS n FROM outbox WHERE peer_id = ?', peerId)?.n,
      ),
  };
}

type InboxOps = 'hasReceived' | 'markReceived' | 'pruneReceived' | 'recordFailure' | 'clearFailure';
export function inboxOperations(
  s: Statements,
): Pick<StoreTx, InboxOps | 'park' | 'listParked' | 'deleteParked'> {
  return {
    hasReceived: (peerId, digest) =>
      s.get('SELECT 1 FROM received WHERE peer_id = ? AND digest = ?', peerId, digest) !== undefined,
    markReceived: (peerId, digest, at) => {
      // Keep the latest time: a frame seen again is remembered from then on.
      s.run(
        `INSERT INTO received (peer_id, digest, at) VALUES (?, ?, ?)
         ON CONFLICT (peer_id, digest) DO UPDATE SET at = max(at, excluded.at)`,
        ...[peerId, digest, at],
      );
    },
    pruneReceived: (before) => s.run('DELETE FROM received WHERE at < ?', before),
    recordFailure: (peerId, digest, at) => {
      s.run(
        `INSERT INTO failures (peer_id, digest, count, last_at) VALUES (?, ?, 1, ?)
         ON CONFLICT (peer_id, digest) DO UPDATE SET count = count + 1, last_at = excluded.last_at`,
        ...[peerId, digest, at],
      );
      return num(s.get('SELECT count FROM failures WHERE peer_id = ? AND digest = ?', peerId, digest)?.count);
    },
    clearFailure: (peerId, digest) =>
      void s.run('DELETE FROM failures WHERE peer_id = ? AND digest = ?', peerId, digest),
    park: (p) => {
      s.run(
        `INSERT INTO parked (peer_id, digest, frame, error, failures, parked_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (peer_id, digest) DO UPDATE SET frame = excluded.frame, error = excluded.error,
           failures = excluded.failures, parked_at = excluded.parked_at`,
        ...[p.peerId, p.digest, p.frame, p.error, p.failures, p.parkedAt],
      );
    },
    listParked: () => s.all('SELECT * FROM parked ORDER BY parked_at, peer_id, digest').map(toParked),
    deleteParked: (peerId, digest) =>
      void s.run('DELETE FROM parked WHERE peer_id = ? AND digest = ?', peerId, digest),
  };
}
