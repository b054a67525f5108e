/**
 * The versioned schema. `PRAGMA user_version` holds the version; pending
 * migrations run in one IMMEDIATE transaction together with the version bump,
 * so a crash mid-migration leaves the previous version intact.
 *
 * There are deliberately no foreign keys: the Store contract accepts rows
 * whose parent is not (yet) stored — a reaction that arrives before its
 * message, a session stored before its contact — and the in-memory store
 * accepts them too. Cascades the contract asks for (deleteContact,
 * deleteConversation, deleteMessage) are explicit statements.
 */
import type { Db } from './driver.ts';
import { StoreVersionError } from './errors.ts';

const V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);

CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  peer_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  -- name folded to lower case in JS (Unicode-aware, unlike COLLATE NOCASE)
  name_key TEXT NOT NULL UNIQUE,
  identity_key BLOB NOT NULL,
  card BLOB NOT NULL,
  addresses TEXT NOT NULL, -- JSON array of multiaddr strings
  verified INTEGER NOT NULL,
  state TEXT NOT NULL,
  pending_identity_key BLOB,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX contacts_by_creation ON contacts (created_at, id);

CREATE TABLE sessions (contact_id TEXT PRIMARY KEY, state BLOB NOT NULL);

CREATE TABLE prekeys (
  kind TEXT NOT NULL,
  id INTEGER NOT NULL,
  secret BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
);

CREATE TABLE invites (
  token_hash TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  reusable INTEGER NOT NULL,
  uses INTEGER NOT NULL,
  one_time_prekey_id INTEGER
);
CREATE INDEX invites_by_creation ON invites (created_at, token_hash);

CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  disappearing_ms INTEGER,
  read_up_to INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX conversations_by_creation ON conversations (created_at, id);

-- pk (the rowid) is the insertion order: it breaks sortKey ties.
CREATE TABLE messages (
  pk INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  id TEXT NOT NULL,
  sender_seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  body BLOB NOT NULL,
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  sort_key INTEGER NOT NULL,
  status TEXT NOT NULL,
  error TEXT,
  expires_at INTEGER,
  edited_at INTEGER,
  deleted_at INTEGER
);
-- D2: one row per (conversation, sender, id).
CREATE UNIQUE INDEX messages_by_key ON messages (conversation_id, sender, id);
CREATE INDEX messages_by_order ON messages (conversation_id, sort_key);
CREATE INDEX messages_by_seq ON messages (conversation_id, sender, sender_seq);
CREATE INDEX messages_by_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE reactions (
  conversation_id TEXT NOT NULL,
  target_sender TEXT NOT NULL,
  target_id TEXT NOT NULL,
  reactor TEXT NOT NULL,
  emoji TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, target_sender, target_id, reactor)
);
CREATE INDEX reactions_by_time ON reactions (conversation_id, target_sender, target_id, at, reactor);

-- AUTOINCREMENT: a seq is never reused, even after the newest row is deleted.
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  peer_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  frame BLOB NOT NULL,
  digest TEXT NOT NULL,
  message_conversation_id TEXT,
  message_sender TEXT,
  message_id TEXT,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX outbox_by_peer ON outbox (peer_id, seq);
CREATE INDEX outbox_by_digest ON outbox (peer_id, digest);

CREATE TABLE received (
  peer_id TEXT NOT NULL,
  digest TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (peer_id, digest)
) WITHOUT ROWID;
CREATE INDEX received_by_time ON received (at);

CREATE TABLE failures (
  peer_id TEXT NOT NULL,
  digest TEXT NOT NULL,
  count INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (peer_id, digest)
) WITHOUT ROWID;

