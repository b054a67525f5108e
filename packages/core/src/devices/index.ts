/**
 * Several devices, one person (docs/MULTI-DEVICE.md): device lists, fan-out targets, sync copies
 * and linking. Imports base, ports, account, sessions and wire.
 */
export {
  type ContactSync,
  type DevicesPayload,
  decodeDevicesPayload,
  decodeSyncPayload,
  encodeDevicesPayload,
  encodeSyncPayload,
  type SyncPayload,
} from './codec.ts';
export {
  decodeHistoryAnswer,
  encodeHistoryRequest,
  FIRST_SORT_KEY,
  fetchHistoryBatch,
  GROUP_HISTORY_PREFIX,
  HISTORY_BAND,
  HISTORY_BATCH_BYTES,
  HISTORY_BATCH_MESSAGES,
  HISTORY_CURSOR_META,
  HISTORY_FROM_META,
  type HistoryBatch,
  type HistoryCursor,
  type HistoryMessage,
  historyAnswer,
  isHistoryRequest,
  readHistoryRequest,
} from './history.ts';
export {
  approveLink,
  completeLink,
  createPendingDevice,
  decodePendingDevice,
  encodePendingDevice,
  LINK_GRANT_MAX_BYTES,
  LINK_SECRET_BYTES,
  LINK_TTL_MS,
  linkRequest,
  type PendingDevice,
} from './link.ts';
export {
  DEVICE_LINK_SCHEME,
  type DeviceLinkOffer,
  decodeDeviceLink,
  encodeDeviceLink,
  LINK_OFFERS_MAX,
  LinkOffers,
  requestLink,
} from './link-protocol.ts';
export {
  type DeviceChange,
  deviceListOf,
  ensureOwnList,
  FIRST_DEVICE_NAME,
  followDeviceList,
  ownDeviceList,
  publishOwnList,
  readCard,
  SELF,
  sessionKeyOf,
  withDevice,
} from './lists.ts';
export {
  contactTargets,
  type DeviceTarget,
  fanoutPeers,
  type ListedDevice,
  listedDevices,
  ownDeviceRecord,
  ownerOf,
  ownTargets,
  type PeerOwner,
  recipientOf,
  sessionFor,
} from './targets.ts';
