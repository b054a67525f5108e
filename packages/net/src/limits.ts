/**
 * Every limit of `@parley/net` as a named constant with its unit. The README
 * has them as a table; change both together.
 *
 * The frame caps themselves (FRAME_MAX_BYTES, INTRO_FRAME_MAX_BYTES) belong to
 * core's Transport contract and are imported from `@parley/core`.
 */

// ---- /parley/msg/1.0.0 -----------------------------------------------------

/** Frames a sender may have queued per peer before `send()` awaits (backpressure). */
export const SEND_QUEUE_MAX_FRAMES = 1024;

/** Upper bound of bytes coalesced into one `stream.send()` (frames are never split). */
export const WRITE_BATCH_MAX_BYTES: number = 256 * 1024;

/**
 * A frame must be complete this long after its first byte arrived (time spent
 * paused by our own backpressure does not count). Kills "slowloris" peers that
 * dribble one byte every few seconds to keep a stream and its buffer alive.
 */
export const FRAME_IDLE_TIMEOUT_MS = 10_000;

/** An outbound /parley/msg stream with nothing sent for this long is closed; reopened on demand. */
export const SEND_STREAM_IDLE_CLOSE_MS = 60_000;

/** libp2p aborts an inbound stream with no traffic at all for this long (> SEND_STREAM_IDLE_CLOSE_MS). */
export const STREAM_INACTIVITY_TIMEOUT_MS = 120_000;

/** Concurrent inbound /parley/msg streams per connection (one is normal; reconnect overlap needs two). */
export const MSG_MAX_INBOUND_STREAMS = 4;

/** Concurrent outbound /parley/msg streams per connection (we open one per peer). */
export const MSG_MAX_OUTBOUND_STREAMS = 4;

/** Decoded-but-undelivered bytes per peer above which the peer's streams are paused (yamux window stops). */
export const INBOUND_QUEUE_HIGH_WATER_BYTES: number = 256 * 1024;

/**
 * libp2p resets a paused stream whose read buffer exceeds this. Must be at
 * least the yamux window we grant (YAMUX_MAX_STREAM_WINDOW_BYTES), since a
 * well-behaved sender may legally fill the window after we pause.
 */
export const STREAM_MAX_READ_BUFFER_BYTES: number = 4 * 1024 * 1024;

/** libp2p resets an outbound stream whose write buffer exceeds this (we keep it near WRITE_BATCH_MAX_BYTES). */
export const STREAM_MAX_WRITE_BUFFER_BYTES: number = 4 * 1024 * 1024;

// ---- /parley/intro/1.0.0 ---------------------------------------------------

/** The whole introduction exchange (read frame, run handler, write verdict) must finish within this. */
export const INTRO_TIMEOUT_MS = 15_000;

/** After our verdict, how long the introducer has to close its write side before we reset the stream. */
export const INTRO_CLOSE_GRACE_MS = 1_000;

/**
 * Introduction budget of one source (source.ts: a remote IP, an IPv6 /56, or
 * relay + remote PeerId) per INTRO_RATE_WINDOW_MS, in introductions: an
 * accepted one costs 1, a refused one INTRO_REFUSED_COST. So 10 accepted, or
 * 2 refused, per source and window; beyond it the source's streams are reset
 * unread.
 */
export const INTRO_MAX_PER_SOURCE = 10;

/**
 * What a refused introduction (unknown token, malformed, timed out) costs its
 * source, in introductions. Guessing tokens is what a budget is for; invitees
 * with a valid token rarely fail.
 */
export const INTRO_REFUSED_COST = 5;

/**
 * Introductions (same units) everyone together may spend per
 * INTRO_RATE_WINDOW_MS before sources that already had one refused in the
 * window are reset unread. A source with no refusal is still served: bogus
 * tokens from others can no longer lock a real invitee out (the handler
 * checks the token first, which is cheap next to the Noise handshake every
 * new source costs us).
 */
export const INTRO_MAX_GLOBAL = 120;

/** Length of the intro rate-limit window. */
export const INTRO_RATE_WINDOW_MS = 60_000;

/**
 * Sources the introduction budget tracks per window at most (~100 B each);
 * the last resort: once full, new sources are reset unread until the window ends.
 */
export const INTRO_RATE_MAX_TRACKED_SOURCES = 16_384;

// ---- /parley/file/1.0.0 ----------------------------------------------------
// (the chunk cap, FILE_FRAME_MAX_BYTES, is core's)

/** Largest request frame a file server accepts (the request itself is 21 bytes). */
export const FILE_REQUEST_MAX_BYTES = 64;

