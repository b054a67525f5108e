/**
 * The composition root: createMessenger wires the features together. Imports everything below.
 */

export type { DeviceMethods, DeviceView } from './devices.ts';
export type { DraftMethods, DraftView } from './drafts.ts';
export {
  createMessenger,
  type Messenger,
  type MessengerOptions,
  type MessengerStatus,
  RECEIVED_RETENTION_MS,
} from './messenger.ts';
export {
  SEARCH_LIMIT_DEFAULT,
  SEARCH_LIMIT_MAX,
  type SearchHit,
  type SearchParams,
  type SearchResult,
} from './search.ts';
export { SEARCH_BACKFILL_BATCH, SEARCH_BACKFILL_META } from './search-backfill.ts';
