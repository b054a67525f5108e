/**
 * Mailboxes (issue 17, docs/PROTOCOL.md "Mailboxes"): sealed mail held for an account while it
 * is away. The protocol's bytes (codec.ts), the sender-hiding envelope (envelope.ts) and the
 * mailbox's side (server.ts). Imports base … messaging.
 */
export * from './codec.ts';
export * from './envelope.ts';
export * from './mailboxes.ts';
export { applyMailboxControl, decodeMailboxControl, encodeMailboxControl } from './offers.ts';
export { applyMailboxSync } from './pairing.ts';
export * from './server.ts';
