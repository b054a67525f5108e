export {
  type AccountCrypto,
  type AccountFiles,
  accountFilesProtection,
  accountFilesState,
  type ChangeSecretOptions,
  type CreateOptions,
  changeAccountSecret,
  createAccountDatabase,
  type HeaderWriteStep,
  mailboxDatabaseKey,
  type UnlockedDatabase,
  type UnlockOptions,
  unlockAccountDatabase,
} from './account-database.ts';
export { databaseFileKind, type EncryptProgress } from './encrypt.ts';
export { StoreKeyError, StoreSetupError, StoreVersionError } from './errors.ts';
export { openMailStore } from './mail-store.ts';
export { SCHEMA_VERSION } from './schema.ts';
export {
  DATABASE_KEY_BYTES,
  DEFAULT_BUSY_TIMEOUT_MS,
  openSqliteStore,
  type SqliteStoreOptions,
} from './sqlite-store.ts';
