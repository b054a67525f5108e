/**
 * The daemon's log names peers by a short suffix of their PeerId, never the
 * whole id: a log shared for a bug report should not hand out who the user
 * talks to (docs/THREAT-MODEL.md). Every line the daemon logs — its own, the
 * network stack's, the trace's — passes through `redactPeerIds` first.
 */

/** How many trailing characters of a PeerId the log keeps (enough to tell one's own peers apart). */
export const PEER_ID_SUFFIX_CHARS = 6;

/** "…" and the last PEER_ID_SUFFIX_CHARS characters of a PeerId. */
export const shortPeerId = (peer: string): string => `…${peer.slice(-PEER_ID_SUFFIX_CHARS)}`;

// PeerIds in base58btc (libp2p peer-ids spec): Ed25519 (identity multihash, "12D3KooW…"),
// secp256k1 ("16Uiu2HA…"), and sha2-256 multihashes of larger keys (RSA, "Qm…", 46 characters).
const BASE58 = '[1-9A-HJ-NP-Za-km-z]';
const PEER_ID = new RegExp(`(?:12D3KooW|16Uiu2HA)${BASE58}{36,}|Qm${BASE58}{44}`, 'g');

/** Replaces every PeerId in a log line by its short form. */
export function redactPeerIds(line: string): string {
  return line.replace(PEER_ID, shortPeerId);
}
