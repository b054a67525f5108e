/**
 * Contacts: invites, introductions, prekey lookup, address scope. Imports base … sessions.
 */
export { vouchedAddresses } from './address-scope.ts';
export {
  acceptIdentityChange,
  acceptInvite,
  addContact,
  contactSafetyNumber,
  createInvite,
  findContact,
  INVITE_DEFAULT_TTL_MS,
  type Invite,
  type InviteOptions,
  markVerified,
  ownCard,
  REUSABLE_INVITE_DEFAULT_TTL_MS,
  removeContact,
  renameContact,
} from './contacts.ts';
export { receiveIntroduction } from './introductions.ts';
export { freeName } from './names.ts';
export { storeNewContact } from './new-contact.ts';
export { acceptOptions, deleteUsedPrekeys, prekeyLookup } from './prekey-lookup.ts';
