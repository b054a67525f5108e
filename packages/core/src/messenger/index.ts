/**
 * The composition root: createMessenger wires the features together. Imports everything below.
 */
export {
  createMessenger,
  type Messenger,
  type MessengerOptions,
  type MessengerStatus,
  RECEIVED_RETENTION_MS,
} from './messenger.ts';