/** A file server waits this long for the request frame after the stream opened, then resets. */
export const FILE_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A requester whose consumer is waiting for the next chunk resets the stream
 * (and throws `unreachable`) after this long without a byte from the server.
 */
export const FILE_IDLE_TIMEOUT_MS = 30_000;

/**
 * A file server whose write buffer does not drain for this long (the requester
 * grants no yamux window: stalled or hostile) resets the stream and closes the
 * chunk iterable.
 */
export const FILE_WRITE_STALL_TIMEOUT_MS = 60_000;

/** Decoded chunks a requester holds (bytes) before it pauses the stream (withholds yamux window). */
export const FILE_READ_HIGH_WATER_BYTES: number = 256 * 1024;

/** Counted per queued chunk on top of its length, so a flood of tiny frames is bounded too. */
export const FILE_QUEUED_FRAME_OVERHEAD_BYTES = 256;

/**
 * The requester assembles chunk frames into shared buffers of this size (one
 * allocation per slab, not per chunk; a slab lives as long as any of its chunks).
 */
export const FILE_READ_SLAB_BYTES: number = 256 * 1024;

/** A file server frames chunks into send buffers of this size (one allocation per slab, not per chunk). */
export const FILE_SEND_SLAB_BYTES: number = 512 * 1024;

/** Concurrent inbound /parley/file streams per connection (files being served to one peer). */
export const MAX_INBOUND_FILE_STREAMS = 4;

/** Concurrent outbound /parley/file streams per connection; further fetchFile() calls wait their turn. */
export const MAX_OUTBOUND_FILE_STREAMS = 4;

// ---- /parley/query/1.0.0 ---------------------------------------------------
// (the request/answer cap, QUERY_MAX_BYTES = 1 MiB, is core's)

/** A query server waits this long for the request frame after the stream opened, then resets. */
export const QUERY_REQUEST_TIMEOUT_MS = 10_000;

/** The handler must answer within this (else 0x00); the requester waits this + the request timeout. */
export const QUERY_TIMEOUT_MS = 15_000;

/** Queries answered per remote PeerId per QUERY_RATE_WINDOW_MS (more → reset before reading). */
export const QUERY_MAX_PER_PEER = 30;

/** Queries answered from everyone together per QUERY_RATE_WINDOW_MS. */
export const QUERY_MAX_GLOBAL = 600;

/** Length of the query rate-limit window. */
export const QUERY_RATE_WINDOW_MS = 10_000;

/** Queries being answered at once (each may hold a 1 MiB request and a 1 MiB answer). */
export const QUERY_MAX_CONCURRENT = 16;

/** Peers tracked by the query rate limiter at most (new peers beyond it are refused for the window). */
export const QUERY_RATE_MAX_TRACKED_PEERS = 4096;

/** Concurrent inbound /parley/query streams per connection. */
export const MAX_INBOUND_QUERY_STREAMS = 2;

/** Concurrent outbound /parley/query streams per connection. */
export const MAX_OUTBOUND_QUERY_STREAMS = 4;

// ---- pubsub (gossipsub) ----------------------------------------------------
// (the message cap, PUBSUB_MESSAGE_MAX_BYTES = 64 KiB, is core's)

/** Largest gossipsub RPC decoded from a peer (several messages + control; libp2p's default is 4 MiB). */
export const PUBSUB_RPC_MAX_BYTES: number = 1024 * 1024;

/** Bytes queued to one gossipsub peer before further RPCs to it are dropped. */
export const PUBSUB_OUTBOUND_BUFFER_BYTES: number = 4 * 1024 * 1024;

/** Gossipsub heartbeat (mesh maintenance, gossip emission). */
export const PUBSUB_HEARTBEAT_MS = 700;

/** Topics we accept a peer's subscriptions for, as bytes of bookkeeping (≈ 1 KiB per topic). */
export const PUBSUB_MAX_TOPIC_BYTES_PER_PEER: number = 256 * 1024;

// ---- connections -----------------------------------------------------------

/** Connections kept open before libp2p prunes the least valuable ones (user node). */
export const MAX_CONNECTIONS = 200;

/** Connections a relay node keeps open (each relayed circuit uses two). */
export const RELAY_MAX_CONNECTIONS = 1000;

/** New inbound connections per second from one IP before further ones are refused. */
export const INBOUND_CONNECTIONS_PER_IP_PER_SECOND = 5;

/**
 * Inbound connections still in the Noise/yamux upgrade at the same time, from
 * everyone (libp2p's own cap; each costs a socket and a few KiB). Raised from
 * 16 so that it takes 16 sources at MAX_PENDING_INBOUND_PER_IP to fill it.
 */
export const MAX_INCOMING_PENDING_CONNECTIONS = 64;

