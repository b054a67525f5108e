/**
 * The Transport interface: what core needs from the network.
 *
 * core defines it; `@parley/net` implements it on libp2p and
 * `createMemoryNetwork()` (testing/memory-transport.ts) implements it in memory for
 * tests. Both pass the same compliance suite (`@parley/core/testing`).
 *
 * Peers are named by their libp2p PeerId in its canonical string form
 * (base58btc, e.g. `12D3KooW…`). Core never sees a connection, a stream or a
 * multiaddr object: only PeerId strings, address strings and frames.
 *
 * Contract (DESIGN.md §2, §4):
 * - A frame handed to `onFrame` handlers came from the authenticated remote
 *   PeerId `from` (the Noise handshake proved it), and that peer was admitted
 *   by the admission hook *before* a single application byte was read.
 * - Frames from one peer are delivered in the order they were sent, and the
 *   transport awaits the handler's promise before delivering the next frame of
 *   that peer (per-peer inbound backpressure). Different peers are independent.
 * - Frames are opaque bytes of 1..FRAME_MAX_BYTES; the transport never
 *   inspects them.
 */

/** Hard maximum size of one frame on `/parley/msg/1.0.0` (DESIGN.md §4). */
export const FRAME_MAX_BYTES: number = 64 * 1024;

/** Hard maximum size of one introduction frame on `/parley/intro/1.0.0`. */
export const INTRO_FRAME_MAX_BYTES: number = 16 * 1024;

/** Largest frame on `/parley/file/1.0.0`: one sealed file chunk (64 KiB + tag) with room to spare. */
export const FILE_FRAME_MAX_BYTES: number = 128 * 1024;

/** Largest message published on a pubsub topic (channel posts, large-group messages). */
export const PUBSUB_MESSAGE_MAX_BYTES: number = 64 * 1024;

/** Largest request or response on `/parley/query/1.0.0` (e.g. a page of missed channel posts). */
export const QUERY_MAX_BYTES: number = 1024 * 1024;

/** A libp2p PeerId in canonical string form. */
export type PeerIdString = string;

/** A frame received from an admitted peer. */
export interface InboundFrame {
  readonly from: PeerIdString;
  readonly data: Uint8Array;
}

/** A peer's reachability changed. */
export interface PeerEvent {
  readonly type: 'connected' | 'disconnected';
  readonly peer: PeerIdString;
}

/** The protocols the admission hook is asked about: `/parley/msg/1.0.0` and `/parley/file/1.0.0`. */
export type AdmissionProtocol = 'msg' | 'file';

/**
 * Answers "may this PeerId talk to us on `/parley/msg`?" (or, with `protocol`
 * 'file', fetch from us on `/parley/file`). Consulted for every
 * inbound connection/stream before any application byte is read; a `false`
 * resets the stream. Must be cheap (a set lookup). A peer may be admitted on
 * one protocol only: a group member we know only through a group's admin is
 * admitted on 'msg' alone (docs/GROUPS.md "Members who are not contacts").
 */
export type AdmissionHook = (peer: PeerIdString, protocol?: AdmissionProtocol) => boolean;

/**
 * Handles one introduction frame from a peer that is not (yet) admitted: the
 * first message of someone accepting our invite. The handler must check the
 * invite token at the start of the frame (constant time) before parsing the
 * rest. Resolving `true` means the peer is now a contact (the admission hook
 * will say so from now on); `false` closes the stream.
 */
export type IntroductionHandler = (frame: InboundFrame) => Promise<boolean>;

export type FrameHandler = (frame: InboundFrame) => void | Promise<void>;

/** A request on `/parley/file/1.0.0`: the encrypted chunks of one attachment, from `fromChunk` on. */
export interface FileRequest {
  /** The attachment id: 32 lowercase hex characters (16 bytes on the wire). */
  readonly fileId: string;
  /** First chunk wanted (resuming after `fromChunk` chunks were received). */
  readonly fromChunk: number;
}

/**
 * Serves a file request from an admitted peer: returns the chunks (each one
 * frame of at most FILE_FRAME_MAX_BYTES, in order), or undefined to refuse
 * (unknown file, or a file that was not sent to this peer).
 */
export type FileServer = (peer: PeerIdString, request: FileRequest) => AsyncIterable<Uint8Array> | undefined;
export type PeerEventHandler = (event: PeerEvent) => void;

/**
 * A message received on a pubsub topic. `from` is the PeerId that signed it
 * at the transport level (gossipsub StrictSign) — not necessarily a contact;
 * consumers verify the content's own signature before trusting it.
 */
export interface PubsubMessage {
  readonly topic: string;
  readonly from: PeerIdString;
  readonly data: Uint8Array;
}

export type PubsubHandler = (message: PubsubMessage) => void;

/**
 * Who may share a topic with us (docs/THREAT-MODEL.md "What strangers can
 * learn"). Consulted for every peer we would tell about our subscription,
 * send a message or gossip of the topic to, or take them from; a peer it
 * refuses never learns that we subscribe, and nothing of the topic travels
 * between us in either direction. Must be cheap (a set lookup). The answer
 * may change over time (a member added or removed): the transport asks again
 * within PUBSUB_ADMISSION_RECHECK_MS and tells the peer, or stops.
 */
export type TopicAdmission = (peer: PeerIdString) => boolean;

export interface SubscribeOptions {
  /** Without it the topic is open: any peer may see the subscription and exchange its messages. */
  readonly admit?: TopicAdmission;
}

