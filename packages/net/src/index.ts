/**
 * `@parley/net`: Parley's libp2p node and wire protocols. The only package
 * that imports libp2p; everything above it sees core's `Transport`.
 */

export type { ConnectionGate } from './connection-gate.ts';
export { FILE_PROTOCOL, INTRO_PROTOCOL, MSG_PROTOCOL, QUERY_PROTOCOL } from './context.ts';
export {
  createFrameDecoder,
  encodeFrames,
  type FrameDecodeError,
  type FrameDecoder,
  uvarintLength,
  writeUvarint,
} from './frame-codec.ts';
export {
  decodeConnect,
  encodeConnect,
  PUNCH_PROTOCOL,
  type PunchStats,
} from './hole-punch.ts';
export * from './limits.ts';
export {
  bootstrapList,
  createParleyNode,
  createRelayNode,
  DEFAULT_LISTEN_ADDRESSES,
  DHT_PROTOCOL,
  type ParleyLibp2p,
  type ParleyNetwork,
  type ParleyNodeOptions,
  type ParleyServices,
  PUBLIC_BOOTSTRAP,
  PUBLIC_DHT_PROTOCOL,
  parleyLibp2pOptions,
  type RelayNodeOptions,
  type RelayServerLimits,
} from './node.ts';
export { generatePeerKey, loadOrCreatePeerKey, peerIdOfKey } from './peer-key.ts';
export {
  type ConnectionKind,
  connectionKindOf,
  type NatKind,
  quicFirstAddressSorter,
  type Reachability,
} from './reachability.ts';
export { type RelayStatus, type RelayStatusSource, relayStatus } from './relay-status.ts';
export {
  createLibp2pTransport,
  createParleyTransport,
  type ParleyTransport,
  type TransportOptions,
} from './transport.ts';