CREATE TABLE parked (
  peer_id TEXT NOT NULL,
  digest TEXT NOT NULL,
  frame BLOB NOT NULL,
  error TEXT NOT NULL,
  failures INTEGER NOT NULL,
  parked_at INTEGER NOT NULL,
  PRIMARY KEY (peer_id, digest)
);
CREATE INDEX parked_by_time ON parked (parked_at, peer_id, digest);
`;

const V2 = `
CREATE TABLE attachments (
  direction TEXT NOT NULL,
  peer_id TEXT NOT NULL,
  id TEXT NOT NULL,
  message_conversation_id TEXT NOT NULL,
  message_sender TEXT NOT NULL,
  message_id TEXT NOT NULL,
  manifest BLOB NOT NULL,
  size INTEGER NOT NULL,
  chunks INTEGER NOT NULL,
  received_chunks INTEGER NOT NULL,
  state TEXT NOT NULL,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (direction, peer_id, id)
);
CREATE INDEX attachments_by_id ON attachments (id, created_at);
CREATE INDEX attachments_by_state ON attachments (state, created_at);
CREATE INDEX attachments_by_creation ON attachments (created_at, direction, peer_id, id);
`;

// getMessageBySeq orders by sort_key: with it in the index, no sort and no scan.
const V3 = `
CREATE INDEX messages_by_seq_sort ON messages (conversation_id, sender, sender_seq, sort_key);
DROP INDEX messages_by_seq;
`;

const V4 = `
CREATE TABLE groups (
  id TEXT PRIMARY KEY,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX groups_by_creation ON groups (created_at, id);
CREATE TABLE sender_keys (
  group_id TEXT NOT NULL,
  peer_id TEXT NOT NULL,
  state BLOB NOT NULL,
  PRIMARY KEY (group_id, peer_id)
) WITHOUT ROWID;
CREATE TABLE receipts (
  conversation_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  id TEXT NOT NULL,
  peer_id TEXT NOT NULL,
  status TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, sender, id, peer_id)
) WITHOUT ROWID;
`;

// Channels (docs/CHANNELS.md): sealed channel records and signed posts, unique per publisher seq.
const V5 = `
CREATE TABLE channels (
  id TEXT PRIMARY KEY,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX channels_by_creation ON channels (created_at, id);
CREATE TABLE channel_posts (
  channel_id TEXT NOT NULL,
  publisher TEXT NOT NULL,
  seq INTEGER NOT NULL,
  sort_key INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  post BLOB NOT NULL,
  PRIMARY KEY (channel_id, publisher, seq)
) WITHOUT ROWID;
CREATE INDEX channel_posts_by_order ON channel_posts (channel_id, sort_key, publisher, seq);
`;

// Large groups over gossipsub (docs/GROUPS.md): recent messages kept to answer catch-up queries.
const V6 = `
CREATE TABLE group_log (
  group_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  key_id INTEGER NOT NULL,
  iteration INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  message BLOB NOT NULL,
  PRIMARY KEY (group_id, sender, key_id, iteration)
) WITHOUT ROWID;
CREATE INDEX group_log_by_key ON group_log (group_id, key_id, iteration);
`;

// The outbox is found by (peer, digest) when an ACK comes. A separate index on the random digest
// put every insert and delete on a random page (each rewritten at commit). ACKs come roughly in
// sending order, so the entry is near the front of the peer's entries: one index ordered by seq
// that also holds the digest answers it from the index alone, appending at one end and deleting
// at the other.
const V7 = `
DROP INDEX outbox_by_digest;
DROP INDEX outbox_by_peer;
CREATE INDEX outbox_by_peer ON outbox (peer_id, seq, digest);
`;

// Mailboxes (issue 17): an outbox entry deposited at one of the peer's mailboxes stays until its
// ACK; the time of the deposit keeps it from being deposited again (also after a restart).
const V8 = `
ALTER TABLE outbox ADD COLUMN deposited_at INTEGER;
`;

// Full-text search (issue 18, docs/DESIGN.md §5.6): an FTS5 index of messages and channel posts.
// Tokens come normalized from core (search/normalize.ts: no case, no marks, CJK characters and
// emoji one per token); `scope` holds the conversation or channel id as one token. search_docs
// numbers the documents (the FTS rowid) and keeps each one's tokens, because FTS5's secure-delete
// can only take out of the index pages what a 'delete' names (a contentless_delete table leaves
// a deleted row's tokens in place behind a tombstone until a merge: test/search.test.ts). With
// PRAGMA secure_delete the freed bytes are zeroed too. The triggers take a message or post out of
// the index whatever removes it (deleteMessage, deleteConversation, deleteChannel, deleted for
// everyone or expired), so no caller can forget to. All of it sits inside the encrypted database.
// Every query word is a prefix: FTS5 answers a prefix of 1 to 6 characters from its own index
// entries (a doclist it reads newest first, stopping after the page), where a longer or unindexed
// prefix means merging the doclists of every completion (16 ms for a common word in 300,000
// documents, 0.1–0.2 ms with these entries, for ~76 more bytes per document: bench:search).
// A document reaches search_index in batches (flushSearchIndex; `indexed` says whether it is
// there): FTS5 writes a segment per transaction, and one message per transaction cost ~300 µs of
// CPU in index writes and merges against ~40 µs in batches of 100. A search flushes first.
const V9 = `
CREATE TABLE search_docs (
  doc INTEGER PRIMARY KEY, -- the FTS rowid; about the time (ms) × 1024: higher is newer
  message_pk INTEGER, -- messages.pk, or NULL for a post
  channel_id TEXT,
  publisher TEXT,
  seq INTEGER,
  text TEXT NOT NULL, -- the normalized tokens, as indexed
  scope TEXT NOT NULL, -- the scope token, as indexed
  indexed INTEGER NOT NULL DEFAULT 0 -- 1 once the tokens are in search_index
);
CREATE UNIQUE INDEX search_docs_by_message ON search_docs (message_pk);
CREATE INDEX search_docs_pending ON search_docs (doc) WHERE indexed = 0;
CREATE UNIQUE INDEX search_docs_by_post ON search_docs (channel_id, publisher, seq);
CREATE VIRTUAL TABLE search_index USING fts5(
  text, scope,
  tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co So Sk'",
  content = '', prefix = '1 2 3 4 5 6'
);
INSERT INTO search_index (search_index, rank) VALUES ('secure-delete', 1);
CREATE TRIGGER search_docs_unindex AFTER DELETE ON search_docs WHEN old.indexed = 1 BEGIN
  INSERT INTO search_index (search_index, rowid, text, scope) VALUES ('delete', old.doc, old.text, old.scope);
END;
CREATE TRIGGER messages_unindex AFTER DELETE ON messages BEGIN
  DELETE FROM search_docs WHERE message_pk = old.pk;
END;
CREATE TRIGGER messages_unindex_deleted AFTER UPDATE OF deleted_at ON messages
WHEN new.deleted_at IS NOT NULL BEGIN
  DELETE FROM search_docs WHERE message_pk = new.pk;
END;
CREATE TRIGGER channel_posts_unindex AFTER DELETE ON channel_posts BEGIN
  DELETE FROM search_docs WHERE channel_id = old.channel_id AND publisher = old.publisher AND seq = old.seq;
END;
`;

// Multi-device (issue 19, docs/MULTI-DEVICE.md): the latest verified device list of every account
// we follow ('self' or a contact id) and its devices, so that an incoming frame's PeerId finds its
// account in one lookup. Sessions with a contact's later devices are keyed "<contact id>@<PeerId>".
const V10 = `
CREATE TABLE device_lists (owner TEXT PRIMARY KEY, list BLOB NOT NULL);
CREATE TABLE devices (
  peer_id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  position INTEGER NOT NULL,
  identity_key BLOB NOT NULL,
  card BLOB
);
CREATE INDEX devices_by_owner ON devices (owner, position);
`;

// Read receipts in large groups (issue 22, docs/GROUPS.md "Receipts"): per (group, member) the
// highest sequence number of our messages that member has read, instead of a receipt row per
// (message, member). A row is replaced in place (WITHOUT ROWID on its key), never appended.
const V11 = `
CREATE TABLE read_marks (
  group_id TEXT NOT NULL,
  peer_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (group_id, peer_id)
) WITHOUT ROWID;
`;

// Message info (issue 20): when each recipient got our message, besides when they read it (`at`
// of a `read` row). A read row from before keeps NULL: its delivery time was not kept.
const V12 = `
ALTER TABLE receipts ADD COLUMN delivered_at INTEGER;
UPDATE receipts SET delivered_at = at WHERE status = 'delivered';
`;

// Drafts and "mark as unread" (issue 20): a conversation's unsent composer text, one row per
// conversation, sealed by core like a message body; and the user's unread mark on a conversation.
const V13 = `
CREATE TABLE drafts (
  conversation_id TEXT PRIMARY KEY,
  body BLOB NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
ALTER TABLE conversations ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0;
`;

/** MIGRATIONS[i] takes the schema from version i to version i + 1. Append only; never edit a shipped one. */
export const MIGRATIONS: readonly string[] = [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13];

/** The schema version this code writes. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

export function readSchemaVersion(db: Db): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

/** Brings the database up to SCHEMA_VERSION, or throws StoreVersionError (changing nothing) if it is newer. */
export function migrate(db: Db, path: string): void {
  runMigrations(db, path, MIGRATIONS);
}

/**
 * Runs `migrations[found…]` (migrations[i] takes version i to i + 1) with the version bumps, in one
 * IMMEDIATE transaction: the write lock is taken before the version is read, so two processes
 * opening the same new file cannot both migrate it, and a crash leaves the previous version whole.
 * A database newer than `migrations` throws StoreVersionError and is not changed.
 */
export function runMigrations(db: Db, path: string, migrations: readonly string[]): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const found = readSchemaVersion(db);
    if (found > migrations.length) throw new StoreVersionError(path, found, migrations.length);
    for (let version = found; version < migrations.length; version++) {
      db.exec(migrations[version] as string);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