/** A subscription's admission is asked again at most this long after it may have changed. */
export const PUBSUB_ADMISSION_RECHECK_MS = 1000;

/**
 * Answers a request on `/parley/query/1.0.0` from a peer that its admission
 * hook let in (see `setQueryHandler`): the handler decides what to reveal to
 * whom, and returns undefined to refuse. The transport bounds sizes and rates.
 */
export type QueryHandler = (peer: PeerIdString, request: Uint8Array) => Promise<Uint8Array | undefined>;

export interface SendOptions {
  readonly signal?: AbortSignal;
}

export interface ConnectOptions {
  /** Known addresses of the peer (multiaddr strings), e.g. from its contact card. */
  readonly addresses?: readonly string[];
  readonly signal?: AbortSignal;
}

/** How a connection to a peer runs (Transport.connectionKind). */
export type ConnectionKind = 'direct' | 'relayed' | null;

export interface Transport {
  /** Our own PeerId. */
  readonly peerId: PeerIdString;

  /** Our current listen/announce addresses as multiaddr strings ending in `/p2p/<peerId>`. */
  addresses(): readonly string[];

  /** Install the admission hook (replaces any previous one). Until set, every peer is refused. */
  setAdmission(hook: AdmissionHook): void;

  /** Install the introduction handler (replaces any previous one). Until set, introductions are refused. */
  setIntroductionHandler(handler: IntroductionHandler): void;

  /** Subscribe to frames from admitted peers; returns an unsubscribe function. */
  onFrame(handler: FrameHandler): () => void;

  /** Subscribe to peer connected/disconnected events; returns an unsubscribe function. */
  onPeer(handler: PeerEventHandler): () => void;

  /**
   * Make sure we have a connection to `peer`: reuse one, dial the given
   * addresses, or look the peer up (DHT, mDNS, relays). Rejects with a
   * `TransportError` of code `unreachable` when no route was found.
   */
  connect(peer: PeerIdString, options?: ConnectOptions): Promise<void>;

  /** Whether a connection to `peer` is open right now. */
  isConnected(peer: PeerIdString): boolean;

  /**
   * How we are connected to `peer` right now: `direct` (some connection runs
   * straight to it), `relayed` (only through a relay, which may limit time and
   * bytes), or null (not connected).
   */
  connectionKind(peer: PeerIdString): ConnectionKind;

  /**
   * Send one frame on `/parley/msg/1.0.0`, dialling if needed. Resolves once
   * the frame was written to the peer's stream (not an end-to-end ack: core
   * has its own acks). Applies backpressure: awaits while the per-peer send
   * queue is full. Rejects with `TransportError` (`unreachable`,
   * `frame-too-large`, `aborted`, `closed`).
   */
  send(peer: PeerIdString, frame: Uint8Array, options?: SendOptions): Promise<void>;

  /**
   * Send one introduction frame on `/parley/intro/1.0.0` to a peer that does
   * not know us yet (accepting their invite), and wait for their verdict.
   * Resolves `true` if they accepted us as a contact.
   */
  introduce(peer: PeerIdString, frame: Uint8Array, options?: ConnectOptions): Promise<boolean>;

  /** Install the file server for `/parley/file/1.0.0` (replaces any previous one). Until set, requests are refused. */
  setFileServer(server: FileServer): void;

  /**
   * Pull an attachment's chunks from `peer`, in order, from `request.fromChunk`.
   * Ends when the peer has sent them all; throws TransportError (`unreachable`,
   * `refused` when the peer has no such file for us, `closed`, `aborted`).
   * Memory stays bounded: chunks are read as the consumer iterates.
   */
  fetchFile(peer: PeerIdString, request: FileRequest, options?: SendOptions): AsyncIterable<Uint8Array>;

  /**
   * Subscribe to a pubsub topic (gossipsub in net): best effort, unordered,
   * possibly duplicated delivery. Returns an unsubscribe function.
   * `options.admit` restricts the topic to the peers it admits (see
   * TopicAdmission); a message reaches us only through admitted peers, but
   * its `from` (its author) may be a peer the admission does not name.
   */
  subscribe(topic: string, handler: PubsubHandler, options?: SubscribeOptions): () => void;

  /**
   * Publish on a topic we subscribe to (1..PUBSUB_MESSAGE_MAX_BYTES); resolves once handed to
   * the network. It reaches only peers the subscription admits (none if we do not subscribe).
   */
  publish(topic: string, data: Uint8Array): Promise<void>;

  /**
   * Install the `/parley/query/1.0.0` handler (replaces any previous one). Until set, queries are
   * refused. `admission` is consulted for the remote PeerId before any byte of a query is read; a
   * peer it refuses is reset (a stranger learns nothing but that we refuse it).
   */
  setQueryHandler(handler: QueryHandler, admission: AdmissionHook): void;

  /**
   * Ask `peer` one question on `/parley/query/1.0.0` (1..QUERY_MAX_BYTES) and
   * return its answer; rejects with TransportError `refused` when it declines,
   * `unreachable`, `frame-too-large`, `closed` or `aborted`.
   */
  query(peer: PeerIdString, request: Uint8Array, options?: ConnectOptions): Promise<Uint8Array>;

  /** Close every connection and stop; pending sends reject with `closed`. */
  stop(): Promise<void>;
}

export type TransportErrorCode = 'unreachable' | 'frame-too-large' | 'aborted' | 'closed' | 'refused';

/** Errors a Transport raises; tests and callers switch on `code`. */
export class TransportError extends Error {
  readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransportError';
    this.code = code;
  }
}
