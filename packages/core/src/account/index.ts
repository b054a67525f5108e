/**
 * The account (identity, prekeys, display name) and the vault that seals everything at rest.
 * Imports base, ports and wire.
 */
export {
  type Account,
  type AccountInfo,
  accountIdOf,
  accountProtection,
  checkDisplayName,
  createAccount,
  currentSignedPrekey,
  DISPLAY_NAME_MAX_CHARS,
  decodeIdentityPublic,
  encodeIdentityPublic,
  hasAccount,
  kemPrekeyToPublish,
  loadPrekey,
  newOneTimePrekey,
  openAccount,
  putPrekey,
  readInfo,
  renameAccount,
  rotateSignedPrekeys,
  unlockAccount,
  writeInfo,
} from './account.ts';
export { type ClaimedAccount, claimedAccount, claimForDevice } from './device-claim.ts';
export {
  currentKemPrekey,
  deleteOneTimeKemPrekey,
  loadKemPrekey,
  newOneTimeKemPrekey,
  postQuantumSince,
  putKemPrekey,
  setPostQuantumSince,
} from './kem-prekeys.ts';
export {
  loadMailboxLinks,
  loadOwnMailboxes,
  type OwnMailbox,
  saveMailboxLinks,
  saveOwnMailboxes,
} from './mailboxes.ts';
export {
  createVault,
  rewrapVault,
  SCRYPT_PARAMS,
  unlockVault,
  type Vault,
  type VaultKdf,
  type VaultSecret,
  vaultKdf,
} from './vault.ts';
