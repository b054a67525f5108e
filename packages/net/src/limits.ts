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

/** Introductions accepted per remote IP address per INTRO_RATE_WINDOW_MS. */
export const INTRO_MAX_PER_HOST = 10;

/** Introductions accepted from everyone together per INTRO_RATE_WINDOW_MS. */
export const INTRO_MAX_GLOBAL = 120;

/** Length of the intro rate-limit window. */
export const INTRO_RATE_WINDOW_MS = 60_000;

/** Hosts tracked by the intro rate limiter at most (older entries are dropped first). */
export const INTRO_RATE_MAX_TRACKED_HOSTS = 4096;

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

/** Inbound connections still in the Noise/yamux upgrade at the same time. */
export const MAX_INCOMING_PENDING_CONNECTIONS = 16;

/** Parallel outbound dials. */
export const MAX_PARALLEL_DIALS = 32;

/** A complete dial (all addresses) must succeed within this. */
export const DIAL_TIMEOUT_MS = 10_000;

/** Inbound connection upgrade (Noise handshake + muxer negotiation) must finish within this. */
export const INBOUND_UPGRADE_TIMEOUT_MS = 10_000;

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
 * is too short for chat). Peers upgrade to a direct connection via DCUtR when
 * they can; otherwise the circuit is re-established after expiry.
 */
export const RELAY_CIRCUIT_MAX_DURATION_MS: number = 60 * 60 * 1000;

/** Bytes relayed per circuit direction at most (libp2p's default, 128 KiB, is one photo). */
export const RELAY_CIRCUIT_MAX_BYTES: bigint = 64n * 1024n * 1024n;

/** Reservations (peers reachable through this relay) held at once. */
export const RELAY_MAX_RESERVATIONS = 512;

/** How long a reservation lasts before the reserving peer must refresh it. */
export const RELAY_RESERVATION_TTL_MS: number = 60 * 60 * 1000;

/** The per-transport limits tests may tighten (production uses the defaults). */
export interface TransportLimits {
  readonly sendQueueMaxFrames: number;
  readonly writeBatchMaxBytes: number;
  readonly frameIdleTimeoutMs: number;
  readonly streamInactivityTimeoutMs: number;
  readonly sendStreamIdleCloseMs: number;
  readonly inboundQueueHighWaterBytes: number;
  readonly introTimeoutMs: number;
  readonly introMaxPerHost: number;
  readonly introMaxGlobal: number;
  readonly introRateWindowMs: number;
  readonly fileRequestTimeoutMs: number;
  readonly fileIdleTimeoutMs: number;
  readonly fileWriteStallTimeoutMs: number;
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
  introMaxPerHost: INTRO_MAX_PER_HOST,
  introMaxGlobal: INTRO_MAX_GLOBAL,
  introRateWindowMs: INTRO_RATE_WINDOW_MS,
  fileRequestTimeoutMs: FILE_REQUEST_TIMEOUT_MS,
  fileIdleTimeoutMs: FILE_IDLE_TIMEOUT_MS,
  fileWriteStallTimeoutMs: FILE_WRITE_STALL_TIMEOUT_MS,
  queryRequestTimeoutMs: QUERY_REQUEST_TIMEOUT_MS,
  queryTimeoutMs: QUERY_TIMEOUT_MS,
  queryMaxPerPeer: QUERY_MAX_PER_PEER,
  queryMaxGlobal: QUERY_MAX_GLOBAL,
  queryRateWindowMs: QUERY_RATE_WINDOW_MS,
  queryMaxConcurrent: QUERY_MAX_CONCURRENT,
};
