/**
 * A contact's one security state, shown the same way everywhere (header,
 * contact info, banner): verified, not verified, or safety number changed.
 * A change outranks an earlier verification: the number that was verified is
 * no longer the one in use, so the green "Verified" must not show beside the
 * warning.
 */
import type { ContactView } from './types.ts';

export type SecurityState = 'verified' | 'unverified' | 'changed';

export function securityState(c: Pick<ContactView, 'verified' | 'identityChanged'>): SecurityState {
  if (c.identityChanged) return 'changed';
  return c.verified ? 'verified' : 'unverified';
}

export const SECURITY_LABEL: Readonly<Record<SecurityState, string>> = {
  verified: 'Verified',
  unverified: 'Not verified',
  changed: 'Safety number changed',
};
