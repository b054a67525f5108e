/**
 * @parley/client — the daemon's local API (docs/API.md) described once: each method's params and
 * result (schema.ts), a params check for servers (validate.ts) and a typed client (client.ts).
 * The OpenRPC document is built by `@parley/client/openrpc`.
 */
export { type Client, type ClientOptions, createClient, type FetchLike, type ParamsArgs } from './client.ts';
export { RpcError, TransportError, type TransportErrorCode } from './errors.ts';
export {
  type CheckedParams,
  isMethodName,
  METHOD_NAMES,
  METHODS,
  type MethodName,
  type ParamsOf,
  type ResultOf,
} from './schema.ts';
export { checkParams, type ParamsCheck } from './validate.ts';
export type {
  AttachmentProgress,
  AttachmentStatus,
  AttachmentView,
  ChannelView,
  ContactView,
  ConversationView,
  DaemonState,
  DeviceView,
  DraftView,
  GroupMemberView,
  GroupView,
  Identity,
  Invite,
  MailboxView,
  MessageRef,
  MessageView,
  Profile,
  Reachability,
  ReactionView,
  ReadByView,
  ReceiptView,
  SafetyNumber,
  SearchHit,
  Settings,
} from './views.ts';
