/**
 * core's errors. Every error a caller (CLI, daemon, UI) can meet carries a
 * stable `code`; its message says what happened and what to do.
 */

export type CoreErrorCode =
  | 'account-exists'
  | 'no-account'
  | 'locked'
  | 'wrong-passphrase'
  | 'bad-invite'
  | 'invite-expired'
  | 'invite-used'
  | 'own-invite'
  | 'unknown-contact'
  | 'contact-exists'
  | 'name-taken'
  | 'bad-name'
  | 'identity-changed'
  | 'message-too-large'
  | 'unknown-message'
  | 'not-allowed'
  | 'too-many-devices'
  | 'device-exists'
  | 'bad-link'
  | 'link-expired'
  | 'bad-input';

export class CoreError extends Error {
  readonly code: CoreErrorCode;
  constructor(code: CoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CoreError';
    this.code = code;
  }
}

/** A frame or message from a peer could not be processed (never shown to the peer). */
export class InboundError extends Error {
  readonly code: 'bad-frame' | 'decrypt-failed' | 'bad-message' | 'not-admitted';
  constructor(code: InboundError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InboundError';
    this.code = code;
  }
}
