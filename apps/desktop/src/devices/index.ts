/** This account's devices (issue 19): settings, linking, history progress, contacts' changes. */
export { DeviceSettings } from './DeviceSettings.tsx';
export { HistoryBanner, type HistoryProgress, useHistoryProgress } from './HistoryBanner.tsx';
export { LinkThisDevice } from './LinkThisDevice.tsx';
export { type DevicesChange, devicesNotice } from './notice.ts';
