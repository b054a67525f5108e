/** The ids of Parley's own libp2p protocols (docs/PROTOCOL.md §1). */
export const MSG_PROTOCOL = '/parley/msg/1.0.0';
export const INTRO_PROTOCOL = '/parley/intro/1.0.0';
export const FILE_PROTOCOL = '/parley/file/1.0.0';
export const QUERY_PROTOCOL = '/parley/query/1.0.0';
export const PUNCH_PROTOCOL = '/parley/punch/1.0.0';