/**
 * Inbound connections still upgrading from one source (source.ts) at once;
 * more are closed on arrival. A host or a NAT rarely has more than one or two
 * handshakes with us in flight; idle sockets from one IP can hold at most this
 * many of the MAX_INCOMING_PENDING_CONNECTIONS slots.
 */
export const MAX_PENDING_INBOUND_PER_IP = 4;

/**
 * Open inbound connections of strangers (peers not admitted: not a contact or
 * group member) from one source; more are refused after Noise. Admitted peers
 * do not count and are never refused by it (a NAT full of contacts is fine).
 * go-libp2p's resource manager allows 8 connections per IP too.
 */
export const MAX_STRANGER_CONNECTIONS_PER_IP = 8;

/** The same cap on a relay node, where everyone is a stranger (carrier-grade NAT puts many users behind one IP). */
export const RELAY_MAX_CONNECTIONS_PER_IP = 32;

/**
 * Connections kept for admitted peers: a stranger's inbound connection is
 * refused once the node has maxConnections minus this open (at most a quarter
 * of maxConnections when that is lower than 200), and an admitted peer that
 * arrives beyond that line evicts one stranger (unused ones first). A node
 * without an admission hook (a relay) keeps no reserve.
 */
export const ADMITTED_RESERVED_CONNECTIONS = 50;

/**
 * A stranger's inbound connection that has opened no stream on an open
 * protocol (introduction, query, pubsub, DHT, relay, autoNAT, DCUtR) this long
 * after it opened is closed: a Noise handshake alone does not buy a connection
 * slot. Legitimate strangers open theirs within milliseconds (gossipsub right
 * after identify, an invitee's introduction right after connecting).
 */
export const STRANGER_IDLE_TIMEOUT_MS = 5_000;

/** IPv6 sources are counted per prefix of this many bits (a home or a server usually holds a whole /56). */
export const IPV6_SOURCE_PREFIX_BITS = 56;

/** Parallel outbound dials. */
export const MAX_PARALLEL_DIALS = 32;

/** A complete dial (all addresses) must succeed within this. */
export const DIAL_TIMEOUT_MS = 10_000;

/**
 * Inbound connection upgrade (multistream-select, Noise XX, multistream-select
 * for yamux: about 4 round trips) must finish within this; an idle socket holds
 * a pending slot no longer. 4 round trips of 600 ms (a slow relayed path) take
 * 2.4 s: twice that is left (libp2p's default is 10 s).
 */
export const INBOUND_UPGRADE_TIMEOUT_MS = 5_000;

/** Protocol negotiation (multistream-select) on a new stream must finish within this. */
export const PROTOCOL_NEGOTIATION_TIMEOUT_MS = 10_000;

/** With no address to dial, how long connect() waits for the peer's own dial to us to complete. */
export const INBOUND_CONNECTION_GRACE_MS = 500;

/** A DHT lookup for a peer's addresses gives up after this. */
export const DHT_LOOKUP_TIMEOUT_MS = 15_000;

/** DHT lookups tried within DHT_LOOKUP_TIMEOUT_MS before a peer counts as unreachable. */
export const DHT_LOOKUP_ATTEMPTS = 3;

/** Pause before the n-th retry of a DHT lookup is n × this. */
export const DHT_LOOKUP_RETRY_DELAY_MS = 250;

/** Streams of all protocols per yamux connection (libp2p's default is 1000). */
export const YAMUX_MAX_STREAMS_PER_CONNECTION = 256;

/** The largest yamux receive window per stream: bounds buffering per stream. */
export const YAMUX_MAX_STREAM_WINDOW_BYTES: number = 2 * 1024 * 1024;

// ---- relay server ----------------------------------------------------------

/**
 * A relayed connection lives at most this long (libp2p's default, 2 minutes,
 * is too short for chat). Contacts upgrade to a direct connection by hole
 * punching (hole-punch.ts) when their NATs allow; otherwise the circuit is
 * re-established after expiry.
 */
export const RELAY_CIRCUIT_MAX_DURATION_MS: number = 60 * 60 * 1000;

/** Bytes relayed per circuit direction at most (libp2p's default, 128 KiB, is one photo). */
export const RELAY_CIRCUIT_MAX_BYTES: bigint = 64n * 1024n * 1024n;

/** Reservations (peers reachable through this relay) held at once. */
export const RELAY_MAX_RESERVATIONS = 512;

/** How long a reservation lasts before the reserving peer must refresh it. */
export const RELAY_RESERVATION_TTL_MS: number = 60 * 60 * 1000;

/**
 * Reservations a user's node holds on relays it finds among connected peers (DESIGN.md §4: at
 * least two, so losing one relay leaves us reachable), on top of any pinned with `--relay`.
 */
