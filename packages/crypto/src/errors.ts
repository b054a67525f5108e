/**
 * Every error thrown by @parley/crypto. Each class carries a stable `code`;
 * callers and tests branch on the class and the code, never on the message text.
 *
 * On the decrypt path there is ONE generic error, {@link DecryptError}: a forged,
 * truncated, replayed or tampered message all look the same, so the error is no
 * oracle (libsignal / vodozemac practice). The only other errors a decrypt can
 * raise describe things the sender chose and already knows (an unknown version,
 * a limit of this implementation) — see SPEC.md §8.
 * @module
 */

/** Base class of every error thrown by this package. */
export class CryptoError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The one generic decryption failure: authentication failed, the message is
 * malformed, replayed, or does not belong to this session. The session passed
 * in is unchanged; keep using it.
 * @example
 * try { ({ session, plaintext } = decrypt(session, bytes, random)); }
 * catch (e) { if (e instanceof DecryptError) dropMessage(); else throw e; }
 */
export class DecryptError extends CryptoError {
  constructor() {
    super('decrypt-failed', 'message could not be decrypted; it was ignored and the session is unchanged');
  }
}

/** Reasons a limit was hit. See the limits table in SPEC.md §7. */
export type LimitCode = 'max-skip' | 'max-stored-keys' | 'max-old-chains' | 'counter-overflow';

/**
 * A message would need more skipped keys or chains than the documented limits.
 * Raised before any key is derived; the session is unchanged. Core must not
 * reflect this distinction back to the remote peer.
 * @example
 * if (e instanceof LimitError && e.code === 'max-skip') askPeerToResetSession();
 */
export class LimitError extends CryptoError {
  declare readonly code: LimitCode;
  constructor(code: LimitCode, message: string) {
    super(code, message);
  }
}

/** Reasons a contact card is refused. */
export type CardErrorCode =
  | 'truncated'
  | 'bad-version'
  | 'bad-suite'
  | 'bad-length'
  | 'bad-field'
  | 'trailing-bytes'
  | 'bad-key'
  | 'bad-signature';

/**
 * A contact card (invite) could not be decoded or its signature is wrong.
 * @example
 * try { decodeContactCard(bytes); } catch (e) { if (e instanceof CardError) show(e.code); }
 */
export class CardError extends CryptoError {
  declare readonly code: CardErrorCode;
  constructor(code: CardErrorCode, message: string) {
    super(code, message);
  }
}

/** Reasons a device list is refused (device-list.ts, SPEC.md §13). */
export type DeviceListErrorCode =
  | 'truncated'
  | 'bad-version'
  | 'bad-length'
  | 'bad-field'
  | 'trailing-bytes'
  | 'bad-key'
  | 'bad-signature'
  | 'wrong-account'
  | 'stale'
  | 'gap'
  | 'fork';

/**
 * A device list could not be decoded, is not signed by the account, or does not extend the list
 * held (a replay, a gap, a fork).
 * @example try { acceptDeviceList(bytes, account, id, held, p); } catch (e) { if (e instanceof DeviceListError && e.code === 'gap') fetchMissing(); }
 */
export class DeviceListError extends CryptoError {
  declare readonly code: DeviceListErrorCode;
  constructor(code: DeviceListErrorCode, message: string) {
    super(code, message);
  }
}

/** Reasons a stored value (identity, prekey, session, file key) is refused. */
export type FormatErrorCode = 'truncated' | 'bad-version' | 'bad-length' | 'bad-value' | 'trailing-bytes';

/**
 * A serialized secret value (identity, prekey, session state, file key) is malformed.
 * @example
 * try { deserializeSession(bytes); } catch (e) { if (e instanceof FormatError) reportCorruption(e.code); }
 */
export class FormatError extends CryptoError {
  declare readonly code: FormatErrorCode;
  constructor(code: FormatErrorCode, message: string) {
    super(code, message);
  }
}

/**
 * Reasons a key is refused. `invalid-key` is an ML-KEM-768 key that fails the FIPS 203 §7.2
 * modulus check (encapsulation key) or §7.3 hash check (decapsulation key);
 * `bad-ciphertext-length` an ML-KEM-768 ciphertext that is not 1,088 bytes (§7.3 type check).
 */
export type KeyErrorCode =
  | 'bad-key-length'
  | 'low-order'
  | 'bad-signature'
  | 'invalid-key'
  | 'bad-ciphertext-length';

/**
 * A key has the wrong length, an X25519 agreement gave the all-zero (low-order) result,
 * a prekey signature does not verify, or an ML-KEM-768 input fails the FIPS 203 input checks.
 * @example
 * expect(() => p.x25519(secret, new Uint8Array(32))).toThrow(KeyError);
 */
export class KeyError extends CryptoError {
  declare readonly code: KeyErrorCode;
  constructor(code: KeyErrorCode, message: string) {
    super(code, message);
  }
}

/** Reasons a first (prekey) message cannot start a session, before any decryption. */
export type HandshakeErrorCode =
  | 'unknown-signed-prekey'
  | 'unknown-one-time-prekey'
  | 'not-a-prekey-message'
  /** Suite 2: the named signed ML-KEM-768 prekey is not held (or the lookup has no KEM prekeys). */
  | 'unknown-kem-prekey'
  /** Suite 2: the named one-time ML-KEM-768 prekey was used or never issued. */
  | 'unknown-one-time-kem-prekey'
  /** A suite-1 first message to a responder that requires suite 2 (AcceptOptions.requirePostQuantum). */
  | 'downgrade';

/**
 * A prekey message names a prekey we do not hold (ids are public, so this is no oracle).
 * @example
 * catch (e) { if (e instanceof HandshakeError && e.code === 'unknown-one-time-prekey') drop(); }
 */
export class HandshakeError extends CryptoError {
  declare readonly code: HandshakeErrorCode;
  constructor(code: HandshakeErrorCode, message: string) {
    super(code, message);
  }
}

/** Reasons a file chunk is refused; `chunk-auth-failed` is the generic one. */
export type FileErrorCode = 'chunk-auth-failed' | 'bad-chunk-size' | 'bad-index';

/**
 * A file chunk failed authentication (tampered, truncated, reordered, swapped,
 * appended after the final chunk) or has an impossible size or index.
 * @example
 * try { openChunk(fileKey, i, bytes, isLast); } catch (e) { if (e instanceof FileError) abortDownload(); }
 */
export class FileError extends CryptoError {
  declare readonly code: FileErrorCode;
  constructor(code: FileErrorCode, message: string) {
    super(code, message);
  }
}