export const RELAY_DISCOVERED_RESERVATIONS = 2;

/**
 * How long a file transfer waits for a direct connection (a hole punch) when the only
 * connection to the peer is a limited relayed one too small for it.
 */
export const FILE_DIRECT_WAIT_MS = 15_000;

/**
 * A relayed connection with at least this many bytes left may carry files: a
 * Parley relay (RELAY_CIRCUIT_MAX_BYTES per circuit) is, the public network's
 * relays (128 KiB, 2 min per circuit) are not.
 */
export const FILE_RELAYED_MIN_BYTES: bigint = 16n * 1024n * 1024n;

/** How often the hole puncher looks for contacts reachable only through a relay (hole-punch.ts). */
export const PUNCH_CHECK_INTERVAL_MS = 5_000;

/** After a relayed connection to a contact opens, wait this long (identify, admission) before punching. */
export const PUNCH_START_DELAY_MS = 1_000;

/** One punch attempt (exchange + simultaneous dial) gives up after this. */
export const PUNCH_ATTEMPT_TIMEOUT_MS = 10_000;

/** After a failed punch, wait this long before the next for that peer; doubles up to PUNCH_MAX_BACKOFF_MS. */
export const PUNCH_FIRST_BACKOFF_MS = 30_000;
export const PUNCH_MAX_BACKOFF_MS: number = 30 * 60 * 1000;

/** Peers whose punch history is kept (the oldest are forgotten first). */
export const PUNCH_MAX_TRACKED_PEERS = 1024;

/** Punches in progress at once (each holds a stream and a dial). */
export const PUNCH_MAX_CONCURRENT = 8;

/** Public IPv4 addresses others observed for us (identify) that we keep and a punch offers. */
export const OBSERVED_MAX_IPS = 4;

/** Peers whose observation of our address we keep (for the NAT kind, observed.ts). */
export const OBSERVED_MAX_PEERS = 16;

/** The per-transport limits tests may tighten (production uses the defaults). */
export interface TransportLimits {
  readonly sendQueueMaxFrames: number;
  readonly writeBatchMaxBytes: number;
  readonly frameIdleTimeoutMs: number;
  readonly streamInactivityTimeoutMs: number;
  readonly sendStreamIdleCloseMs: number;
  readonly inboundQueueHighWaterBytes: number;
  readonly introTimeoutMs: number;
  readonly introMaxPerSource: number;
  readonly introMaxGlobal: number;
  readonly introRateWindowMs: number;
  readonly fileRequestTimeoutMs: number;
  readonly fileIdleTimeoutMs: number;
  readonly fileWriteStallTimeoutMs: number;
  /** FILE_DIRECT_WAIT_MS: how long a file fetch waits for a direct connection over a limited relay. */
  readonly fileDirectWaitMs: number;
  readonly queryRequestTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly queryMaxPerPeer: number;
  readonly queryMaxGlobal: number;
  readonly queryRateWindowMs: number;
  readonly queryMaxConcurrent: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  sendQueueMaxFrames: SEND_QUEUE_MAX_FRAMES,
  writeBatchMaxBytes: WRITE_BATCH_MAX_BYTES,
  frameIdleTimeoutMs: FRAME_IDLE_TIMEOUT_MS,
  streamInactivityTimeoutMs: STREAM_INACTIVITY_TIMEOUT_MS,
  sendStreamIdleCloseMs: SEND_STREAM_IDLE_CLOSE_MS,
  inboundQueueHighWaterBytes: INBOUND_QUEUE_HIGH_WATER_BYTES,
  introTimeoutMs: INTRO_TIMEOUT_MS,
  introMaxPerSource: INTRO_MAX_PER_SOURCE,
  introMaxGlobal: INTRO_MAX_GLOBAL,
  introRateWindowMs: INTRO_RATE_WINDOW_MS,
  fileRequestTimeoutMs: FILE_REQUEST_TIMEOUT_MS,
  fileIdleTimeoutMs: FILE_IDLE_TIMEOUT_MS,
  fileWriteStallTimeoutMs: FILE_WRITE_STALL_TIMEOUT_MS,
  fileDirectWaitMs: FILE_DIRECT_WAIT_MS,
  queryRequestTimeoutMs: QUERY_REQUEST_TIMEOUT_MS,
  queryTimeoutMs: QUERY_TIMEOUT_MS,
  queryMaxPerPeer: QUERY_MAX_PER_PEER,
  queryMaxGlobal: QUERY_MAX_GLOBAL,
  queryRateWindowMs: QUERY_RATE_WINDOW_MS,
  queryMaxConcurrent: QUERY_MAX_CONCURRENT,
};
